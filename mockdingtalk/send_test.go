// Specs for POST /robot/send: every errcode path in every wording era, the
// sign test vectors over HTTP, timestamp windows on the fake clock, the
// order and repetition of query parameters, Content-Type, body size, IP
// allowlist (IPv6 never matches), keywords, message types and msgUuid.

package mockdingtalk_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// want is the expected answer in each era.
type want struct {
	code, legacyCode             int // legacyCode 0 = same as code
	description, chinese, legacy string
	reason                       dingtalk.Reason
	check                        journal.CheckName // the check that fails
}

func (w want) codeFor(era dingtalk.Era) int {
	if era == dingtalk.EraLegacy && w.legacyCode != 0 {
		return w.legacyCode
	}
	return w.code
}

func (w want) textFor(era dingtalk.Era) string {
	switch era {
	case dingtalk.EraLegacy:
		return w.legacy
	case dingtalk.EraChinese:
		return w.chinese
	}
	return w.description
}

// same is an answer whose text did not change between eras.
func same(code int, text string, reason dingtalk.Reason, check journal.CheckName) want {
	return want{code: code, description: text, chinese: text, legacy: text, reason: reason, check: check}
}

const legacyMore = ", more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"

var (
	signMismatch = want{code: 310000,
		description: "description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳必须都放在调用的网址中，请确认机器人的密钥加密和填写正确;link:请参考本接口对应文档获得具体要求，或者在https://open.dingtalk.com/document/  搜索相关文档;",
		chinese:     "错误描述:机器人发送签名不匹配;解决方案:请确认签名和生成签名的时间戳必须都放在调用的网址中，请确认机器人的密钥加密和填写正确;参考链接:请参考本接口对应文档获得具体要求，或者在https://open.dingtalk.com/document/  搜索相关文档;",
		legacy:      "sign not match" + legacyMore,
		reason:      dingtalk.ReasonSignMismatch, check: journal.CheckSign}
	timestampExpired = want{code: 310000,
		description: "description:机器人发送签名过期;solution:签名生成时间和发送时间请保持在 timestampms 以内;",
		chinese:     "错误描述:机器人发送签名过期;解决方案:签名生成时间和发送时间请保持在 timestampms 以内;",
		legacy:      "invalid timestamp" + legacyMore,
		reason:      dingtalk.ReasonTimestampExpired, check: journal.CheckSign}
	keywordMissing = want{code: 310000,
		description: "description:关键词不匹配;solution:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;",
		chinese:     "错误描述:关键词不匹配;解决方案:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;",
		legacy:      "keywords not in content" + legacyMore,
		reason:      dingtalk.ReasonKeywordMissing, check: journal.CheckKeywords}
	bodyTooLarge = want{code: 460101,
		description: "description: body 大小不合法;solution:请保持大小在 20000bytes 以内;",
		chinese:     "错误描述: body 大小不合法;解决方案:请保持大小在 20000bytes 以内;",
		legacy:      "message too long, exceed 20000 bytes",
		reason:      dingtalk.ReasonBodyTooLarge, check: journal.CheckBodySize}
	missingJSON  = same(40035, "缺少参数 json", dingtalk.ReasonMissingJSON, journal.CheckJSON)
	missingToken = same(40035, "缺少参数 access_token", dingtalk.ReasonMissingToken, journal.CheckAccessToken)
	tokenUnknown = want{code: 300005, legacyCode: 300001,
		description: "token is not exist", chinese: "token is not exist", legacy: "token is not exist",
		reason: dingtalk.ReasonTokenNotExist, check: journal.CheckToken}
	badContentType = same(43004, "无效的HTTP HEADER Content-Type", dingtalk.ReasonBadContentType, journal.CheckContentType)
)

func ipNotAllowed(ip string) want {
	return want{code: 310000,
		description: "description:ip 不在白名单中;solution:请联系对应群的管理员，设置机器人安全ip地址段",
		chinese:     "错误描述:ip 不在白名单中;解决方案:请联系对应群的管理员,设置机器人安全ip地址段",
		legacy:      "ip " + ip + " not in whitelist" + legacyMore,
		reason:      dingtalk.ReasonIPNotAllowed, check: journal.CheckIPAllowlist}
}

// missParam is the 4XXYYY answer for a missing field path like "markdown->title".
func missParam(code int, path string) want {
	modern := strings.ReplaceAll(path, "->", " --》 ")
	return want{code: code,
		description: "description:参数 " + modern + " 缺失，或者参数格式不正确; solution:请填充上对应参数;link:请参考本接口对应文档查看参数获取方式，或者在https://open.dingtalk.com/document/  搜索对应文档;",
		chinese:     "错误描述:参数 " + modern + " 缺失，或者参数格式不正确; 解决方案:请填充上对应参数;参考链接:请参考本接口对应文档查看参数获取方式，或者在https://open.dingtalk.com/document/  搜索对应文档;",
		legacy:      "miss param : " + path,
		reason:      dingtalk.ReasonMissingParam, check: journal.CheckMessage}
}

func unsupported(msgtype string) want {
	return want{code: 400105,
		description: "description: 不支持类型 msgType:" + msgtype + " ;solution:请使用支持的类型;link:请参考本接口对应文档查看支持的消息类型，或者在https://open.dingtalk.com/document/ 搜索对应文档;",
		chinese:     "错误描述: 不支持类型 msgType:" + msgtype + " ;解决方案:请使用支持的类型;参考链接:请参考本接口对应文档查看支持的消息类型，或者在https://open.dingtalk.com/document/ 搜索对应文档;",
		legacy:      "unsupported msgtype",
		reason:      dingtalk.ReasonUnsupportedMsgType, check: journal.CheckMessage}
}

// build makes the request for a robot's token.
type build func(token string) sendReq

func plain(body string) build {
	return func(tok string) sendReq {
		return sendReq{query: "access_token=" + tok, contentType: jsonType, body: body}
	}
}

func signedAt(secret string, ts time.Time, body string) build {
	return func(tok string) sendReq {
		return sendReq{query: signedQuery(tok, secret, ts), contentType: jsonType, body: body}
	}
}

const secret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"

var _ = Describe("POST /robot/send", func() {
	var servers map[dingtalk.Era]*mockdingtalk.Server

	BeforeEach(func() {
		servers = map[dingtalk.Era]*mockdingtalk.Server{}
		for _, era := range dingtalk.Eras {
			servers[era] = newHandler(mockdingtalk.Config{Dialect: dingtalk.Dialect{Era: era}, FreezeAt: t0})
		}
	})

	DescribeTable("answers each client mistake with DingTalk's errcode and errmsg, in every era",
		func(robot mockdingtalk.Robot, req build, w want) {
			for _, era := range dingtalk.Eras {
				s := servers[era]
				tok := addRobot(s, robot)
				rep := serve(s, req(tok).bad())
				By(fmt.Sprintf("era %s", era))
				Expect(rep.status).To(Equal(http.StatusOK), "business errors are HTTP 200")
				Expect(rep.header.Get("Content-Type")).To(Equal("application/json"))
				Expect(rep.resp.ErrCode).To(Equal(w.codeFor(era)), "era %s", era)
				Expect(rep.resp.ErrMsg).To(Equal(w.textFor(era)), "era %s", era)
				Expect(rep.raw).To(Equal(dingtalk.Response{ErrCode: w.codeFor(era), ErrMsg: w.textFor(era)}.AppendJSON(nil)),
					"byte-faithful body")
				Expect(rep.header.Get("X-Mock-Hint")).NotTo(BeEmpty(), "a rejection carries a hint")

				e := last(s)
				Expect(e.Reason).To(Equal(w.reason))
				Expect(e.Accepted).To(BeFalse())
				Expect(e.Delivered).To(BeFalse())
				Expect(failedCheck(e)).To(Equal(w.check))
				Expect(e.Hint).NotTo(BeEmpty())
				Expect(e.Response.Body).To(Equal(rep.raw))
			}
		},
		Entry("GET instead of POST (probe log: 需要POST请求)",
			mockdingtalk.Robot{}, func(tok string) sendReq {
				return sendReq{method: http.MethodGet, query: "access_token=" + tok}
			}, same(43002, "需要POST请求", dingtalk.ReasonNotPost, journal.CheckMethod)),
		Entry("PUT instead of POST",
			mockdingtalk.Robot{}, func(tok string) sendReq {
				return sendReq{method: http.MethodPut, query: "access_token=" + tok, contentType: jsonType, body: textBody}
			}, same(43002, "需要POST请求", dingtalk.ReasonNotPost, journal.CheckMethod)),
		Entry("access_token dropped because the HTTP library's params replaced the URL's query (Drun v4.1.1)",
			mockdingtalk.Robot{}, func(string) sendReq {
				return sendReq{query: "timestamp=1&sign=x", contentType: jsonType, body: textBody}
			}, missingToken),
		Entry("empty access_token",
			mockdingtalk.Robot{}, func(string) sendReq {
				return sendReq{query: "access_token=", contentType: jsonType, body: textBody}
			}, missingToken),
		Entry("a random 64-hex token (probe log, timonwong/prometheus-webhook-dingtalk#226)",
			mockdingtalk.Robot{}, func(string) sendReq {
				return sendReq{query: "access_token=" + strings.Repeat("ab", 32), contentType: jsonType, body: textBody}
			}, tokenUnknown),
		Entry("the whole webhook URL passed as the token (cryozerolabs/n8n-nodes-dingtalk#23)",
			mockdingtalk.Robot{}, func(tok string) sendReq {
				return sendReq{query: "access_token=" + url.QueryEscape("https://oapi.dingtalk.com/robot/send?access_token="+tok),
					contentType: jsonType, body: textBody}
			}, tokenUnknown),
		Entry("robot disabled (doc: 机器人已停用)",
			mockdingtalk.Robot{Disabled: true}, plain(textBody),
			same(400102, "机器人已停用", dingtalk.ReasonRobotDisabled, journal.CheckEnabled)),
		Entry("form-encoded Content-Type (doc: 无效的HTTP HEADER Content-Type)",
			mockdingtalk.Robot{}, func(tok string) sendReq {
				return sendReq{query: "access_token=" + tok, contentType: "application/x-www-form-urlencoded", body: textBody}
			}, badContentType),
		Entry("no Content-Type at all",
			mockdingtalk.Robot{}, func(tok string) sendReq {
				return sendReq{query: "access_token=" + tok, body: textBody}
			}, badContentType),
		Entry("text/plain Content-Type",
			mockdingtalk.Robot{}, func(tok string) sendReq {
				return sendReq{query: "access_token=" + tok, contentType: "text/plain; charset=utf-8", body: textBody}
			}, badContentType),
		Entry("body over 20000 bytes (Le0nsec/SecCrawler#12, feiyu563/PrometheusAlert#318)",
			mockdingtalk.Robot{}, plain(`{"msgtype":"text","text":{"content":"`+strings.Repeat("x", 20000)+`"}}`),
			bodyTooLarge),
		Entry("empty body",
			mockdingtalk.Robot{}, plain(""), missingJSON),
		Entry("an unescaped \\D in a Windows path (ccfos/nightingale#2704)",
			mockdingtalk.Robot{}, plain(`{"msgtype":"text","text":{"content":"C:\Data\x"}}`), missingJSON),
		Entry("a multi-line actionCard.text that is not valid JSON (zcong1993/actions-ding#5)",
			mockdingtalk.Robot{}, plain("{\"msgtype\":\"actionCard\",\"actionCard\":{\"title\":\"t\",\"text\":\"line1\nline2\"}}"),
			missingJSON),
		Entry("a JSON array instead of an object",
			mockdingtalk.Robot{}, plain(`[1,2]`), missingJSON),
		Entry("sender not in the IP allowlist (sansan0/TrendRadar#70)",
			mockdingtalk.Robot{IPAllowlist: []string{"10.0.0.0/8"}}, func(tok string) sendReq {
				return sendReq{query: "access_token=" + tok, contentType: jsonType, body: textBody, remote: "203.0.113.9:5555"}
			}, ipNotAllowed("203.0.113.9")),
		Entry("IPv6 egress while the allowlist has IPv4 only (devzhi.com ipv6-dingtalk-webhook-issue)",
			mockdingtalk.Robot{IPAllowlist: []string{"0.0.0.0/0"}}, func(tok string) sendReq {
				return sendReq{query: "access_token=" + tok, contentType: jsonType, body: textBody, remote: "[2001:db8::1]:443"}
			}, ipNotAllowed("2001:db8::1")),
		Entry("signing enabled but the client does not sign (jeessy2/backup-x#106)",
			mockdingtalk.Robot{Secret: secret}, plain(textBody), signMismatch),
		Entry("sign present, timestamp missing (sunmh207/AI-Codereview-Gitlab#142)",
			mockdingtalk.Robot{Secret: secret}, func(tok string) sendReq {
				return sendReq{query: "access_token=" + tok + "&sign=" + url.QueryEscape(dingtalk.Sign(secret, t0.UnixMilli())),
					contentType: jsonType, body: textBody}
			}, signMismatch),
		Entry("signed with a stale secret (RayWangQvQ/BiliBiliTool#566)",
			mockdingtalk.Robot{Secret: secret}, signedAt("SEC"+strings.Repeat("0", 64), t0, textBody), signMismatch),
		Entry("sign left raw, so its '+' arrives as a space",
			mockdingtalk.Robot{Secret: vectorSecret}, func(tok string) sendReq {
				return sendReq{query: "access_token=" + tok + "&timestamp=1577262236757&sign=hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=",
					contentType: jsonType, body: textBody}
			}, signMismatch),
		Entry("sign URL-encoded twice (x-cold/dingtalk-robot#7)",
			mockdingtalk.Robot{Secret: vectorSecret}, func(tok string) sendReq {
				return sendReq{query: "access_token=" + tok + "&timestamp=1577262236757&sign=" +
					url.QueryEscape(url.QueryEscape(dingtalk.Sign(vectorSecret, 1577262236757))),
					contentType: jsonType, body: textBody}
			}, signMismatch),
		Entry("timestamp cached for more than an hour (CatchZeng/dingtalk PR#2, labulakalia/crocodile#37)",
			mockdingtalk.Robot{Secret: secret}, signedAt(secret, t0.Add(-61*time.Minute), textBody), timestampExpired),
		Entry("host clock an hour and a half fast (jenkinsci/dingtalk-plugin#116)",
			mockdingtalk.Robot{Secret: secret}, signedAt(secret, t0.Add(90*time.Minute), textBody), timestampExpired),
		Entry("timestamp in seconds instead of milliseconds",
			mockdingtalk.Robot{Secret: secret}, func(tok string) sendReq {
				sec := t0.Unix()
				return sendReq{query: fmt.Sprintf("access_token=%s&timestamp=%d&sign=%s", tok, sec, url.QueryEscape(dingtalk.Sign(secret, sec))),
					contentType: jsonType, body: textBody}
			}, timestampExpired),
		Entry("device clock unsynced after boot (0wQ/air780e-forwarder#51)",
			mockdingtalk.Robot{Secret: secret}, signedAt(secret, time.UnixMilli(86_400_000), textBody), timestampExpired),
		Entry("a msgtype DingTalk does not support",
			mockdingtalk.Robot{}, plain(`{"msgtype":"voice","voice":{}}`), unsupported("voice")),
		Entry("no msgtype at all",
			mockdingtalk.Robot{}, plain(`{"text":{"content":"hello"}}`), unsupported("null")),
		Entry("text without content (smarterallen/prometheus-webhook-dingtalk#4)",
			mockdingtalk.Robot{}, plain(`{"msgtype":"text","text":{}}`), missParam(400202, "text->content")),
		Entry("markdown without title (RayWangQvQ/BiliBiliToolPro#183)",
			mockdingtalk.Robot{}, plain(`{"msgtype":"markdown","markdown":{"text":"# hi"}}`), missParam(400402, "markdown->title")),
		Entry("markdown with an empty text (feiyu563/PrometheusAlert#63)",
			mockdingtalk.Robot{}, plain(`{"msgtype":"markdown","markdown":{"title":"t","text":""}}`), missParam(400403, "markdown->text")),
		Entry("markdown given as a string",
			mockdingtalk.Robot{}, plain(`{"msgtype":"markdown","markdown":"# hi"}`), missParam(400401, "markdown")),
		Entry("WeCom's markdown.content shape (SuanmoSuanyangTechnology/MemoryBear PR#1637)",
			mockdingtalk.Robot{}, plain(`{"msgtype":"markdown","markdown":{"content":"# hi"}}`), missParam(400402, "markdown->title")),
		Entry("feedCard without links",
			mockdingtalk.Robot{}, plain(`{"msgtype":"feedCard","feedCard":{}}`), missParam(400602, "feedCard->links")),
		Entry("keyword not in the message (srcrs/BilibiliTask#53, RayWangQvQ/BiliBiliToolPro#271)",
			mockdingtalk.Robot{Keywords: []string{"监控报警"}}, plain(textBody), keywordMissing),
	)

	It("writes '>' in a missing parameter as \\u003E, as DingTalk does", func() {
		s := servers[dingtalk.EraLegacy]
		tok := addRobot(s, mockdingtalk.Robot{})
		rep := serve(s, plain(`{"msgtype":"text","text":{}}`)(tok).bad())
		Expect(string(rep.raw)).To(Equal(`{"errcode":400202,"errmsg":"miss param : text-\u003Econtent"}`))
	})

	Context("the sign test vectors of docs/dingtalk-behaviour.md, through HTTP", func() {
		DescribeTable("accepts the vector's timestamp and URL-encoded sign",
			func(secret string, ts int64, encodedSign string) {
				s := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{FreezeAt: time.UnixMilli(ts)})
				tok := addRobot(s, mockdingtalk.Robot{Secret: secret})
				u := s.WebhookURL(tok) + fmt.Sprintf("&timestamp=%d&sign=%s", ts, encodedSign)
				rep, err := post(checked, u, jsonType, textBody)
				Expect(err).NotTo(HaveOccurred())
				Expect(rep.resp).To(Equal(dingtalk.OK))
				Expect(rep.header.Get("X-Mock-Hint")).To(BeEmpty())
				Expect(last(s).Delivered).To(BeTrue())
			},
			Entry("ts=1577262236757, secret 'this is secret'", vectorSecret, int64(1577262236757),
				"hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D"),
			Entry("ts=1600000000000, a SEC… secret", secret, int64(1600000000000),
				"379i51ZpQAvxLHDd%2Ffi11xXbk9pkmRZseEY7prOyuSo%3D"),
		)
	})

	Context("timestamp window on the fake clock", func() {
		var (
			s   *mockdingtalk.Server
			tok string
		)
		BeforeEach(func() {
			s = servers[dingtalk.EraDescription]
			tok = addRobot(s, mockdingtalk.Robot{Secret: secret, RateLimitPerMinute: intp(0)})
		})

		DescribeTable("accepts exactly ±1h and rejects anything beyond",
			func(skew time.Duration, code int) {
				rep := serve(s, signedAt(secret, t0.Add(skew), textBody)(tok))
				Expect(rep.resp.ErrCode).To(Equal(code))
			},
			Entry("exactly 1h old", -time.Hour, 0),
			Entry("exactly 1h ahead", time.Hour, 0),
			Entry("1h and 1ms old", -time.Hour-time.Millisecond, 310000),
			Entry("1h and 1ms ahead", time.Hour+time.Millisecond, 310000),
			Entry("now", time.Duration(0), 0),
		)

		It("expires a signed URL one millisecond after the hour, as the clock advances", func() {
			req := signedAt(secret, t0, textBody)(tok)
			Expect(serve(s, req).resp.ErrCode).To(Equal(0))
			s.Advance(time.Hour)
			Expect(serve(s, req).resp.ErrCode).To(Equal(0))
			s.Advance(time.Millisecond)
			rep := serve(s, req)
			Expect(rep.resp.ErrMsg).To(Equal(timestampExpired.description))
		})

		It("tells a reused signature apart, using when the sign was first seen", func() {
			req := signedAt(secret, t0, textBody)(tok)
			Expect(serve(s, req).resp.ErrCode).To(Equal(0))
			s.Advance(61 * time.Minute)
			rep := serve(s, req)
			Expect(rep.resp.ErrCode).To(Equal(310000))
			Expect(rep.header.Get("X-Mock-Hint")).To(ContainSubstring("reused"))
		})
	})

	Context("query parameters", func() {
		var (
			s   *mockdingtalk.Server
			tok string
		)
		BeforeEach(func() {
			s = servers[dingtalk.EraDescription]
			tok = addRobot(s, mockdingtalk.Robot{Secret: secret})
		})
		sig := func(ts time.Time) string { return url.QueryEscape(dingtalk.Sign(secret, ts.UnixMilli())) }

		It("accepts them in any order", func() {
			for _, q := range []string{
				"sign=" + sig(t0) + "&timestamp=" + ms(t0) + "&access_token=" + tok,
				"timestamp=" + ms(t0) + "&access_token=" + tok + "&sign=" + sig(t0),
			} {
				Expect(serve(s, sendReq{query: q, contentType: jsonType, body: textBody}).resp).To(Equal(dingtalk.OK), q)
			}
		})

		It("checks the first access_token when it is repeated", func() {
			q := signedQuery(tok, secret, t0) + "&access_token=nope"
			Expect(serve(s, sendReq{query: q, contentType: jsonType, body: textBody}).resp).To(Equal(dingtalk.OK))
			q = "access_token=nope&" + signedQuery(tok, secret, t0)
			Expect(serve(s, sendReq{query: q, contentType: jsonType, body: textBody}).resp.ErrCode).To(Equal(300005))
			Expect(last(s).AccessToken).To(Equal("nope"))
		})

		It("checks the first timestamp and sign when stale ones were left in the URL (DingtalkChatbot#29)", func() {
			stale := t0.Add(-2 * time.Hour)
			q := signedQuery(tok, secret, stale) + "&timestamp=" + ms(t0) + "&sign=" + sig(t0)
			rep := serve(s, sendReq{query: q, contentType: jsonType, body: textBody})
			Expect(rep.resp.ErrMsg).To(Equal(timestampExpired.description))

			q = signedQuery(tok, secret, t0) + "&timestamp=1&sign=junk"
			Expect(serve(s, sendReq{query: q, contentType: jsonType, body: textBody}).resp).To(Equal(dingtalk.OK))
		})

		It("ignores timestamp and sign when the robot has no secret", func() {
			open := addRobot(s, mockdingtalk.Robot{})
			rep := serve(s, sendReq{query: "access_token=" + open + "&timestamp=1&sign=junk", contentType: jsonType, body: textBody}.bad())
			Expect(rep.resp).To(Equal(dingtalk.OK))
		})
	})

	Context("Content-Type", func() {
		DescribeTable("accepts application/json with any case and parameters",
			func(ct string) {
				s := servers[dingtalk.EraDescription]
				tok := addRobot(s, mockdingtalk.Robot{})
				Expect(serve(s, sendReq{query: "access_token=" + tok, contentType: ct, body: textBody}).resp).To(Equal(dingtalk.OK))
			},
			Entry("plain", "application/json"),
			Entry("with charset, as most examples send it", "application/json;charset=utf-8"),
			Entry("with a space and upper case", "Application/JSON; charset=UTF-8"),
		)

		It("rejects a JSON-like but different media type", func() {
			s := servers[dingtalk.EraDescription]
			tok := addRobot(s, mockdingtalk.Robot{})
			rep := serve(s, sendReq{query: "access_token=" + tok, contentType: "application/json-patch+json", body: textBody}.bad())
			Expect(rep.resp.ErrCode).To(Equal(43004))
		})
	})

	It("accepts a body of exactly 20000 bytes", func() {
		s := servers[dingtalk.EraDescription]
		tok := addRobot(s, mockdingtalk.Robot{})
		prefix, suffix := `{"msgtype":"text","text":{"content":"`, `"}}`
		body := prefix + strings.Repeat("x", dingtalk.MaxBodyBytes-len(prefix)-len(suffix)) + suffix
		Expect(body).To(HaveLen(dingtalk.MaxBodyBytes))
		Expect(serve(s, plain(body)(tok)).resp).To(Equal(dingtalk.OK))
	})

	It("keeps the connection usable after an oversized body", func() {
		s := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
		tok := addRobot(s, mockdingtalk.Robot{})
		client := checkedWith(&http.Transport{MaxConnsPerHost: 1}, 0)
		big := `{"msgtype":"text","text":{"content":"` + strings.Repeat("y", 50000) + `"}}`
		rep, err := post(client, s.WebhookURL(tok), jsonType, big, negativeCtx)
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.resp.ErrCode).To(Equal(460101))
		rep, err = post(client, s.WebhookURL(tok), jsonType, textBody)
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.resp).To(Equal(dingtalk.OK))
	})

	Context("IP allowlist", func() {
		var s *mockdingtalk.Server
		BeforeEach(func() { s = servers[dingtalk.EraDescription] })

		DescribeTable("lets in exactly the listed IPv4 senders",
			func(allow []string, remote string, code int) {
				tok := addRobot(s, mockdingtalk.Robot{IPAllowlist: allow})
				rep := serve(s, sendReq{query: "access_token=" + tok, contentType: jsonType, body: textBody, remote: remote})
				Expect(rep.resp.ErrCode).To(Equal(code))
			},
			Entry("a listed single address", []string{"1.1.1.1"}, "1.1.1.1:1234", 0),
			Entry("an address inside a listed range", []string{"9.9.9.9", "1.1.1.0/24"}, "1.1.1.77:1234", 0),
			Entry("an address outside every entry", []string{"1.1.1.0/24"}, "1.1.2.1:1234", 310000),
			Entry("IPv6 loopback never matches, even 0.0.0.0/0", []string{"0.0.0.0/0"}, "[::1]:1234", 310000),
			Entry("an IPv4-mapped IPv6 peer counts as its IPv4 address", []string{"10.0.0.0/8"}, "[::ffff:10.1.2.3]:1234", 0),
		)

		It("ignores X-Forwarded-For unless told to trust it", func() {
			tok := addRobot(s, mockdingtalk.Robot{IPAllowlist: []string{"1.2.3.4"}})
			req := sendReq{query: "access_token=" + tok, contentType: jsonType, body: textBody,
				header: http.Header{"X-Forwarded-For": {"1.2.3.4, 10.0.0.1"}}}
			Expect(serve(s, req).resp.ErrCode).To(Equal(310000))

			trusting := newHandler(mockdingtalk.Config{TrustForwardedFor: true})
			tok = addRobot(trusting, mockdingtalk.Robot{IPAllowlist: []string{"1.2.3.4"}})
			req.query = "access_token=" + tok
			Expect(serve(trusting, req).resp).To(Equal(dingtalk.OK))
			Expect(last(trusting).RemoteAddr).To(Equal("1.2.3.4"))
		})
	})

	Context("keywords", func() {
		DescribeTable("pass when any keyword appears in the visible text",
			func(body string, code int) {
				s := servers[dingtalk.EraDescription]
				tok := addRobot(s, mockdingtalk.Robot{Keywords: []string{"告警", "alert"}})
				Expect(serve(s, plain(body)(tok)).resp.ErrCode).To(Equal(code))
			},
			Entry("in text.content", `{"msgtype":"text","text":{"content":"disk alert on db1"}}`, 0),
			Entry("in markdown.title only", `{"msgtype":"markdown","markdown":{"title":"告警","text":"disk full"}}`, 0),
			Entry("in link.title", `{"msgtype":"link","link":{"title":"alert","text":"x","messageUrl":"https://e.x"}}`, 0),
			Entry("in an actionCard button title", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"alert","actionURL":"https://e.x"}]}}`, 0),
			Entry("in a feedCard link title", `{"msgtype":"feedCard","feedCard":{"links":[{"title":"告警 1","messageURL":"https://e.x"}]}}`, 0),
			Entry("only in a URL, which is not visible text", `{"msgtype":"link","link":{"title":"t","text":"x","messageUrl":"https://e.x/alert"}}`, 310000),
			Entry("nowhere", textBody, 310000),
		)
	})

	Context("message types", func() {
		DescribeTable("delivers every message type DingTalk documents",
			func(body string) {
				s := servers[dingtalk.EraDescription]
				tok := addRobot(s, mockdingtalk.Robot{})
				Expect(serve(s, plain(body)(tok)).resp).To(Equal(dingtalk.OK))
				e := last(s)
				Expect(e.Delivered).To(BeTrue())
				Expect(e.Message).NotTo(BeNil())
				Expect(e.Body).To(Equal([]byte(body)))
			},
			Entry("text with @mobiles, @userIds and isAtAll",
				`{"msgtype":"text","text":{"content":"hi @150XXXXXXXX"},"at":{"atMobiles":["150XXXXXXXX"],"atUserIds":["u1"],"isAtAll":false}}`),
			Entry("link", `{"msgtype":"link","link":{"title":"t","text":"x","messageUrl":"https://e.x","picUrl":""}}`),
			Entry("markdown", `{"msgtype":"markdown","markdown":{"title":"t","text":"# hi\n> quote"}}`),
			Entry("actionCard with one button", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"read","singleURL":"https://e.x","btnOrientation":"0"}}`),
			Entry("actionCard with several buttons", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btnOrientation":"1","btns":[{"title":"a","actionURL":"https://e.x/a"},{"title":"b","actionURL":"https://e.x/b"}]}}`),
			Entry("feedCard", `{"msgtype":"feedCard","feedCard":{"links":[{"title":"a","messageURL":"https://e.x","picURL":"https://e.x/p.png"}]}}`),
			Entry("image (DingtalkChatbot's send_image)", `{"msgtype":"image","image":{"picURL":"https://e.x/p.png"}}`),
		)
	})

	Context("msgUuid", func() {
		It("acknowledges a repeated msgUuid without delivering it twice", func() {
			s := servers[dingtalk.EraDescription]
			tok := addRobot(s, mockdingtalk.Robot{})
			body := `{"msgtype":"text","text":{"content":"once"},"msgUuid":"u-1"}`
			Expect(serve(s, plain(body)(tok)).resp).To(Equal(dingtalk.OK))
			Expect(serve(s, plain(body)(tok)).resp).To(Equal(dingtalk.OK))

			entries := s.Entries(journal.Filter{AccessToken: tok})
			Expect(entries).To(HaveLen(2))
			Expect(entries[0].Delivered).To(BeTrue())
			Expect(entries[1].Accepted).To(BeTrue())
			Expect(entries[1].Duplicate).To(BeTrue())
			Expect(entries[1].Delivered).To(BeFalse())
			delivered := true
			Expect(s.Entries(journal.Filter{AccessToken: tok, Delivered: &delivered})).To(HaveLen(1))

			By("another msgUuid, or the same one on another robot, is delivered")
			Expect(serve(s, plain(`{"msgtype":"text","text":{"content":"x"},"msgUuid":"u-2"}`)(tok)).resp).To(Equal(dingtalk.OK))
			other := addRobot(s, mockdingtalk.Robot{})
			Expect(serve(s, plain(body)(other)).resp).To(Equal(dingtalk.OK))
			Expect(last(s).Delivered).To(BeTrue())
		})
	})

	It("journals the raw request: query, headers, body bytes, peer, time, checks", func() {
		s := servers[dingtalk.EraDescription]
		tok := addRobot(s, mockdingtalk.Robot{Secret: secret})
		req := signedAt(secret, t0, textBody)(tok)
		req.header = http.Header{"X-Custom": {"v"}}
		serve(s, req)
		e := last(s)
		Expect(e.RawQuery).To(Equal(req.query))
		Expect(e.Header.Get("X-Custom")).To(Equal("v"))
		Expect(e.Body).To(Equal([]byte(textBody)))
		Expect(e.RemoteAddr).To(Equal(defaultPeer))
		Expect(e.Time).To(BeTemporally("==", t0))
		Expect(e.Method).To(Equal(http.MethodPost))
		Expect(e.Path).To(Equal("/robot/send"))
		names := []journal.CheckName{}
		for _, c := range e.Checks {
			Expect(c.Passed).To(BeTrue(), string(c.Name))
			names = append(names, c.Name)
		}
		Expect(names).To(Equal([]journal.CheckName{
			journal.CheckPath, journal.CheckMethod, journal.CheckAccessToken, journal.CheckToken, journal.CheckEnabled,
			journal.CheckContentType, journal.CheckBodySize, journal.CheckJSON, journal.CheckIPAllowlist,
			journal.CheckSign, journal.CheckMessage, journal.CheckKeywords, journal.CheckMsgUUID,
			journal.CheckRateLimit,
		}))
		Expect(e.Reason).To(Equal(dingtalk.ReasonOK))
		Expect(e.Response.Status).To(Equal(http.StatusOK))
	})

	It("keeps its journal bounded, dropping the oldest and counting the drops", func() {
		s := newHandler(mockdingtalk.Config{JournalCap: 3})
		tok := addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: intp(0)})
		for range 5 {
			serve(s, plain(textBody)(tok))
		}
		entries := s.Entries(journal.Filter{})
		Expect(entries).To(HaveLen(3))
		Expect(entries[0].Seq).To(Equal(uint64(3)))
		Expect(journalStats(s).Dropped).To(Equal(uint64(2)))
	})
})
