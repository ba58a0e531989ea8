// Package inbox is the fake robot's web page: every robot, and each robot's
// messages rendered the way a DingTalk group chat shows them (text with
// @-mentions, markdown, link cards, action cards, feed cards, images), plus
// the requests the fake rejected with their errcode, errmsg, hint and raw
// bytes. The page updates itself live through server-sent events, filters by
// robot, clears the journal and copies a robot's webhook URL and secret.
//
// Everything it needs (CSS, JS, icons) is embedded, so it works offline.
// Message content is untrusted: text is escaped by html/template, markdown
// is rendered by goldmark without raw HTML and then sanitized by bluemonday,
// and only http(s) (and dingtalk: for links) URLs become live links or
// images. A strict Content-Security-Policy backs this up.
//
// Routes (mount the handler for "/" and everything under "/_inbox/"):
//
//	GET  /                          the page (?robot=<accessToken> filters)
//	GET  /_inbox/entries?since=N&robot=T  rendered entries after Seq N (HTML fragment)
//	GET  /_inbox/robots?robot=T     the rendered robot list (HTML fragment)
//	GET  /_inbox/events             server-sent events: "change" on each journal change,
//	                                "robots" when the robot list changes (at most
//	                                DefaultMaxStreams at once; one more gets 503)
//	POST /_inbox/clear              clears the journal (303 to / for plain forms)
//
// Every route refuses a Host that is not the server's (DNS rebinding) and
// the clear refuses a cross-site request, as package guard decides.
//
//	GET  /_inbox/static/…           embedded CSS, JS and icons
package inbox
