// The application code: a deploy notifier that posts to a DingTalk group
// robot through dingtalk-robot-sender, a client published on npm. In
// production the webhook is https://oapi.dingtalk.com/robot/send?access_token=…;
// the tests give it mockdingtalk's.
'use strict';

const ChatBot = require('dingtalk-robot-sender');

class DeployNotifier {
  /**
   * @param {{webhook: string, secret?: string}} robot the group robot's webhook URL and signing secret
   */
  constructor(robot) {
    this.bot = new ChatBot({ webhook: robot.webhook, secret: robot.secret });
  }

  /** Posts "deployed" as markdown; resolves to DingTalk's answer, rejects on a non-zero errcode. */
  async deployed(service, version) {
    return answer(await this.bot.markdown(`${service} ${version} deployed`,
      `### ${service} ${version} deployed\n- status: **ok**`));
  }

  /** Posts a failure as text, @-mentioning the on-call phone numbers. */
  async failed(service, reason, onCall = []) {
    return answer(await this.bot.text(`deploy of ${service} failed: ${reason}`, { atMobiles: onCall }));
  }
}

// DingTalk answers HTTP 200 with a non-zero errcode when it refuses a message.
function answer(response) {
  const { errcode, errmsg } = response.data;
  if (errcode !== 0) {
    const err = new Error(`DingTalk robot answered errcode ${errcode}: ${errmsg}`);
    err.errcode = errcode;
    throw err;
  }
  return response.data;
}

module.exports = { DeployNotifier };
