// The calls a test makes to mockdingtalk's admin API (/_mock/): create a
// robot, read and wait for the messages it received, reset. Copy it into
// your own tests. The fake's address comes from $MOCKDINGTALK_URL (default
// http://127.0.0.1:8090); $MOCKDINGTALK_ADMIN_TOKEN is sent when the fake
// runs with -admin-token. Uses Node's built-in fetch (Node 18+).
'use strict';

const base = (process.env.MOCKDINGTALK_URL || 'http://127.0.0.1:8090').replace(/\/+$/, '');
const token = process.env.MOCKDINGTALK_ADMIN_TOKEN || '';

async function call(method, path, body) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

module.exports = {
  base,
  /** POST /_mock/reset: start-up robots only, no messages, no faults, the real clock. */
  reset: () => call('POST', '/_mock/reset'),
  /** POST /_mock/robots: a new robot ({name, secret, keywords, …}); resolves to it, with its accessToken. */
  createRobot: (fields) => call('POST', '/_mock/robots', fields),
  /** DELETE /_mock/robots/{token}. */
  deleteRobot: (accessToken) => call('DELETE', `/_mock/robots/${accessToken}`),
  /** The robot's webhook URL on this fake's address. */
  webhook: (robot) => `${base}/robot/send?access_token=${robot.accessToken}`,
  /** GET /_mock/messages: the requests a robot got, oldest first (delivered ones only unless delivered is false). */
  messages: async (accessToken, delivered = true) =>
    (await call('GET', `/_mock/messages?accessToken=${accessToken}&delivered=${delivered}`)).entries,
  /** GET /_mock/messages/wait: resolves once the robot has count delivered messages; rejects with what there is after timeout. */
  waitForMessages: async (accessToken, count, timeout = '10s') =>
    (await call('GET', `/_mock/messages/wait?accessToken=${accessToken}&count=${count}&delivered=true&timeout=${timeout}`)).entries,
};
