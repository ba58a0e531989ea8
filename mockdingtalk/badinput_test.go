// Bad-input specs for the fake robot: malformed, truncated, mistyped and
// oversized requests to the send API, the admin API and the inbox, each
// with its documented answer (on the send API, DingTalk's own errcode for
// that case), never a panic, a 500 or a hang; after each spec a good send
// still succeeds on the same server. HTTP requests go through the
// validating client (every answer checked against openapi.yaml; requests
// that break it on purpose are marked negative, so only their answers are).
// Requests that net/http's client will not make (50 MB bodies read while
// streaming, headers over the limit, requests abandoned mid-body) go over
// raw TCP through internal/rawhttp.

package mockdingtalk_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/rawhttp"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// fiftyMB is the size of the bodies streamed at every limit.
const fiftyMB = 50 << 20

// hostOf returns the host:port of a server URL.
func hostOf(s *mockdingtalk.Server) string {
	GinkgoHelper()
	u, err := url.Parse(s.URL())
	Expect(err).NotTo(HaveOccurred())
	return u.Host
}

// expectServing sends a good message to token and expects it delivered:
// the server is still up and answering after whatever came before.
func expectServing(s *mockdingtalk.Server, token string) {
	GinkgoHelper()
	before := journalStats(s).LastSeq
	rep, err := post(checkedWith(nil, 10*time.Second), s.WebhookURL(token), jsonType, textBody)
	Expect(err).NotTo(HaveOccurred())
	Expect(rep.status).To(Equal(http.StatusOK))
	Expect(rep.resp).To(Equal(dingtalk.OK))
	Expect(s.Entries(journal.Filter{Since: before, AccessToken: token})).To(ContainElement(
		HaveField("Delivered", BeTrue())), "the good send is journaled as delivered")
}

// allocatedDuring returns how many bytes the process allocated while f ran.
func allocatedDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

var _ = Describe("Bad input to the fake robot", Label("badinput"), func() {
	var (
		s                *mockdingtalk.Server
		client           *http.Client
		open, signed, kw string
	)

	BeforeEach(func() {
		s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{FreezeAt: t0})
		open = addRobot(s, mockdingtalk.Robot{Name: "open", RateLimitPerMinute: intp(0)})
		signed = addRobot(s, mockdingtalk.Robot{Name: "signed", Secret: vectorSecret, RateLimitPerMinute: intp(0)})
		kw = addRobot(s, mockdingtalk.Robot{Name: "keywords", Keywords: []string{"告警", "🚀", "Ünïcode"}, RateLimitPerMinute: intp(0)})
		client = checkedWith(&http.Transport{}, 10*time.Second)
	})

	// Whatever a spec sent, the server must still deliver a good message.
	AfterEach(func() { expectServing(s, open) })

	// send posts body to token with query appended, over the network; pass
	// negativeCtx when the request breaks openapi.yaml on purpose.
	send := func(token, extraQuery, contentType, body string, ctx ...context.Context) reply {
		GinkgoHelper()
		u := s.WebhookURL(token) + extraQuery
		rep, err := post(client, u, contentType, body, ctx...)
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.status).To(Equal(http.StatusOK), "the send API always answers HTTP 200")
		Expect(rep.header.Get("Content-Type")).To(Equal(jsonType))
		return rep
	}

	Describe("bodies DingTalk cannot use", func() {
		// Every body here is a deliberate oddity, so each send is negative:
		// openapi.yaml checks the answer, not the body.
		DescribeTable("answer with DingTalk's errcode for the case",
			func(body string, code int, reason dingtalk.Reason, param ...string) {
				rep := send(open, "", jsonType, body, negativeCtx)
				Expect(rep.resp.ErrCode).To(Equal(code), "errmsg %q, hint %q", rep.resp.ErrMsg, rep.header.Get("X-Mock-Hint"))
				if reason == dingtalk.ReasonMissingParam {
					Expect(rep.resp.ErrMsg).To(ContainSubstring("参数 " + param[0] + " 缺失"))
				} else {
					Expect(rep.resp.ErrMsg).To(Equal(dingtalk.Dialect{}.Answer(dingtalk.Reject(reason)).ErrMsg))
				}
				if code != 0 {
					Expect(rep.header.Get("X-Mock-Hint")).NotTo(BeEmpty())
				}
				Expect(last(s).Reason).To(Equal(reason))
			},
			Entry("truncated JSON: 40035 缺少参数 json", `{"msgtype":"text","text":{"content":"hel`, 40035, dingtalk.ReasonMissingJSON),
			Entry("an unclosed object: 40035", `{"msgtype":"text",`, 40035, dingtalk.ReasonMissingJSON),
			Entry("data after the object: 40035", `{"msgtype":"text","text":{"content":"x"}} x`, 40035, dingtalk.ReasonMissingJSON),
			Entry("two objects: 40035", `{"msgtype":"text","text":{"content":"x"}}{}`, 40035, dingtalk.ReasonMissingJSON),
			Entry("an empty body: 40035", ``, 40035, dingtalk.ReasonMissingJSON),
			Entry("JSON null: 40035", `null`, 40035, dingtalk.ReasonMissingJSON),
			Entry("a JSON array: 40035", `[{"msgtype":"text","text":{"content":"x"}}]`, 40035, dingtalk.ReasonMissingJSON),
			Entry("a JSON string (encoded twice): 40035", `"{\"msgtype\":\"text\"}"`, 40035, dingtalk.ReasonMissingJSON),
			Entry("invalid UTF-8 outside strings: 40035", "{\xff\xfe}", 40035, dingtalk.ReasonMissingJSON),
			Entry("a UTF-8 byte-order mark: 40035", "\xef\xbb\xbf"+textBody, 40035, dingtalk.ReasonMissingJSON),
			Entry("100,000 '[' (over the size limit before it is parsed): 460101",
				`{"msgtype":"text","text":{"content":"x"},"x":`+strings.Repeat("[", 100000), 460101, dingtalk.ReasonBodyTooLarge),
			Entry("9,000 nested arrays in an unknown field (valid, 18 KB): delivered",
				`{"msgtype":"text","text":{"content":"x"},"x":`+strings.Repeat("[", 9000)+strings.Repeat("]", 9000)+`}`, 0, dingtalk.ReasonOK),
			Entry("msgtype null: 400105 不支持类型", `{"msgtype":null,"text":{"content":"x"}}`, 400105, dingtalk.ReasonUnsupportedMsgType),
			Entry("msgtype an object: 400105", `{"msgtype":{"type":"text"},"text":{"content":"x"}}`, 400105, dingtalk.ReasonUnsupportedMsgType),
			Entry("an empty object: 400105", `{}`, 400105, dingtalk.ReasonUnsupportedMsgType),
			Entry("text null: 400201 参数 text 缺失", `{"msgtype":"text","text":null}`, 400201, dingtalk.ReasonMissingParam, "text"),
			Entry("text a string: 400201", `{"msgtype":"text","text":"hi"}`, 400201, dingtalk.ReasonMissingParam, "text"),
			Entry("text.content null: 400202", `{"msgtype":"text","text":{"content":null}}`, 400202, dingtalk.ReasonMissingParam, "text --》 content"),
			Entry("text.content an object: 400202", `{"msgtype":"text","text":{"content":{"zh":"x"}}}`, 400202, dingtalk.ReasonMissingParam, "text --》 content"),
			Entry("text.content a number (a JavaScript client's content: 12345): delivered as its text, as a Java binder reads it",
				`{"msgtype":"text","text":{"content":12345}}`, 0, dingtalk.ReasonOK),
			Entry("markdown.title null: 400402", `{"msgtype":"markdown","markdown":{"title":null,"text":"x"}}`, 400402, dingtalk.ReasonMissingParam, "markdown --》 title"),
			Entry("msgtype repeated, the last one wins (link without a link object): 400301",
				`{"msgtype":"text","msgtype":"link","text":{"content":"x"}}`, 400301, dingtalk.ReasonMissingParam, "link"),
			Entry("invalid UTF-8 inside a string: delivered (the bytes are kept raw in the journal)",
				"{\"msgtype\":\"text\",\"text\":{\"content\":\"\xff\xfe ok\"}}", 0, dingtalk.ReasonOK),
			Entry("a lone surrogate escape: delivered", `{"msgtype":"text","text":{"content":"\ud800"}}`, 0, dingtalk.ReasonOK),
			Entry("NUL and control escapes: delivered", `{"msgtype":"text","text":{"content":"a\u0000b\u001b[31m"}}`, 0, dingtalk.ReasonOK),
			Entry("field names in another letter case: delivered (matched case-insensitively)",
				`{"MsgType":"text","Text":{"Content":"x"}}`, 0, dingtalk.ReasonOK),
			Entry("at.atMobiles a string and at.isAtAll a string: delivered (at is not validated)",
				`{"msgtype":"text","text":{"content":"x"},"at":{"atMobiles":"138","isAtAll":"true"}}`, 0, dingtalk.ReasonOK),
		)

		It("keeps the raw bytes of a body that is not UTF-8, and the journal's JSON carries them as base64", func() {
			body := "{\"msgtype\":\"text\",\"text\":{\"content\":\"\xff\xfe\"}}"
			send(open, "", jsonType, body, negativeCtx)
			e := last(s)
			Expect(string(e.Body)).To(Equal(body))
			raw, err := json.Marshal(e)
			Expect(err).NotTo(HaveOccurred())
			var back journal.Entry
			Expect(json.Unmarshal(raw, &back)).To(Succeed())
			Expect(string(back.Body)).To(Equal(body))
			Expect(string(raw)).To(ContainSubstring(`"bodyBase64"`))
		})
	})

	Describe("timestamps", func() {
		sign := url.QueryEscape(dingtalk.Sign(vectorSecret, t0.UnixMilli()))
		DescribeTable("that are not a millisecond time within the hour: DingTalk's 310000",
			func(query string, reason dingtalk.Reason) {
				rep := send(signed, query, jsonType, textBody, negativeCtx)
				Expect(rep.resp.ErrCode).To(Equal(310000))
				Expect(last(s).Reason).To(Equal(reason))
			},
			Entry("non-numeric: 签名过期", "&timestamp=abc&sign="+sign, dingtalk.ReasonTimestampExpired),
			Entry("negative: 签名过期", "&timestamp=-1577262236757&sign="+sign, dingtalk.ReasonTimestampExpired),
			Entry("10 digits (seconds): 签名过期", "&timestamp=1577262236&sign="+sign, dingtalk.ReasonTimestampExpired),
			Entry("20 digits (over int64): 签名过期", "&timestamp=99999999999999999999&sign="+sign, dingtalk.ReasonTimestampExpired),
			Entry("a raw '+' sign, which arrives as a space: 签名过期", "&timestamp=+1577262236757&sign="+sign, dingtalk.ReasonTimestampExpired),
			Entry("a decimal: 签名过期", "&timestamp=1577262236757.0&sign="+sign, dingtalk.ReasonTimestampExpired),
			Entry("an exponent: 签名过期", "&timestamp=1.577262236757e12&sign="+sign, dingtalk.ReasonTimestampExpired),
			Entry("hexadecimal: 签名过期", "&timestamp=0x16F3C4E9A55&sign="+sign, dingtalk.ReasonTimestampExpired),
			Entry("empty: 签名不匹配", "&timestamp=&sign="+sign, dingtalk.ReasonSignMismatch),
			Entry("repeated, garbage first: the first is checked, 签名过期", "&timestamp=abc&timestamp="+ms(t0)+"&sign="+sign, dingtalk.ReasonTimestampExpired),
		)

		It("checks the first of repeated timestamps, so a valid one followed by garbage passes", func() {
			rep := send(signed, "&timestamp="+ms(t0)+"&sign="+sign+"&timestamp=abc&sign=x", jsonType, textBody, negativeCtx)
			Expect(rep.resp).To(Equal(dingtalk.OK))
		})
	})

	Describe("query strings", func() {
		// A query whose access_token does not survive parsing breaks
		// openapi.yaml (access_token is required), so it is sent negative.
		DescribeTable("answer as documented",
			func(query func() string, code int, ctx ...context.Context) {
				u := s.URL() + mockdingtalk.SendPath + "?" + query()
				rep, err := post(client, u, jsonType, textBody, ctx...)
				Expect(err).NotTo(HaveOccurred())
				Expect(rep.status).To(Equal(http.StatusOK))
				Expect(rep.resp.ErrCode).To(Equal(code), "hint %q", rep.header.Get("X-Mock-Hint"))
				Expect(rep.header.Get("X-Mock-Hint")).NotTo(Or(ContainSubstring("\r"), ContainSubstring("\n")))
			},
			Entry("access_token repeated, an unknown one first: the first is checked, 300005",
				func() string { return "access_token=nope&access_token=" + open }, 300005),
			Entry("access_token with a broken %-escape: the pair is skipped, 40035 缺少参数 access_token",
				func() string { return "access_token=%zz" + open }, 40035, negativeCtx),
			Entry("a broken %-escape in another parameter: ignored, delivered",
				func() string { return "x=%zz&access_token=" + open }, 0),
			Entry("parameters separated by ';': not a separator, 40035",
				func() string { return "x=1;access_token=" + open }, 40035, negativeCtx),
			Entry("CR LF escaped into the token: 300005, and the hint stays one header line",
				func() string { return "access_token=" + open + "%0d%0aX-Injected:%201" }, 300005),
			Entry("a 100 KB parameter: delivered",
				func() string { return "access_token=" + open + "&pad=" + strings.Repeat("p", 100<<10) }, 0),
			Entry("9,000 repeated parameters: delivered",
				func() string { return "access_token=" + open + strings.Repeat("&a=1", 9000) }, 0),
			Entry("20,000 parameters (over Go's limit of 10,000, which stops parsing): 40035",
				func() string { return "access_token=" + open + strings.Repeat("&a=1", 20000) }, 40035, negativeCtx),
		)
	})

	Describe("Unicode keywords", func() {
		DescribeTable("match byte for byte in the visible text, without case folding or normalization",
			func(content string, code int) {
				rep := send(kw, "", jsonType, `{"msgtype":"text","text":{"content":"`+content+`"}}`)
				Expect(rep.resp.ErrCode).To(Equal(code))
			},
			Entry("a Chinese keyword", "磁盘告警: disk full", 0),
			Entry("an emoji keyword", "deploy 🚀 done", 0),
			Entry("a keyword with accents, composed (NFC) as configured", "Ünïcode test", 0),
			Entry("the same word decomposed (NFD): 310000 关键词不匹配", "U\u0308ni\u0308code test", 310000),
			Entry("the same word in lower case: 310000", "ünïcode test", 310000),
			Entry("a keyword split by a zero-width joiner: 310000", "告\u200d警", 310000),
		)
	})

	Describe("over a raw connection", func() {
		sendHeader := func(string) http.Header {
			return http.Header{"Content-Type": {jsonType}}
		}

		It("cuts a 50 MB body off at the size limit without reading it all: 460101", func() {
			var res rawhttp.Result
			alloc := allocatedDuring(func() {
				res = rawhttp.Do(ctx(), hostOf(s), rawhttp.Request{
					Method: http.MethodPost, Target: mockdingtalk.SendPath + "?access_token=" + open,
					Header: sendHeader(open), Body: rawhttp.Repeat("x", fiftyMB), ContentLength: fiftyMB,
				})
			})
			Expect(res.ReadErr).NotTo(HaveOccurred())
			Expect(res.Response.StatusCode).To(Equal(http.StatusOK))
			Expect(res.Body).To(MatchJSON(dingtalk.Dialect{}.Answer(dingtalk.Reject(dingtalk.ReasonBodyTooLarge)).AppendJSON(nil)))
			Expect(res.Response.Close).To(BeTrue(), "the connection is closed rather than reading the rest")
			Expect(res.Written).To(BeNumerically("<", fiftyMB), "the server stopped the upload")
			Expect(alloc).To(BeNumerically("<", 16<<20), "memory used is bounded, not the body's size")
			Expect(last(s).Body).To(HaveLen(dingtalk.MaxBodyBytes+1), "the journal keeps the first 20001 bytes")
		})

		It("cuts a chunked 50 MB body off the same way", func() {
			res := rawhttp.Do(ctx(), hostOf(s), rawhttp.Request{
				Method: http.MethodPost, Target: mockdingtalk.SendPath + "?access_token=" + open,
				Header: sendHeader(open), Body: rawhttp.Repeat("x", fiftyMB), ContentLength: -1,
			})
			Expect(res.ReadErr).NotTo(HaveOccurred())
			Expect(res.Response.StatusCode).To(Equal(http.StatusOK))
			Expect(string(res.Body)).To(ContainSubstring(`"errcode":460101`))
			Expect(res.Written).To(BeNumerically("<", fiftyMB))
		})

		It("answers headers over the 1 MiB limit with 431, before the send API sees them", func() {
			before := journalStats(s).LastSeq
			h := sendHeader(open)
			h.Set("X-Big", strings.Repeat("h", 2<<20))
			res := rawhttp.Do(ctx(), hostOf(s), rawhttp.Request{
				Method: http.MethodPost, Target: mockdingtalk.SendPath + "?access_token=" + open, Header: h,
				Body: strings.NewReader(textBody), ContentLength: int64(len(textBody)),
			})
			Expect(res.ReadErr).NotTo(HaveOccurred())
			Expect(res.Response.StatusCode).To(Equal(http.StatusRequestHeaderFieldsTooLarge))
			Expect(journalStats(s).LastSeq).To(Equal(before), "nothing reached the journal")
		})

		It("answers a 2 MB query string with 431 too", func() {
			res := rawhttp.Do(ctx(), hostOf(s), rawhttp.Request{
				Method: http.MethodPost, Target: mockdingtalk.SendPath + "?access_token=" + open + "&pad=" + strings.Repeat("q", 2<<20),
				Header: sendHeader(open), Body: strings.NewReader(textBody), ContentLength: int64(len(textBody)),
			})
			Expect(res.ReadErr).NotTo(HaveOccurred())
			Expect(res.Response.StatusCode).To(Equal(http.StatusRequestHeaderFieldsTooLarge))
		})

		It("serves 2,000 small headers under the limit, and journals them", func() {
			h := sendHeader(open)
			for i := range 2000 {
				h.Add("X-Many", strings.Repeat("m", i%50))
			}
			res := rawhttp.Do(ctx(), hostOf(s), rawhttp.Request{
				Method: http.MethodPost, Target: mockdingtalk.SendPath + "?access_token=" + open, Header: h,
				Body: strings.NewReader(textBody), ContentLength: int64(len(textBody)),
			})
			Expect(res.ReadErr).NotTo(HaveOccurred())
			Expect(res.Body).To(MatchJSON(`{"errcode":0,"errmsg":"ok"}`))
			Expect(last(s).Header.Values("X-Many")).To(HaveLen(2000))
		})

		It("journals what arrived of a body the client abandoned, as DingTalk's 40035, and keeps serving", func() {
			before := journalStats(s).LastSeq
			req := rawhttp.Request{Method: http.MethodPost, Target: mockdingtalk.SendPath + "?access_token=" + open,
				Header: sendHeader(open), Body: strings.NewReader(""), ContentLength: 1000}
			Expect(rawhttp.Abandon(ctx(), hostOf(s), req.Head(hostOf(s))+`{"msgtype":"text","text":{"con`)).To(Succeed())
			Eventually(func() []journal.Entry { return s.Entries(journal.Filter{Since: before}) }).Should(ConsistOf(And(
				HaveField("Body", Equal([]byte(`{"msgtype":"text","text":{"con`))),
				HaveField("Reason", dingtalk.ReasonMissingJSON),
			)))
		})

		It("forgets a request abandoned inside its headers", func() {
			before := journalStats(s).LastSeq
			Expect(rawhttp.Abandon(ctx(), hostOf(s), "POST "+mockdingtalk.SendPath+"?access_token="+open+" HTTP/1.1\r\nHost: x\r\nContent-Ty")).To(Succeed())
			expectServing(s, open)
			Expect(s.Entries(journal.Filter{Since: before})).To(HaveLen(1), "only the good send is journaled")
		})

		It("serves others while a client stalls mid-body, and journals the stalled request once it gives up", func() {
			before := journalStats(s).LastSeq
			req := rawhttp.Request{Method: http.MethodPost, Target: mockdingtalk.SendPath + "?access_token=" + open,
				Header: sendHeader(open), Body: strings.NewReader(""), ContentLength: 1000}
			release, err := rawhttp.Hold(ctx(), hostOf(s), req.Head(hostOf(s))+`{"msgtype"`)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(release)
			expectServing(s, open)
			release()
			Eventually(func() []journal.Entry { return s.Entries(journal.Filter{Since: before}) }).Should(ContainElement(
				HaveField("Body", Equal([]byte(`{"msgtype"`)))))
		})
	})

	Describe("the admin API", func() {
		adminDo := func(method, path, body string) (int, string) {
			GinkgoHelper()
			// Every request here is bad on purpose: only the answer is checked.
			req, err := http.NewRequestWithContext(negativeCtx, method, s.URL()+path, strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", jsonType)
			resp, err := client.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			return resp.StatusCode, string(b)
		}

		DescribeTable("answers bodies it cannot use with a 4xx and {\"error\": what is wrong}",
			func(method, path, body string, status int, says string) {
				code, answer := adminDo(method, path, body)
				Expect(code).To(Equal(status), answer)
				var e struct{ Error string }
				Expect(json.Unmarshal([]byte(answer), &e)).To(Succeed(), answer)
				Expect(e.Error).To(ContainSubstring(says))
			},
			Entry("truncated JSON", "POST", "/_mock/robots", `{"name":"x"`, 400, "truncated"),
			Entry("malformed JSON", "POST", "/_mock/robots", `{"name":}`, 400, "not valid JSON"),
			Entry("a wrong-typed field", "POST", "/_mock/robots", `{"keywords":"告警"}`, 400, `"keywords"`),
			Entry("a number sent as a string", "POST", "/_mock/faults", `{"kind":"errcode","errcode":"130101"}`, 400, `"errcode"`),
			Entry("a null kind", "POST", "/_mock/faults", `{"kind":null,"errcode":130101}`, 400, "kind"),
			Entry("an unknown field", "POST", "/_mock/robots", `{"nmae":"x"}`, 400, "unknown field"),
			Entry("100,000 '['", "POST", "/_mock/robots", strings.Repeat("[", 100000), 400, "JSON"),
			Entry("invalid UTF-8 outside strings", "PUT", "/_mock/clock", "{\xff}", 400, "not valid JSON"),
			Entry("a JSON array", "PUT", "/_mock/clock", `[]`, 400, "JSON object"),
			Entry("data after the object", "PUT", "/_mock/clock", `{"real":true}{}`, 400, "after the JSON object"),
			Entry("an out-of-range clock", "PUT", "/_mock/clock", `{"advanceMs":9223372036854775807}`, 400, "out of range"),
			Entry("a non-numeric query value", "GET", "/_mock/messages?since=-1", ``, 400, "since"),
			Entry("a repeated unknown query parameter", "GET", "/_mock/messages?x=1&x=2", ``, 400, "unknown query parameter"),
			Entry("a wait timeout over 10 minutes", "GET", "/_mock/messages/wait?timeout=11m", ``, 400, "timeout"),
		)

		It("keeps a robot name in invalid UTF-8 as U+FFFD and serves it back as valid JSON", func() {
			code, answer := adminDo("POST", "/_mock/robots", "{\"name\":\"bad \xff name\"}")
			Expect(code).To(Equal(http.StatusCreated), answer)
			Expect(json.Valid([]byte(answer))).To(BeTrue())
			Expect(answer).To(ContainSubstring("bad \uFFFD name"))
		})

		It("refuses a 50 MB body with 413 after reading 1 MiB", func() {
			res := rawhttp.Do(ctx(), hostOf(s), rawhttp.Request{
				Method: http.MethodPost, Target: "/_mock/robots", Header: http.Header{"Content-Type": {jsonType}},
				Body: rawhttp.Repeat(" ", fiftyMB), ContentLength: fiftyMB,
			})
			Expect(res.ReadErr).NotTo(HaveOccurred())
			Expect(res.Response.StatusCode).To(Equal(http.StatusRequestEntityTooLarge))
			Expect(string(res.Body)).To(ContainSubstring(`"error":"request body is over 1048576 bytes"`))
			Expect(res.Written).To(BeNumerically("<", fiftyMB))
		})

		It("answers a 50 MB POST to the inbox's clear button without reading it", func() {
			send(open, "", jsonType, textBody)
			res := rawhttp.Do(ctx(), hostOf(s), rawhttp.Request{
				Method: http.MethodPost, Target: "/_inbox/clear", Header: http.Header{"X-Requested-With": {"spec"}},
				Body: rawhttp.Repeat("x", fiftyMB), ContentLength: fiftyMB,
			})
			Expect(res.ReadErr).NotTo(HaveOccurred())
			Expect(res.Response.StatusCode).To(Equal(http.StatusNoContent))
			Expect(res.Written).To(BeNumerically("<", fiftyMB))
			Expect(journalStats(s).Entries).To(BeZero())
		})
	})
})

// ctx is a bounded context for one raw exchange, cancelled after the spec.
func ctx() context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	DeferCleanup(cancel)
	return c
}
