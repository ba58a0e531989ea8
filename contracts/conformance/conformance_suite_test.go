// The conformance suite: every Rule as a Ginkgo spec labelled with its
// family and level, against the target the environment names
// (SNS_TARGET_URL…) or, by default, the in-repo implementation started
// in-process. A should rule that breaks is reported as a warning (a report
// entry) unless SNS_STRICT=true. The conform command runs the same rules
// through the same Harness.Check. Run it with
//
//	go test ./contracts/conformance/ -ginkgo.label-filter='!selftest' -ginkgo.junit-report=conformance.xml

package conformance_test

import (
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts/conformance"
)

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "SNS DingTalk API conformance")
}

// harness is the one aimed at the configured target, shared by the specs.
var harness *conformance.Harness

var _ = BeforeSuite(func(ctx SpecContext) {
	cfg, err := conformance.ConfigFromEnv()
	Expect(err).NotTo(HaveOccurred())
	harness, err = conformance.New(ctx, cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(harness.Close)
	target := cfg.TargetURL
	if target == "" {
		target = "the in-repo implementation (in-process)"
	}
	AddReportEntry("target", target)
	AddReportEntry("fake robot", harness.FakeURL())
}, NodeTimeout(time.Minute))

var _ = Describe("the SNS DingTalk API", Label("conformance"), func() {
	for _, r := range conformance.Rules() {
		It(r.ID+": "+r.Text, Label(r.AllLabels()...), func(ctx SpecContext) {
			if !picked(r.ID) {
				Skip("not picked by " + conformance.EnvLabelFilter)
			}
			expectKept(harness.Check(ctx, r))
		}, SpecTimeout(specTimeout(r)))
	}
})

// specTimeout bounds one rule: its calls, plus a session timeout to wait
// for the expiry rule against a remote target.
func specTimeout(r conformance.Rule) time.Duration {
	d := 3*callTimeout() + 30*time.Second
	if r.ID == "auth.expired-session" {
		if ttl, err := time.ParseDuration(os.Getenv(conformance.EnvSessionTTL)); err == nil {
			d += ttl
		}
	}
	return d
}

// picked reports whether SNS_LABEL_FILTER (the conform command's filter)
// picks a rule; -ginkgo.label-filter works too.
func picked(id string) bool {
	rules, err := conformance.Selected(os.Getenv(conformance.EnvLabelFilter))
	Expect(err).NotTo(HaveOccurred())
	for _, r := range rules {
		if r.ID == id {
			return true
		}
	}
	return false
}

func callTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(conformance.EnvCallTimeout)); err == nil && d > 0 {
		return d
	}
	return conformance.DefaultCallTimeout
}

// The bot rules, against the bot BOT_TARGET_URL names (BOT_APP_SECRET,
// BOT_CALLBACK_TIMEOUT); without one the selftests check the reference bot.
var _ = Describe("a bot's callback endpoint", Label("conformance", conformance.FamilyBot), Ordered, func() {
	var bot *conformance.Harness
	BeforeAll(func(ctx SpecContext) {
		cfg, err := conformance.ConfigFromEnv()
		Expect(err).NotTo(HaveOccurred())
		if cfg.BotURL == "" {
			Skip("no " + conformance.EnvBotURL + ": the selftests check the reference bot")
		}
		bot, err = conformance.NewBot(ctx, cfg)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(bot.Close)
	}, NodeTimeout(time.Minute))
	for _, r := range conformance.BotRules() {
		It(r.ID+": "+r.Text, Label(r.AllLabels()...), func(ctx SpecContext) {
			expectKept(bot.Check(ctx, r))
		}, SpecTimeout(2*time.Minute))
	}
})

// expectKept reports a rule's result as a spec: skipped, a warning report
// entry (a broken should rule, not strict), or a failure with the evidence.
func expectKept(res conformance.Result) {
	GinkgoHelper()
	r := res.Rule
	detail := res.Message + "\nsource: " + r.Source + "\nevidence:\n  " + strings.Join(res.Evidence, "\n  ")
	switch res.Outcome {
	case conformance.Skip:
		Skip(res.Message)
	case conformance.Warn:
		AddReportEntry("warning (should rule; SNS_STRICT=true fails it)", detail, ReportEntryVisibilityAlways)
	case conformance.Fail:
		Fail(detail)
	}
}
