// Specs for the fake's bounds: robots and faults are bounded in count and
// bytes and refused with 507 beyond them; per-robot memory keeps hashes,
// not the keys senders choose; inbox streams are bounded; the admin API
// refuses queries it cannot read whole, unknown query parameters and clock
// settings Go's durations cannot hold. Each refusal is counted in
// /_mock/health and checked against openapi.yaml.

package mockdingtalk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

// adminDo makes one admin call to s through the validating client.
func adminDo(ctx context.Context, s *mockdingtalk.Server, method, path, body string) (int, string) {
	GinkgoHelper()
	req, err := http.NewRequestWithContext(ctx, method, s.URL()+path, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := checked.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	Expect(err).NotTo(HaveOccurred())
	return res.StatusCode, string(b)
}

// clockOf reads the fake's clock as a user does, through GET /_mock/clock.
func clockOf(s *mockdingtalk.Server) (frozen bool, offset time.Duration) {
	GinkgoHelper()
	_, body := adminDo(context.Background(), s, "GET", "/_mock/clock", "")
	var c struct {
		Frozen   bool  `json:"frozen"`
		OffsetMs int64 `json:"offsetMs"`
	}
	Expect(json.Unmarshal([]byte(body), &c)).To(Succeed())
	return c.Frozen, time.Duration(c.OffsetMs) * time.Millisecond
}

// refused reads /_mock/health's refusal counters.
func refused(s *mockdingtalk.Server) map[string]float64 {
	GinkgoHelper()
	_, body := adminDo(context.Background(), s, "GET", "/_mock/health", "")
	var h struct {
		Refused map[string]float64 `json:"refused"`
	}
	Expect(json.Unmarshal([]byte(body), &h)).To(Succeed())
	return h.Refused
}

var _ = Describe("Bounds", Label("hostile"), func() {
	var s *mockdingtalk.Server

	It("refuses a robot over Config.MaxRobots with 507, and takes one again after a removal", func() {
		s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{MaxRobots: 3})
		for range 3 {
			addRobot(s, mockdingtalk.Robot{})
		}
		status, body := adminDo(context.Background(), s, "POST", "/_mock/robots", `{"name":"one too many"}`)
		Expect(status).To(Equal(http.StatusInsufficientStorage))
		Expect(body).To(ContainSubstring("3 robots"))
		Expect(refused(s)["robots"]).To(BeNumerically("==", 1))
		Expect(s.RemoveRobot(s.Robots()[0].AccessToken)).To(Succeed())
		status, _ = adminDo(context.Background(), s, "POST", "/_mock/robots", `{"name":"fits again"}`)
		Expect(status).To(Equal(http.StatusCreated))
	})

	DescribeTable("bounds each robot's settings in bytes",
		func(r mockdingtalk.Robot, field string) {
			_, err := mockdingtalk.New(mockdingtalk.Config{Robots: []mockdingtalk.Robot{r}})
			Expect(err).To(MatchError(ContainSubstring(field)))
		},
		Entry("a 1 MB name", mockdingtalk.Robot{Name: strings.Repeat("n", 1<<20)}, "robots[0].name: at most 1024 bytes"),
		Entry("a 2 KB secret", mockdingtalk.Robot{Secret: strings.Repeat("s", 2048)}, "robots[0].secret"),
		Entry("a 100 KB keyword", mockdingtalk.Robot{Keywords: []string{strings.Repeat("k", 100000)}}, "robots[0].keywords[0]"),
		Entry("10,000 allowlist entries", mockdingtalk.Robot{IPAllowlist: strings.Split(strings.Repeat("1.2.3.4,", 10000), ",")[:10000]}, "robots[0].ipAllowlist: at most 100"),
		Entry("a rate limit whose window would hold 1e9 timestamps", mockdingtalk.Robot{RateLimitPerMinute: ptr(1000000000)}, "rateLimitPerMinute"),
	)

	It("refuses faults over Config.MaxFaults, and over 16 MiB of bodies together, with 507", func() {
		s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{MaxFaults: 2})
		for range 2 {
			status, _ := adminDo(context.Background(), s, "POST", "/_mock/faults", `{"kind":"drop"}`)
			Expect(status).To(Equal(http.StatusCreated))
		}
		status, body := adminDo(context.Background(), s, "POST", "/_mock/faults", `{"kind":"drop"}`)
		Expect(status).To(Equal(http.StatusInsufficientStorage), body)
		Expect(refused(s)["faults"]).To(BeNumerically("==", 1))

		s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
		big := fmt.Sprintf(`{"kind":"http","body":%q}`, strings.Repeat("b", 1000*1000))
		added := 0
		for {
			status, _ := adminDo(context.Background(), s, "POST", "/_mock/faults", big)
			if status != http.StatusCreated {
				Expect(status).To(Equal(http.StatusInsufficientStorage))
				break
			}
			added++
			Expect(added).To(BeNumerically("<=", 17))
		}
		Expect(added).To(Equal(16))
		s.ClearFaults()
		status, _ = adminDo(context.Background(), s, "POST", "/_mock/faults", big)
		Expect(status).To(Equal(http.StatusCreated), "clearing gives the bytes back")
	})

	It("remembers msgUuids by hash, so a robot's memory does not grow with their length", func() {
		s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
		tok := addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: ptr(0)})
		long := strings.Repeat("u", 15000)
		send := func(uuid string) string {
			res, err := http.Post(s.WebhookURL(tok), "application/json",
				strings.NewReader(fmt.Sprintf(`{"msgtype":"text","text":{"content":"x"},"msgUuid":%q}`, uuid)))
			Expect(err).NotTo(HaveOccurred())
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return string(b)
		}
		Expect(send(long)).To(ContainSubstring(`"errcode":0`))
		Expect(send(long)).To(ContainSubstring(`"errcode":0`), "a repeat is acknowledged")
		Expect(last(s).Delivered).To(BeFalse(), "and not delivered again: still recognised through its hash")
		Expect(send(long + "v")).To(ContainSubstring(`"errcode":0`))
		Expect(last(s).Delivered).To(BeTrue())
	})

	Describe("the admin API's queries", func() {
		BeforeEach(func() { s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{}) })

		DescribeTable("refuses unknown query parameters with 400, as documented",
			func(method, path string) {
				status, body := adminDo(negativeCtx, s, method, path, "")
				Expect(status).To(Equal(http.StatusBadRequest))
				Expect(body).To(ContainSubstring(`unknown query parameter \"bogus\"`))
			},
			Entry("GET /_mock/robots", "GET", "/_mock/robots?bogus=1"),
			Entry("GET /_mock/faults", "GET", "/_mock/faults?bogus=1"),
			Entry("GET /_mock/clock", "GET", "/_mock/clock?bogus=1"),
			Entry("POST /_mock/reset", "POST", "/_mock/reset?bogus=1"),
			Entry("GET /_mock/messages", "GET", "/_mock/messages?bogus=1"),
		)

		It("answers 400 past 10,000 query parameters instead of acting as if none were given", func() {
			q := strings.Repeat("accessToken=x&", 10001) + "limit=1"
			status, body := adminDo(negativeCtx, s, "GET", "/_mock/messages?"+q, "")
			Expect(status).To(Equal(http.StatusBadRequest))
			Expect(body).To(ContainSubstring("query cannot be parsed"))
			status, _ = adminDo(negativeCtx, s, "GET", "/_mock/messages?accessToken=%zz", "")
			Expect(status).To(Equal(http.StatusBadRequest), "a broken escape too")
		})
	})

	Describe("PUT /_mock/clock", func() {
		BeforeEach(func() { s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{}) })

		DescribeTable("refuses a time Go's durations cannot reach from now, instead of saturating",
			func(body string) {
				before := s.Now()
				status, msg := adminDo(negativeCtx, s, "PUT", "/_mock/clock", body)
				Expect(status).To(Equal(http.StatusBadRequest))
				Expect(msg).To(ContainSubstring("100 years"))
				Expect(s.Now()).To(BeTemporally("~", before, time.Minute), "the clock did not move")
			},
			Entry("year 9999, running", `{"now":"9999-01-01T00:00:00Z","frozen":false}`),
			Entry("year 9999, frozen", `{"now":"9999-01-01T00:00:00Z"}`),
			Entry("year 1", `{"now":"0001-01-01T00:00:00Z"}`),
			Entry("nowMillis in year 2370", `{"nowMillis":12678000000000}`),
		)

		It("refuses advances that add up past 100 years", func() {
			year := int64(300 * 24 * 3600 * 1000)
			for range 30 {
				status, _ := adminDo(negativeCtx, s, "PUT", "/_mock/clock", fmt.Sprintf(`{"advanceMs":%d}`, 10*year))
				if status == http.StatusBadRequest {
					break
				}
			}
			Expect(s.Now().Year()).To(BeNumerically("<", time.Now().Year()+101))
			_, offset := clockOf(s)
			Expect(offset).To(BeNumerically(">", 0))
		})

		It("still takes a time within 100 years", func() {
			status, _ := adminDo(context.Background(), s, "PUT", "/_mock/clock", `{"now":"2099-12-31T23:59:59Z"}`)
			Expect(status).To(Equal(http.StatusOK))
			Expect(s.Now().Year()).To(Equal(2099))
		})
	})

	Describe("inbox streams", func() {
		It("are bounded: one over the limit is a 503, counted, and closing one frees a place", func() {
			s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
			ctx, cancel := context.WithCancel(context.Background())
			DeferCleanup(cancel)
			var open []*http.Response
			for range 100 {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/_inbox/events", nil)
				res, err := http.DefaultClient.Do(req)
				Expect(err).NotTo(HaveOccurred())
				Expect(res.StatusCode).To(Equal(http.StatusOK))
				open = append(open, res)
			}
			res, err := checked.Get(s.URL() + "/_inbox/events")
			Expect(err).NotTo(HaveOccurred())
			res.Body.Close()
			Expect(res.StatusCode).To(Equal(http.StatusServiceUnavailable))
			Expect(refused(s)["streams"]).To(BeNumerically("==", 1))
			open[0].Body.Close()
			Eventually(func() int {
				c, cancelOne := context.WithCancel(ctx)
				defer cancelOne()
				req, _ := http.NewRequestWithContext(c, http.MethodGet, s.URL()+"/_inbox/events", nil)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					return 0
				}
				defer res.Body.Close()
				return res.StatusCode
			}).WithTimeout(5 * time.Second).Should(Equal(http.StatusOK))
		})

		It("say robots when the robot list changes, without polling it", func() {
			s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
			ctx, cancel := context.WithCancel(context.Background())
			DeferCleanup(cancel)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/_inbox/events", nil)
			res, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(res.Body.Close)
			lines := make(chan string, 16)
			go func() {
				defer GinkgoRecover()
				buf := make([]byte, 4096)
				for {
					n, err := res.Body.Read(buf)
					for _, l := range strings.Split(string(buf[:n]), "\n") {
						if strings.HasPrefix(l, "event: ") {
							lines <- strings.TrimPrefix(l, "event: ")
						}
					}
					if err != nil {
						return
					}
				}
			}()
			Eventually(lines).Should(Receive(Equal("change")))
			addRobot(s, mockdingtalk.Robot{Name: "new"})
			Eventually(lines).WithTimeout(time.Second).Should(Receive(Equal("robots")))
		})
	})
})

var _ = Describe("Shutdown during a delay fault", Label("hostile"), func() {
	It("gives the held request no answer (not an empty 200), as documented", func() {
		s, err := mockdingtalk.New(mockdingtalk.Config{})
		Expect(err).NotTo(HaveOccurred())
		tok := addRobot(s, mockdingtalk.Robot{})
		_, err = s.AddFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultDelay, Delay: 10 * time.Minute})
		Expect(err).NotTo(HaveOccurred())
		active := make(chan struct{}, 1)
		srv := httptest.NewUnstartedServer(s)
		srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateActive {
				select {
				case active <- struct{}{}:
				default:
				}
			}
		}
		srv.Start()
		DeferCleanup(srv.Close)
		type result struct {
			status int
			err    error
		}
		got := make(chan result, 1)
		go func() {
			res, err := http.Post(srv.URL+"/robot/send?access_token="+tok, "application/json", strings.NewReader(`{"msgtype":"text","text":{"content":"x"}}`))
			if err != nil {
				got <- result{err: err}
				return
			}
			res.Body.Close()
			got <- result{status: res.StatusCode}
		}()
		Eventually(active).Should(Receive())
		s.Close() // what SIGTERM does in the binary (RegisterOnShutdown)
		var r result
		Eventually(got).WithTimeout(10 * time.Second).Should(Receive(&r))
		Expect(r.err).To(HaveOccurred(), "the connection is closed without an answer (got HTTP %d)", r.status)
	})
})

func ptr[T any](v T) *T { return &v }

var _ = Describe("Message waits", Label("hostile"), func() {
	It("are bounded: one over 256 held at once is a 503 with Retry-After, counted", func() {
		s := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
		ctx, cancel := context.WithCancel(context.Background())
		DeferCleanup(cancel)
		c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0}}
		DeferCleanup(c.CloseIdleConnections)
		done := make(chan struct{}, maxWaits)
		for range maxWaits {
			go func() {
				defer func() { done <- struct{}{} }()
				// A waiter refused because the probe below held a place at
				// that instant asks again, so all maxWaits places end up
				// held by waiters (the spec was flaky without it).
				for ctx.Err() == nil {
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/_mock/messages/wait?timeout=10m", nil)
					res, err := c.Do(req)
					if err != nil {
						return
					}
					res.Body.Close()
					if res.StatusCode != http.StatusServiceUnavailable {
						return
					}
				}
			}()
		}
		Eventually(func() int {
			res, err := checked.Get(s.URL() + "/_mock/messages/wait?timeout=1ms")
			Expect(err).NotTo(HaveOccurred())
			res.Body.Close()
			return res.StatusCode
		}).WithTimeout(10 * time.Second).Should(Equal(http.StatusServiceUnavailable))
		Expect(refused(s)["waits"]).To(BeNumerically(">=", 1))
		cancel()
		for range maxWaits {
			Eventually(done).Should(Receive())
		}
		res, err := checked.Get(s.URL() + "/_mock/messages/wait?timeout=1ms")
		Expect(err).NotTo(HaveOccurred())
		res.Body.Close()
		Expect(res.StatusCode).To(Equal(http.StatusRequestTimeout), "places are freed")
	})
})
