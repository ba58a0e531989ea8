// The rules: each Check calls the target the way a ZStack client would and
// looks at its answer and at what the fake robot received.
package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Labels group checks so users can pick families with Ginkgo's
// --label-filter.
const (
	LabelSchema   = "schema"
	LabelSigning  = "signing"
	LabelMentions = "mentions"
	LabelDelivery = "delivery"
	LabelErrors   = "errors"
	LabelAuth     = "auth"
	LabelNegative = "negative"
	LabelSlow     = "slow"
)

// Check is one rule of the contract.
type Check struct {
	// ID names the rule, e.g. "signing.timestamp-milliseconds".
	ID string
	// Rule says it in words.
	Rule   string
	Labels []string
	Run    func(ctx context.Context, h *Harness) error
}

// Paths of the API.
const (
	PathTestConnection = "/zstack/v1/sns/application-endpoints/ding-talk/test-connection"
	PathEndpoints      = "/zstack/v1/sns/application-endpoints/ding-talk"
	PathAnyEndpoint    = "/zstack/v1/sns/application-endpoints"
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
	a, err := h.Call(ctx, http.MethodPost, PathTestConnection, map[string]any{"params": p, "systemTags": []string{}, "userTags": []string{}})
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

func entrySummary(e journal.Entry) string {
	s := fmt.Sprintf("%s %s?%s → errcode %d", e.Method, e.Path, redactQuery(e.RawQuery), e.Response.ErrCode)
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
)

// Checks returns every rule, semantic ones first, then the negative cases
// generated from openapi.yaml.
func Checks() []Check {
	checks := []Check{
		{
			ID: RuleSchema + ".test-connection", Rule: "a successful test-connection answer matches openapi.yaml",
			Labels: []string{LabelSchema},
			Run: func(ctx context.Context, h *Harness) error {
				x, err := testConnection(ctx, h, "schema", true, nil)
				if err != nil {
					return err
				}
				_, err = x.delivered()
				return err
			},
		},
		{
			ID: "delivery.one-request-per-call", Rule: "one test-connection call makes exactly one webhook request",
			Labels: []string{LabelDelivery},
			Run: func(ctx context.Context, h *Harness) error {
				x, err := testConnection(ctx, h, "one-request", true, nil)
				if err != nil {
					return err
				}
				_, err = x.delivered()
				return err
			},
		},
		{
			ID: "delivery.markdown-test-message", Rule: "the webhook gets a markdown message whose text carries testMsg",
			Labels: []string{LabelDelivery},
			Run: func(ctx context.Context, h *Harness) error {
				x, err := testConnection(ctx, h, "markdown", false, nil)
				if err != nil {
					return err
				}
				e, err := x.delivered()
				if err != nil {
					return err
				}
				m := e.Message
				switch {
				case m == nil:
					return fmt.Errorf("the webhook request body is not a DingTalk message: %s", snippet(e.Body))
				case m.MsgType != dingtalk.MsgMarkdown || m.Markdown == nil:
					return fmt.Errorf("msgtype is %q; expected markdown", m.MsgType)
				case m.Markdown.Title == "":
					return fmt.Errorf("markdown.title is empty (DingTalk answers 400402); ZStack sends \"test connected\"")
				case !strings.Contains(m.Markdown.Text, x.msg):
					return fmt.Errorf("markdown.text %q does not carry testMsg %q", m.Markdown.Text, x.msg)
				case !e.Accepted:
					return fmt.Errorf("the fake robot refused the message: %s", entrySummary(e))
				}
				return nil
			},
		},
		{
			ID: "delivery.connected-and-webhookResp", Rule: "a 2xx webhook answer gives connected: true and webhookResp equal to the webhook's JSON",
			Labels: []string{LabelDelivery},
			Run: func(ctx context.Context, h *Harness) error {
				x, err := testConnection(ctx, h, "connected", false, nil)
				if err != nil {
					return err
				}
				if _, err := x.delivered(); err != nil {
					return err
				}
				if x.result.Connected == nil || !*x.result.Connected {
					return fmt.Errorf("connected is not true although the webhook answered 200: %s", x.answer.Describe())
				}
				return sameResp(x.result.WebhookResp, x.entries[0].Response)
			},
		},
		{
			ID: "delivery.endpoint-uuid-precedence", Rule: "with endpointUuid, the stored endpoint's url, secret and atAll win over those in the request",
			Labels: []string{LabelDelivery},
			Run:    checkEndpointPrecedence,
		},
		{
			ID: "signing.signed-when-secret", Rule: "with a secret, the webhook URL carries timestamp and sign",
			Labels: []string{LabelSigning},
			Run: signedCheck(func(e journal.Entry, _ Robot) error {
				q, _ := url.ParseQuery(e.RawQuery)
				if q.Get("timestamp") == "" || q.Get("sign") == "" {
					return fmt.Errorf("the webhook request was not signed (query %q); DingTalk answers 310000: %s", redactQuery(e.RawQuery), entrySummary(e))
				}
				return nil
			}),
		},
		{
			ID: "signing.timestamp-milliseconds", Rule: "timestamp is the current time in milliseconds (13 digits, within an hour of the robot's clock)",
			Labels: []string{LabelSigning},
			Run: signedCheck(func(e journal.Entry, _ Robot) error {
				q, _ := url.ParseQuery(e.RawQuery)
				ts := q.Get("timestamp")
				if !millis.MatchString(ts) {
					return fmt.Errorf("timestamp=%q is not 13 digits of milliseconds (seconds would be 10): %s", ts, entrySummary(e))
				}
				var ms int64
				fmt.Sscan(ts, &ms)
				if d := e.Time.Sub(time.UnixMilli(ms)).Abs(); d > dingtalk.MaxClockSkew {
					return fmt.Errorf("timestamp=%s is %s away from the robot's clock (at most %s): %s", ts, d.Round(time.Second), dingtalk.MaxClockSkew, entrySummary(e))
				}
				return nil
			}),
		},
		{
			ID: "signing.sign-url-encoded-once", Rule: "sign is standard base64 URL-encoded exactly once (+ / = as %2B %2F %3D)",
			Labels: []string{LabelSigning},
			Run: signedCheck(func(e journal.Entry, _ Robot) error {
				raw, ok := rawParam(e.RawQuery, "sign")
				if !ok {
					return fmt.Errorf("no sign parameter: %s", entrySummary(e))
				}
				if strings.ContainsAny(raw, "+/=") {
					return fmt.Errorf("sign=%s holds raw + / or = (not URL-encoded; a + arrives as a space): %s", raw, entrySummary(e))
				}
				once, err := url.QueryUnescape(raw)
				if err != nil || !base64Sig.MatchString(once) {
					return fmt.Errorf("sign=%s is not base64 of an HMAC-SHA256 after one URL-decoding (encoded twice?): %s", raw, entrySummary(e))
				}
				return nil
			}),
		},
		{
			ID: "signing.signature-valid", Rule: "sign is HMAC-SHA256(secret, timestamp+\"\\n\"+secret) as DingTalk verifies it",
			Labels: []string{LabelSigning},
			Run: signedCheck(func(e journal.Entry, r Robot) error {
				q, _ := url.ParseQuery(e.RawQuery)
				if err := dingtalk.Verify(r.Secret, q.Get("timestamp"), q.Get("sign"), e.Time); err != nil {
					return fmt.Errorf("the signature does not verify (%v): %s", err, entrySummary(e))
				}
				return nil
			}),
		},
		{
			ID: "mentions.at-all", Rule: "atAll: true gives at.isAtAll: true",
			Labels: []string{LabelMentions},
			Run: mentionCheck(map[string]any{"atAll": true}, func(m *dingtalk.Message, _ string) error {
				if m.At == nil || !bool(m.At.IsAtAll) {
					return fmt.Errorf("at.isAtAll is not true although atAll was true (at: %s)", atJSON(m))
				}
				return nil
			}),
		},
		{
			ID: "mentions.at-persons", Rule: "atPersonPhoneNumbers go into at.atMobiles (without the +86- prefix) and are written @<number> in the text",
			Labels: []string{LabelMentions},
			Run: mentionCheck(map[string]any{"atAll": false, "atPersonPhoneNumbers": []string{"+86-13800000000", "+86-13900000000"}}, func(m *dingtalk.Message, text string) error {
				for _, n := range []string{"13800000000", "13900000000"} {
					if m.At == nil || !slices.Contains(m.At.AtMobiles, n) {
						return fmt.Errorf("at.atMobiles lacks %s (at: %s); DingTalk notifies only the numbers listed there", n, atJSON(m))
					}
					if !strings.Contains(text, "@"+n) {
						return fmt.Errorf("the text %q lacks @%s; DingTalk highlights only mentions written in the text", text, n)
					}
				}
				if bool(m.At.IsAtAll) {
					return fmt.Errorf("at.isAtAll is true although atAll was false")
				}
				return nil
			}),
		},
		{
			ID: "mentions.none", Rule: "without atAll or phone numbers, nobody is @-mentioned",
			Labels: []string{LabelMentions},
			Run: mentionCheck(map[string]any{"atAll": false}, func(m *dingtalk.Message, _ string) error {
				if m.At != nil && (bool(m.At.IsAtAll) || len(m.At.AtMobiles) > 0 || len(m.At.AtUserIds) > 0) {
					return fmt.Errorf("someone is @-mentioned: at = %s", atJSON(m))
				}
				return nil
			}),
		},
		{
			ID: "errors.errcode-passed-through", Rule: "a non-zero errcode from the webhook is passed through in webhookResp, with connected: true",
			Labels: []string{LabelErrors},
			Run: func(ctx context.Context, h *Harness) error {
				robot, err := h.NewRobot(false)
				if err != nil {
					return err
				}
				const code, msg = 310000, "keywords not in content"
				if err := h.AddFault(mockdingtalk.Fault{AccessToken: robot.Token, Kind: mockdingtalk.FaultErrcode, ErrCode: code, ErrMsg: msg}); err != nil {
					return err
				}
				x, err := testConnectionTo(ctx, h, robot, "errcode", nil)
				if err != nil {
					return err
				}
				if x.answer.Status != http.StatusOK {
					return fmt.Errorf("a webhook answering HTTP 200 with errcode %d made test-connection fail: %s; ZStack reports it in webhookResp", code, x.answer.Describe())
				}
				if x.result.Connected == nil || !*x.result.Connected {
					return fmt.Errorf("connected is not true although the webhook answered HTTP 200: %s", x.answer.Describe())
				}
				return sameResp(x.result.WebhookResp, journal.Response{ErrCode: code, ErrMsg: msg})
			},
		},
		failureCheck("errors.unreachable-webhook", "an unreachable webhook gives an error or connected: false, never connected: true", nil,
			func(r Robot) map[string]any {
				return map[string]any{"url": "http://127.0.0.1:1/robot/send?access_token=" + r.Token}
			}),
		failureCheck("errors.http-500", "a webhook answering HTTP 500 gives an error or connected: false, never connected: true",
			&mockdingtalk.Fault{Kind: mockdingtalk.FaultHTTP, Status: 500, Body: "internal error"}, nil),
		failureCheck("errors.dropped-connection", "a webhook that drops the connection gives an error or connected: false, never connected: true",
			&mockdingtalk.Fault{Kind: mockdingtalk.FaultDrop}, nil),
		failureCheck("errors.slow-webhook", "a webhook that never answers gives an error or connected: false once the target gives up, never connected: true",
			&mockdingtalk.Fault{Kind: mockdingtalk.FaultHang}, nil, LabelSlow),
		{
			ID: "errors.missing-testMsg-refused", Rule: "a test-connection without testMsg is refused with ZStack's SYS.1007",
			Labels: []string{LabelErrors},
			Run: func(ctx context.Context, h *Harness) error {
				robot, err := h.NewRobot(false)
				if err != nil {
					return err
				}
				a, err := h.Call(ctx, http.MethodPost, PathTestConnection, map[string]any{"params": map[string]any{"url": robot.Webhook}}, AsNegative())
				if err != nil {
					return err
				}
				if err := h.cfg.ZStackRefusal(a); err != nil {
					return err
				}
				if code := errorCode(a); code != "SYS.1007" {
					return fmt.Errorf("refused with %q; expected SYS.1007 (invalid argument): %s", code, a.Describe())
				}
				if n := len(h.Entries(robot.Token)); n > 0 {
					return fmt.Errorf("the webhook was called %d times for a refused request", n)
				}
				return nil
			},
		},
		{
			ID: "errors.unknown-endpoint-refused", Rule: "an endpointUuid that names no endpoint is refused with ZStack's SYS.1003",
			Labels: []string{LabelErrors},
			Run: func(ctx context.Context, h *Harness) error {
				a, err := h.Call(ctx, http.MethodPost, PathTestConnection, map[string]any{"params": map[string]any{
					"testMsg": "x", "endpointUuid": "0000000000004000800000000000dead"}})
				if err != nil {
					return err
				}
				if err := h.cfg.ZStackRefusal(a); err != nil {
					return err
				}
				if code := errorCode(a); code != "SYS.1003" {
					return fmt.Errorf("refused with %q; expected SYS.1003 (resource not found): %s", code, a.Describe())
				}
				return nil
			},
		},
		{
			ID: "errors.malformed-json-refused", Rule: "a body that is not JSON is refused with ZStack's error envelope, not a 2xx or a stack trace",
			Labels: []string{LabelErrors},
			Run: func(ctx context.Context, h *Harness) error {
				a, err := h.Call(ctx, http.MethodPost, PathTestConnection, nil, AsNegative(), WithRawBody([]byte(`{"params":{"testMsg":`)))
				if err != nil {
					return err
				}
				return h.cfg.ZStackRefusal(a)
			},
		},
		authCheck("auth.missing-header", "a call without Authorization is refused (400 missing header 'Authorization')", "", http.StatusBadRequest),
		authCheck("auth.wrong-scheme", "a call with another Authorization scheme is refused (400 Authorization type must be 'OAuth')", "Basic YWRtaW46cGFzc3dvcmQ=", http.StatusBadRequest),
		authCheck("auth.invalid-session", "a call with an unknown session is refused with ZStack's ID.1001", "OAuth "+strings.Repeat("0", 24)+"4000a000", 0),
	}
	return append(checks, NegativeChecks()...)
}

// signedCheck runs a signed test-connection and hands its one webhook
// request to check.
func signedCheck(check func(e journal.Entry, r Robot) error) func(context.Context, *Harness) error {
	return func(ctx context.Context, h *Harness) error {
		x, err := testConnection(ctx, h, "signing", true, nil)
		if err != nil {
			return err
		}
		if len(x.entries) == 0 {
			return fmt.Errorf("the webhook received nothing: %s", x.answer.Describe())
		}
		return check(x.entries[0], x.robot)
	}
}

// mentionCheck runs an unsigned test-connection with params and hands the
// delivered message to check.
func mentionCheck(params map[string]any, check func(m *dingtalk.Message, text string) error) func(context.Context, *Harness) error {
	return func(ctx context.Context, h *Harness) error {
		x, err := testConnection(ctx, h, "mentions", false, params)
		if err != nil {
			return err
		}
		e, err := x.delivered()
		if err != nil {
			return err
		}
		if e.Message == nil {
			return fmt.Errorf("the webhook request body is not a DingTalk message: %s", snippet(e.Body))
		}
		return check(e.Message, e.Message.Body())
	}
}

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

// failureCheck: with the fault injected (or the params changed), the answer
// must be a refusal or connected: false.
func failureCheck(id, rule string, fault *mockdingtalk.Fault, params func(Robot) map[string]any, labels ...string) Check {
	return Check{
		ID: id, Rule: rule, Labels: append([]string{LabelErrors}, labels...),
		Run: func(ctx context.Context, h *Harness) error {
			robot, err := h.NewRobot(false)
			if err != nil {
				return err
			}
			if fault != nil {
				f := *fault
				f.AccessToken = robot.Token
				if err := h.AddFault(f); err != nil {
					return err
				}
			}
			var p map[string]any
			if params != nil {
				p = params(robot)
			}
			x, err := testConnectionTo(ctx, h, robot, id, p)
			if err != nil {
				return err
			}
			if x.answer.Status >= 200 && x.answer.Status < 300 {
				if x.result.Connected == nil || *x.result.Connected {
					return fmt.Errorf("the webhook failed but the answer says it is connected: %s", x.answer.Describe())
				}
				return nil
			}
			return h.cfg.ZStackRefusal(x.answer)
		},
	}
}

// authCheck sends a valid test-connection with this Authorization value;
// it must be refused (with status, when not 0) and reach no webhook.
func authCheck(id, rule, auth string, status int) Check {
	return Check{
		ID: id, Rule: rule, Labels: []string{LabelAuth},
		Run: func(ctx context.Context, h *Harness) error {
			robot, err := h.NewRobot(false)
			if err != nil {
				return err
			}
			opts := []CallOption{WithAuthorization(auth)}
			if status != 0 {
				opts = append(opts, AsNegative())
			}
			a, err := h.Call(ctx, http.MethodPost, PathTestConnection,
				map[string]any{"params": map[string]any{"testMsg": "who am I", "url": robot.Webhook}}, opts...)
			if err != nil {
				return err
			}
			if err := h.cfg.ZStackRefusal(a); err != nil {
				return fmt.Errorf("the call was not refused: %w", err)
			}
			if status != 0 && a.Status != status {
				return fmt.Errorf("refused with HTTP %d; expected %d: %s", a.Status, status, a.Describe())
			}
			if status == 0 {
				if code := errorCode(a); code != "ID.1001" {
					return fmt.Errorf("refused with %q; expected ID.1001 (invalid session): %s", code, a.Describe())
				}
			}
			if n := len(h.Entries(robot.Token)); n > 0 {
				return fmt.Errorf("the webhook was called %d times by an unauthenticated request", n)
			}
			return nil
		},
	}
}

// checkEndpointPrecedence stores an endpoint for robot A (signed, atAll)
// and tests it while naming robot B's url: A must get the message.
func checkEndpointPrecedence(ctx context.Context, h *Harness) error {
	a, err := h.NewRobot(true)
	if err != nil {
		return err
	}
	b, err := h.NewRobot(false)
	if err != nil {
		return err
	}
	created, err := h.Call(ctx, http.MethodPost, PathEndpoints, map[string]any{"params": map[string]any{
		"name": "conformance " + randomHex(4), "url": a.Webhook, "secret": a.Secret, "atAll": true}})
	if err != nil {
		return err
	}
	var ep struct {
		Inventory struct {
			UUID string `json:"uuid"`
		} `json:"inventory"`
	}
	if created.Status != http.StatusOK || created.JSON(&ep) != nil || ep.Inventory.UUID == "" {
		return fmt.Errorf("cannot create an endpoint to test with: %s", created.Describe())
	}
	defer func() {
		_, _ = h.Call(context.WithoutCancel(ctx), http.MethodDelete, PathAnyEndpoint+"/"+ep.Inventory.UUID, nil)
	}()
	x, err := testConnectionTo(ctx, h, b, "precedence", map[string]any{"endpointUuid": ep.Inventory.UUID, "atAll": false})
	if err != nil {
		return err
	}
	toA, toB := h.Entries(a.Token), x.entries
	switch {
	case len(toB) > 0:
		return fmt.Errorf("the message went to the url given in the request, not to the stored endpoint's url (%s)", entrySummary(toB[0]))
	case x.answer.Status != http.StatusOK:
		return fmt.Errorf("test-connection of a stored endpoint failed: %s", x.answer.Describe())
	case len(toA) != 1:
		return fmt.Errorf("the stored endpoint's webhook received %d requests; expected 1", len(toA))
	case !toA[0].Accepted:
		return fmt.Errorf("the stored endpoint's robot refused the message (the stored secret was not used?): %s", entrySummary(toA[0]))
	case toA[0].Message == nil || toA[0].Message.At == nil || !bool(toA[0].Message.At.IsAtAll):
		return errors.New("the stored endpoint's atAll (true) was not used: at.isAtAll is not true")
	}
	return nil
}
