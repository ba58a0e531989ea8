// Bad-input specs for the SNS API: malformed, truncated, mistyped, deeply
// nested and oversized bodies, invalid UTF-8 and Unicode text, bad query
// parameters, hostile headers, and requests cut off or stalled mid-body.
// Each gets its documented answer (400 SYS.1007 for what cannot be
// decoded, 503 with ZStack's text for what ZStack's validation refuses,
// net/http's 431 for headers over the limit), never a 500 or a hang, and
// the server keeps serving: after each spec a login and a query succeed.

package sns_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/internal/rawhttp"
	"github.com/dingtalk-mock/mockdingtalk/sns"
)

// fiftyMB is the size of the bodies streamed at the 1 MiB limit.
const fiftyMB = 50 << 20

var _ = Describe("Bad input to the SNS API", Label("badinput"), func() {
	var (
		a    *api
		srv  *httptest.Server
		host string
	)

	BeforeEach(func() {
		a = newAPI(sns.Config{Now: newClock().Now}).login()
		srv = httptest.NewServer(a.srv)
		DeferCleanup(srv.Close)
		u, err := url.Parse(srv.URL)
		Expect(err).NotTo(HaveOccurred())
		host = u.Host
	})

	// Whatever a spec sent, a fresh login and a query still work, in
	// process and over the listener.
	AfterEach(func() {
		Expect(inventories(a.do(http.MethodGet, endpointURL, nil))).NotTo(BeNil())
		res := rawhttp.Do(context.Background(), host, rawhttp.Request{
			Method: http.MethodGet, Target: endpointURL, Header: http.Header{"Authorization": {"OAuth " + a.session}},
		})
		Expect(res.ReadErr).NotTo(HaveOccurred())
		Expect(res.Response.StatusCode).To(Equal(http.StatusOK), string(res.Body))
	})

	DescribeTable("bodies that cannot be decoded: 400 SYS.1007 saying what is wrong",
		func(path, body, details string) {
			method := http.MethodPost
			if strings.HasSuffix(path, "/login") {
				method = http.MethodPut
			}
			r := a.do(method, path, body)
			Expect(r.Status).To(Equal(http.StatusBadRequest), r.Raw)
			e := errorOf(r)
			Expect(e["code"]).To(Equal(sns.CodeInvalidArgument))
			Expect(e["description"]).To(Equal(sns.Description(sns.CodeInvalidArgument)))
			Expect(e["details"]).To(ContainSubstring(details))
		},
		Entry("truncated JSON", testConnURL, `{"params":{"testMsg":"hi"`, "ends too early"),
		Entry("malformed JSON", testConnURL, `{"params":{"testMsg":}}`, "not valid JSON"),
		Entry("data after the object", endpointURL, `{"params":{"name":"n","url":"http://a.example/"}} {}`, "data after its JSON object"),
		Entry("an empty body", endpointURL, ``, "empty"),
		Entry("only whitespace", endpointURL, " \r\n\t ", "empty"),
		Entry("JSON null", testConnURL, `null`, "no 'params' object"),
		Entry("a JSON array", testConnURL, `[]`, "must be a JSON object, not an array"),
		Entry("params null", testConnURL, `{"params":null}`, "no 'params' object"),
		Entry("params a string", endpointURL, `{"params":"name=n"}`, "field[params] must be an object, not a string"),
		Entry("testMsg a number", testConnURL, `{"params":{"testMsg":5}}`, "field[params.testMsg] must be a string, not a number"),
		Entry("atAll a string", testConnURL, `{"params":{"testMsg":"x","atAll":"true"}}`, "field[params.atAll] must be a boolean, not a string"),
		Entry("atAll a number too large for any type", testConnURL, `{"params":{"testMsg":"x","atAll":1e999}}`, "params.atAll"),
		Entry("atPersonPhoneNumbers a string", testConnURL, `{"params":{"testMsg":"x","atPersonPhoneNumbers":"+86-13800000000"}}`, "must be an array of strings, not a string"),
		Entry("atPersonList an array", endpointURL, `{"params":{"name":"n","url":"http://a.example/","atPersonList":["+86-13800000000"]}}`, "must be an object of strings, not an array"),
		Entry("systemTags an object", endpointURL, `{"params":{"name":"n","url":"http://a.example/"},"systemTags":{}}`, "field[systemTags] must be an array of strings"),
		Entry("100,000 '['", testConnURL, strings.Repeat("[", 100000), "not valid JSON"),
		Entry("10,001 nested arrays inside params (deeper than the decoder allows)", endpointURL,
			`{"params":{"name":"n","x":`+strings.Repeat("[", 10001)+strings.Repeat("]", 10001)+`}}`, "not valid JSON"),
		Entry("invalid UTF-8 outside strings", endpointURL, "{\xff:1}", "not valid JSON"),
		Entry("a UTF-8 byte-order mark", testConnURL, "\xef\xbb\xbf{\"params\":{}}", "not valid JSON"),
		Entry("a login password of the wrong type", "/zstack/v1/accounts/login", `{"logInByAccount":{"accountName":"admin","password":null,"x":[1,2]},"logInByAccount":5}`, "logInByAccount"),
	)

	DescribeTable("bodies ZStack's validation refuses: 503 with ZStack's text",
		func(path, body, code, details string) {
			expectError(a.do(http.MethodPost, path, body), 503, code, details)
		},
		Entry("testMsg null is absent: mandatory", testConnURL, `{"params":{"testMsg":null,"url":"http://a.example/"}}`, "SYS.1007",
			"field[testMsg] of message[org.zstack.sns.platform.dingtalk.APISNSDingTalkTestConnectionMsg] is mandatory, can not be null"),
		Entry("every parameter blank", testConnURL, `{"params":{"testMsg":" \t","url":"","secret":null}}`, "SYS.1007",
			"cannot test connection, Because all parameters is null"),
		Entry("a url with control characters", testConnURL, "{\"params\":{\"testMsg\":\"x\",\"url\":\"http://a.example/\\u0000x\"}}", "SYS.1007",
			"invalid url[http://a.example/\x00x]"),
		Entry("a phone number with a lone surrogate", endpointURL, `{"params":{"name":"n","url":"http://a.example/","atPersonPhoneNumbers":["+86-1380000000\ud800"]}}`, "SYS.1007",
			"invalid phone number[+86-1380000000\uFFFD], the DingDing phone number is like +86-12388889999"),
		Entry("an endpointUuid that is not a uuid", testConnURL, `{"params":{"testMsg":"x","endpointUuid":"../../etc/passwd"}}`, "SYS.1003",
			"invalid value[../../etc/passwd] of field[endpointUuid]"),
		Entry("a name of 128 emoji: 256 UTF-16 units, over 255", endpointURL, `{"params":{"name":"`+strings.Repeat("🚀", 128)+`","url":"http://a.example/"}}`, "SYS.1007",
			"field[name] of message[org.zstack.sns.platform.dingtalk.APICreateSNSDingTalkEndpointMsg] exceeds max length of string. expected was <= 255, actual was 256"),
	)

	It("keeps Unicode names as sent and finds them by query; invalid UTF-8 becomes U+FFFD", func() {
		r := a.do(http.MethodPost, endpointURL, `{"params":{"name":"磁盘告警 🚀","url":"http://a.example/"}}`)
		Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
		Expect(inventory(r)).To(HaveKeyWithValue("name", "磁盘告警 🚀"))
		r = a.do(http.MethodPost, endpointURL, "{\"params\":{\"name\":\"bad \xff name\",\"url\":\"http://a.example/\"}}")
		Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
		Expect(inventory(r)).To(HaveKeyWithValue("name", "bad \uFFFD name"))
		found := inventories(a.do(http.MethodGet, endpointURL+"?q="+url.QueryEscape("name=磁盘告警 🚀"), nil))
		Expect(found).To(ConsistOf(HaveKeyWithValue("name", "磁盘告警 🚀")))
	})

	DescribeTable("query parameters it cannot use: 400 SYS.1007",
		func(query, details string) {
			r := a.do(http.MethodGet, endpointURL+"?"+query, nil)
			Expect(r.Status).To(Equal(http.StatusBadRequest), r.Raw)
			Expect(errorOf(r)["details"]).To(ContainSubstring(details))
		},
		Entry("a non-numeric limit", "limit=ten", "invalid limit[ten]"),
		Entry("a negative start", "start=-1", "invalid start[-1]"),
		Entry("a limit over int64", "limit=99999999999999999999", "invalid limit"),
		Entry("repeated limits, the first is used", "limit=x&limit=1", "invalid limit[x]"),
		Entry("count not a boolean", "count=yes", "invalid count[yes]"),
	)

	It("ANDs repeated q parameters, and a condition on an unknown field is refused", func() {
		Expect(a.do(http.MethodPost, endpointURL, `{"params":{"name":"a","url":"http://a.example/"}}`).Status).To(Equal(http.StatusOK))
		Expect(inventories(a.do(http.MethodGet, endpointURL+"?q=name=a&q=name=b", nil))).To(BeEmpty())
		Expect(inventories(a.do(http.MethodGet, endpointURL+"?q=name=a&q=name=a", nil))).To(HaveLen(1))
		r := a.do(http.MethodGet, endpointURL+"?q=nosuchfield=1", nil)
		Expect(r.Status).To(BeElementOf(http.StatusBadRequest, http.StatusServiceUnavailable), r.Raw)
		Expect(errorOf(r)["code"]).To(Equal(sns.CodeInvalidArgument))
	})

	Describe("headers", func() {
		It("answers a 10 KB session id with ID.1001, not a crash", func() {
			r := a.do(http.MethodGet, endpointURL, nil, "Authorization", "OAuth "+strings.Repeat("f", 10<<10))
			expectError(r, 503, "ID.1001", "Session expired")
		})

		It("answers 'OAuth' without a session id with 400 text/plain", func() {
			r := a.do(http.MethodGet, endpointURL, nil, "Authorization", "OAuth   ")
			Expect(r.Status).To(Equal(http.StatusBadRequest))
			Expect(r.Raw).To(ContainSubstring("missing session uuid"))
		})

		It("answers headers over the 1 MiB limit with net/http's 431", func() {
			res := rawhttp.Do(ctxFor(), host, rawhttp.Request{
				Method: http.MethodGet, Target: endpointURL,
				Header: http.Header{"Authorization": {"OAuth " + strings.Repeat("f", 2<<20)}},
			})
			Expect(res.ReadErr).NotTo(HaveOccurred())
			Expect(res.Response.StatusCode).To(Equal(http.StatusRequestHeaderFieldsTooLarge))
		})
	})

	Describe("over a raw connection", func() {
		authed := func() http.Header {
			return http.Header{"Authorization": {"OAuth " + a.session}, "Content-Type": {"application/json"}}
		}

		It("refuses a 50 MB body with 400 SYS.1007 after reading 1 MiB, and closes the connection", func() {
			res := rawhttp.Do(ctxFor(), host, rawhttp.Request{
				Method: http.MethodPost, Target: endpointURL, Header: authed(),
				Body: rawhttp.Repeat(" ", fiftyMB), ContentLength: fiftyMB,
			})
			Expect(res.ReadErr).NotTo(HaveOccurred())
			Expect(res.Response.StatusCode).To(Equal(http.StatusBadRequest))
			Expect(string(res.Body)).To(ContainSubstring(`"details":"the request body is larger than 1048576 bytes"`))
			Expect(res.Response.Close).To(BeTrue())
			Expect(res.Written).To(BeNumerically("<", fiftyMB))
		})

		It("refuses a chunked 50 MB body the same way", func() {
			res := rawhttp.Do(ctxFor(), host, rawhttp.Request{
				Method: http.MethodPost, Target: testConnURL, Header: authed(),
				Body: rawhttp.Repeat("[", fiftyMB), ContentLength: -1,
			})
			Expect(res.ReadErr).NotTo(HaveOccurred())
			Expect(res.Response.StatusCode).To(Equal(http.StatusBadRequest))
			Expect(res.Written).To(BeNumerically("<", fiftyMB))
		})

		It("drops a request the client abandoned mid-body, creating nothing", func() {
			req := rawhttp.Request{Method: http.MethodPost, Target: endpointURL, Header: authed(),
				Body: strings.NewReader(""), ContentLength: 500}
			Expect(rawhttp.Abandon(ctxFor(), host, req.Head(host)+`{"params":{"name":"half","url":"http://a.exa`)).To(Succeed())
			Consistently(func() []any { return inventories(a.do(http.MethodGet, endpointURL, nil)) }, 200*time.Millisecond).Should(BeEmpty())
		})

		It("serves others while a client stalls mid-body", func() {
			req := rawhttp.Request{Method: http.MethodPost, Target: endpointURL, Header: authed(),
				Body: strings.NewReader(""), ContentLength: 500}
			release, err := rawhttp.Hold(ctxFor(), host, req.Head(host)+`{"params":`)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(release)
			res := rawhttp.Do(ctxFor(), host, rawhttp.Request{
				Method: http.MethodPost, Target: endpointURL, Header: authed(),
				Body: strings.NewReader(`{"params":{"name":"meanwhile","url":"http://a.example/"}}`), ContentLength: 57,
			})
			Expect(res.ReadErr).NotTo(HaveOccurred())
			Expect(res.Response.StatusCode).To(Equal(http.StatusOK), string(res.Body))
			release()
		})
	})
})

// ctxFor is a bounded context for one raw exchange, cancelled after the spec.
func ctxFor() context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	DeferCleanup(cancel)
	return c
}
