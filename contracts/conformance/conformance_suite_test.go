// The conformance suite: every Check as a Ginkgo spec with its labels,
// against the target the environment names (SNS_TARGET_URL…) or, by
// default, the in-repo implementation started in-process. Run it with
//
//	go test ./contracts/conformance/ -ginkgo.label-filter='!selftest' -ginkgo.junit-report=conformance.xml
package conformance_test

import (
	"os"
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
	for _, c := range conformance.Checks() {
		It(c.ID+": "+c.Rule, Label(c.Labels...), func(ctx SpecContext) {
			if err := harness.Run(ctx, c); err != nil {
				Fail(err.Error())
			}
		}, SpecTimeout(callTimeout()+30*time.Second))
	}
})

func callTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(conformance.EnvCallTimeout)); err == nil && d > 0 {
		return d
	}
	return conformance.DefaultCallTimeout
}
