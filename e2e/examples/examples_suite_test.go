// Specs that run each client project under examples/ (Node with a
// published npm client, Python's standard library, curl + openssl) with its
// own test command against the real mockdingtalk binary on a free loopback
// port. Each skips with a message when its language's tools are missing;
// CI (.ci/run) installs them.

package examples_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/dingtalk-mock/mockdingtalk/e2e/internal/exampletest"
)

func TestExamples(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "e2e/examples: client projects in other languages against the binary")
}

var (
	root    string
	baseURL string
)

var _ = BeforeSuite(func() {
	var err error
	root, err = exampletest.Root()
	Expect(err).NotTo(HaveOccurred())
	bin, err := gexec.Build("github.com/dingtalk-mock/mockdingtalk/cmd/mockdingtalk")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(gexec.CleanupBuildArtifacts)

	// The fake as a user starts it, on a port the system picks.
	session, err := gexec.Start(exec.Command(bin, "-listen", "127.0.0.1:0"), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Eventually(session.Terminate(), 15*time.Second).Should(gexec.Exit(0)) })
	Eventually(session.Out, 15*time.Second).Should(gbytes.Say(`listening on (http://127\.0\.0\.1:\d+)`))
	baseURL = regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(string(session.Out.Contents()))[1]
})

var _ = Describe("the examples' own tests pass against the binary", func() {
	for _, ex := range exampletest.All {
		It("examples/"+ex.Dir+": "+strings.Join(ex.Test, " "), func() {
			if tool := ex.Missing(); tool != "" {
				Skip("examples/" + ex.Dir + " needs " + tool + " on PATH (CI installs it: .ci/run)")
			}
			Expect(ex.Run(root, baseURL, 5*time.Minute, GinkgoWriter)).To(Succeed())
		})
	}
})
