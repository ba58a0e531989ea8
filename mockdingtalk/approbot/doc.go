// Package approbot is the fake's stand-in for DingTalk's app robot API
// (api.dingtalk.com): apps with an appKey, appSecret and robotCode; groups
// with members; access tokens (POST /v1.0/oauth2/accessToken and the legacy
// GET /gettoken) that expire on the fake's clock; and the robot's group and
// one-to-one messages (POST /v1.0/robot/groupMessages/send and
// /v1.0/robot/oToMessages/batchSend), checked and answered as DingTalk
// does, with HTTP statuses and {code, requestid, message} errors, and
// DingTalk's per-app rate limit (SetRateLimit). Every request is recorded
// in the fake's journal with its app and group; Stats counts them.
//
// Conversations: Say has a group member @-mention the bot, SayDirect has a
// member write to it one to one; either sends DingTalk's signed callback to
// the app's callback URL (or a forged one, Utterance.Forge, to check that
// the bot refuses it). The bot's replies (in the callback's answer, or
// posted to the sessionWebhook) are recorded and WaitForReply waits for
// them.
//
// mockdingtalk's router mounts a Service (Routes) and its admin API under
// /_mock/apps, /_mock/groups and /_mock/conversations; tests reach it
// through mockdingtalk.Server.AppRobots.
package approbot
