// Ginkgo entry point for the SNS API's specs, and the helpers they share:
// a client that calls the handler in-process (checking every exchange
// against openapi.yaml), a fake clock and a robot that records what it
// receives.

package sns_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"go.uber.org/goleak"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/clock"
	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
	"github.com/dingtalk-mock/mockdingtalk/sns"
)

func TestSNS(t *testing.T) {
	RegisterFailHandler(Fail)
	// Every server, job and connection a spec starts must be gone by the end.
	defer goleak.VerifyNone(t, goleak.IgnoreTopFunction("github.com/onsi/ginkgo/v2/internal/interrupt_handler.(*InterruptHandler).registerForInterrupts.func2"))
	RunSpecs(t, "sns")
}

const (
	robotSecret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"
	robotToken  = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testConnURL = "/zstack/v1/sns/application-endpoints/ding-talk/test-connection"
	endpointURL = "/zstack/v1/sns/application-endpoints/ding-talk"
	atPersonURL = "/zstack/v1/sns/application-endpoints/ding-talk/at-persons"
)

// fakeClock is the specs' clock: the project's movable clock, whose Now
// goes into sns.Config.Now.
type fakeClock = clock.Clock

// newClock returns a clock frozen at a fixed afternoon until a spec
// advances it.
func newClock() *fakeClock { return clock.Frozen(time.Date(2026, 3, 4, 15, 4, 5, 0, time.UTC)) }

// api calls a Server in-process.
type api struct {
	srv     *sns.Server
	session string
	logs    *gbytes.Buffer
	// negative: the calls break openapi.yaml on purpose and the server
	// accepts them anyway (an async job that fails later); only the
	// answers are checked.
	negative bool
}

// bad returns a copy of a whose calls are marked negative.
func (a *api) bad() *api {
	c := *a
	c.negative = true
	return &c
}

func newAPI(cfg sns.Config) *api {
	logs := gbytes.NewBuffer()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	srv, err := sns.New(cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(srv.Close)
	return &api{srv: srv, logs: logs}
}

// reply is an answer: status, header, raw body and, when JSON, the
// decoded object.
type reply = testhttp.Answer

// do calls the handler and checks the exchange against openapi.yaml: the
// answer always, the request unless a is marked negative. A request the
// contract refuses counts as a deliberate bad request when the server
// refuses it too (any non-2xx answer, whose shape is still checked); when
// the server accepts it, the spec fails with the mismatch, since code and
// contract then disagree.
func (a *api) do(method, path string, body any, header ...string) reply {
	h := http.Header{}
	if body != nil {
		h.Set("Content-Type", "application/json;charset=UTF-8") // as ZStack's clients send it
	}
	if a.session != "" {
		h.Set("Authorization", "OAuth "+a.session)
	}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	req := testhttp.NewServerRequest(testhttp.Request{Method: method, URL: path, Body: body, Header: h, Negative: a.negative})
	var badRequest error
	if !a.negative {
		badRequest = contracts.Default().ValidateRequest(req) // puts the body back
	}
	rec := httptest.NewRecorder()
	var mismatches contracts.Recorder
	contracts.Default().Middleware(a.srv, mismatches.Record).ServeHTTP(rec, req)
	ExpectWithOffset(1, mismatches.Err()).NotTo(HaveOccurred())
	if badRequest != nil && rec.Code < 300 {
		Fail(fmt.Sprintf("the server accepted (HTTP %d) a request openapi.yaml refuses; fix one of them, or mark a deliberate one with a.bad():\n%v", rec.Code, badRequest), 1)
	}
	r, err := testhttp.Read(rec.Result())
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return r
}

func (a *api) login() *api {
	r := a.do(http.MethodPut, "/zstack/v1/accounts/login", map[string]any{
		"logInByAccount": map[string]any{"accountName": "admin", "password": sns.SHA512Hex("password")}})
	ExpectWithOffset(1, r.Status).To(Equal(http.StatusOK), r.Raw)
	a.session = r.JSON["inventory"].(map[string]any)["uuid"].(string)
	return a
}

// errorOf returns the error object of an answer, failing when absent.
func errorOf(r reply) map[string]any {
	e, ok := r.JSON["error"].(map[string]any)
	ExpectWithOffset(1, ok).To(BeTrue(), "no error object in %s", r.Raw)
	return e
}

// expectError checks status, code and details of an error answer.
func expectError(r reply, status int, code, details string) {
	ExpectWithOffset(1, r.Status).To(Equal(status), r.Raw)
	e := errorOf(r)
	ExpectWithOffset(1, e["code"]).To(Equal(code), r.Raw)
	ExpectWithOffset(1, e["description"]).To(Equal(sns.Description(code)))
	ExpectWithOffset(1, e["details"]).To(Equal(details), r.Raw)
	ExpectWithOffset(1, e).To(HaveKeyWithValue("elaboration", BeNil()))
	ExpectWithOffset(1, e).To(HaveKeyWithValue("opaque", BeNil()))
	ExpectWithOffset(1, e).To(HaveKeyWithValue("cause", BeNil()))
}

// received is one request the robot got.
type received struct {
	query url.Values
	msg   *dingtalk.Message
	body  string
}

// robot records every request and answers with next (default errcode 0).
type robot struct {
	mu   sync.Mutex
	reqs []received
	next http.HandlerFunc
	srv  *httptest.Server
}

func newRobot(next http.HandlerFunc) *robot {
	rb := &robot{next: next}
	rb.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		msg, _ := dingtalk.ParseMessage(body)
		rb.mu.Lock()
		rb.reqs = append(rb.reqs, received{query: r.URL.Query(), msg: msg, body: string(body)})
		next := rb.next
		rb.mu.Unlock()
		if next != nil {
			next(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	DeferCleanup(rb.srv.Close)
	return rb
}

func (rb *robot) url() string { return rb.srv.URL + "/robot/send?access_token=" + robotToken }

func (rb *robot) requests() []received {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	return append([]received(nil), rb.reqs...)
}

func params(p map[string]any) map[string]any {
	return map[string]any{"params": p, "systemTags": []string{}, "userTags": []string{}}
}
