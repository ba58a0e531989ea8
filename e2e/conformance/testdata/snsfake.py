#!/usr/bin/env python3
"""An independent implementation of ZStack's SNS DingTalk API, in Python's
standard library only, written from the API page and docs/zstack-behaviour.md
rather than from the Go code, so the conformance command can be tried on
something it was not written with.

It serves login/logout, DingTalk endpoints and at-persons (create, ZStack
queries with q= conditions, update, delete) and test-connection, which signs
and posts the test message to the webhook, synchronously or with ZStack's
async job protocol (--async).

--break NAME plants a defect (repeatable); see DEFECTS. The e2e spec in this
folder runs `mockdingtalk conform` against it, correct and broken.

Usage: snsfake.py --port 18300 (0: any free port) [--async] [--session-ttl 7200] [--webhook-timeout 10] [--break NAME]
"""

import argparse
import base64
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid as uuidlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Planted defects, none of which the Go suite's own broken variants plant.
DEFECTS = {
    "details-leak-url": "error details carry the signed webhook URL (as an exception message would)",
    "utc-naive-clock": "the signing time is local time read as UTC: 8 hours off (a classic datetime.utcnow() bug)",
    "clock-skew": "the host clock runs 2 minutes behind",
    "errcode-as-failure": "a non-zero errcode from DingTalk fails the call instead of being reported in webhookResp",
    "atmobiles-keep-prefix": "at.atMobiles keeps ZStack's +86- prefix",
    "secret-in-query": "endpoint queries return the secret in clear (create masks it)",
    "like-as-equals": "the ~= (like) query operator compares exactly",
    "duplicate-phones": "an at-person's phone number already on the endpoint is accepted again",
    "job-any-method": "the job location answers any method, not only GET",
}

PREFIX = "/zstack/v1"
ADMIN_UUID = "36c27e8ff05c4780bf6d2fa65700f22e"
ADMIN_PASSWORD = hashlib.sha512(b"password").hexdigest()
PLATFORM_UUID = "02d24b9b0a7f4ee1846f15cda248ceb7"
DESCRIPTIONS = {
    "SYS.1000": "An internal error happened in system",
    "SYS.1003": "Resource not found",
    "SYS.1007": "One or more API argument is invalid",
    "ID.1000": "authentication failure",
    "ID.1001": "The session is invalid, either wrong session id or the session has been expired",
}
RESOURCE_UUID = re.compile(r"^[0-9a-f]{12}[1-5][0-9a-f]{3}[89ab][0-9a-f]{15}$")
PHONE = re.compile(r"^\+\d{2,3}-\d{11}$")
OPERATORS = ["!?=", "!~=", "?=", "~=", "!=", ">=", "<=", "=", ">", "<"]


class ApiError(Exception):
    def __init__(self, code, details, status=503):
        super().__init__(details)
        self.code, self.details, self.status = code, details, status

    def body(self):
        return {"error": {"code": self.code, "description": DESCRIPTIONS.get(self.code, self.code),
                          "details": self.details, "elaboration": None, "opaque": None, "cause": None}}


class PlainError(Exception):
    """A plain-text answer (ZStack's REST layer: bad headers, unknown paths)."""

    def __init__(self, status, text):
        super().__init__(text)
        self.status, self.text = status, text


def argerr(details, status=503):
    return ApiError("SYS.1007", details, status)


def new_uuid():
    return uuidlib.uuid4().hex


def zdate(t):
    lt = time.localtime(t)
    return time.strftime("%b ", lt) + str(lt.tm_mday) + time.strftime(", %Y ", lt) + str((lt.tm_hour + 11) % 12 + 1) + time.strftime(":%M:%S %p", lt)


def mask(secret):
    if not secret:
        return None
    return secret[:7] + "…(%d chars)" % len(secret) if len(secret) >= 16 else "…(%d chars)" % len(secret)


class State:
    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.Lock()
        self.sessions = {}  # uuid -> expiry (epoch seconds)
        self.endpoints = {}  # uuid -> dict
        self.persons = {}  # uuid -> dict
        self.jobs = {}  # id -> None while running, else (status, body)

    def broken(self, name):
        return name in self.opts.breaks


# ---------------------------------------------------------------- checks

def typed(params, name, kind, required=False, max_len=None):
    """Reads params[name], checking its JSON type as a Java binder would."""
    if name not in params or params[name] is None:
        if required:
            raise argerr("field[%s] is mandatory, can not be null" % name)
        return None
    v = params[name]
    ok = {"str": isinstance(v, str), "bool": isinstance(v, bool),
          "list": isinstance(v, list) and all(isinstance(i, str) for i in v),
          "dict": isinstance(v, dict)}[kind]
    if not ok:
        raise argerr("field[%s] has the wrong type: %s expected" % (name, kind), 400)
    if max_len is not None and len(v) > max_len:
        raise argerr("field[%s] exceeds max length of string. expected was <= %d, actual was %d" % (name, max_len, len(v)))
    return v


def check_url(url):
    if not re.match(r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]+", url):
        raise argerr("invalid url[%s]" % url)


def check_tags(body):
    for name in ("systemTags", "userTags"):
        typed(body, name, "list")


def wrapped(body, key):
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise argerr("the body must be {\"%s\":{…}}" % key, 400)
    check_tags(body)
    return body[key]


# ---------------------------------------------------------------- inventories

def person_inventory(p):
    inv = {"uuid": p["uuid"], "phoneNumber": p["phoneNumber"], "endpointUuid": p["endpointUuid"],
           "createDate": zdate(p["created"]), "lastOpDate": zdate(p["lastOp"])}
    if p.get("remark"):
        inv["remark"] = p["remark"]
    return inv


def endpoint_inventory(st, e, clear_secret=False):
    persons = [p for p in st.persons.values() if p["endpointUuid"] == e["uuid"]]
    inv = generic_inventory(e)
    inv.update({"platformUuid": PLATFORM_UUID, "connectionStatus": e["connectionStatus"], "url": e["url"], "atAll": e["atAll"],
                "atPersonPhoneNumbers": [p["phoneNumber"] for p in persons],
                "atPersonList": [person_inventory(p) for p in persons]})
    secret = e["secret"] if clear_secret else mask(e["secret"])
    if secret:
        inv["secret"] = secret
    return inv


def generic_inventory(e):
    inv = {"uuid": e["uuid"], "name": e["name"], "type": "DingTalk", "state": "Enabled", "platformUuid": PLATFORM_UUID,
           "connectionStatus": e["connectionStatus"], "createDate": zdate(e["created"]), "lastOpDate": zdate(e["lastOp"])}
    if e.get("description"):
        inv["description"] = e["description"]
    return inv


# ---------------------------------------------------------------- queries

def parse_condition(q, fields):
    for op in OPERATORS:
        i = q.find(op)
        if i > 0:
            field, value = q[:i], q[i + len(op):]
            if field not in fields:
                raise argerr("no field[%s] to query" % field, 400)
            return field, op, value
    raise argerr("invalid query condition[%s]" % q, 400)


def like(pattern):
    return re.compile("^" + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern) + "$", re.S)


def matches(st, record, field, op, value):
    v = record.get(field)
    v = ("true" if v else "false") if isinstance(v, bool) else ("" if v is None else str(v))
    if op == "~=" and st.broken("like-as-equals"):
        op = "="
    if op == "=":
        return v == value
    if op == "!=":
        return v != value
    if op == "?=":
        return v in value.split(",")
    if op == "!?=":
        return v not in value.split(",")
    if op == "~=":
        return bool(like(value).match(v))
    if op == "!~=":
        return not like(value).match(v)
    if op in (">", "<", ">=", "<="):
        return {">": v > value, "<": v < value, ">=": v >= value, "<=": v <= value}[op]
    return False


def query(st, records, fields, qs, inventory):
    chosen = list(records)
    for q in qs.get("q", []):
        field, op, value = parse_condition(q, fields)
        chosen = [r for r in chosen if matches(st, r, field, op, value)]
    chosen.sort(key=lambda r: r["created"])
    total = len(chosen)
    start = int(qs.get("start", ["0"])[0] or 0)
    limit = qs.get("limit", [None])[0]
    chosen = chosen[start:]
    if limit:
        chosen = chosen[:int(limit)]
    if qs.get("count", ["false"])[0] == "true":
        return {"total": total}
    out = {"inventories": [inventory(r) for r in chosen]}
    if qs.get("replyWithCount", ["false"])[0] == "true":
        out["total"] = total
    return out


# ---------------------------------------------------------------- webhook

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx reaches the caller as an HTTPError


def signed(st, url, secret):
    if not secret:
        return url
    now = time.time()
    if st.broken("utc-naive-clock"):
        now -= 8 * 3600
    if st.broken("clock-skew"):
        now -= 120
    ts = str(int(now * 1000))
    digest = hmac.new(secret.encode(), (ts + "\n" + secret).encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return url + ("&" if "?" in url else "?") + "timestamp=" + ts + "&sign=" + sign


def send(st, url, secret, message):
    target = signed(st, url, secret)
    shown = target if st.broken("details-leak-url") else urllib.parse.urlsplit(url)._replace(query="").geturl()
    req = urllib.request.Request(target, data=json.dumps(message).encode(), method="POST",
                                 headers={"Content-Type": "application/json;charset=utf-8"})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=st.opts.webhook_timeout) as resp:
            status, data = resp.status, resp.read(1 << 20)
    except urllib.error.HTTPError as e:
        if 300 <= e.code < 400:
            return {"success": True, "connected": False, "webhookResp": {}}
        raise ApiError("SYS.1000", "webhook %s answered HTTP %d" % (shown, e.code))
    except Exception as e:  # refused, reset, timed out
        raise ApiError("SYS.1000", "webhook %s failed: %s" % (shown, type(e).__name__))
    try:
        answer = json.loads(data) if data.strip() else {}
    except ValueError:
        raise ApiError("SYS.1000", "webhook %s answered something that is not JSON" % shown)
    if st.broken("errcode-as-failure") and answer.get("errcode", 0) != 0:
        raise ApiError("SYS.1000", "dingtalk refused the message: %s" % answer.get("errmsg"))
    return {"success": True, "connected": 200 <= status < 300, "webhookResp": answer if isinstance(answer, dict) else {}}


def test_message(st, text, at_all, phones):
    msg = {"markdown": {"title": "test connected", "text": text}, "msgtype": "markdown", "at": {"isAtAll": bool(at_all)}}
    if at_all:
        return msg
    mobiles = []
    for p in phones or []:
        m = p.strip() if st.broken("atmobiles-keep-prefix") else re.sub(r"^\+86-", "", p.strip())
        if m and m not in mobiles:
            mobiles.append(m)
    if mobiles:
        msg["markdown"]["text"] = text + "\n\n" + " ".join("@" + m for m in mobiles)
        msg["at"]["atMobiles"] = mobiles
    return msg


def read_params(params):
    """Decodes test-connection's params: a wrong type is a 400 before any job starts."""
    for name, kind in (("testMsg", "str"), ("endpointUuid", "str"), ("url", "str"), ("atAll", "bool"),
                       ("atPersonPhoneNumbers", "list"), ("secret", "str")):
        if params.get(name) is not None:
            typed(params, name, kind)
    return params


def test_connection(st, params):
    test_msg = typed(params, "testMsg", "str", required=True)
    endpoint_uuid = typed(params, "endpointUuid", "str")
    url = typed(params, "url", "str", max_len=2048)
    at_all = typed(params, "atAll", "bool")
    phones = typed(params, "atPersonPhoneNumbers", "list")
    secret = typed(params, "secret", "str")
    if endpoint_uuid is not None:
        if not RESOURCE_UUID.match(endpoint_uuid):
            raise ApiError("SYS.1003", "invalid value[%s] of field[endpointUuid]" % endpoint_uuid)
        with st.lock:
            e = st.endpoints.get(endpoint_uuid)
            if e is None:
                raise ApiError("SYS.1003", "resource[uuid:%s, type:SNSDingTalkEndpointVO] not found" % endpoint_uuid)
            url, secret, at_all = e["url"], e["secret"], e["atAll"]
            phones = [p["phoneNumber"] for p in st.persons.values() if p["endpointUuid"] == endpoint_uuid]
    elif not (url or "").strip() and not test_msg.strip() and not (secret or "").strip():
        raise argerr("cannot test connection, Because all parameters is null")
    if not (url or "").strip():
        raise argerr("cannot test connection: no webhook url")
    check_url(url)
    return 200, send(st, url, secret, test_message(st, test_msg, at_all, phones))


# ---------------------------------------------------------------- handler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "snsfake/1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.serve("GET")

    def do_POST(self):
        self.serve("POST")

    def do_PUT(self):
        self.serve("PUT")

    def do_DELETE(self):
        self.serve("DELETE")

    @property
    def st(self):
        return self.server.state

    def reply(self, status, body=None, text=None):
        data, ctype = b"", None
        if text is not None:
            data, ctype = text.encode(), "text/plain; charset=utf-8"
        elif body is not None:
            data, ctype = json.dumps(body, ensure_ascii=False).encode(), "application/json"
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def serve(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urllib.parse.urlsplit(self.path)
        path, qs = parts.path, urllib.parse.parse_qs(parts.query)
        try:
            status, body = self.route(method, path, qs, raw)
            if status == 202 and body is None:
                self.reply(202)
            else:
                self.reply(status, body)
        except ApiError as e:
            self.reply(e.status, e.body())
        except PlainError as e:
            self.reply(e.status, text=e.text)

    def json_body(self, raw):
        try:
            return json.loads(raw or b"null")
        except ValueError as e:
            raise argerr("cannot decode the request body: %s" % e, 400)

    def session(self, async_capable=False):
        h = (self.headers.get("Authorization") or "").strip()
        if not h:
            raise PlainError(400, "missing header 'Authorization'")
        scheme, _, token = h.partition(" ")
        if scheme.lower() != "oauth":
            raise PlainError(400, "Authorization type must be 'OAuth'")
        token = token.strip()
        if not async_capable:
            self.check_session(token)
        return token

    def check_session(self, token):
        with self.st.lock:
            exp = self.st.sessions.get(token)
            if exp is None or exp <= time.time():
                self.st.sessions.pop(token, None)
                raise ApiError("ID.1001", "Session expired")

    def route(self, method, path, qs, raw):
        st = self.st
        if not path.startswith(PREFIX + "/"):
            raise PlainError(404, "no api mapping to " + path)
        p = path[len(PREFIX):]
        dt = "/sns/application-endpoints/ding-talk"
        m = re.fullmatch(r"/api-jobs/([0-9a-f]{32})", p)
        if m:
            return self.job(method, m.group(1))
        if p == "/accounts/login" and method == "PUT":
            return self.login(raw)
        m = re.fullmatch(r"/accounts/sessions/([^/]+)", p)
        if m and method == "DELETE":
            with st.lock:
                st.sessions.pop(m.group(1), None)
            return 200, {}
        m = re.fullmatch(r"/accounts/sessions/([^/]+)/valid", p)
        if m and method == "GET":
            with st.lock:
                exp = st.sessions.get(m.group(1))
            return 200, {"valid": exp is not None and exp > time.time()}
        if p == dt + "/test-connection" and method == "POST":
            token = self.session(async_capable=st.opts.async_jobs)
            body = self.json_body(raw)
            params = read_params(wrapped(body, "params"))
            if st.opts.async_jobs:
                return self.start_job(lambda: (self.check_session(token), test_connection(st, params))[1])
            return test_connection(st, params)
        self.session()
        if p == dt + "/at-persons" and method == "POST":
            return self.add_person(wrapped(self.json_body(raw), "params"))
        m = re.fullmatch(dt + r"/at-persons(?:/([0-9a-f]{32}))?", p)
        if m and method == "GET":
            return self.query_persons(m.group(1), qs)
        m = re.fullmatch(dt + r"/at-persons/([0-9a-f]{32})/actions", p)
        if m and method == "PUT":
            return self.update_person(m.group(1), wrapped(self.json_body(raw), "updateAtPersonOfAtDingTalkEndpoint"))
        m = re.fullmatch(dt + r"/([0-9a-f]{32})/at-persons/([^/]+)", p)
        if m and method == "DELETE":
            phone = urllib.parse.unquote(m.group(2))
            with st.lock:
                for k, v in list(st.persons.items()):
                    if v["endpointUuid"] == m.group(1) and v["phoneNumber"] == phone:
                        del st.persons[k]
            return 200, {}
        if p == dt and method == "POST":
            return self.create_endpoint(wrapped(self.json_body(raw), "params"))
        m = re.fullmatch(dt + r"(?:/([0-9a-f]{32}))?", p)
        if m and method == "GET":
            return self.query_endpoints(m.group(1), qs, full=True)
        m = re.fullmatch(dt + r"/([0-9a-f]{32})/actions", p)
        if m and method == "PUT":
            return self.update_endpoint(m.group(1), wrapped(self.json_body(raw), "updateSNSDingTalkEndpoint"))
        m = re.fullmatch(r"/sns/application-endpoints(?:/([0-9a-f]{32}))?", p)
        if m and method == "GET":
            return self.query_endpoints(m.group(1), qs, full=False)
        if m and m.group(1) and method == "DELETE":
            with st.lock:
                st.endpoints.pop(m.group(1), None)
                for k in [k for k, v in st.persons.items() if v["endpointUuid"] == m.group(1)]:
                    del st.persons[k]
            return 200, {}
        raise PlainError(404, "no api mapping to " + path)

    # -- sessions and jobs

    def login(self, raw):
        params = wrapped(self.json_body(raw), "logInByAccount")
        name = typed(params, "accountName", "str", required=True)
        password = typed(params, "password", "str", required=True)
        if not (name == "admin" and hmac.compare_digest(password.lower(), ADMIN_PASSWORD)):
            raise ApiError("ID.1000", "wrong account name or password")
        now = time.time()
        token = new_uuid()
        with self.st.lock:
            self.st.sessions[token] = now + self.st.opts.session_ttl
        return 200, {"inventory": {"uuid": token, "accountUuid": ADMIN_UUID, "userUuid": ADMIN_UUID,
                                   "expiredDate": zdate(now + self.st.opts.session_ttl), "createDate": zdate(now)}}

    def start_job(self, fn):
        st, job = self.st, new_uuid()
        with st.lock:
            st.jobs[job] = None

        def run():
            try:
                result = fn()
            except ApiError as e:
                result = (e.status, e.body())
            except Exception as e:  # never leave a job running
                result = (503, ApiError("SYS.1000", type(e).__name__).body())
            with st.lock:
                st.jobs[job] = result

        threading.Thread(target=run, daemon=True).start()
        host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
        return 202, {"location": "http://%s%s/api-jobs/%s" % (host, PREFIX, job)}

    def job(self, method, job):
        if method != "GET" and not self.st.broken("job-any-method"):
            raise PlainError(405, "only GET is allowed on a job")
        with self.st.lock:
            if job not in self.st.jobs:
                raise PlainError(404, "no job[uuid:%s] found" % job)
            result = self.st.jobs[job]
        if result is None:
            return 202, None
        return result

    # -- endpoints

    def create_endpoint(self, params):
        name = typed(params, "name", "str", required=True, max_len=255)
        description = typed(params, "description", "str", max_len=2048)
        url = typed(params, "url", "str", required=True, max_len=2048)
        at_all = typed(params, "atAll", "bool")
        secret = typed(params, "secret", "str", max_len=128)
        phones = typed(params, "atPersonPhoneNumbers", "list") or []
        check_url(url)
        for ph in phones:
            if not PHONE.match(ph):
                raise argerr("invalid phone number[%s], the DingDing phone number is like +86-12388889999" % ph)
        now = time.time()
        e = {"uuid": new_uuid(), "name": name, "description": description, "url": url, "atAll": bool(at_all),
             "secret": secret or "", "connectionStatus": "DOWN", "created": now, "lastOp": now}
        with self.st.lock:
            self.st.endpoints[e["uuid"]] = e
            for ph in dict.fromkeys(phones):
                pid = new_uuid()
                self.st.persons[pid] = {"uuid": pid, "phoneNumber": ph, "endpointUuid": e["uuid"], "remark": None, "created": now, "lastOp": now}
            return 200, {"inventory": endpoint_inventory(self.st, e)}

    def update_endpoint(self, uid, params):
        name = typed(params, "name", "str", max_len=255)
        description = typed(params, "description", "str", max_len=2048)
        url = typed(params, "url", "str", max_len=256)
        at_all = typed(params, "atAll", "bool")
        secret = typed(params, "secret", "str", max_len=256)
        if url and url.strip():
            check_url(url)
        with self.st.lock:
            e = self.st.endpoints.get(uid)
            if e is None:
                raise ApiError("SYS.1003", "resource[uuid:%s, type:SNSDingTalkEndpointVO] not found" % uid)
            if name and name.strip():
                e["name"] = name
            if description and description.strip():
                e["description"] = description
            if url and url.strip():
                e["url"] = url
            if at_all is not None:
                e["atAll"] = at_all
            if secret is not None:
                e["secret"] = secret
            e["lastOp"] = time.time()
            return 200, {"inventory": endpoint_inventory(self.st, e)}

    def query_endpoints(self, uid, qs, full):
        st = self.st
        with st.lock:
            records = [e for e in st.endpoints.values() if uid is None or e["uuid"] == uid]
            if full:
                return 200, query(st, records, {"uuid", "name", "description", "url", "atAll", "state", "type", "connectionStatus"}, qs,
                                  lambda e: endpoint_inventory(st, e, clear_secret=st.broken("secret-in-query")))
            return 200, query(st, records, {"uuid", "name", "description", "state", "type"}, qs, generic_inventory)

    # -- at-persons

    def add_person(self, params):
        phone = typed(params, "phoneNumber", "str", required=True, max_len=64)
        endpoint = typed(params, "endpointUuid", "str", required=True)
        remark = typed(params, "remark", "str", max_len=128)
        if not PHONE.match(phone):
            raise argerr("invalid phone number[%s], the DingDing phone number is like +86-12388889999" % phone)
        with self.st.lock:
            if endpoint not in self.st.endpoints:
                raise ApiError("SYS.1003", "resource[uuid:%s, type:SNSDingTalkEndpointVO] not found" % endpoint)
            if not self.st.broken("duplicate-phones") and any(
                    p["endpointUuid"] == endpoint and p["phoneNumber"] == phone for p in self.st.persons.values()):
                raise argerr("phone number[%s] already exists" % phone)
            now = time.time()
            p = {"uuid": new_uuid(), "phoneNumber": phone, "endpointUuid": endpoint, "remark": remark, "created": now, "lastOp": now}
            self.st.persons[p["uuid"]] = p
            return 200, {"inventory": person_inventory(p)}

    def update_person(self, uid, params):
        endpoint = typed(params, "endpointUuid", "str", required=True)
        phone = typed(params, "phoneNumber", "str", max_len=256)
        remark = typed(params, "remark", "str", max_len=128)
        if phone is not None and not PHONE.match(phone):
            raise argerr("invalid phone number[%s], the DingDing phone number is like +86-12388889999" % phone)
        with self.st.lock:
            p = self.st.persons.get(uid)
            if p is None or p["endpointUuid"] != endpoint:
                raise ApiError("SYS.1003", "resource[uuid:%s, type:SNSDingTalkAtPersonVO] not found" % uid)
            if phone is not None:
                p["phoneNumber"] = phone
            if remark is not None:
                p["remark"] = remark
            p["lastOp"] = time.time()
            return 200, {"inventory": person_inventory(p)}

    def query_persons(self, uid, qs):
        with self.st.lock:
            records = [p for p in self.st.persons.values() if uid is None or p["uuid"] == uid]
            return 200, query(self.st, records, {"uuid", "phoneNumber", "endpointUuid", "remark"}, qs, person_inventory)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--async", dest="async_jobs", action="store_true", help="answer test-connection with 202 and a job")
    ap.add_argument("--session-ttl", type=float, default=7200.0, help="session timeout in seconds")
    ap.add_argument("--webhook-timeout", type=float, default=10.0, help="webhook timeout in seconds")
    ap.add_argument("--break", dest="breaks", action="append", default=[], choices=sorted(DEFECTS), help="plant a defect")
    opts = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    server.daemon_threads = True
    server.state = State(opts)
    print("snsfake listening on http://127.0.0.1:%d (async=%s, breaks=%s)" % (server.server_address[1], opts.async_jobs, ",".join(opts.breaks) or "none"), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
