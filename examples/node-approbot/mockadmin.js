// The tests' way to mockdingtalk's admin API: base is the fake's URL
// ($MOCKDINGTALK_URL), admin(method, path, body) calls /_mock/<path> with
// $MOCKDINGTALK_ADMIN_TOKEN when set, and returns the JSON answer or throws.
'use strict';

const base = (process.env.MOCKDINGTALK_URL || 'http://127.0.0.1:8090').replace(/\/+$/, '');
const headers = { 'Content-Type': 'application/json' };
if (process.env.MOCKDINGTALK_ADMIN_TOKEN) headers.Authorization = 'Bearer ' + process.env.MOCKDINGTALK_ADMIN_TOKEN;

async function admin(method, path, body) {
  const res = await fetch(base + '/_mock' + path, { method, headers, body: body && JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

module.exports = { base, admin };
