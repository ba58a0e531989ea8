// Specs for the pieces of a load run: the signed targeter, the success
// checks, the count-bounded pacer and the bare server's answer.
package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

var _ = Describe("the signed send targeter", func() {
	It("signs every request afresh, as DingTalk's sign check wants", func() {
		tr := sendTargeter("http://127.0.0.1:1/robot/send?access_token=abc", benchSecret)
		var t vegeta.Target
		Expect(tr(&t)).To(Succeed())
		u, err := url.Parse(t.URL)
		Expect(err).NotTo(HaveOccurred())
		q := u.Query()
		Expect(q.Get("access_token")).To(Equal("abc"))
		Expect(dingtalk.Verify(benchSecret, q.Get("timestamp"), q.Get("sign"), time.Now())).To(Succeed())
		Expect(t.Method).To(Equal(http.MethodPost))
		Expect(t.Header.Get("Content-Type")).To(Equal("application/json"))
		m, err := dingtalk.ParseMessage(t.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Validate()).To(BeNil())
	})

	It("is delivered by the fake robot, so the benchmark measures the success path", func() {
		off := 0
		fake, err := mockdingtalk.New(mockdingtalk.Config{Robots: []mockdingtalk.Robot{{
			AccessToken: "abc", Secret: benchSecret, RateLimitPerMinute: &off,
		}}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(fake.Close)
		tr := sendTargeter("http://127.0.0.1/robot/send?access_token=abc", benchSecret)
		for range 3 {
			var t vegeta.Target
			Expect(tr(&t)).To(Succeed())
			req, err := t.Request()
			Expect(err).NotTo(HaveOccurred())
			rec := httptest.NewRecorder()
			fake.ServeHTTP(rec, req)
			Expect(isOK(&vegeta.Result{Code: uint16(rec.Code), Body: rec.Body.Bytes()})).To(BeTrue(), rec.Body.String())
		}
	})
})

var _ = Describe("success checks", func() {
	DescribeTable("isOK accepts only DingTalk's success answer",
		func(code int, body string, want bool) {
			Expect(isOK(&vegeta.Result{Code: uint16(code), Body: []byte(body)})).To(Equal(want))
		},
		Entry("errcode 0", 200, `{"errcode":0,"errmsg":"ok"}`, true),
		Entry("a rejection", 200, `{"errcode":310000,"errmsg":"sign not match"}`, false),
		Entry("an HTTP error", 500, `{"errcode":0,"errmsg":"ok"}`, false),
	)
	DescribeTable("isConnected accepts only a connected test-connection",
		func(code int, body string, want bool) {
			Expect(isConnected(&vegeta.Result{Code: uint16(code), Body: []byte(body)})).To(Equal(want))
		},
		Entry("connected", 200, `{"success":true,"connected":true,"webhookResp":{"errcode":0}}`, true),
		Entry("not connected", 200, `{"success":true,"connected":false}`, false),
		Entry("an error envelope", 503, `{"error":{"code":"SYS.1000"}}`, false),
	)
})

var _ = Describe("the count-bounded pacer", func() {
	It("never waits and stops at the count", func() {
		p := maxPacer{count: 3}
		wait, stop := p.Pace(time.Second, 2)
		Expect(wait).To(BeZero())
		Expect(stop).To(BeFalse())
		_, stop = p.Pace(time.Second, 3)
		Expect(stop).To(BeTrue())
		_, stop = maxPacer{}.Pace(time.Hour, 1<<40)
		Expect(stop).To(BeFalse(), "no count means no limit")
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
