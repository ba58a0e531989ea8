// Tests of the app robot against mockdingtalk, through DingTalk's official
// Node SDK: tokens, group and one-to-one messages, and DingTalk's refusals
// as the SDK surfaces them. Run: npm ci && npm test   (the fake at
// $MOCKDINGTALK_URL)
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { AppBot } = require('./bot');
const { base, admin } = require('./mockadmin');

const url = new URL(base);

const appKey = 'node-sdk-' + process.pid;
const cid = 'cidNodeSdk' + process.pid;
let bot;

before(async () => {
  const app = await admin('POST', '/apps', { appKey, name: 'node sdk example' });
  await admin('POST', '/groups', {
    openConversationId: cid, title: 'deploys', robotCodes: [app.robotCode],
    members: [{ staffId: 'manager4220', name: 'Li Lei', mobile: '13800000000' }],
  });
  bot = new AppBot({ appKey, appSecret: app.appSecret, robotCode: app.robotCode, endpoint: url.host, protocol: url.protocol.replace(':', '') });
});
after(async () => {
  await admin('DELETE', '/groups/' + cid);
  await admin('DELETE', '/apps/' + appKey);
});

test('the SDK gets a token and the robot posts to its group', async () => {
  const answer = await bot.toGroup(cid, 'sampleMarkdown', { title: 'billing v2.3.1', text: '**deployed**' });
  assert.match(answer.processQueryKey, /^[A-Za-z0-9+/]{43}=$/);
  const { entries } = await admin('GET', `/messages?appKey=${appKey}&openConversationId=${cid}&delivered=true`);
  assert.equal(entries.length, 1);
  assert.deepEqual(JSON.parse(JSON.parse(entries[0].body).msgParam), { title: 'billing v2.3.1', text: '**deployed**' });
  assert.equal(entries[0].headers['X-Acs-Dingtalk-Access-Token'][0], bot.token);
});

test('one-to-one messages list userIds that are not staff', async () => {
  const answer = await bot.toPeople(['manager4220', 'ghost'], 'sampleText', { content: 'your deploy finished' });
  assert.deepEqual(answer.invalidStaffIdList, ['ghost']);
  assert.deepEqual(answer.flowControlledStaffIdList, []);
});

test('a wrong secret reaches the caller as invalidClientIdOrSecret, HTTP 400', async () => {
  const wrong = new AppBot({ appKey, appSecret: 'not-the-secret', robotCode: appKey, endpoint: url.host, protocol: 'http' });
  await assert.rejects(wrong.accessToken(), { code: 'invalidClientIdOrSecret', statusCode: 400 });
});

test('a message without its msgKey fields is refused with 参数不合法 and the hint names the field', async () => {
  await assert.rejects(bot.toGroup(cid, 'sampleMarkdown', { text: 'no title' }), (err) => {
    assert.equal(err.code, 'invalidParameter.param.invalid');
    assert.match(err.message, /参数不合法 request id: [0-9A-F-]{36}/);
    return true;
  });
  const { entries } = await admin('GET', `/messages?appKey=${appKey}&delivered=false`);
  assert.match(entries.at(-1).hint, /lacks title/);
});

test('a token that expired on the fake\'s clock is refused, and a fresh one works', async () => {
  try {
    await admin('PUT', '/clock', { advanceMs: 2 * 3600e3 });
    await assert.rejects(bot.toGroup(cid, 'sampleText', { content: 'late' }), { code: 'InvalidAuthentication' });
    bot.token = '';
    await bot.toGroup(cid, 'sampleText', { content: 'on time' });
  } finally {
    await admin('PUT', '/clock', { real: true });
  }
});
