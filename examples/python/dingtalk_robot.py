"""A DingTalk group-robot client in Python's standard library: what an
application (an alerting script, a CI notifier) uses to post to a robot.

It signs as DingTalk documents it -- HMAC-SHA256 of "<timestamp>\\n<secret>"
keyed with the secret, base64, then URL-encoded -- and raises RobotError
when the robot answers a non-zero errcode (DingTalk answers HTTP 200 even
then). Point it at mockdingtalk in tests by giving the fake's webhook URL.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request


class RobotError(Exception):
    """The robot refused the message: DingTalk's errcode and errmsg."""

    def __init__(self, errcode, errmsg):
        super().__init__(f"DingTalk robot answered errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


def sign(secret, timestamp_ms):
    """The sign query parameter for a timestamp in milliseconds, URL-encoded."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


class Robot:
    """One group robot: its webhook URL (with access_token) and, when the
    robot has "sign" security, its secret."""

    def __init__(self, webhook, secret=None, timeout=10):
        self.webhook = webhook
        self.secret = secret
        self.timeout = timeout

    def send(self, message):
        """Posts a message (a dict in DingTalk's JSON shape) and returns the answer."""
        url = self.webhook
        if self.secret:
            ts = int(time.time() * 1000)
            url += f"&timestamp={ts}&sign={sign(self.secret, ts)}"
        req = urllib.request.Request(
            url,
            data=json.dumps(message, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json;charset=utf-8"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            answer = json.load(resp)
        if answer.get("errcode") != 0:
            raise RobotError(answer.get("errcode"), answer.get("errmsg"))
        return answer

    def text(self, content, at_mobiles=(), at_all=False):
        """Sends a text message, @-mentioning phone numbers or everyone."""
        return self.send({
            "msgtype": "text",
            "text": {"content": content},
            "at": {"atMobiles": list(at_mobiles), "isAtAll": at_all},
        })

    def markdown(self, title, text):
        """Sends a markdown message; title shows in the notification."""
        return self.send({"msgtype": "markdown", "markdown": {"title": title, "text": text}})
