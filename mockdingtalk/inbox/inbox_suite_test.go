// The inbox's Ginkgo suite. Its fixture, shared with the browser specs in
// e2e/browser, is internal/inboxtest: a journal, a robot list, the inbox on
// a loopback test server, and helpers that record journal entries the way
// the fake robot does. Every request the specs send goes through the
// contracts validator, so the inbox's answers are checked against
// openapi.yaml.

package inbox_test

import (
	"context"
	"net/http"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/internal/inboxtest"
	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
)

func TestInbox(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Inbox Suite")
}

// checked is the specs' HTTP client: every exchange it makes is checked
// against openapi.yaml, and a mismatch fails the spec. It follows no
// redirects.
var checked = contracts.NewHTTPClient(Fail)

var _ = AfterSuite(func() { checked.CloseIdleConnections() })

// negativeCtx marks a request that breaks the contract on purpose (a bad
// query, a wrong method, an unknown path): only its answer is checked.
var negativeCtx = contracts.Negative(context.Background())

// fixture is the shared inbox fixture (internal/inboxtest).
type fixture = inboxtest.Fixture

// newFixture starts an inbox on a test server until the spec ends.
func newFixture() *fixture { return inboxtest.New() }

// get fetches path from f's inbox with checked and returns the response
// (its status and header; the body is already read) and its body. Pass
// negativeCtx for a request that breaks the contract on purpose.
func get(f *fixture, path string, ctx ...context.Context) (*http.Response, string) {
	GinkgoHelper()
	r := testhttp.Request{URL: f.Server.URL + path}
	if len(ctx) > 0 {
		r.Context = ctx[0]
	}
	a := testhttp.Must(checked, r)
	return &http.Response{StatusCode: a.Status, Header: a.Header, Body: http.NoBody}, a.Raw
}
