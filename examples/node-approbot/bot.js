// An app robot's sending side, written as DingTalk's official Node SDK
// (@alicloud/dingtalk) documents it: an OAuth access token from the app's
// key and secret, cached until shortly before it expires, then group and
// one-to-one messages. `endpoint` and `protocol` point it at mockdingtalk;
// leave them out to talk to api.dingtalk.com.
'use strict';

const $OpenApi = require('@alicloud/openapi-client');
const $Util = require('@alicloud/tea-util');
const OAuth2 = require('@alicloud/dingtalk/oauth2_1_0');
const Robot = require('@alicloud/dingtalk/robot_1_0');

class AppBot {
  constructor({ appKey, appSecret, robotCode, endpoint, protocol }) {
    const config = new $OpenApi.Config({});
    config.protocol = protocol || 'https';
    if (endpoint) config.endpoint = endpoint;
    this.oauth = new OAuth2.default(config);
    this.robot = new Robot.default(config);
    Object.assign(this, { appKey, appSecret, robotCode, token: '', expiresAt: 0 });
  }

  // accessToken returns the cached token, or a fresh one five minutes
  // before the cached one expires.
  async accessToken(now = Date.now()) {
    if (this.token && now < this.expiresAt) return this.token;
    const res = await this.oauth.getAccessToken(new OAuth2.GetAccessTokenRequest({ appKey: this.appKey, appSecret: this.appSecret }));
    this.token = res.body.accessToken;
    this.expiresAt = now + (res.body.expireIn - 300) * 1000;
    return this.token;
  }

  // toGroup sends msgKey/param to a group the robot is in.
  async toGroup(openConversationId, msgKey, param) {
    const headers = new Robot.OrgGroupSendHeaders({});
    headers.xAcsDingtalkAccessToken = await this.accessToken();
    const res = await this.robot.orgGroupSendWithOptions(new Robot.OrgGroupSendRequest({
      robotCode: this.robotCode, openConversationId, msgKey, msgParam: JSON.stringify(param),
    }), headers, new $Util.RuntimeOptions({}));
    return res.body;
  }

  // toPeople sends msgKey/param to each of userIds in a one-to-one chat.
  async toPeople(userIds, msgKey, param) {
    const headers = new Robot.BatchSendOTOHeaders({});
    headers.xAcsDingtalkAccessToken = await this.accessToken();
    const res = await this.robot.batchSendOTOWithOptions(new Robot.BatchSendOTORequest({
      robotCode: this.robotCode, userIds, msgKey, msgParam: JSON.stringify(param),
    }), headers, new $Util.RuntimeOptions({}));
    return res.body;
  }
}

module.exports = { AppBot };
