// The schema and delivery families, and the webhook paths every family
// looks at: success, refusal by DingTalk (a non-zero errcode), HTTP errors,
// a dropped connection, a silent webhook, an unreachable one and a
// redirect. Each path's exchange is made once per run and shared.

package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

// webhookPath is one way the webhook can answer a signed test message.
type webhookPath struct {
	key  string // scenario key, also the rule ID suffix
	what string // in words
	// fault, when set, is injected for the path's robot.
	fault *mockdingtalk.Fault
	// url, when set, replaces the robot's webhook URL in the call.
	url func(Robot) string
}

// The webhook paths.
var (
	pathSuccess     = webhookPath{key: "success", what: "a webhook that accepts the message"}
	pathRefusal     = webhookPath{key: "dingtalk-refusal", what: "a webhook refusing with HTTP 200 and errcode 310000", fault: &mockdingtalk.Fault{Kind: mockdingtalk.FaultErrcode, ErrCode: refusalCode, ErrMsg: refusalMsg}}
	pathHTTPError   = webhookPath{key: "http-error", what: "a webhook answering HTTP 500", fault: &mockdingtalk.Fault{Kind: mockdingtalk.FaultHTTP, Status: http.StatusInternalServerError, Body: "internal error"}}
	pathDropped     = webhookPath{key: "dropped", what: "a webhook that drops the connection", fault: &mockdingtalk.Fault{Kind: mockdingtalk.FaultDrop}}
	pathTimeout     = webhookPath{key: "timeout", what: "a webhook that never answers", fault: &mockdingtalk.Fault{Kind: mockdingtalk.FaultHang}}
	pathUnreachable = webhookPath{key: "unreachable", what: "an unreachable webhook (nothing listens)", url: func(r Robot) string {
		return "http://127.0.0.1:1" + mockdingtalk.SendPath + "?access_token=" + r.Token
	}}
	pathRedirect = webhookPath{key: "redirect", what: "a webhook answering 307 to the robot", url: Robot.RedirectURL}
)

// The refusal the dingtalk-refusal path answers.
const (
	refusalCode = dingtalk.CodeSecurityCheck
	refusalMsg  = "keywords not in content"
)

// through makes (once per run) a signed test-connection along path.
func (h *Harness) through(ctx context.Context, p webhookPath) (*exchange, error) {
	return h.shared("webhook path "+p.key, func() (*exchange, error) {
		robot, err := h.NewRobot(true)
		if err != nil {
			return nil, err
		}
		if p.fault != nil {
			f := *p.fault
			f.AccessToken = robot.Token
			if err := h.AddFault(f); err != nil {
				return nil, err
			}
		}
		var params map[string]any
		if p.url != nil {
			params = map[string]any{"url": p.url(robot)}
		}
		x, err := testConnectionTo(ctx, h, robot, p.key, params)
		if p.key == pathTimeout.key && errors.Is(err, ErrNoAnswer) {
			// Rules on what the target answers cannot be judged; the
			// bounded-wait rule looks at this error itself.
			return nil, &SkipError{Reason: fmt.Sprintf("the target did not answer within the call timeout (%s) while the webhook stayed silent; raise --call-timeout (%s) above its webhook timeout (ZStack: 300 s): %v",
				h.cfg.CallTimeout, EnvCallTimeout, err)}
		}
		return x, err
	})
}

func schemaRules() []Rule {
	return []Rule{{
		ID: RuleSchema, Family: FamilySchema, Level: Must, Source: SrcOpenAPI,
		Text: "every answer matches openapi.yaml (checked in every rule; here on a successful signed test-connection)",
		Check: func(ctx context.Context, h *Harness) error {
			x, err := h.through(ctx, pathSuccess)
			if err != nil {
				return err
			}
			_, err = x.delivered()
			return err
		},
	}}
}

func deliveryRules() []Rule {
	return []Rule{
		{
			ID: "delivery.markdown-test-message", Family: FamilyDelivery, Level: Must, Source: SrcZStackMsg,
			Text: "the webhook gets a markdown message titled non-empty whose text carries testMsg, and the robot accepts it",
			Check: func(ctx context.Context, h *Harness) error {
				x, err := h.through(ctx, pathSuccess)
				if err != nil {
					return err
				}
				e, err := x.message()
				if err != nil {
					return err
				}
				m := e.Message
				switch {
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
			ID: "delivery.connected-and-webhookResp", Family: FamilyDelivery, Level: Must, Source: SrcAPIPage,
			Text: "a 2xx webhook answer gives connected: true and webhookResp equal to the webhook's JSON",
			Check: func(ctx context.Context, h *Harness) error {
				x, err := h.through(ctx, pathSuccess)
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
			ID: "delivery.endpoint-uuid-precedence", Family: FamilyDelivery, Level: Must, Source: SrcZStackPick,
			Text:  "with endpointUuid, the stored endpoint's url, secret and atAll win over those in the request",
			Check: checkEndpointPrecedence,
		},
		oneRequestRule(pathSuccess, Must, SrcZStackSend),
		oneRequestRule(pathRefusal, Must, SrcZStackSend),
		oneRequestRule(pathHTTPError, Should, SrcZStackRetry),
		oneRequestRule(pathDropped, Must, SrcZStackRetry),
		oneRequestRule(pathTimeout, Must, SrcZStackRetry, LabelSlow),
		{
			ID: "delivery.redirect-not-followed", Family: FamilyDelivery, Level: Should, Source: SrcSafety,
			Text: "a webhook answering 3xx is not followed (the robot it points to gets nothing) and the answer is not connected: true",
			Check: func(ctx context.Context, h *Harness) error {
				x, err := h.through(ctx, pathRedirect)
				if err != nil {
					return err
				}
				if n := len(x.entries); n > 0 {
					return fmt.Errorf("the redirect was followed: the robot it pointed to received %d request(s) (%s)", n, entrySummary(x.entries[0]))
				}
				return notConnected(h, x)
			},
		},
	}
}

// oneRequestRule: along path, one call makes exactly one webhook request
// (no retry on a refusal, an HTTP error, a dropped connection or a
// timeout).
func oneRequestRule(p webhookPath, level Level, source string, labels ...string) Rule {
	return Rule{
		ID: "delivery.one-request." + p.key, Family: FamilyDelivery, Level: level, Source: source, Labels: labels,
		Text: "one test-connection call to " + p.what + " makes exactly one webhook request",
		Check: func(ctx context.Context, h *Harness) error {
			x, err := h.through(ctx, p)
			if err != nil {
				return err
			}
			return x.oneRequest(p.what)
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
	uuid, err := h.createEndpoint(ctx, map[string]any{"url": a.Webhook, "secret": a.Secret, "atAll": true})
	if err != nil {
		return err
	}
	defer h.deleteEndpoint(ctx, uuid)
	x, err := testConnectionTo(ctx, h, b, "precedence", map[string]any{"endpointUuid": uuid, "atAll": false})
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
