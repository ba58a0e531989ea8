// Starts the bot: APP_SECRET is the app's secret (required), PORT the port
// on 127.0.0.1 (0 or unset: a free one). It prints the callback URL to
// give DingTalk (or mockdingtalk) as the app's message-receiving address.
'use strict';

const { createApp } = require('./bot');

const appSecret = process.env.APP_SECRET;
if (!appSecret) {
  console.error('set APP_SECRET to the app secret DingTalk signs callbacks with');
  process.exit(2);
}
const server = createApp({ appSecret }).listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`chatbot listening on http://127.0.0.1:${server.address().port}/dingtalk`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
