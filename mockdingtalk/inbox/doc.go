// Package inbox is the fake robot's web page: every robot, and each robot's
// messages rendered the way a DingTalk group chat shows them (text with
// @-mentions, markdown, link cards, action cards, feed cards, images), plus
// the requests the fake rejected with their errcode, errmsg, hint and raw
// bytes. The page updates itself live through server-sent events, filters by
// robot, clears the journal and copies a robot's webhook URL and secret.
//
// With app robots (Config.Apps) it also shows each group and each member's
// one-to-one chat with an app's robot: what the robot sent, what members
// said to a bot, the bot's replies and how its callback went (apps.go), and
// a form to type as a member (the page's script posts to the admin API's
// say; without script the form posts to /_inbox/say).
//
// Everything it needs (CSS, JS, icons) is embedded, so it works offline.
// Message content is untrusted: text is escaped by html/template, markdown
// is rendered by goldmark without raw HTML and then sanitized by bluemonday,
// and only http(s) (and dingtalk: for links) URLs become live links or
// images. A strict Content-Security-Policy backs this up.
//
// Routes (mount the handler for "/" and everything under "/_inbox/"):
//
//	GET  /                          the page (?robot=<accessToken>, ?group=<openConversationId>
//	                                or ?app=<appKey>&staff=<staffId> selects a chat)
//	GET  /_inbox/entries?since=N&robot=T  rendered entries after Seq N (HTML fragment);
//	                                with group or app&staff, the chat's whole timeline
//	GET  /_inbox/robots?robot=T     the rendered robot list (HTML fragment)
//	GET  /_inbox/events             server-sent events: "change" on each journal change
//	                                (and app robot change: a conversation, an answer),
//	                                "robots" when the robot list changes (at most
//	                                DefaultMaxStreams at once; one more gets 503)
//	POST /_inbox/clear              clears the journal (303 to / for plain forms)
//	POST /_inbox/say?group=G        a member says the form's text (or ?app=A&staff=S,
//	                                one to one); 303 back to the chat
//
// Every route refuses a Host that is not the server's (DNS rebinding) and
// the clear and the say refuse a cross-site request, as package guard decides.
//
//	GET  /_inbox/static/…           embedded CSS, JS and icons
package inbox
