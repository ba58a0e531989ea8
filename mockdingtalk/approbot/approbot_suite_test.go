// Ginkgo entry point for the app robot API's specs, and their helpers: a
// fake with one app and one group, and a client whose every exchange is
// checked against openapi.yaml.

package approbot_test

import (
	"encoding/json"
	"net/http"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
)

func TestApprobot(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "approbot: the app robot API")
}

// checked is the specs' client: every exchange is checked against
// openapi.yaml, and a mismatch fails the spec.
var checked = contracts.NewHTTPClient(Fail)

var _ = AfterSuite(func() { checked.CloseIdleConnections() })

// The app and group every spec starts with.
var (
	opsApp = approbot.App{AppKey: "dingbot-ops", AppSecret: "ops-secret", Name: "ops bot"}
	hrApp  = approbot.App{AppKey: "dingbot-hr", AppSecret: "hr-secret", RobotCode: "hr-robot"}
	opsGrp = approbot.Group{
		OpenConversationID: "cidOps", Title: "ops",
		Members:    []approbot.Member{{StaffID: "manager4220", Name: "Li Lei", Mobile: "13800000000"}, {StaffID: "dev1", Name: "Han Meimei"}},
		RobotCodes: []string{"dingbot-ops"},
	}
)

// reply is one answer.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// call sends one request through the checked client; negative marks a
// request that breaks the contract on purpose (only its answer is
// checked).
func call(method, url, token, body string, negative bool) reply {
	GinkgoHelper()
	h := http.Header{}
	if token != "" {
		h.Set(approbot.TokenHeader, token)
	}
	var b any
	if body != "" {
		b = body
	}
	a := testhttp.Must(checked, testhttp.Request{Method: method, URL: url, Body: b, Header: h, Negative: negative})
	return reply{status: a.Status, header: a.Header, body: a.JSON, raw: a.Raw}
}

// jsonOf encodes v.
func jsonOf(v any) string {
	GinkgoHelper()
	b, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

// newFake starts a fake with opsApp, hrApp and opsGrp.
func newFake() *mockdingtalk.Server {
	return mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Apps: []approbot.App{opsApp, hrApp}, Groups: []approbot.Group{opsGrp}})
}
