// A DingTalk ChatOps bot built with Express, as DingTalk's robot
// documentation describes HTTP mode: DingTalk POSTs a callback when a
// member @-mentions the bot in a group or writes to it one to one; the bot
// checks the timestamp and sign headers, then answers — in the response
// for a quick answer, or at once with an empty 200 and later through the
// callback's sessionWebhook for work that takes time.
'use strict';

const crypto = require('node:crypto');
const express = require('express');

// verify checks a callback's headers as DingTalk's docs say: the timestamp
// (ms) within an hour of now, and sign = base64(HMAC-SHA256(key appSecret,
// timestamp + "\n" + appSecret)), compared in constant time.
function verify(timestamp, sign, appSecret, now = Date.now()) {
  if (!timestamp || !sign || !/^\d+$/.test(timestamp) || Math.abs(now - Number(timestamp)) > 3600e3) return false;
  const want = Buffer.from(crypto.createHmac('sha256', appSecret).update(timestamp + '\n' + appSecret).digest('base64'));
  const got = Buffer.from(sign);
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

// createApp returns the bot's Express app; its callback path is
// POST /dingtalk. deploy(service) is the slow work a "deploy" starts.
function createApp({ appSecret, deploy = async () => {} }) {
  const app = express();
  app.use(express.json({ limit: '1mb' }));

  app.post('/dingtalk', (req, res) => {
    if (!verify(req.get('timestamp'), req.get('sign'), appSecret)) {
      res.status(401).json({ error: 'not signed by DingTalk' });
      return;
    }
    const cb = req.body || {};
    const text = String((cb.text && cb.text.content) || '').trim();
    const [command, ...args] = text.split(/\s+/);

    if (command === 'deploy' && args.length > 0) {
      res.status(200).end(); // answer now; the reply follows through the sessionWebhook
      reply(cb, args.join(' '), deploy).catch((err) => console.error('reply failed:', err.message));
      return;
    }
    const answer = command === 'ping' ? 'pong' : 'say: ping, or deploy <service>';
    res.json({ msgtype: 'text', text: { content: answer } });
  });

  // Anything else DingTalk would never send.
  app.use((req, res) => res.status(404).json({ error: 'no such endpoint' }));
  app.use((err, req, res, next) => res.status(400).json({ error: 'not a callback: ' + err.message })); // eslint-disable-line no-unused-vars
  return app;
}

// reply runs the deploy and posts its outcome to the conversation's
// sessionWebhook, mentioning who asked.
async function reply(cb, service, deploy) {
  await deploy(service);
  const res = await fetch(cb.sessionWebhook, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      msgtype: 'markdown',
      markdown: { title: `deploying ${service}`, text: `**deploying ${service}**, asked by ${cb.senderNick || cb.senderStaffId}` },
      at: { atUserIds: cb.senderStaffId ? [cb.senderStaffId] : [] },
    }),
  });
  const answer = await res.json();
  if (answer.errcode !== 0) throw new Error(`sessionWebhook answered ${JSON.stringify(answer)}`);
}

module.exports = { createApp, verify };
