// The browser specs' suite: the inbox in headless Chromium. They live under
// e2e/ because they drive Chromium and compile chromedp, which make test
// leaves out; their fixture is the inbox suite's (internal/inboxtest).

package browser_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/internal/inboxtest"
)

func TestBrowser(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Inbox in a browser")
}

// secret is the signing secret of the robot the specs show.
const secret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"

// fixture is an inbox on a test server with its journal and robots.
type fixture = inboxtest.Fixture

// newFixture starts an inbox until the spec (or, from BeforeAll, the
// container) ends.
func newFixture() *fixture { return inboxtest.New() }
