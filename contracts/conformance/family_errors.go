// The errors family: DingTalk's refusals are reported, failed webhooks never
// read as connected, and bad input is refused in ZStack's shape.

package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

func errorRules() []Rule {
	return []Rule{
		{
			ID: "errors.errcode-passed-through", Family: FamilyErrors, Level: Must, Source: SrcZStackSend,
			Text: "a non-zero errcode from the webhook is passed through in webhookResp, with connected: true",
			Check: func(ctx context.Context, h *Harness) error {
				x, err := h.through(ctx, pathRefusal)
				if err != nil {
					return err
				}
				if x.answer.Status != http.StatusOK {
					return fmt.Errorf("a webhook answering HTTP 200 with errcode %d made test-connection fail: %s; ZStack reports it in webhookResp", refusalCode, x.answer.Describe())
				}
				if x.result.Connected == nil || !*x.result.Connected {
					return fmt.Errorf("connected is not true although the webhook answered HTTP 200: %s", x.answer.Describe())
				}
				return sameResp(x.result.WebhookResp, journal.Response{ErrCode: refusalCode, ErrMsg: refusalMsg})
			},
		},
		failureRule("errors.unreachable-webhook", pathUnreachable),
		failureRule("errors.http-500", pathHTTPError),
		failureRule("errors.dropped-connection", pathDropped),
		failureRule("errors.slow-webhook", pathTimeout, LabelSlow),
		{
			ID: "errors.webhook-timeout-bounded", Family: FamilyErrors, Level: Should, Labels: []string{LabelSlow},
			Source: "safer than ZStack, whose webhook read timeout is 300 s: a caller (and a UI) should not hang that long",
			Text:   fmt.Sprintf("with a webhook that never answers, the target answers within %s", DefaultWebhookWait),
			Check: func(ctx context.Context, h *Harness) error {
				x, err := h.through(ctx, pathTimeout)
				var skip *SkipError
				if errors.As(err, &skip) {
					return fmt.Errorf("the target gave no answer within the call timeout %s, more than %s, while the webhook stayed silent", h.cfg.CallTimeout, h.cfg.WebhookWait)
				}
				if err != nil {
					return err
				}
				if x.elapsed > h.cfg.WebhookWait {
					return fmt.Errorf("the target took %s to give up on a silent webhook; expected at most %s (a bounded webhook timeout)",
						x.elapsed.Round(time.Millisecond), h.cfg.WebhookWait)
				}
				return nil
			},
		},
		{
			ID: "errors.missing-testMsg-refused", Family: FamilyErrors, Level: Must, Source: SrcZStackValid,
			Text: "a test-connection without testMsg is refused with ZStack's SYS.1007, and no webhook is called",
			Check: func(ctx context.Context, h *Harness) error {
				robot, err := h.NewRobot(false)
				if err != nil {
					return err
				}
				a, err := h.Call(ctx, http.MethodPost, PathTestConnection, map[string]any{"params": map[string]any{"url": robot.Webhook}}, AsNegative())
				if err != nil {
					return err
				}
				if err := refusedWith(h, a, "SYS.1007"); err != nil {
					return err
				}
				if n := len(h.Entries(robot.Token)); n > 0 {
					return fmt.Errorf("the webhook was called %d times for a refused request", n)
				}
				return nil
			},
		},
		{
			ID: "errors.unknown-endpoint-refused", Family: FamilyErrors, Level: Must, Source: SrcZStackValid,
			Text: "an endpointUuid that names no endpoint is refused with ZStack's SYS.1003",
			Check: func(ctx context.Context, h *Harness) error {
				a, err := h.Call(ctx, http.MethodPost, PathTestConnection, map[string]any{"params": map[string]any{
					"testMsg": "x", "endpointUuid": "0000000000004000800000000000dead"}})
				if err != nil {
					return err
				}
				return refusedWith(h, a, "SYS.1003")
			},
		},
		{
			ID: "errors.malformed-json-refused", Family: FamilyErrors, Level: Must, Source: "ZStack RestServer (a body that does not parse is refused)",
			Text: "a body that is not JSON is refused with ZStack's error envelope, not a 2xx or a stack trace",
			Check: func(ctx context.Context, h *Harness) error {
				a, err := h.Call(ctx, http.MethodPost, PathTestConnection, nil, AsNegative(), WithRawBody([]byte(`{"params":{"testMsg":`)))
				if err != nil {
					return err
				}
				return h.cfg.ZStackRefusal(a)
			},
		},
	}
}

// failureRule: along a failing webhook path the answer is a refusal or
// connected: false, never connected: true.
func failureRule(id string, p webhookPath, labels ...string) Rule {
	return Rule{
		ID: id, Family: FamilyErrors, Level: Must, Source: SrcZStackSend, Labels: labels,
		Text: p.what + " gives an error or connected: false, never connected: true",
		Check: func(ctx context.Context, h *Harness) error {
			x, err := h.through(ctx, p)
			if err != nil {
				return err
			}
			return notConnected(h, x)
		},
	}
}
