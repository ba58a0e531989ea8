// Specs for SNSDingTalkTestConnection: ZStack's validation table, the
// message it sends (signing, @ semantics), what it reports for each kind of
// answer, and the endpoint-wins rule.

package sns_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

const testMsgClass = "org.zstack.sns.platform.dingtalk.APISNSDingTalkTestConnectionMsg"

var _ = Describe("SNSDingTalkTestConnection", func() {
	var a *api
	var rb *robot

	BeforeEach(func() {
		rb = newRobot(nil)
		a = newAPI(sns.Config{Outbound: webhook.Config{Timeout: 2 * time.Second}}).login()
	})

	refused := func(body any, status int, code, details string) {
		expectError(a.do(http.MethodPost, testConnURL, body), status, code, details)
		Expect(rb.requests()).To(BeEmpty(), "nothing is sent for an invalid request")
	}

	DescribeTable("validation, with ZStack's codes and texts (HTTP 503)",
		func(p map[string]any, code, details string) { refused(params(p), 503, code, details) },
		Entry("SYS.1007 field[testMsg] is mandatory, can not be null",
			map[string]any{"url": "http://127.0.0.1:9/robot/send"},
			"SYS.1007", "field[testMsg] of message["+testMsgClass+"] is mandatory, can not be null"),
		Entry("SYS.1007 field[url] exceeds max length of string (2048)",
			map[string]any{"testMsg": "hi", "url": "http://x.example/" + strings.Repeat("a", 2032)},
			"SYS.1007", "field[url] of message["+testMsgClass+"] exceeds max length of string. expected was <= 2048, actual was 2049"),
		Entry("SYS.1007 [%s] is not a legal ip",
			map[string]any{"testMsg": "hi", "url": "http://1.2.3.999/robot/send"},
			"SYS.1007", "[1.2.3.999] is not a legal ip"),
		Entry("SYS.1003 invalid value[%s] of field[endpointUuid]",
			map[string]any{"testMsg": "hi", "endpointUuid": "not-a-uuid"},
			"SYS.1003", "invalid value[not-a-uuid] of field[endpointUuid]"),
		Entry("SYS.1003 invalid value[] of field[endpointUuid] (empty string is checked too)",
			map[string]any{"testMsg": "hi", "url": "http://127.0.0.1:9/", "endpointUuid": ""},
			"SYS.1003", "invalid value[] of field[endpointUuid]"),
		Entry("SYS.1003 resource[uuid:%s, type:SNSDingTalkEndpointVO] not found",
			map[string]any{"testMsg": "hi", "endpointUuid": "0123456789ab4def8123456789abcdef"},
			"SYS.1003", "invalid field[endpointUuid] for APISNSDingTalkTestConnectionMsg, resource[uuid:0123456789ab4def8123456789abcdef, type:SNSDingTalkEndpointVO] not found"),
		Entry("SYS.1007 cannot test connection, Because all parameters is null",
			map[string]any{"testMsg": "  ", "secret": ""},
			"SYS.1007", "cannot test connection, Because all parameters is null"),
		Entry("SYS.1007 (ours) when neither url nor endpointUuid gives a url",
			map[string]any{"testMsg": "hi", "atAll": true},
			"SYS.1007", "cannot test connection: there is no webhook url to test; give params.url, or params.endpointUuid of an endpoint"),
	)

	DescribeTable("SYS.1007 invalid url[%s] (HTTP 503)",
		func(url string) {
			refused(params(map[string]any{"testMsg": "hi", "url": url}), 503, "SYS.1007", "invalid url["+url+"]")
		},
		Entry("unparseable", "http://exa mple.com/robot/send"),
		Entry("no protocol", "oapi.dingtalk.com/robot/send"),
		Entry("not http or https", "ftp://oapi.dingtalk.com/robot/send"),
	)

	DescribeTable("a body that cannot be decoded: HTTP 400 SYS.1007",
		func(body, details string) { refused(body, 400, "SYS.1007", details) },
		Entry("malformed JSON", `{"params":{"testMsg":"hi"`, "the request body is not valid JSON: it ends too early"),
		Entry("wrong type", `{"params":{"testMsg":"hi","atAll":"yes"}}`, "field[params.atAll] must be a boolean, not a string"),
		Entry("wrong type in a list", `{"params":{"testMsg":"hi","atPersonPhoneNumbers":"+86-13800000000"}}`,
			"field[params.atPersonPhoneNumbers] must be an array of strings, not a string"),
		Entry("not an object", `["hi"]`, "the request body must be a JSON object, not an array"),
		Entry("no params object", `{"testMsg":"hi"}`, "the body has no 'params' object"),
		Entry("empty body", ``, "the request body is empty; a JSON object is expected"),
		Entry("data after the object", `{"params":{"testMsg":"hi"}} {}`, "the request body has data after its JSON object"),
		Entry("body over 1 MiB", `{"params":{"testMsg":"`+strings.Repeat("a", 1<<20)+`"}}`, "the request body is larger than 1048576 bytes"),
	)

	send := func(p map[string]any) reply { return a.do(http.MethodPost, testConnURL, params(p)) }

	It("sends the markdown test message unsigned and reports connected with the webhook's answer", func() {
		r := send(map[string]any{"testMsg": "hello from ZStack", "url": rb.url()})
		Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
		Expect(r.Raw).To(MatchJSON(`{"success":true,"connected":true,"webhookResp":{"errcode":0,"errmsg":"ok"}}`))
		reqs := rb.requests()
		Expect(reqs).To(HaveLen(1))
		Expect(reqs[0].query.Get("access_token")).To(Equal(robotToken))
		Expect(reqs[0].query.Has("sign")).To(BeFalse())
		Expect(reqs[0].body).To(MatchJSON(`{"msgtype":"markdown","markdown":{"title":"test connected","text":"hello from ZStack"},"at":{"isAtAll":false}}`))
	})

	It("signs when a secret is given", func() {
		r := send(map[string]any{"testMsg": "signed", "url": rb.url(), "secret": robotSecret})
		Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
		q := rb.requests()[0].query
		Expect(q["timestamp"]).To(HaveLen(1))
		Expect(dingtalk.Verify(robotSecret, q.Get("timestamp"), q.Get("sign"), time.Now())).To(Succeed())
	})

	DescribeTable("@ semantics (DingTalk's, not ZStack's Feishu tags)",
		func(atAll any, phones []string, wantText string, wantAll bool, wantMobiles []string) {
			p := map[string]any{"testMsg": "alert", "url": rb.url()}
			if atAll != nil {
				p["atAll"] = atAll
			}
			if phones != nil {
				p["atPersonPhoneNumbers"] = phones
			}
			Expect(send(p).Status).To(Equal(http.StatusOK))
			msg := rb.requests()[0].msg
			Expect(msg.Markdown.Text).To(Equal(wantText))
			Expect(msg.Markdown.Text).NotTo(ContainSubstring("<at"))
			Expect(bool(msg.At.IsAtAll)).To(Equal(wantAll))
			Expect(msg.At.AtMobiles).To(Equal(wantMobiles))
		},
		Entry("atAll: isAtAll true, phones ignored, text unchanged", true, []string{"+86-13800000000"}, "alert", true, nil),
		Entry("phones: atMobiles without the +86- prefix and @number in the text", false,
			[]string{"+86-13800000000", "13900000000", "+86-13800000000"}, "alert\n\n@13800000000 @13900000000", false,
			[]string{"13800000000", "13900000000"}),
		Entry("neither: nobody mentioned", nil, nil, "alert", false, nil),
	)

	It("uses the stored endpoint's url, secret, atAll and at-persons over the request's; testMsg from the request", func() {
		decoy := newRobot(nil)
		r := a.do(http.MethodPost, endpointURL, params(map[string]any{
			"name": "ops", "url": rb.url(), "secret": robotSecret, "atAll": false,
			"atPersonPhoneNumbers": []string{"+86-13811112222"}}))
		Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
		uuid := r.JSON["inventory"].(map[string]any)["uuid"].(string)

		r = send(map[string]any{"testMsg": "from the request", "endpointUuid": uuid, "url": decoy.url(), "atAll": true, "secret": "SECother"})
		Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
		Expect(decoy.requests()).To(BeEmpty())
		got := rb.requests()
		Expect(got).To(HaveLen(1))
		Expect(dingtalk.Verify(robotSecret, got[0].query.Get("timestamp"), got[0].query.Get("sign"), time.Now())).To(Succeed())
		Expect(got[0].msg.Markdown.Text).To(Equal("from the request\n\n@13811112222"))
		Expect(got[0].msg.At.AtMobiles).To(Equal([]string{"13811112222"}))
		Expect(bool(got[0].msg.At.IsAtAll)).To(BeFalse())
	})

	It("passes a non-zero errcode through inside webhookResp, connected true, as an integer", func() {
		rb.next = func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}`)
		}
		r := send(map[string]any{"testMsg": "x", "url": rb.url()})
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(r.Raw).To(ContainSubstring(`"errcode":310000`))
		Expect(r.JSON["connected"]).To(BeTrue())
		Expect(string(a.logs.Contents())).To(ContainSubstring("non-zero errcode"))
	})

	It("answers connected false for a 3xx, without following it", func() {
		decoy := newRobot(nil)
		rb.next = func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, decoy.url(), http.StatusTemporaryRedirect)
		}
		r := send(map[string]any{"testMsg": "x", "url": rb.url()})
		Expect(r.Raw).To(MatchJSON(`{"success":true,"connected":false,"webhookResp":{}}`))
		Expect(decoy.requests()).To(BeEmpty())
	})

	DescribeTable("webhook failures become SYS.1000 with plain details and no secret",
		func(handler http.HandlerFunc, timeout time.Duration, details string) {
			rb.next = handler
			b := newAPI(sns.Config{Outbound: webhook.Config{Timeout: timeout}}).login()
			r := b.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "x", "url": rb.url(), "secret": robotSecret}))
			expectError(r, 503, "SYS.1000", strings.ReplaceAll(details, "ROBOT", rb.srv.URL))
			Expect(r.Raw).NotTo(ContainSubstring(robotToken))
			Expect(r.Raw).NotTo(ContainSubstring(robotSecret[:10]))
			Expect(string(b.logs.Contents())).NotTo(ContainSubstring(robotToken))
			Expect(string(b.logs.Contents())).NotTo(ContainSubstring(robotSecret[:10]))
		},
		Entry("HTTP 500", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }, time.Second,
			"webhook answered HTTP 500 Internal Server Error"),
		Entry("not JSON", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "pong") }, time.Second,
			"webhook answered HTTP 200 OK with a body that is not JSON: pong"),
		Entry("timeout", func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, 50*time.Millisecond,
			"webhook did not answer within 50ms"),
		Entry("dropped connection", func(w http.ResponseWriter, _ *http.Request) {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
		}, time.Second, "webhook ROBOT/robot/send closed the connection without answering"),
	)

	It("refuses a destination on the deny list with SYS.1007, even behind a DNS name", func() {
		b := newAPI(sns.Config{Outbound: webhook.Config{DenyHosts: []string{"127.0.0.0/8", "::1/128"}}}).login()
		u := strings.Replace(rb.url(), "127.0.0.1", "localhost", 1)
		r := b.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "x", "url": u}))
		Expect(r.Status).To(Equal(503))
		Expect(errorOf(r)["code"]).To(Equal("SYS.1007"))
		Expect(errorOf(r)["details"]).To(ContainSubstring("deny list"))
		Expect(rb.requests()).To(BeEmpty())
	})

	It("keeps the endpoint's connectionStatus in step with its last test", func() {
		r := a.do(http.MethodPost, endpointURL, params(map[string]any{"name": "ops", "url": rb.url()}))
		uuid := r.JSON["inventory"].(map[string]any)["uuid"].(string)
		Expect(r.JSON["inventory"]).To(HaveKeyWithValue("connectionStatus", "UP"))
		rb.next = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }
		Expect(send(map[string]any{"testMsg": "x", "endpointUuid": uuid}).Status).To(Equal(503))
		r = a.do(http.MethodGet, endpointURL+"/"+uuid, nil)
		Expect(r.JSON["inventories"].([]any)[0]).To(HaveKeyWithValue("connectionStatus", "DOWN"))
		rb.next = nil
		Expect(send(map[string]any{"testMsg": "x", "endpointUuid": uuid}).Status).To(Equal(200))
		r = a.do(http.MethodGet, endpointURL+"/"+uuid, nil)
		Expect(r.JSON["inventories"].([]any)[0]).To(HaveKeyWithValue("connectionStatus", "UP"))
	})
})

var _ = Describe("BuildTestMessage and MentionNumber", func() {
	It("strips any +<country>- prefix and keeps other forms", func() {
		Expect(sns.MentionNumber("+86-13800000000")).To(Equal("13800000000"))
		Expect(sns.MentionNumber("+852-61234567")).To(Equal("+852-61234567"))
		Expect(sns.MentionNumber(" 13800000000 ")).To(Equal("13800000000"))
		Expect(sns.MentionNumber("user-42")).To(Equal("user-42"))
	})

	It("builds a message DingTalk accepts", func() {
		m := sns.BuildTestMessage("t", false, []string{"", " "})
		Expect(m.Validate()).To(BeNil())
		Expect(m.Markdown.Title).To(Equal(sns.TestMessageTitle))
		Expect(m.Markdown.Text).To(Equal("t"))
		Expect(m.At.AtMobiles).To(BeEmpty())
	})
})

var _ = Describe("the test-connection answer's JSON", func() {
	// viaEncodingJSON is what the API wrote for a result before it wrote
	// it by hand: encoding/json without HTML escaping.
	viaEncodingJSON := func(v any) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		Expect(enc.Encode(v)).To(Succeed())
		return strings.TrimSuffix(buf.String(), "\n")
	}
	DescribeTable("is byte for byte encoding/json's",
		func(connected bool, resp map[string]any) {
			res := &sns.TestConnectionResult{Success: true, Connected: connected, WebhookResp: resp}
			got, err := sns.EncodeJSON(res)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(got)).To(Equal(viaEncodingJSON(res)))
		},
		Entry("DingTalk's usual answer", true, map[string]any{"errcode": json.Number("0"), "errmsg": "ok"}),
		Entry("keys out of order, null and booleans", false, map[string]any{"z": nil, "a": true, "m": false, "b": json.Number("-1.5e3")}),
		Entry("an empty answer", true, map[string]any{}),
		Entry("no answer", false, nil),
		Entry("characters encoding/json escapes, and HTML it leaves", true, map[string]any{"errmsg": "a\"b\\c\nd\u2028<&>\xff", "k\t": "v"}),
		Entry("nested values", true, map[string]any{"errcode": json.Number("0"), "data": map[string]any{"x": []any{json.Number("1"), "y"}}}),
		Entry("non-ASCII text", true, map[string]any{"errmsg": "关键词不匹配"}),
	)
})
