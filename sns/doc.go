// Package sns is a reference implementation of ZStack's SNS DingTalk API as
// a real service: sessions (login, logout, OAuth header), DingTalk endpoints
// and their at-persons (create, query, update, delete), and
// SNSDingTalkTestConnection, which signs and posts a markdown test message
// to a DingTalk robot webhook and reports what it answered.
//
// It follows ZStack's own behaviour (its REST paths and bodies, the SYS.*
// and ID.* error codes and texts, the HTTP statuses, the async job
// protocol as an option) except where ZStack is plainly wrong for DingTalk:
// @-mentions use DingTalk's at.atMobiles plus "@number" in the text rather
// than the Feishu-style <at user_id> tags ZStack writes, and the signature
// is URL-encoded exactly once and replaces stale timestamp/sign parameters.
//
// A Server is an http.Handler serving everything under /zstack/v1/. Create
// one with New and release it with Close. State lives in memory, or in a
// bbolt file when Config.DataDir is set; sessions and async jobs always
// live in memory. Secrets never leave the process in full: inventories
// show them masked and logs never contain them.
package sns
