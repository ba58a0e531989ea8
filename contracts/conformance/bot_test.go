// The bot rules test themselves: the reference bot keeps every one, and
// each rule is broken by at least one deliberately bad bot (one that
// ignores the sign or the timestamp, answers slowly, with an error, with a
// body that is not a message, posts a bad reply to the sessionWebhook,
// trips over a one-to-one callback, or never replies).

package conformance_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts/conformance"
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

const botSecret = "conformance-bot-secret"

// badBot is a bot with one defect, and the rules it must break.
type badBot struct {
	name    string
	handler func(w http.ResponseWriter, r *http.Request)
	breaks  []string
}

// signed answers only callbacks whose timestamp and sign verify.
func signed(next func(w http.ResponseWriter, r *http.Request, body string)) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if dingtalk.Verify(botSecret, r.Header.Get("timestamp"), r.Header.Get("sign"), time.Now()) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next(w, r, string(body))
	}
}

func pong(w http.ResponseWriter) {
	_, _ = io.WriteString(w, `{"msgtype":"text","text":{"content":"pong"}}`)
}

var badBots = []badBot{
	{"ignores timestamp and sign", func(w http.ResponseWriter, _ *http.Request) { pong(w) },
		[]string{"bot.refuses-wrong-sign", "bot.refuses-stale-timestamp", "bot.refuses-unsigned"}},
	{"checks the sign but not the timestamp's age", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("sign") != dingtalk.SignString(botSecret, r.Header.Get("timestamp")) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		pong(w)
	}, []string{"bot.refuses-stale-timestamp"}},
	{"answers only after the callback timeout", signed(func(w http.ResponseWriter, r *http.Request, _ string) {
		<-r.Context().Done() // the fake gives up first
	}), []string{"bot.answers-in-time", "bot.answers-signed-callback", "bot.one-to-one"}},
	{"answers HTTP 500", signed(func(w http.ResponseWriter, _ *http.Request, _ string) {
		w.WriteHeader(http.StatusInternalServerError)
	}), []string{"bot.answers-signed-callback", "bot.one-to-one"}},
	{"answers with a body that is not a robot message", signed(func(w http.ResponseWriter, _ *http.Request, _ string) {
		_, _ = io.WriteString(w, `{"msgtype":"text","content":"pong"}`)
	}), []string{"bot.reply-shape", "bot.one-to-one"}},
	{"posts a markdown reply without a title to the sessionWebhook", signed(func(w http.ResponseWriter, _ *http.Request, body string) {
		hook := between(body, `"sessionWebhook":"`, `"`)
		res, err := http.Post(hook, "application/json", strings.NewReader(`{"msgtype":"markdown","markdown":{"text":"**pong**"}}`))
		if err == nil {
			res.Body.Close()
		}
	}), []string{"bot.reply-shape", "bot.one-to-one"}},
	{"expects a group's conversationTitle in every callback", signed(func(w http.ResponseWriter, _ *http.Request, body string) {
		if !strings.Contains(body, `"conversationTitle"`) {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		pong(w)
	}), []string{"bot.one-to-one"}},
	{"never replies", signed(func(http.ResponseWriter, *http.Request, string) {}), []string{"bot.replies"}},
}

func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(rest, to)
	return v
}

// botHarness checks handler (the reference bot when nil) with short waits.
func botHarness(ctx SpecContext, handler http.Handler) *conformance.Harness {
	cfg := conformance.Config{BotCallbackTimeout: 500 * time.Millisecond, BotReplyWait: 300 * time.Millisecond, BotSecret: botSecret}
	if handler != nil {
		srv := httptest.NewServer(handler)
		DeferCleanup(srv.Close)
		cfg.BotURL = srv.URL + "/dingtalk"
	}
	h, err := conformance.NewBot(ctx, cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(h.Close)
	return h
}

var _ = Describe("the bot rules", Label("selftest", "bot"), func() {
	It("pass against the reference bot, a bot written as DingTalk's docs describe", func(ctx SpecContext) {
		h := botHarness(ctx, nil)
		for _, r := range conformance.BotRules() {
			res := h.Check(ctx, r)
			Expect(res.Outcome).To(Equal(conformance.Pass), "%s: %s\n%s", r.ID, res.Message, strings.Join(res.Evidence, "\n"))
		}
	}, SpecTimeout(time.Minute))

	for _, b := range badBots {
		It("catch a bot that "+b.name, func(ctx SpecContext) {
			h := botHarness(ctx, http.HandlerFunc(b.handler))
			for _, r := range conformance.BotRules() {
				res := h.Check(ctx, r)
				if containsID(b.breaks, r.ID) {
					Expect(res.Outcome).To(BeElementOf(conformance.Fail, conformance.Warn), "%s should catch it", r.ID)
					Expect(res.Message).To(ContainSubstring(r.ID))
					Expect(res.Evidence).To(ContainElement(HavePrefix("→ callback to")))
				}
			}
		}, SpecTimeout(time.Minute))
	}

	It("are each broken by at least one bad bot", func() {
		for _, r := range conformance.BotRules() {
			caught := false
			for _, b := range badBots {
				caught = caught || containsID(b.breaks, r.ID)
			}
			Expect(caught).To(BeTrue(), "no bad bot breaks %s", r.ID)
		}
	})

	It("keep docs/conformance.md's bot rule table in step", func() {
		doc, err := readDoc()
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Contains(doc, conformance.MarkdownTable(conformance.BotRules()))).To(BeTrue(),
			"docs/conformance.md's bot rule table is out of date: paste the output of `go run ./cmd/mockdingtalk-conform -bot -list-markdown` over it")
	})

	It("refuse a bot URL without its secret, and a remote bot that cannot reach the fake", func(ctx SpecContext) {
		_, err := conformance.NewBot(ctx, conformance.Config{BotURL: "http://127.0.0.1:1/dingtalk"})
		Expect(err).To(MatchError(ContainSubstring(conformance.EnvBotSecret)))
		_, err = conformance.NewBot(ctx, conformance.Config{BotURL: "http://10.0.0.5:3000/dingtalk", BotSecret: "s"})
		Expect(err).To(MatchError(ContainSubstring(conformance.EnvMockPublicURL)))
	})
})

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
