// Specs for the guard on the admin API and the inbox: a web page the
// developer visits cannot drive the fake (cross-site requests, non-JSON
// bodies, DNS rebinding through a foreign Host), with or without an admin
// token, while curl-shaped and same-origin requests work unchanged and the
// send API answers whatever DingTalk would. Every exchange goes through the
// validating client, so each refusal is checked against openapi.yaml.

package mockdingtalk_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

// browserReq is one request as a browser or a tool shapes it.
type browserReq struct {
	method, path, body string
	header             map[string]string
	host               string // "" keeps the server's own
}

var _ = Describe("Guard against cross-site use", Label("hostile"), func() {
	var (
		s    *mockdingtalk.Server
		base string // where requests go: the server's listener
	)

	do := func(ctx context.Context, r browserReq) (int, string) {
		GinkgoHelper()
		req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, strings.NewReader(r.body))
		Expect(err).NotTo(HaveOccurred())
		for k, v := range r.header {
			req.Header.Set(k, v)
		}
		if r.host != "" {
			req.Host = r.host
		}
		resp, err := checked.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		return resp.StatusCode, string(b)
	}
	health := func() map[string]any {
		GinkgoHelper()
		_, body := do(context.Background(), browserReq{method: "GET", path: "/_mock/health"})
		var h map[string]any
		Expect(json.Unmarshal([]byte(body), &h)).To(Succeed())
		return h["refused"].(map[string]any)
	}
	// untouched asserts that nothing a refused request could have changed
	// has changed.
	untouched := func() {
		GinkgoHelper()
		Expect(s.Robots()).To(HaveLen(1))
		Expect(s.Faults()).To(BeEmpty())
		frozen, _ := clockOf(s)
		Expect(frozen).To(BeFalse())
	}

	BeforeEach(func() {
		s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
		base = s.URL()
		addRobot(s, mockdingtalk.Robot{Name: "r", Secret: vectorSecret})
	})

	crossSite := map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"}
	DescribeTable("refuses a browser's cross-site state-changing request to every admin path (403), changing nothing",
		func(method, path, body string) {
			status, msg := do(negativeCtx, browserReq{method: method, path: path, body: body, header: crossSite})
			Expect(status).To(Equal(http.StatusForbidden))
			Expect(msg).To(ContainSubstring("cross-site"))
			untouched()
			Expect(health()["crossSite"]).To(BeNumerically("==", 1))
		},
		Entry("POST /_mock/faults with text/plain", "POST", "/_mock/faults", `{"kind":"drop"}`),
		Entry("POST /_mock/robots", "POST", "/_mock/robots", `{"name":"evil"}`),
		Entry("PUT /_mock/robots/{token}", "PUT", "/_mock/robots/x", `{"name":"evil"}`),
		Entry("DELETE /_mock/robots/{token}", "DELETE", "/_mock/robots/x", ``),
		Entry("DELETE /_mock/messages", "DELETE", "/_mock/messages", ``),
		Entry("DELETE /_mock/faults", "DELETE", "/_mock/faults", ``),
		Entry("DELETE /_mock/faults/{id}", "DELETE", "/_mock/faults/f1", ``),
		Entry("PUT /_mock/clock", "PUT", "/_mock/clock", `{"now":"2030-01-01T00:00:00Z"}`),
		Entry("POST /_mock/reset with a form body", "POST", "/_mock/reset", `a=b`),
		Entry("POST /_inbox/clear", "POST", "/_inbox/clear", `x=1`),
	)

	It("refuses Origin: null and a same-site page too", func() {
		for _, h := range []map[string]string{{"Origin": "null"}, {"Sec-Fetch-Site": "same-site", "Origin": "http://other.localhost:1"}} {
			status, _ := do(negativeCtx, browserReq{method: "POST", path: "/_mock/reset", header: h})
			Expect(status).To(Equal(http.StatusForbidden), "%v", h)
		}
		untouched()
	})

	It("refuses cross-site requests even when the browser holds the admin token's Basic credentials", func() {
		s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{AdminToken: "tok-123"})
		base = s.URL()
		status, _ := do(negativeCtx, browserReq{method: "POST", path: "/_mock/reset", body: "a=b", header: map[string]string{
			"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-www-form-urlencoded",
			"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("u:tok-123"))}})
		Expect(status).To(Equal(http.StatusForbidden))
	})

	DescribeTable("refuses non-JSON bodies on state-changing calls without any Origin (415)",
		func(contentType string) {
			status, msg := do(negativeCtx, browserReq{method: "POST", path: "/_mock/faults", body: `{"kind":"drop"}`,
				header: map[string]string{"Content-Type": contentType}})
			Expect(status).To(Equal(http.StatusUnsupportedMediaType))
			Expect(msg).To(ContainSubstring("application/json"))
			Expect(s.Faults()).To(BeEmpty())
			Expect(health()["contentType"]).To(BeNumerically("==", 1))
		},
		Entry("text/plain", "text/plain"),
		Entry("a form", "application/x-www-form-urlencoded"),
		Entry("multipart", "multipart/form-data; boundary=x"),
		Entry("garbage", "not a media type"),
	)

	DescribeTable("obeys the user's own tools unchanged",
		func(r browserReq, want int) {
			status, body := do(context.Background(), r)
			Expect(status).To(Equal(want), body)
		},
		Entry("curl --json (no Origin)", browserReq{method: "POST", path: "/_mock/faults", body: `{"kind":"drop","times":1}`,
			header: map[string]string{"Content-Type": "application/json"}}, 201),
		Entry("JSON with a charset", browserReq{method: "POST", path: "/_mock/faults", body: `{"kind":"drop","times":1}`,
			header: map[string]string{"Content-Type": "application/json; charset=utf-8"}}, 201),
		Entry("no Content-Type and no body (curl -X POST)", browserReq{method: "POST", path: "/_mock/reset"}, 204),
		Entry("Host localhost:port", browserReq{method: "POST", path: "/_mock/reset", host: "localhost:1"}, 204),
		Entry("a container service name as Host", browserReq{method: "GET", path: "/_mock/robots", host: "mockdingtalk:8090"}, 200),
		Entry("the inbox page's own fetch (same-origin)", browserReq{method: "POST", path: "/_inbox/clear",
			header: map[string]string{"Sec-Fetch-Site": "same-origin", "X-Requested-With": "inbox"}}, 204),
	)

	It("accepts the same-origin Origin an old browser sends", func() {
		u, _ := url.Parse(base)
		status, _ := do(context.Background(), browserReq{method: "DELETE", path: "/_mock/messages", header: map[string]string{"Origin": base}, host: u.Host})
		Expect(status).To(Equal(http.StatusNoContent))
	})

	DescribeTable("refuses a foreign Host (DNS rebinding) on every admin and inbox path that reads or changes anything",
		func(method, path string, ctx context.Context) {
			status, body := do(ctx, browserReq{method: method, path: path, host: "rebind.attacker.com:8090"})
			Expect(status).To(Equal(http.StatusForbidden))
			Expect(body).To(ContainSubstring("DNS rebinding"))
			Expect(body).NotTo(ContainSubstring(vectorSecret))
			Expect(health()["host"]).To(BeNumerically("==", 1))
		},
		Entry("GET /_mock/robots (every secret)", "GET", "/_mock/robots", context.Background()),
		Entry("GET /_mock/robots/{token}", "GET", "/_mock/robots/x", context.Background()),
		Entry("GET /_mock/messages", "GET", "/_mock/messages", context.Background()),
		Entry("GET /_mock/faults", "GET", "/_mock/faults", context.Background()),
		Entry("GET /_mock/clock", "GET", "/_mock/clock", context.Background()),
		Entry("POST /_mock/reset", "POST", "/_mock/reset", context.Background()),
		Entry("GET / (the inbox shows secrets)", "GET", "/", context.Background()),
		Entry("GET /_inbox/robots", "GET", "/_inbox/robots", context.Background()),
		Entry("GET /_inbox/events", "GET", "/_inbox/events", context.Background()),
	)

	It("answers under the names it is told to allow, and the public URL's", func() {
		var err error
		s, err = mockdingtalk.New(mockdingtalk.Config{AllowedHosts: []string{"mock.ci.acme.org.cn", "*.svc.cluster.local"},
			PublicURL: "https://dingtalk-mock.corp.acme.com"})
		Expect(err).NotTo(HaveOccurred())
		srv := httptest.NewServer(s)
		DeferCleanup(srv.Close)
		DeferCleanup(s.Close)
		base = srv.URL
		for _, h := range []string{"mock.ci.acme.org.cn", "MOCK.CI.ACME.ORG.CN.:443", "fake.ns.svc.cluster.local:8090", "dingtalk-mock.corp.acme.com"} {
			status, _ := do(context.Background(), browserReq{method: "GET", path: "/_mock/robots", host: h})
			Expect(status).To(Equal(http.StatusOK), h)
		}
		status, _ := do(context.Background(), browserReq{method: "GET", path: "/_mock/robots", host: "svc.cluster.local.evil.com"})
		Expect(status).To(Equal(http.StatusForbidden))
	})

	It("rejects an allowed-hosts entry that is not a host name", func() {
		_, err := mockdingtalk.New(mockdingtalk.Config{AllowedHosts: []string{"a b"}})
		Expect(err).To(MatchError(ContainSubstring("allowedHosts")))
	})

	It("keeps the send API and the health check open to any Host and Origin, as DingTalk's is", func() {
		status, _ := do(context.Background(), browserReq{method: "GET", path: "/_mock/health", host: "anything.example.net"})
		Expect(status).To(Equal(http.StatusOK))
		req, err := http.NewRequest(http.MethodPost, base+"/robot/send?access_token=nope", strings.NewReader(`{"msgtype":"text","text":{"content":"x"}}`))
		Expect(err).NotTo(HaveOccurred())
		req.Host = "oapi.dingtalk.com"
		req.Header.Set("Origin", "http://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Content-Type", "text/plain")
		resp, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(string(b)).To(ContainSubstring(`"errcode"`))
	})
})
