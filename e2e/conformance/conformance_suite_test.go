// Specs that run the release binary's `mockdingtalk conform` against an
// SNS DingTalk API this repository did not write in Go: testdata/snsfake.py,
// an independent implementation in Python's standard library. Correct, it
// passes every rule, synchronous and async (expiry included, with a short
// session timeout); with each defect it plants (--break, none of them among
// the Go suite's own broken variants) the rule it breaks fails — or warns,
// for a should rule — and the exit status follows. They skip with a message
// when python3 is missing; CI (.ci/run) installs it.

package conformance_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/dingtalk-mock/mockdingtalk/e2e/internal/exampletest"
)

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "e2e/conformance: the conform command against an independent implementation in Python")
}

var (
	binary string // the mockdingtalk binary
	script string // testdata/snsfake.py
)

var _ = BeforeSuite(func() {
	root, err := exampletest.Root()
	Expect(err).NotTo(HaveOccurred())
	script = filepath.Join(root, "e2e", "conformance", "testdata", "snsfake.py")
	binary, err = gexec.Build("github.com/dingtalk-mock/mockdingtalk/cmd/mockdingtalk")
	Expect(err).NotTo(HaveOccurred())
	// `mockdingtalk conform` runs mockdingtalk-conform, found next to it
	// or, as here (gexec builds each program in a folder of its own), on
	// PATH, which the binary's processes inherit.
	conform, err := gexec.Build("github.com/dingtalk-mock/mockdingtalk/cmd/mockdingtalk-conform")
	Expect(err).NotTo(HaveOccurred())
	GinkgoT().Setenv("PATH", filepath.Dir(conform)+string(os.PathListSeparator)+os.Getenv("PATH"))
	DeferCleanup(gexec.CleanupBuildArtifacts)
})

// sessionTTL is the Python target's session timeout, short so
// auth.expired-session runs (it waits this long).
const sessionTTL = "3s"

// startPython starts snsfake.py with args on a free port and returns its
// base URL.
func startPython(args ...string) string {
	python, err := exec.LookPath("python3")
	if err != nil {
		Skip("python3 not found: the independent implementation needs it (CI installs it: .ci/run)")
	}
	argv := append([]string{script, "--port", "0", "--session-ttl", "3", "--webhook-timeout", "2"}, args...)
	session, err := gexec.Start(exec.Command(python, argv...), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Eventually(session.Terminate(), 10*time.Second).Should(gexec.Exit()) })
	Eventually(session.Out, 15*time.Second).Should(gbytes.Say(`listening on (http://127\.0\.0\.1:\d+)`))
	return regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(string(session.Out.Contents()))[1]
}

// report is the part of conform's JSON report the specs read.
type report struct {
	Summary struct{ Pass, Fail, Warn, Skip int }
	Results []struct {
		ID, Level, Outcome, Message string
		Evidence                    []string
	}
}

// conform runs the binary's conform command against target and returns its
// exit status and JSON report.
func conform(target string, args ...string) (int, report) {
	out := filepath.Join(GinkgoT().TempDir(), "report.json")
	argv := append([]string{"conform", "-target", target, "-session-ttl", sessionTTL, "-json", out}, args...)
	session, err := gexec.Start(exec.Command(binary, argv...), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	Eventually(session, 4*time.Minute).Should(gexec.Exit())
	data, err := os.ReadFile(out)
	Expect(err).NotTo(HaveOccurred(), "conform wrote no JSON report (exit %d)", session.ExitCode())
	var r report
	Expect(json.Unmarshal(data, &r)).To(Succeed())
	return session.ExitCode(), r
}

// outcomes maps rule IDs to their outcomes.
func (r report) outcomes() map[string]string {
	out := map[string]string{}
	for _, res := range r.Results {
		out[res.ID] = res.Outcome
	}
	return out
}

var _ = Describe("mockdingtalk conform against the Python implementation", func() {
	It("passes it, synchronous (the async job rule skipped)", func() {
		code, r := conform(startPython())
		Expect(code).To(Equal(0), "%+v", r.Results)
		Expect(r.Summary.Fail+r.Summary.Warn).To(BeZero(), "%+v", r.Results)
		Expect(r.outcomes()).To(HaveKeyWithValue("async.job-protocol", "skip"))
		Expect(r.outcomes()).To(HaveKeyWithValue("auth.expired-session", "pass"))
		Expect(r.Summary.Skip).To(Equal(1))
	})

	It("passes it with ZStack's async job protocol, every rule", func() {
		code, r := conform(startPython("--async"))
		Expect(code).To(Equal(0))
		Expect(r.Summary.Pass).To(Equal(len(r.Results)), "%+v", r.Results)
	})

	DescribeTable("fails each planted defect on the rule it breaks",
		func(defect, filter string, async bool, exit int, want map[string]string) {
			args := []string{"--break", defect}
			if async {
				args = append(args, "--async")
			}
			code, r := conform(startPython(args...), "-label-filter", filter)
			got := r.outcomes()
			for id, outcome := range want {
				Expect(got).To(HaveKeyWithValue(id, outcome), "rule %s", id)
			}
			for _, res := range r.Results {
				if outcome, named := want[res.ID]; named {
					if outcome == "pass" {
						continue
					}
					Expect(res.Message).To(ContainSubstring("rule "+res.ID+" broken"), "rule %s", res.ID)
					Expect(res.Evidence).NotTo(BeEmpty(), "rule %s", res.ID)
				} else {
					Expect(res.Outcome).To(BeElementOf("pass", "skip"), "rule %s: %s", res.ID, res.Message)
				}
			}
			Expect(code).To(Equal(exit))
		},
		Entry("error details carry the signed URL (should: ZStack's own details may)", "details-leak-url", "secrets && !slow", false, 0,
			map[string]string{"secrets.test-connection-answers": "warn"}),
		Entry("signing time 8 hours off (local time read as UTC)", "utc-naive-clock", "signing", false, 1,
			map[string]string{"signing.timestamp-milliseconds": "fail", "signing.signature-valid": "fail", "signing.timestamp-close": "warn", "signing.fresh-across-calls": "pass"}),
		Entry("a clock 2 minutes behind (should: within 30 s)", "clock-skew", "signing", false, 0,
			map[string]string{"signing.timestamp-close": "warn"}),
		Entry("a DingTalk refusal fails the call", "errcode-as-failure", "errors && !slow", false, 1,
			map[string]string{"errors.errcode-passed-through": "fail"}),
		Entry("at.atMobiles keeps +86- (should: DingTalk's handling is unconfirmed)", "atmobiles-keep-prefix", "mentions", false, 0,
			map[string]string{"mentions.at-persons": "warn", "mentions.endpoint-at-persons": "warn"}),
		Entry("queries return the secret in clear", "secret-in-query", "secrets && !slow", false, 1,
			map[string]string{"secrets.endpoint-secret-masked": "fail"}),
		Entry("~= compares exactly", "like-as-equals", "endpoints", false, 1,
			map[string]string{"endpoints.query-conditions": "fail"}),
		Entry("duplicate phone numbers accepted", "duplicate-phones", "endpoints", false, 1,
			map[string]string{"endpoints.at-person-validation": "fail"}),
		Entry("the job location answers any method", "job-any-method", "async", true, 1,
			map[string]string{"async.job-protocol": "fail"}),
	)
})
