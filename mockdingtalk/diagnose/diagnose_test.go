// Specs for the rejection hints: one Entry per client mistake, each request
// built as the buggy client would build it.

package diagnose_test

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/diagnose"
)

const (
	token  = "4f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19"
	secret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"
)

// now is the fake's clock in every spec.
var now = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// tsWith returns a millisecond timestamp near t whose signature contains s.
func tsWith(t time.Time, s string) string {
	for i := int64(0); ; i++ {
		ts := strconv.FormatInt(t.UnixMilli()+i, 10)
		if strings.Contains(dingtalk.SignString(secret, ts), s) {
			return ts
		}
	}
}

// signed is the query a correct client sends for ts, signed with key.
func signed(key, ts string) string {
	return "access_token=" + token + "&timestamp=" + ts + "&sign=" + url.QueryEscape(dingtalk.SignString(key, ts))
}

const textBody = `{"msgtype":"text","text":{"content":"disk full on db-1"}}`

// request builds what the fake knows about a request: robot with a
// secret, a valid text body, from 127.0.0.1, with the given raw query.
// Changes apply on top; the Rejection for a signing failure is computed
// from the query as the fake computes it (first values, dingtalk.Verify).
func request(rawQuery string, changes ...func(*diagnose.Request)) diagnose.Request {
	q, _ := url.ParseQuery(rawQuery)
	req := diagnose.Request{
		Method: "POST", RawQuery: rawQuery, ContentType: "application/json; charset=utf-8", RemoteIP: "127.0.0.1",
		Body:        []byte(textBody),
		AccessToken: q.Get("access_token"),
		Robot:       &diagnose.Robot{AccessToken: token, Secret: secret},
		KnownTokens: []string{token},
		Now:         now,
	}
	switch err := dingtalk.Verify(secret, q.Get("timestamp"), q.Get("sign"), now); err {
	case dingtalk.ErrSignMismatch:
		req.Rejection = dingtalk.Reject(dingtalk.ReasonSignMismatch)
	case dingtalk.ErrTimestampExpired:
		req.Rejection = dingtalk.Reject(dingtalk.ReasonTimestampExpired)
	}
	for _, c := range changes {
		c(&req)
	}
	if req.Message == nil {
		if m, err := dingtalk.ParseMessage(req.Body); err == nil {
			req.Message = m
			if req.Rejection == nil {
				req.Rejection = m.Validate()
			}
		}
	}
	return req
}

func body(b string) func(*diagnose.Request) {
	return func(r *diagnose.Request) { r.Body = []byte(b) }
}

func rejected(reason dingtalk.Reason) func(*diagnose.Request) {
	return func(r *diagnose.Request) { r.Rejection = dingtalk.Reject(reason) }
}

func unknownToken(r *diagnose.Request) {
	r.Robot = nil
	r.Rejection = dingtalk.Reject(dingtalk.ReasonTokenNotExist)
}

func keywords(k ...string) func(*diagnose.Request) {
	return func(r *diagnose.Request) {
		r.Robot.Keywords = k
		r.Rejection = dingtalk.Reject(dingtalk.ReasonKeywordMissing)
	}
}

func seenAt(first time.Time) func(*diagnose.Request) {
	return func(r *diagnose.Request) {
		r.SeenSign = func(string) (time.Time, bool) { return first, true }
	}
}

func neverSeen(r *diagnose.Request) {
	r.SeenSign = func(string) (time.Time, bool) { return time.Time{}, false }
}

var _ = Describe("Hint", func() {
	DescribeTable("names the client mistake behind each rejection",
		func(req diagnose.Request, want types.GomegaMatcher) {
			Expect(req.Rejection).NotTo(BeNil(), "the spec's request must be one the fake rejects")
			hint := diagnose.Hint(req)
			GinkgoWriter.Println(hint)
			Expect(hint).To(want)
		},

		// Signing (310000), each hint found by re-verifying.
		Entry("sign not URL-encoded: '+' arrives as a space",
			request("access_token="+token+"&timestamp="+tsWith(now, "+")+"&sign="+dingtalk.SignString(secret, tsWith(now, "+"))),
			And(ContainSubstring("not URL-encoded"), ContainSubstring("arrived as a space"))),
		Entry("sign encoded twice (x-cold/dingtalk-robot#7)",
			request("access_token="+token+"&timestamp="+ms(now)+"&sign="+url.QueryEscape(url.QueryEscape(dingtalk.SignString(secret, ms(now))))),
			ContainSubstring("URL-encoded twice")),
		Entry("timestamp in seconds, signed over the seconds string",
			request(signed(secret, strconv.FormatInt(now.Unix(), 10))),
			And(ContainSubstring("is in seconds"), ContainSubstring("computed over the same seconds value"))),
		Entry("timestamp in seconds in the URL, signed over the milliseconds",
			request("access_token="+token+"&timestamp="+strconv.FormatInt(now.Unix(), 10)+"&sign="+url.QueryEscape(dingtalk.SignString(secret, strconv.FormatInt(now.Unix(), 10)+"000"))),
			And(ContainSubstring("is in seconds"), ContainSubstring("computed over the milliseconds"))),
		Entry("timestamp in seconds, signed with a wrong key too",
			request(signed("SECother", strconv.FormatInt(now.Unix(), 10))),
			ContainSubstring("is in seconds")),
		Entry("timestamp in microseconds",
			request(signed(secret, strconv.FormatInt(now.UnixMicro(), 10))),
			ContainSubstring("is in microseconds")),
		Entry("signature reused 75 minutes after it was first sent (CatchZeng/dingtalk PR#2)",
			request(signed(secret, ms(now.Add(-75*time.Minute))), seenAt(now.Add(-75*time.Minute))),
			ContainSubstring("reused 75 minutes after it was first sent")),
		Entry("clock skew: host clock 90 minutes slow, never seen before (jenkinsci/dingtalk-plugin#116)",
			request(signed(secret, ms(now.Add(-90*time.Minute))), neverSeen),
			And(ContainSubstring("clock skew of 90 minutes"), ContainSubstring("behind"))),
		Entry("clock skew: host clock two hours fast",
			request(signed(secret, ms(now.Add(2*time.Hour)))),
			And(ContainSubstring("clock skew of 120 minutes"), ContainSubstring("ahead of"))),
		Entry("clock skew and a sign that is not URL-encoded",
			request("access_token="+token+"&timestamp="+tsWith(now.Add(-2*time.Hour), "+")+"&sign="+dingtalk.SignString(secret, tsWith(now.Add(-2*time.Hour), "+"))),
			And(ContainSubstring("clock skew of 120 minutes"), ContainSubstring("not URL-encoded"))),
		Entry("expired and wrongly signed",
			request(signed("SECstale", ms(now.Add(-3*time.Hour)))),
			And(ContainSubstring("behind"), ContainSubstring("would not match"))),
		Entry("signed with the access token instead of the secret",
			request(signed(token, ms(now))),
			ContainSubstring("signed with the access token instead of the robot's secret")),
		Entry("secret without its SEC prefix",
			request(signed(strings.TrimPrefix(secret, "SEC"), ms(now))),
			ContainSubstring("without its SEC prefix")),
		Entry("secret read from a file with its trailing newline",
			request(signed(secret+"\n", ms(now))),
			ContainSubstring("ends in a newline")),
		Entry("URL-safe base64 sign",
			request("access_token="+token+"&timestamp="+tsWith(now, "/")+"&sign="+strings.NewReplacer("+", "-", "/", "_").Replace(dingtalk.SignString(secret, tsWith(now, "/")))),
			ContainSubstring("URL-safe base64")),
		Entry("hex digest instead of base64",
			request("access_token="+token+"&timestamp="+ms(now)+"&sign="+strings.Repeat("ab", 32)),
			ContainSubstring("hex digest")),
		Entry("signed with another robot's secret",
			request(signed("SEC0000000000000000000000000000000000000000000000000000000000000000", ms(now))),
			And(ContainSubstring("old secret or another robot's"), ContainSubstring("SEC...(67 chars)"), Not(ContainSubstring(secret)))),
		Entry("sign parameters appended twice: the first (stale) pair is checked, the last would verify (DingtalkChatbot#29)",
			request(signed(secret, ms(now.Add(-2*time.Hour)))+"&timestamp="+ms(now)+"&sign="+url.QueryEscape(dingtalk.SignString(secret, ms(now)))),
			And(ContainSubstring("checks the first pair"), ContainSubstring("last pair would have verified"))),
		Entry("sign parameters appended twice, neither pair good",
			request(signed(token, ms(now))+"&timestamp="+ms(now)+"&sign=x"),
			And(ContainSubstring("the last would not verify either"), ContainSubstring("access token"))),
		Entry("robot has signing enabled but the client does not sign (backup-x#106)",
			request("access_token="+token),
			And(ContainSubstring("neither timestamp nor sign"), ContainSubstring("SEC...(67 chars)"))),
		Entry("sign present, timestamp missing (AI-Codereview-Gitlab#142)",
			request("access_token="+token+"&sign="+url.QueryEscape(dingtalk.SignString(secret, ms(now)))),
			ContainSubstring("sign but no timestamp")),
		Entry("timestamp sent under another name",
			request("access_token="+token+"&Timestamp="+ms(now)+"&sign="+url.QueryEscape(dingtalk.SignString(secret, ms(now)))),
			ContainSubstring(`sent as "Timestamp"`)),
		Entry("timestamp present, sign missing",
			request("access_token="+token+"&timestamp="+ms(now)),
			ContainSubstring("timestamp but no sign")),
		Entry("timestamp not a number",
			request(signed(secret, "now")),
			ContainSubstring(`"now" is not a whole number of milliseconds`)),

		// The access token.
		Entry("whole webhook URL passed as the token (n8n-nodes-dingtalk#23)",
			request("access_token=https://oapi.dingtalk.com/robot/send?access_token="+token, unknownToken),
			And(ContainSubstring("whole webhook URL"), ContainSubstring(`"4f2a1c9e"...(64 chars), which is a known robot`))),
		Entry("whole webhook URL with an unknown token inside",
			request("access_token=https%3A%2F%2Foapi.dingtalk.com%2Frobot%2Fsend%3Faccess_token%3Ddeadbeef", unknownToken),
			And(ContainSubstring("whole webhook URL"), ContainSubstring("not a robot of this fake"))),
		Entry("token with a trailing newline from an env file",
			request("access_token="+token+"%0A", unknownToken),
			ContainSubstring("trailing whitespace")),
		Entry("token in upper case",
			request("access_token="+strings.ToUpper(token), unknownToken),
			ContainSubstring("letter case")),
		Entry("token truncated",
			request("access_token="+token[:40], unknownToken),
			ContainSubstring("truncated: 40 of the 64")),
		Entry("token nobody knows",
			request("access_token=0000000000000000000000000000000000000000000000000000000000000000", unknownToken),
			And(ContainSubstring("No robot has access_token"), ContainSubstring("only robot"))),
		Entry("HTTP library params replaced the URL's query (Drun v4.1.1)",
			request("timestamp="+ms(now)+"&sign=abc", rejected(dingtalk.ReasonMissingToken)),
			ContainSubstring("did your HTTP library's params replace the URL's query?")),
		Entry("no query at all",
			request("", rejected(dingtalk.ReasonMissingToken)),
			ContainSubstring("no query string at all")),
		Entry("access_token present but empty",
			request("access_token=", rejected(dingtalk.ReasonMissingToken)),
			ContainSubstring("present but empty")),
		Entry("access_token with a broken %-escape, which the server's parser drops",
			request("access_token=%zz"+token, rejected(dingtalk.ReasonMissingToken)),
			And(ContainSubstring(`broken %-escape ("%zz")`), Not(ContainSubstring("present but empty")))),
		Entry("access_token with a '%' cut short at its end",
			request("timestamp="+ms(now)+"&access_token="+token+"%2", rejected(dingtalk.ReasonMissingToken)),
			And(ContainSubstring(`broken %-escape ("%2")`), Not(ContainSubstring("present but empty")))),
		Entry("more than 10,000 parameters: the server's parser drops the whole query",
			request("access_token="+token+strings.Repeat("&a=1", 10000), rejected(dingtalk.ReasonMissingToken)),
			And(ContainSubstring("10001 parameters, more than the 10000"), Not(ContainSubstring("present but empty")))),
		Entry("access_token behind a ';', which is not a separator",
			request("x=1;access_token="+token, rejected(dingtalk.ReasonMissingToken)),
			ContainSubstring("follows a ';'")),
		Entry("token under another parameter name",
			request("accessToken="+token, rejected(dingtalk.ReasonMissingToken)),
			ContainSubstring(`"accessToken" but no access_token`)),
		Entry("disabled robot",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonRobotDisabled)),
			ContainSubstring("is disabled")),

		// Transport and body.
		Entry("GET instead of POST (opened in a browser)",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonNotPost), func(r *diagnose.Request) { r.Method = "GET" }),
			And(ContainSubstring(`used "GET"`), ContainSubstring("only accepts POST"))),
		Entry("form-encoded body (requests data=)",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonBadContentType), func(r *diagnose.Request) { r.ContentType = "application/x-www-form-urlencoded" }),
			And(ContainSubstring(`"application/x-www-form-urlencoded"`), ContainSubstring("sent as a form"))),
		Entry("no Content-Type at all",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonBadContentType), func(r *diagnose.Request) { r.ContentType = "" }),
			ContainSubstring("No Content-Type header")),
		Entry("text/plain",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonBadContentType), func(r *diagnose.Request) { r.ContentType = "text/plain;charset=UTF-8" }),
			ContainSubstring(`"text/plain;charset=UTF-8"`)),
		Entry("body over 20000 bytes (SecCrawler#12)",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonBodyTooLarge),
				body(`{"msgtype":"text","text":{"content":"`+strings.Repeat("x", 25000)+`"}}`)),
			And(ContainSubstring("25040 bytes"), ContainSubstring("20000"))),
		Entry("invalid JSON: unescaped backslash of a Windows path (nightingale#2704)",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonMissingJSON), body(`{"msgtype":"text","text":{"content":"C:\Data full"}}`)),
			And(ContainSubstring("byte offset 39"), ContainSubstring("unescaped backslash"))),
		Entry("invalid JSON: raw newline from a template (actions-ding#5)",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonMissingJSON), body("{\"msgtype\":\"text\",\"text\":{\"content\":\"line1\nline2\"}}")),
			And(ContainSubstring("byte offset 42"), ContainSubstring("raw line break"))),
		Entry("invalid JSON: a Python dict printed with str()",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonMissingJSON), body(`{'msgtype': 'text'}`)),
			ContainSubstring("single quote")),
		Entry("JSON encoded twice",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonMissingJSON), body(strconv.Quote(textBody))),
			ContainSubstring("encoded twice")),
		Entry("empty body",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonMissingJSON), body("")),
			ContainSubstring("body is empty")),
		Entry("truncated JSON",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonMissingJSON), body(`{"msgtype":"text"`)),
			ContainSubstring("ends before its JSON is complete")),
		Entry("form body",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonMissingJSON), body(`msgtype=text&content=hi`)),
			ContainSubstring("form-encoded")),

		// Message schema.
		Entry("msgtype in the wrong case: actioncard",
			request(signed(secret, ms(now)), body(`{"msgtype":"actioncard","actionCard":{"title":"t","text":"x"}}`)),
			And(ContainSubstring(`"actioncard" is not "actionCard"`), ContainSubstring("case-sensitive"))),
		Entry("msgtype missing, markdown object present",
			request(signed(secret, ms(now)), body(`{"markdown":{"title":"t","text":"x"}}`)),
			ContainSubstring(`add "msgtype":"markdown"`)),
		Entry("msgtype nobody supports",
			request(signed(secret, ms(now)), body(`{"msgtype":"video"}`)),
			And(ContainSubstring(`"video" is not one DingTalk supports`), ContainSubstring("text, link, markdown, actionCard, feedCard"))),
		Entry("Slack-style body",
			request(signed(secret, ms(now)), body(`{"text":"hello"}`)),
			ContainSubstring("Slack-style")),
		Entry("Feishu/Lark body",
			request(signed(secret, ms(now)), body(`{"msg_type":"text","content":{"text":"hi"}}`)),
			ContainSubstring("Feishu/Lark")),
		Entry("markdown without a title (BiliBiliToolPro#183)",
			request(signed(secret, ms(now)), body(`{"msgtype":"markdown","markdown":{"text":"# disk full"}}`)),
			And(ContainSubstring("markdown message has no title"), ContainSubstring("is missing"))),
		Entry("markdown with an empty title",
			request(signed(secret, ms(now)), body(`{"msgtype":"markdown","markdown":{"title":"","text":"# disk full"}}`)),
			ContainSubstring("markdown.title is empty")),
		Entry("WeCom-shaped markdown: markdown.content (MemoryBear PR#1637)",
			request(signed(secret, ms(now)), body(`{"msgtype":"markdown","markdown":{"content":"# disk full"}}`)),
			And(ContainSubstring("WeCom"), ContainSubstring("markdown.content"))),
		Entry("WeCom news message",
			request(signed(secret, ms(now)), body(`{"msgtype":"news","news":{"articles":[{"title":"t","url":"u"}]}}`)),
			And(ContainSubstring("WeCom"), ContainSubstring("feedCard"))),
		Entry("WeCom text with mentioned_list and no content",
			request(signed(secret, ms(now)), body(`{"msgtype":"text","text":{"mentioned_mobile_list":["13800000000"]}}`)),
			And(ContainSubstring("WeCom"), ContainSubstring("text.mentioned_mobile_list"), ContainSubstring("at.atMobiles"))),
		Entry("text with empty content (PrometheusAlert#63)",
			request(signed(secret, ms(now)), body(`{"msgtype":"text","text":{"content":""}}`)),
			And(ContainSubstring("text.content is empty"), ContainSubstring("400202"))),
		Entry("markdown given as a string",
			request(signed(secret, ms(now)), body(`{"msgtype":"markdown","markdown":"# hi"}`)),
			ContainSubstring("a string, not an object")),
		Entry("msgtype and object disagree",
			request(signed(secret, ms(now)), body(`{"msgtype":"markdown","text":{"content":"hi"}}`)),
			ContainSubstring(`msgtype is "markdown" but the body has a text object`)),
		Entry("actionCard without buttons",
			request(signed(secret, ms(now)), body(`{"msgtype":"actionCard","actionCard":{"title":"t","text":"x"}}`)),
			ContainSubstring("singleTitle and singleURL")),
		Entry("feedCard link without messageURL",
			request(signed(secret, ms(now)), body(`{"msgtype":"feedCard","feedCard":{"links":[{"title":"a","messageURL":"u"},{"title":"b"}]}}`)),
			ContainSubstring("feedCard.links[1].messageURL is missing")),

		// Security settings other than signing.
		Entry("keywords absent: names the configured keywords (BilibiliTask#53)",
			request(signed(secret, ms(now)), keywords("监控", "alert")),
			And(ContainSubstring(`"监控", "alert"`), ContainSubstring("None of the robot's keywords"))),
		Entry("keyword present in another case",
			request(signed(secret, ms(now)), keywords("alert"), body(`{"msgtype":"text","text":{"content":"ALERT: disk full"}}`)),
			ContainSubstring("case-sensitive")),
		Entry("keyword only in a field the check does not scan",
			request(signed(secret, ms(now)), keywords("alert"), body(`{"msgtype":"link","link":{"title":"disk","text":"full","messageUrl":"https://x/alert"}}`)),
			ContainSubstring("appears only in link.messageUrl")),
		Entry("IPv4 sender not in the allowlist",
			request(signed(secret, ms(now)), func(r *diagnose.Request) {
				r.RemoteIP = "203.0.113.9"
				r.Robot.IPAllowlist = []string{"198.51.100.0/24"}
				r.Rejection = &dingtalk.Rejection{Reason: dingtalk.ReasonIPNotAllowed, IP: "203.0.113.9"}
			}),
			And(ContainSubstring(`"203.0.113.9"`), ContainSubstring(`"198.51.100.0/24"`))),
		Entry("IPv6 egress while only IPv4 is allowlisted (devzhi.com)",
			request(signed(secret, ms(now)), func(r *diagnose.Request) {
				r.RemoteIP = "2001:db8::1"
				r.Robot.IPAllowlist = []string{"203.0.113.9"}
				r.Rejection = &dingtalk.Rejection{Reason: dingtalk.ReasonIPNotAllowed, IP: "2001:db8::1"}
			}),
			And(ContainSubstring("IPv6"), ContainSubstring("curl -4"))),
		Entry("rate limited: the 21st message in a minute (nightingale#369)",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonRateLimited), func(r *diagnose.Request) {
				r.RateLimit = &diagnose.RateLimitInfo{Limit: 20, LockedUntil: now.Add(10 * time.Minute)}
			}),
			And(ContainSubstring("more than 20 messages"), ContainSubstring("2025-03-14T09:36:53Z (10 minutes from now)"))),
		Entry("injected system error",
			request(signed(secret, ms(now)), rejected(dingtalk.ReasonSystemError)),
			ContainSubstring("retry later")),
	)

	It("gives a non-empty hint for every reason even when nothing else is known", func() {
		reasons := []dingtalk.Reason{
			dingtalk.ReasonNotPost, dingtalk.ReasonMissingToken, dingtalk.ReasonMissingJSON, dingtalk.ReasonBadContentType,
			dingtalk.ReasonTokenNotExist, dingtalk.ReasonRobotDisabled, dingtalk.ReasonBodyTooLarge, dingtalk.ReasonUnsupportedMsgType,
			dingtalk.ReasonMissingParam, dingtalk.ReasonSignMismatch, dingtalk.ReasonTimestampExpired, dingtalk.ReasonKeywordMissing,
			dingtalk.ReasonIPNotAllowed, dingtalk.ReasonRateLimited, dingtalk.ReasonSystemBusy, dingtalk.ReasonSystemError, "something_new",
		}
		for _, r := range reasons {
			h := diagnose.Hint(diagnose.Request{Rejection: dingtalk.Reject(r)})
			Expect(h).NotTo(BeEmpty(), string(r))
			Expect(h).NotTo(ContainSubstring("\n"), string(r))
		}
	})

	It("says nothing for an accepted request", func() {
		Expect(diagnose.Hint(diagnose.Request{})).To(BeEmpty())
		Expect(diagnose.Hint(diagnose.Request{Rejection: dingtalk.Reject(dingtalk.ReasonOK)})).To(BeEmpty())
	})

	It("never repeats a request value's control characters or the full secret", func() {
		req := request("access_token="+url.QueryEscape("x\r\nX-Evil: 1"), unknownToken)
		Expect(diagnose.Hint(req)).NotTo(ContainSubstring("\r\n"))
		req = request("access_token=" + token)
		Expect(diagnose.Hint(req)).NotTo(ContainSubstring(secret))
	})

	It("does not call a signature reused when the only sighting is the current request", func() {
		req := request(signed(secret, ms(now.Add(-90*time.Minute))), seenAt(now))
		Expect(diagnose.Hint(req)).To(ContainSubstring("clock skew of 90 minutes"))
	})
})
