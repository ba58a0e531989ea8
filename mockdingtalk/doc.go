// Package mockdingtalk is an offline stand-in for DingTalk's custom group
// robot webhook (POST /robot/send): it checks requests as the real service
// does (method, token, Content-Type, size, JSON, IP allowlist, timestamp and
// sign, message fields, keywords, msgUuid, rate limit), answers with the
// real errcode and byte-exact errmsg, and explains each rejection in an
// X-Mock-Hint header. It keeps a bounded journal of every request, injects
// faults, runs on a clock tests can set, and offers all of it over an admin
// API under /_mock/ and an inbox page at /.
//
// A Server is an http.Handler. Use New to mount it yourself, Start to listen
// on a free loopback port, or NewTestServer in tests.
package mockdingtalk
