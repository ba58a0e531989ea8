// Specs for the Go API: configuration checks, the robot registry, the
// clock, waiting on the journal, Reset and Close, and the inbox mount.

package mockdingtalk_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

var _ = Describe("Go API", func() {
	DescribeTable("New rejects configurations it cannot run, naming the setting",
		func(cfg mockdingtalk.Config, field, substr string) {
			_, err := mockdingtalk.New(cfg)
			Expect(err).To(HaveOccurred())
			ve, ok := err.(*mockdingtalk.ValidationError)
			Expect(ok).To(BeTrue(), "a *ValidationError, got %T", err)
			Expect(ve.Field).To(Equal(field))
			Expect(err.Error()).To(ContainSubstring(substr))
		},
		Entry("a bad CIDR", mockdingtalk.Config{Robots: []mockdingtalk.Robot{{IPAllowlist: []string{"1.2.3.0/40"}}}},
			"robots[0].ipAllowlist[0]", "CIDR"),
		Entry("a host name in the allowlist", mockdingtalk.Config{Robots: []mockdingtalk.Robot{{IPAllowlist: []string{"example.com"}}}},
			"robots[0].ipAllowlist[0]", "IPv4 address"),
		Entry("an IPv6 range", mockdingtalk.Config{Robots: []mockdingtalk.Robot{{IPAllowlist: []string{"2001:db8::/32"}}}},
			"robots[0].ipAllowlist[0]", "IPv6"),
		Entry("11 keywords", mockdingtalk.Config{Robots: []mockdingtalk.Robot{{}, {Keywords: make([]string, 11)}}},
			"robots[1].keywords", "at most 10"),
		Entry("a blank keyword", mockdingtalk.Config{Robots: []mockdingtalk.Robot{{Keywords: []string{" "}}}},
			"robots[0].keywords[0]", "non-blank"),
		Entry("two robots with one token", mockdingtalk.Config{Robots: []mockdingtalk.Robot{{AccessToken: "a"}, {AccessToken: "a"}}},
			"robots[1].accessToken", "earlier robot"),
		Entry("a negative journal cap", mockdingtalk.Config{JournalCap: -1}, "journalCap", "0"),
		Entry("an unknown era", mockdingtalk.Config{Dialect: dingtalk.Dialect{Era: "ancient"}}, "dialect", "ancient"),
		Entry("a rate-limit code DingTalk never used", mockdingtalk.Config{Dialect: dingtalk.Dialect{RateLimitCode: 429}}, "dialect", "429"),
		Entry("a relative public URL", mockdingtalk.Config{PublicURL: "localhost:8090"}, "publicURL", "absolute"),
		Entry("a callback timeout over 10 minutes", mockdingtalk.Config{CallbackTimeout: time.Hour}, "callbackTimeout", "up to 10m0s (got 1h0m0s)"),
		Entry("a negative app rate limit", mockdingtalk.Config{AppRateLimit: ptr(-1)}, "appRateLimit", "from 1 to 100000 (got -1)"),
		Entry("an app rate limit over 100000", mockdingtalk.Config{AppRateLimit: ptr(100001)}, "appRateLimit", "(got 100001)"),
	)

	It("accepts secrets of any shape, since DingTalk's rules are unknown", func() {
		s := newHandler(mockdingtalk.Config{})
		for _, secret := range []string{"short", "SEC" + "zz", "no SEC prefix but long enough to be a secret"} {
			_, err := s.AddRobot(mockdingtalk.Robot{Secret: secret})
			Expect(err).NotTo(HaveOccurred())
		}
	})

	It("logs each send with its hint, and never the secret", func() {
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		s := newHandler(mockdingtalk.Config{Logger: logger, FreezeAt: t0})
		tok := addRobot(s, mockdingtalk.Robot{Secret: secret})
		serve(s, signedAt(secret, t0, textBody)(tok))
		serve(s, signedAt(secret, t0.Add(-2*time.Hour), textBody)(tok))
		out := buf.String()
		Expect(out).To(ContainSubstring("level=DEBUG msg=\"robot send\""))
		Expect(out).To(ContainSubstring("level=INFO msg=\"robot send\""))
		Expect(out).To(ContainSubstring("reason=timestamp_expired"))
		Expect(out).To(ContainSubstring("hint="))
		Expect(out).NotTo(ContainSubstring(secret))
	})

	It("logs the inbox's actions through the configured logger", func() {
		var buf bytes.Buffer
		s := newHandler(mockdingtalk.Config{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/_inbox/clear", nil)
		req.Header.Set("X-Requested-With", "inbox")
		var mismatches contracts.Recorder
		contracts.Default().Middleware(s, mismatches.Record, contracts.CheckRequests()).ServeHTTP(w, req)
		Expect(mismatches.Err()).NotTo(HaveOccurred())
		Expect(w.Code).To(Equal(http.StatusNoContent))
		Expect(buf.String()).To(ContainSubstring(`msg="journal cleared from the inbox" component=inbox`))
	})

	It("keeps robots in order, and gives copies the caller cannot change them through", func() {
		s := newHandler(mockdingtalk.Config{Robots: []mockdingtalk.Robot{{Name: "boot"}}})
		boot := s.Robots()[0]
		Expect(boot.AccessToken).To(MatchRegexp(`^[0-9a-f]{64}$`))
		Expect(*boot.RateLimitPerMinute).To(Equal(20))

		kw := []string{"a"}
		r, err := s.AddRobot(mockdingtalk.Robot{AccessToken: "second", Keywords: kw})
		Expect(err).NotTo(HaveOccurred())
		kw[0] = "changed"
		r.Keywords[0] = "changed too"
		got, ok := s.Robot("second")
		Expect(ok).To(BeTrue())
		Expect(got.Keywords).To(Equal([]string{"a"}))
		Expect(s.Robots()).To(HaveLen(2))
		Expect(s.Robots()[1].AccessToken).To(Equal("second"))

		_, err = s.AddRobot(mockdingtalk.Robot{AccessToken: "second"})
		Expect(err).To(MatchError(mockdingtalk.ErrRobotExists))
		_, err = s.UpdateRobot("missing", mockdingtalk.Robot{})
		Expect(err).To(MatchError(mockdingtalk.ErrRobotNotFound))
		Expect(s.RemoveRobot("missing")).To(MatchError(mockdingtalk.ErrRobotNotFound))

		Expect(s.RemoveRobot("second")).To(Succeed())
		_, ok = s.Robot("second")
		Expect(ok).To(BeFalse())
		Expect(s.Robots()).To(HaveLen(1))
	})

	It("keeps a robot's rate-limit state across UpdateRobot", func() {
		s := newHandler(mockdingtalk.Config{FreezeAt: t0})
		tok := addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: intp(1)})
		Expect(serve(s, plain(textBody)(tok)).resp).To(Equal(dingtalk.OK))
		Expect(serve(s, plain(textBody)(tok)).resp.ErrCode).To(Equal(130101))
		_, err := s.UpdateRobot(tok, mockdingtalk.Robot{Name: "renamed", RateLimitPerMinute: intp(100)})
		Expect(err).NotTo(HaveOccurred())
		Expect(serve(s, plain(textBody)(tok)).resp.ErrCode).To(Equal(130101), "still locked")
	})

	It("builds webhook URLs from the public URL when one is set", func() {
		s := newHandler(mockdingtalk.Config{PublicURL: "https://mock.example/"})
		Expect(s.URL()).To(Equal("https://mock.example"))
		Expect(s.WebhookURL("a b")).To(Equal("https://mock.example/robot/send?access_token=a+b"))
		Expect(newHandler(mockdingtalk.Config{}).WebhookURL("t")).To(Equal("/robot/send?access_token=t"))
	})

	Describe("clock", func() {
		It("is real by default, frozen by SetNow, moved by Advance, and back to the Config's clock on Reset", func() {
			s := newHandler(mockdingtalk.Config{ClockOffset: -3 * time.Hour})
			Expect(s.Now()).To(BeTemporally("~", time.Now().Add(-3*time.Hour), time.Second))

			s.SetNow(t0)
			Expect(s.Now()).To(BeTemporally("==", t0))
			s.Advance(90 * time.Second)
			Expect(s.Now()).To(BeTemporally("==", t0.Add(90*time.Second)))

			s.Reset()
			Expect(s.Now()).To(BeTemporally("~", time.Now().Add(-3*time.Hour), time.Second))
			Expect(newHandler(mockdingtalk.Config{}).Now()).To(BeTemporally("~", time.Now(), time.Second))
		})

		It("stamps journal entries with the fake's time", func() {
			s := newHandler(mockdingtalk.Config{FreezeAt: t0})
			tok := addRobot(s, mockdingtalk.Robot{})
			s.Advance(time.Minute)
			serve(s, plain(textBody)(tok))
			Expect(last(s).Time).To(BeTemporally("==", t0.Add(time.Minute)))
		})
	})

	Describe("waiting for entries", func() {
		It("returns once enough entries arrive", func(ctx SpecContext) {
			s := newHandler(mockdingtalk.Config{})
			tok := addRobot(s, mockdingtalk.Robot{})
			got := make(chan []journal.Entry, 1)
			go func() {
				defer GinkgoRecover()
				entries, err := s.WaitForEntries(ctx, journal.Filter{AccessToken: tok}, 2)
				Expect(err).NotTo(HaveOccurred())
				got <- entries
			}()
			serve(s, plain(textBody)(tok))
			serve(s, plain(textBody)("other"))
			serve(s, plain(textBody)(tok))
			Eventually(got).Should(Receive(HaveLen(2)))
		}, SpecTimeout(5*time.Second))

		It("gives up with the context's error, or ErrClosed when the server closes", func() {
			s, err := mockdingtalk.New(mockdingtalk.Config{})
			Expect(err).NotTo(HaveOccurred())
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			_, err = s.WaitForEntries(ctx, journal.Filter{}, 1)
			Expect(err).To(MatchError(context.DeadlineExceeded))

			errs := make(chan error, 1)
			go func() {
				_, err := s.WaitForEntries(context.Background(), journal.Filter{}, 1)
				errs <- err
			}()
			s.Close()
			Eventually(errs).Should(Receive(MatchError(mockdingtalk.ErrClosed)))
			s.Close() // twice is fine
		})
	})

	It("Reset restores the start-up robots with their tokens and fresh state", func() {
		s := newHandler(mockdingtalk.Config{FreezeAt: t0, Robots: []mockdingtalk.Robot{{Name: "boot", RateLimitPerMinute: intp(1)}}})
		tok := s.Robots()[0].AccessToken
		Expect(serve(s, plain(textBody)(tok)).resp).To(Equal(dingtalk.OK))
		Expect(serve(s, plain(textBody)(tok)).resp.ErrCode).To(Equal(130101))
		s.Advance(time.Hour)
		Expect(s.RemoveRobot(tok)).To(Succeed())
		addRobot(s, mockdingtalk.Robot{})

		s.Reset()
		Expect(s.Robots()).To(HaveLen(1))
		Expect(s.Robots()[0].AccessToken).To(Equal(tok))
		Expect(s.Now()).To(BeTemporally("==", t0))
		Expect(s.Entries(journal.Filter{})).To(BeEmpty())
		Expect(serve(s, plain(textBody)(tok)).resp).To(Equal(dingtalk.OK), "rate-limit state is fresh")
	})

	It("serves the inbox page at / next to the robot and admin APIs", func() {
		s := newHandler(mockdingtalk.Config{})
		w := httptest.NewRecorder()
		var mismatches contracts.Recorder
		contracts.Default().Middleware(s, mismatches.Record, contracts.CheckRequests()).
			ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		Expect(mismatches.Err()).NotTo(HaveOccurred())
		Expect(w.Code).To(Equal(http.StatusOK))
		Expect(w.Header().Get("Content-Type")).To(HavePrefix("text/html"))
	})

	It("NewTestServer listens on 127.0.0.1 and stops when the spec ends", func() {
		s := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
		Expect(s.URL()).To(MatchRegexp(`^http://127\.0\.0\.1:\d+$`))
		res, err := checked.Get(s.URL() + "/_mock/health")
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		Expect(string(body)).To(MatchJSON(`{"status":"ok","refused":{"host":0,"crossSite":0,"contentType":0,"robots":0,"faults":0,"streams":0,"waits":0},"forgotten":0,"journal":{"entries":0,"cap":10000,"bytes":0,"maxBytes":25165824,"dropped":0,"truncated":0,"lastSeq":0},"apps":{"apps":0,"groups":0,"tokens":0,"messages":0,"throttled":0,"callbacks":{"ok":0,"failed":0}}}`))
		s.Close()
		_, err = checked.Get(s.URL() + "/_mock/health")
		Expect(err).To(HaveOccurred())
	})
})
