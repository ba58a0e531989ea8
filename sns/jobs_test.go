// Specs for ZStack's async job protocol (Config.Async).

package sns_test

import (
	"io"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/sns"
)

var _ = Describe("Async test-connection", func() {
	var a *api
	var clock *fakeClock
	var rb *robot

	BeforeEach(func() {
		clock = newClock()
		rb = newRobot(nil)
		a = newAPI(sns.Config{Async: true, Now: clock.Now}).login()
	})

	jobPath := func(r reply) string {
		ExpectWithOffset(1, r.Status).To(Equal(http.StatusAccepted), r.Raw)
		loc := r.JSON["location"].(string)
		ExpectWithOffset(1, loc).To(MatchRegexp(`^http://example\.com/zstack/v1/api-jobs/[0-9a-f]{32}$`))
		return strings.TrimPrefix(loc, "http://example.com")
	}
	poll := func(path string) reply { return a.do(http.MethodGet, path, nil) }

	It("answers 202 with a location, 202 while running, then the result; then the job expires", func() {
		release := make(chan struct{})
		rb.next = func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
		}
		path := jobPath(a.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "hi", "url": rb.url()})))
		Eventually(rb.requests).Should(HaveLen(1))
		r := poll(path)
		Expect(r.Status).To(Equal(http.StatusAccepted))
		Expect(r.Raw).To(BeEmpty())

		close(release)
		Eventually(func() int { return poll(path).Status }).Should(Equal(http.StatusOK))
		Expect(poll(path).Raw).To(MatchJSON(`{"success":true,"connected":true,"webhookResp":{"errcode":0,"errmsg":"ok"}}`))

		clock.Advance(sns.DefaultJobTTL)
		r = poll(path)
		Expect(r.Status).To(Equal(http.StatusNotFound))
		Expect(r.Raw).To(Equal("the job has been expired"))
	})

	It("fails the job, not the request, for validation and session errors", func() {
		path := jobPath(a.bad().do(http.MethodPost, testConnURL, params(map[string]any{"url": rb.url()})))
		Eventually(func() int { return poll(path).Status }).Should(Equal(503))
		expectError(poll(path), 503, "SYS.1007", "field[testMsg] of message[org.zstack.sns.platform.dingtalk.APISNSDingTalkTestConnectionMsg] is mandatory, can not be null")

		a.session = "0123456789abcdef0123456789abcdef"
		path = jobPath(a.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "x", "url": rb.url()})))
		Eventually(func() int { return poll(path).Status }).Should(Equal(503))
		expectError(poll(path), 503, "ID.1001", "Session expired")
		Expect(rb.requests()).To(BeEmpty())
	})

	It("still refuses a missing header and an undecodable body at once", func() {
		a.session = ""
		Expect(a.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "x"})).Status).To(Equal(http.StatusBadRequest))
		a.login()
		expectError(a.do(http.MethodPost, testConnURL, `{`), 400, "SYS.1007", "the request body is not valid JSON: it ends too early")
	})

	It("uses X-Job-UUID when given and refuses a malformed one", func() {
		id := "0123456789abcdef0123456789abcdef"
		r := a.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "x", "url": rb.url()}), "X-Job-UUID", id)
		Expect(jobPath(r)).To(HaveSuffix("/" + id))
		r = a.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "x", "url": rb.url()}), "X-Job-UUID", "nope")
		Expect(r.Status).To(Equal(http.StatusBadRequest))
	})

	It("builds the location from PublicURL when set", func() {
		b := newAPI(sns.Config{Async: true, PublicURL: "https://sns.example.org/"}).login()
		r := b.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "x", "url": rb.url()}))
		Expect(r.JSON["location"]).To(HavePrefix("https://sns.example.org/zstack/v1/api-jobs/"))
	})

	It("answers 404 for an unknown job and 405 for a non-GET", func() {
		r := poll("/zstack/v1/api-jobs/0123456789abcdef0123456789abcdef")
		Expect(r.Status).To(Equal(http.StatusNotFound))
		Expect(r.Raw).To(Equal("no job[uuid:0123456789abcdef0123456789abcdef] found"))
		r = a.do(http.MethodDelete, "/zstack/v1/api-jobs/0123456789abcdef0123456789abcdef", nil)
		Expect(r.Status).To(Equal(http.StatusMethodNotAllowed))
		Expect(r.Header.Get("Allow")).To(Equal("GET"))
	})

	It("waits for running jobs on Close", func() {
		b := newAPI(sns.Config{Async: true}).login()
		rb.next = func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
		jobPath(b.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "x", "url": rb.url()})))
		Eventually(rb.requests).Should(HaveLen(1))
		done := make(chan error)
		go func() { done <- b.srv.Close() }()
		Eventually(done, 5*time.Second).Should(Receive(BeNil()))
	})
})
