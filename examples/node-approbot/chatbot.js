// A ChatOps bot's receiving side, as DingTalk's robot documentation shows
// it (HTTP mode): verify the callback's timestamp and sign, then answer
// "@bot deploy <service>" in the group through the callback's
// sessionWebhook. Node's standard library only.
'use strict';

const http = require('node:http');
const crypto = require('node:crypto');

// verify checks the callback's headers: sign = base64(HMAC-SHA256(key
// appSecret, timestamp + "\n" + appSecret)), timestamp within an hour.
function verify(headers, appSecret, now = Date.now()) {
  const timestamp = headers.timestamp;
  if (!timestamp || Math.abs(now - Number(timestamp)) > 3600e3) return false;
  const want = crypto.createHmac('sha256', appSecret).update(timestamp + '\n' + appSecret).digest('base64');
  const got = headers.sign || '';
  return got.length === want.length && crypto.timingSafeEqual(Buffer.from(got), Buffer.from(want));
}

// startChatbot listens on a free loopback port; answer(text) returns the
// reply's text. It resolves to { url, close }.
function startChatbot({ appSecret, answer }) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', async () => {
      if (!verify(req.headers, appSecret)) {
        res.writeHead(403).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(); // answer now, reply later
      const cb = JSON.parse(body);
      const text = answer(cb.text.content.trim(), cb);
      await fetch(cb.sessionWebhook, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ msgtype: 'text', text: { content: text }, at: { atUserIds: [cb.senderStaffId] } }),
      });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/callback`,
    close: () => new Promise((r) => server.close(r)),
  })));
}

module.exports = { startChatbot, verify };
