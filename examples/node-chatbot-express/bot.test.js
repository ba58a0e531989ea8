// The bot on its own: it verifies signs as DingTalk's docs say, refuses a
// forged callback with 401, and answers "ping" in the response. (The
// conversation through mockdingtalk is driven from e2e/examples.)
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { createApp, verify } = require('./bot');

const secret = 'express-bot-secret';
const sign = (ts, key = secret) => crypto.createHmac('sha256', key).update(ts + '\n' + key).digest('base64');
let server;
let url;

before(async () => {
  server = createApp({ appSecret: secret }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${server.address().port}/dingtalk`;
});
after(() => new Promise((r) => server.close(r)));

const callback = (headers, content = 'ping') => fetch(url, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify({ msgtype: 'text', text: { content: ' ' + content }, conversationType: '2', sessionWebhook: 'http://127.0.0.1:1/' }),
});

test('verify takes DingTalk\'s sign and refuses another secret\'s, a stale timestamp and none', () => {
  const ts = String(Date.now());
  assert.equal(verify(ts, sign(ts), secret), true);
  assert.equal(verify(ts, sign(ts, 'other'), secret), false);
  const stale = String(Date.now() - 2 * 3600e3);
  assert.equal(verify(stale, sign(stale), secret), false);
  assert.equal(verify(undefined, undefined, secret), false);
});

test('a signed "ping" is answered "pong" in the response; a forged one gets 401', async () => {
  const ts = String(Date.now());
  const ok = await callback({ timestamp: ts, sign: sign(ts) });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { msgtype: 'text', text: { content: 'pong' } });
  const forged = await callback({ timestamp: ts, sign: sign(ts, 'other') });
  assert.equal(forged.status, 401);
});
