"""The calls a test makes to mockdingtalk's admin API (/_mock/), in
Python's standard library: create a robot, read and wait for the messages it
received, reset. Copy it into your own tests.

The fake's address comes from $MOCKDINGTALK_URL (default
http://127.0.0.1:8090); $MOCKDINGTALK_ADMIN_TOKEN is sent when the fake runs
with -admin-token.
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request


class MockDingTalk:
    def __init__(self, base_url=None, admin_token=None):
        self.base_url = (base_url or os.environ.get("MOCKDINGTALK_URL") or "http://127.0.0.1:8090").rstrip("/")
        self.admin_token = admin_token if admin_token is not None else os.environ.get("MOCKDINGTALK_ADMIN_TOKEN", "")

    def _call(self, method, path, body=None, timeout=15):
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.admin_token:
            headers["Authorization"] = "Bearer " + self.admin_token
        req = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{method} {path}: {e.code} {e.read().decode(errors='replace')}") from None
        return json.loads(raw) if raw else None

    def reset(self):
        """POST /_mock/reset: the start-up robots only, no messages, no faults, the real clock."""
        self._call("POST", "/_mock/reset")

    def create_robot(self, **fields):
        """POST /_mock/robots: a new robot (name, secret, keywords, ipAllowlist, ...); returns it,
        with its accessToken."""
        return self._call("POST", "/_mock/robots", fields)

    def webhook(self, robot):
        """The robot's webhook URL on this fake's address."""
        return f"{self.base_url}/robot/send?access_token={robot['accessToken']}"

    def messages(self, access_token, delivered=True):
        """GET /_mock/messages: the requests one robot got, oldest first (delivered ones only by default)."""
        q = urllib.parse.urlencode({"accessToken": access_token, "delivered": str(delivered).lower()})
        return self._call("GET", "/_mock/messages?" + q)["entries"]

    def wait_for_messages(self, access_token, count, timeout="10s"):
        """GET /_mock/messages/wait: blocks until the robot has count delivered messages
        (fails the test with what there is when timeout passes)."""
        q = urllib.parse.urlencode({"accessToken": access_token, "count": count, "delivered": "true", "timeout": timeout})
        return self._call("GET", "/_mock/messages/wait?" + q, timeout=660)["entries"]
