// The ChatOps bot against mockdingtalk: a member says "deploy api" in the
// group (the fake's admin API), the fake sends the signed callback, the
// bot verifies it and replies through the sessionWebhook.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startChatbot } = require('./chatbot');
const { admin } = require('./mockadmin');

const appKey = 'chatops-' + process.pid;
const cid = 'cidChatops' + process.pid;
let bot;

before(async () => {
  const appSecret = 'chatops-secret';
  bot = await startChatbot({ appSecret, answer: (text) => (text.startsWith('deploy ') ? `deploying ${text.slice(7)}` : 'say: deploy <service>') });
  await admin('POST', '/apps', { appKey, appSecret, callbackURL: bot.url });
  await admin('POST', '/groups', { openConversationId: cid, title: 'ops', robotCodes: [appKey], members: [{ staffId: 'manager4220', name: 'Li Lei' }] });
});
after(async () => {
  await admin('DELETE', '/groups/' + cid);
  await admin('DELETE', '/apps/' + appKey);
  await bot.close();
});

// replies waits (the fake holds the request) until the bot has replied n times.
const replies = (msgId, n) => admin('GET', `/conversations/${msgId}/wait?count=${n}&timeout=10s`);

test('the bot verifies the signed callback and answers through the sessionWebhook', async () => {
  const conv = await admin('POST', `/groups/${cid}/say`, { staffId: 'manager4220', text: 'deploy api' });
  assert.equal(conv.callback.status, 200, JSON.stringify(conv.callback));
  const done = await replies(conv.msgId, 1);
  assert.equal(done.replies[0].via, 'sessionWebhook');
  assert.equal(done.replies[0].message.text.content, 'deploying api');
});
