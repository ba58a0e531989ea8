// Specs for the pieces of a load run: the signed request, wrk's script and
// report, the gctrace reader and the bare server's answer.

package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

var _ = Describe("the signed send", func() {
	It("is signed when the round starts and delivered by the fake robot", func() {
		off := 0
		fake, err := mockdingtalk.New(mockdingtalk.Config{Robots: []mockdingtalk.Robot{{
			AccessToken: "abc", Secret: benchSecret, RateLimitPerMinute: &off,
		}}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(fake.Close)
		rq := signedSend("http://127.0.0.1/robot/send?access_token=abc", benchSecret)
		raw, err := rq.url()
		Expect(err).NotTo(HaveOccurred())
		u, err := url.Parse(raw)
		Expect(err).NotTo(HaveOccurred())
		Expect(dingtalk.Verify(benchSecret, u.Query().Get("timestamp"), u.Query().Get("sign"), time.Now())).To(Succeed())
		for range 3 { // the same signed request again and again, as wrk sends it
			req := httptest.NewRequest(rq.method, raw, strings.NewReader(string(rq.body)))
			for k, v := range rq.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			fake.ServeHTTP(rec, req)
			Expect(rec.Body.String()).To(Equal(okBody))
		}
	})

	It("becomes a wrk script that sets the method, the body and the headers", func() {
		rq := request{method: "POST", body: []byte("{\"a\":\"\\\"\"}\n"), header: map[string]string{"Content-Type": "application/json"}}
		path, err := rq.script(GinkgoT().TempDir())
		Expect(err).NotTo(HaveOccurred())
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(Equal("wrk.method = \"POST\"\nwrk.body = \"{\\\"a\\\":\\\"\\\\\\\"\\\"}\\010\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"))
	})
})

var _ = Describe("wrk's report", func() {
	It("gives the count, the time, the percentiles and the failures", func() {
		r, err := parseWrk([]byte(`Running 3s test @ http://127.0.0.1:4000/robot/send?access_token=x
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   512.31us  301.02us  10.02ms   93.12%
    Req/Sec    31.21k     1.02k   33.10k    80.00%
  Latency Distribution
     50%  463.00us
     75%  548.00us
     90%  662.00us
     99%    1.56ms
  93156 requests in 3.00s, 12.08MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  31050.11
Transfer/sec:      4.03MB
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(r).To(Equal(wrkReport{requests: 93156, elapsed: 3 * time.Second, p50: 463 * time.Microsecond,
			p99: 1560 * time.Microsecond, non2xx: 4, errors: 3}))
	})

	It("is refused when it has no total", func() {
		_, err := parseWrk([]byte("unable to connect to 127.0.0.1:1 Connection refused\n"))
		Expect(err).To(MatchError(ContainSubstring("no \"requests in\" line")))
	})
})

var _ = Describe("the gctrace reader", func() {
	It("sums the collector's CPU time, leaving out idle marking", func() {
		d, ok := gcLineCPU("gc 12 @3.021s 4%: 0.020+1.2+0.031 ms clock, 0.040+0.50/1.0/2.5+0.062 ms cpu, 14->15->7 MB, 15 MB goal, 0 MB stacks, 0 MB globals, 2 P")
		Expect(ok).To(BeTrue())
		Expect(d).To(BeNumerically("~", 1602*time.Microsecond, time.Microsecond))
		_, ok = gcLineCPU(`time=2026-11-30 level=INFO msg="robot send"`)
		Expect(ok).To(BeFalse())
	})
})

var _ = Describe("the bare server", func() {
	It("answers DingTalk's success body as JSON", func() {
		rec := httptest.NewRecorder()
		bareHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/robot/send?access_token=x", strings.NewReader(`{}`)))
		Expect(rec.Code).To(Equal(http.StatusOK))
		Expect(rec.Header().Get("Content-Type")).To(Equal("application/json"))
		body, _ := io.ReadAll(rec.Body)
		Expect(string(body)).To(Equal(okBody))
	})
})
