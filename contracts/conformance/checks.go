// What the rules share: the API's paths, refusal shapes, one test-connection
// exchange and what the fake robot received for it, and helpers to read
// them. The rules themselves are in the family_*.go files.

package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Paths of the API.
const (
	PathTestConnection = "/zstack/v1/sns/application-endpoints/ding-talk/test-connection"
	PathEndpoints      = "/zstack/v1/sns/application-endpoints/ding-talk"
	PathAnyEndpoint    = "/zstack/v1/sns/application-endpoints"
	PathAtPersons      = "/zstack/v1/sns/application-endpoints/ding-talk/at-persons"
	PathLogin          = "/zstack/v1/accounts/login"
	PathSessions       = "/zstack/v1/accounts/sessions"
	PathJobs           = "/zstack/v1/api-jobs"
)

// TestConnectionResult is the part of a test-connection answer the checks
// read.
type TestConnectionResult struct {
	Connected   *bool          `json:"connected"`
	WebhookResp map[string]any `json:"webhookResp"`
}

// Refusal decides whether an answer refuses a request; nil means refused.
type Refusal func(a *Answer) error

// RefusedByZStack: a non-2xx status with ZStack's error envelope (or, for
// a missing or non-OAuth Authorization header, a plain-text 400).
func RefusedByZStack(a *Answer) error {
	if a.Status >= 200 && a.Status < 300 {
		return fmt.Errorf("it was accepted: %s; expected a non-2xx answer with ZStack's {\"error\":{…}}", a.Describe())
	}
	var env struct {
		Error *struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(a.Body, &env) == nil && env.Error != nil && env.Error.Code != "" {
		return nil
	}
	if a.Status == http.StatusBadRequest && strings.HasPrefix(a.Header.Get("Content-Type"), "text/plain") {
		return nil
	}
	return fmt.Errorf("it was refused without ZStack's error envelope: %s", a.Describe())
}

// RefusedByDingTalk: HTTP 200 with a non-zero errcode.
func RefusedByDingTalk(a *Answer) error {
	var r struct {
		ErrCode *int `json:"errcode"`
	}
	if a.Status != http.StatusOK || json.Unmarshal(a.Body, &r) != nil || r.ErrCode == nil {
		return fmt.Errorf("expected HTTP 200 with {\"errcode\":N,…}; got %s", a.Describe())
	}
	if *r.ErrCode == 0 {
		return fmt.Errorf("it was accepted (errcode 0); expected a non-zero errcode")
	}
	return nil
}

// errorCode returns the ZStack error code of an answer, "" when none.
func errorCode(a *Answer) string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(a.Body, &env)
	return env.Error.Code
}

// testMsg is a recognisable test message.
func testMsg(id string) string { return "conformance check " + id + " " + randomHex(4) }

// exchange is one test-connection call and what the fake received for it.
type exchange struct {
	robot   Robot
	msg     string
	answer  *Answer
	result  TestConnectionResult
	entries []journal.Entry
	elapsed time.Duration // from the call to its final answer (job polling included)
}

// testConnection creates a robot, calls test-connection with params (url,
// secret and testMsg filled in unless given) and collects what arrived.
func testConnection(ctx context.Context, h *Harness, id string, signed bool, params map[string]any) (*exchange, error) {
	robot, err := h.NewRobot(signed)
	if err != nil {
		return nil, err
	}
	return testConnectionTo(ctx, h, robot, id, params)
}

func testConnectionTo(ctx context.Context, h *Harness, robot Robot, id string, params map[string]any) (*exchange, error) {
	x := &exchange{robot: robot, msg: testMsg(id)}
	p := map[string]any{"testMsg": x.msg, "url": robot.Webhook}
	if robot.Secret != "" {
		p["secret"] = robot.Secret
	}
	for k, v := range params {
		if v == nil {
			delete(p, k)
		} else {
			p[k] = v
		}
	}
	if s, ok := p["testMsg"].(string); ok {
		x.msg = s
	}
	start := time.Now()
	a, err := h.Call(ctx, http.MethodPost, PathTestConnection, map[string]any{"params": p, "systemTags": []string{}, "userTags": []string{}})
	x.elapsed = time.Since(start)
	if err != nil {
		return nil, err
	}
	x.answer = a
	if a.Status == http.StatusOK {
		if err := a.JSON(&x.result); err != nil {
			return nil, err
		}
	}
	x.entries = h.Entries(robot.Token)
	return x, nil
}

// delivered requires a 200 answer and exactly one request at the fake.
func (x *exchange) delivered() (journal.Entry, error) {
	if x.answer.Status != http.StatusOK {
		return journal.Entry{}, fmt.Errorf("test-connection to a working webhook failed: %s", x.answer.Describe())
	}
	if len(x.entries) != 1 {
		return journal.Entry{}, fmt.Errorf("the webhook received %d requests for one test-connection call; expected exactly 1", len(x.entries))
	}
	return x.entries[0], nil
}

// message is delivered's entry, which must hold a DingTalk message.
func (x *exchange) message() (journal.Entry, error) {
	e, err := x.delivered()
	if err == nil && e.Message == nil {
		err = fmt.Errorf("the webhook request body is not a DingTalk message: %s", snippet(e.Body))
	}
	return e, err
}

func entrySummary(e journal.Entry) string {
	s := fmt.Sprintf("%s %s?%s", e.Method, e.Path, redactQuery(e.RawQuery))
	switch {
	case e.Fault != "" && e.Response.Status == 0:
		s += " → no answer (injected fault " + e.Fault + ": connection dropped or held)"
	case e.Response.Status != 0 && e.Response.Status != http.StatusOK:
		s += fmt.Sprintf(" → HTTP %d (injected fault %s)", e.Response.Status, e.Fault)
	default:
		s += fmt.Sprintf(" → errcode %d", e.Response.ErrCode)
		if e.Fault != "" {
			s += " (injected fault " + e.Fault + ")"
		}
	}
	if e.Hint != "" {
		s += "; the fake robot's hint: " + e.Hint
	}
	return s
}

// redactQuery hides the access token in a query for failure messages.
func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		if strings.HasPrefix(p, "access_token=") {
			parts[i] = "access_token=…"
		}
	}
	return strings.Join(parts, "&")
}

// rawParam returns the first raw (still encoded) value of a query
// parameter, and whether it is present.
func rawParam(rawQuery, name string) (string, bool) {
	for _, p := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(p, "=")
		if k == name {
			return v, true
		}
	}
	return "", false
}

var (
	millis    = regexp.MustCompile(`^[0-9]{13}$`)
	base64Sig = regexp.MustCompile(`^[A-Za-z0-9+/]{43}=$`)
	// uuidPattern is a ZStack uuid: 32 lower-case hex digits.
	uuidPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

func atJSON(m *dingtalk.Message) string {
	b, _ := json.Marshal(m.At)
	return string(b)
}

// sameResp compares webhookResp with what the robot answered.
func sameResp(got map[string]any, sent journal.Response) error {
	code, ok := got["errcode"]
	n, isNum := code.(float64)
	if !ok || !isNum || int(n) != sent.ErrCode || got["errmsg"] != sent.ErrMsg {
		b, _ := json.Marshal(got)
		return fmt.Errorf("webhookResp is %s; the webhook answered {\"errcode\":%d,\"errmsg\":%q}", b, sent.ErrCode, sent.ErrMsg)
	}
	return nil
}

// refusedWith requires a ZStack refusal carrying code ("" for any code).
func refusedWith(h *Harness, a *Answer, code string) error {
	if err := h.cfg.ZStackRefusal(a); err != nil {
		return err
	}
	if got := errorCode(a); code != "" && got != code {
		return fmt.Errorf("refused with %q; expected %s: %s", got, code, a.Describe())
	}
	return nil
}

// notConnected requires an answer that does not claim a working webhook: a
// ZStack refusal, or 2xx with connected: false.
func notConnected(h *Harness, x *exchange) error {
	if x.answer.Status >= 200 && x.answer.Status < 300 {
		if x.result.Connected == nil || *x.result.Connected {
			return fmt.Errorf("the webhook failed but the answer says it is connected: %s", x.answer.Describe())
		}
		return nil
	}
	return h.cfg.ZStackRefusal(x.answer)
}

// requests requires exactly one webhook request for one call.
func (x *exchange) oneRequest(path string) error {
	if n := len(x.entries); n != 1 {
		return fmt.Errorf("the webhook received %d requests for one test-connection call (%s); expected exactly 1", n, path)
	}
	return nil
}

// call sends a request that must succeed with HTTP 200 and decodes its
// JSON answer into out (when not nil).
func (h *Harness) call200(ctx context.Context, what, method, path string, body, out any) (*Answer, error) {
	a, err := h.Call(ctx, method, path, body)
	if err != nil {
		return nil, err
	}
	if a.Status != http.StatusOK {
		return a, fmt.Errorf("%s (%s %s) failed: %s", what, method, path, a.Describe())
	}
	if out != nil {
		if err := a.JSON(out); err != nil {
			return a, fmt.Errorf("%s: %w", what, err)
		}
	}
	return a, nil
}
