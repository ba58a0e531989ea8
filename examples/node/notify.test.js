// Tests of the deploy notifier against mockdingtalk: what the published
// client sends is what DingTalk expects, and DingTalk's refusals reach the
// caller. Run: npm ci && npm test   (the fake at $MOCKDINGTALK_URL)
'use strict';

const { test, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const fake = require('./mockdingtalk');
const { DeployNotifier } = require('./notify');

const secret = 'SEC' + 'abcdef0123456789'.repeat(4);
let robot;

beforeEach(async () => {
  robot = await fake.createRobot({ name: 'node-example', secret, keywords: ['deploy'] });
});
afterEach(() => fake.deleteRobot(robot.accessToken));

test('a signed markdown message arrives as sent', async () => {
  await new DeployNotifier({ webhook: fake.webhook(robot), secret }).deployed('billing', 'v2.3.1');
  const [entry] = await fake.waitForMessages(robot.accessToken, 1);
  assert.equal(entry.message.msgtype, 'markdown');
  assert.equal(entry.message.markdown.title, 'billing v2.3.1 deployed');
  assert.match(entry.message.markdown.text, /\*\*ok\*\*/);
  assert.deepEqual(entry.checks.filter((c) => !c.passed), [], 'every check the fake ran passed');
});

test('mentions reach the robot', async () => {
  await new DeployNotifier({ webhook: fake.webhook(robot), secret }).failed('billing', 'migration timed out', ['13800000000']);
  const [entry] = await fake.waitForMessages(robot.accessToken, 1);
  assert.equal(entry.message.text.content, 'deploy of billing failed: migration timed out');
  assert.deepEqual(entry.message.at.atMobiles, ['13800000000']);
});

test('a wrong secret is refused with errcode 310000 and nothing is delivered', async () => {
  const notifier = new DeployNotifier({ webhook: fake.webhook(robot), secret: 'SEC' + '0'.repeat(64) });
  await assert.rejects(notifier.deployed('billing', 'v2.3.1'), { errcode: 310000 });
  assert.deepEqual(await fake.messages(robot.accessToken), []);
  const [refused] = await fake.messages(robot.accessToken, false);
  assert.equal(refused.reason, 'sign_mismatch');
});

test('an unsigned send to a robot with a secret is refused', async () => {
  await assert.rejects(new DeployNotifier({ webhook: fake.webhook(robot) }).deployed('billing', 'v2.3.1'), { errcode: 310000 });
});
