// Ginkgo entry point for the fake robot's specs, and the helpers they share:
// sending through the handler directly or over a real loopback connection.
// Both ways check every request and answer against openapi.yaml (package
// contracts); requests that break the contract on purpose are marked
// negative, and only their answers are checked.

package mockdingtalk_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

func TestMockdingtalk(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "mockdingtalk: the fake robot")
}

// Every server a spec starts must be gone when the suite ends: hung and
// delayed requests, waits and connections are all released by Close.
var ignoreAtStart goleak.Option

var _ = BeforeSuite(func() { ignoreAtStart = goleak.IgnoreCurrent() })

var _ = AfterSuite(func() {
	http.DefaultClient.CloseIdleConnections()
	checked.CloseIdleConnections()
	Eventually(func() error { return goleak.Find(ignoreAtStart) }).WithTimeout(10 * time.Second).Should(Succeed())
})

// t0 is the first sign test vector's timestamp; table specs freeze the
// fake's clock there.
var t0 = time.UnixMilli(1577262236757)

const (
	textBody     = `{"msgtype":"text","text":{"content":"hello"}}`
	jsonType     = "application/json"
	defaultPeer  = "127.0.0.1:40000"
	vectorSecret = "this is secret"
)

// checked is the specs' HTTP client: every exchange it makes is checked
// against openapi.yaml, and a mismatch fails the spec.
var checked = contracts.NewHTTPClient(Fail)

// negativeCtx marks a request that breaks the contract on purpose: only
// its answer is checked against openapi.yaml.
var negativeCtx = contracts.Negative(context.Background())

// sendReq is one request to /robot/send for the handler-level specs.
type sendReq struct {
	method, query, contentType, body, remote string
	header                                   http.Header
	// negative: the request breaks openapi.yaml on purpose (a client
	// mistake); only the answer is checked.
	negative bool
}

// bad marks req as breaking the contract on purpose.
func (req sendReq) bad() sendReq {
	req.negative = true
	return req
}

// reply is what came back.
type reply struct {
	status int
	header http.Header
	raw    []byte
	resp   dingtalk.Response
}

// serve sends req straight to the handler through a ResponseRecorder,
// checking the request (unless it is negative) and the answer against
// openapi.yaml.
func serve(h http.Handler, req sendReq) reply {
	GinkgoHelper()
	if req.method == "" {
		req.method = http.MethodPost
	}
	r := testhttp.NewServerRequest(testhttp.Request{Method: req.method, URL: "/robot/send?" + req.query, Body: req.body,
		ContentType: req.contentType, Header: req.header, Negative: req.negative})
	if req.contentType == "" && req.header.Get("Content-Type") == "" {
		r.Header.Del("Content-Type") // the spec sends none
	}
	r.RemoteAddr = req.remote
	if r.RemoteAddr == "" {
		r.RemoteAddr = defaultPeer
	}
	w := httptest.NewRecorder()
	var mismatches contracts.Recorder
	contracts.Default().Middleware(h, mismatches.Record, contracts.CheckRequests()).ServeHTTP(w, r)
	Expect(mismatches.Err()).NotTo(HaveOccurred())
	return toReply(w.Result())
}

// toReply reads res into a reply, decoding a DingTalk answer.
func toReply(res *http.Response) reply {
	GinkgoHelper()
	a, err := testhttp.Read(res)
	Expect(err).NotTo(HaveOccurred())
	return replyOf(a)
}

func replyOf(a testhttp.Answer) reply {
	GinkgoHelper()
	out := reply{status: a.Status, header: a.Header, raw: []byte(a.Raw)}
	if strings.HasPrefix(a.Header.Get("Content-Type"), jsonType) && len(a.Raw) > 0 {
		Expect(json.Unmarshal(out.raw, &out.resp)).To(Succeed(), "body %s", a.Raw)
	}
	return out
}

// post sends a body over the network with client (checked, or one made
// with checkedWith). Give it negativeCtx for a request that breaks the
// contract on purpose.
func post(client *http.Client, u, contentType, body string, ctx ...context.Context) (reply, error) {
	GinkgoHelper()
	r := testhttp.Request{Method: http.MethodPost, URL: u, Body: body, ContentType: contentType}
	if len(ctx) > 0 {
		r.Context = ctx[0]
	}
	a, err := testhttp.Do(client, r)
	if err != nil {
		return reply{}, err
	}
	return replyOf(a), nil
}

// checkedWith returns a client like checked, with a timeout and, when
// transport is not nil, that transport (closed when the spec ends).
func checkedWith(transport *http.Transport, timeout time.Duration) *http.Client {
	c := *checked
	if transport != nil {
		c.Transport = contracts.Default().RoundTripper(transport, contracts.FailAtCaller(Fail))
		DeferCleanup(transport.CloseIdleConnections)
	}
	c.Timeout = timeout
	return &c
}

// ms formats a time as the millisecond timestamp DingTalk wants.
func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// signedQuery is a correct query for token and secret at ts.
func signedQuery(token, secret string, ts time.Time) string {
	return "access_token=" + token + "&timestamp=" + ms(ts) + "&sign=" + url.QueryEscape(dingtalk.Sign(secret, ts.UnixMilli()))
}

// newHandler returns a Server with no listener, closed after the spec.
func newHandler(cfg mockdingtalk.Config) *mockdingtalk.Server {
	GinkgoHelper()
	s, err := mockdingtalk.New(cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(s.Close)
	return s
}

// The documented numbers the specs hold the fake to (admin-api.md,
// robot-api.md).
const (
	maxWaits    = 256 // /_mock/messages/wait long-polls held at once
	defaultRate = 20  // messages per minute of a robot without a limit set
)

// reasonFault is the journal reason of an answer a fault decided.
const reasonFault dingtalk.Reason = "fault"

// journalStats reads what the journal holds and dropped as a user does,
// from GET /_mock/health (works with or without a listener).
func journalStats(s *mockdingtalk.Server) journal.Stats {
	GinkgoHelper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://127.0.0.1"+mockdingtalk.AdminPrefix+"/health", nil))
	Expect(w.Code).To(Equal(http.StatusOK), w.Body.String())
	var h struct {
		Journal journal.Stats `json:"journal"`
	}
	Expect(json.Unmarshal(w.Body.Bytes(), &h)).To(Succeed())
	return h.Journal
}

// addRobot adds r and returns its token.
func addRobot(s *mockdingtalk.Server, r mockdingtalk.Robot) string {
	GinkgoHelper()
	got, err := s.AddRobot(r)
	Expect(err).NotTo(HaveOccurred())
	return got.AccessToken
}

// last returns the newest journal entry.
func last(s *mockdingtalk.Server) journal.Entry {
	GinkgoHelper()
	all := s.Entries(journal.Filter{})
	Expect(all).NotTo(BeEmpty())
	return all[len(all)-1]
}

// failedCheck returns the name of the check that failed, or "".
func failedCheck(e journal.Entry) journal.CheckName {
	for _, c := range e.Checks {
		if !c.Passed {
			return c.Name
		}
	}
	return ""
}

func intp(n int) *int { return &n }

// http_header is a header with one field (none when value is empty).
func http_header(name, value string) http.Header {
	h := http.Header{}
	if value != "" {
		h.Set(name, value)
	}
	return h
}
