// The mentions family: atAll and atPersonPhoneNumbers become DingTalk's @
// semantics (at.isAtAll; at.atMobiles plus @number in the text).

package conformance

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

func mentionRules() []Rule {
	return []Rule{
		{
			ID: "mentions.at-all", Family: FamilyMentions, Level: Must, Source: "ZStack DingTalkMessage (at.isAtAll = atAll)",
			Text: "atAll: true gives at.isAtAll: true",
			Check: mentionCheck(map[string]any{"atAll": true}, func(m *dingtalk.Message, _ string) error {
				if m.At == nil || !bool(m.At.IsAtAll) {
					return fmt.Errorf("at.isAtAll is not true although atAll was true (at: %s)", atJSON(m))
				}
				return nil
			}),
		},
		{
			// Should: ZStack's own test-connection writes Feishu-style
			// <at user_id> tags, and DingTalk's handling of +86- is unconfirmed.
			ID: "mentions.at-persons", Family: FamilyMentions, Level: Should, Source: SrcDTAt,
			Text: "atPersonPhoneNumbers go into at.atMobiles (without the +86- prefix) and are written @<number> in the text",
			Check: mentionCheck(map[string]any{"atAll": false, "atPersonPhoneNumbers": []string{"+86-13800000000", "+86-13900000000"}}, func(m *dingtalk.Message, text string) error {
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
			ID: "mentions.endpoint-at-persons", Family: FamilyMentions, Level: Should, Source: SrcDTAt + "; " + SrcZStackPick,
			Text:  "testing a stored endpoint mentions its at-persons: at.atMobiles (without +86-) and @<number> in the text",
			Check: checkEndpointMentions,
		},
		{
			ID: "mentions.none", Family: FamilyMentions, Level: Must, Source: "ZStack DingTalkMessage (at.isAtAll false, no atMobiles)",
			Text: "without atAll or phone numbers, nobody is @-mentioned",
			Check: mentionCheck(map[string]any{"atAll": false}, func(m *dingtalk.Message, _ string) error {
				if m.At != nil && (bool(m.At.IsAtAll) || len(m.At.AtMobiles) > 0 || len(m.At.AtUserIds) > 0) {
					return fmt.Errorf("someone is @-mentioned: at = %s", atJSON(m))
				}
				return nil
			}),
		},
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
		e, err := x.message()
		if err != nil {
			return err
		}
		return check(e.Message, e.Message.Body())
	}
}

// checkEndpointMentions stores an endpoint with two at-persons (one given at
// creation, one added after) and tests it by uuid.
func checkEndpointMentions(ctx context.Context, h *Harness) error {
	robot, uuid, err := h.newEndpoint(ctx, map[string]any{"atAll": false, "atPersonPhoneNumbers": []string{"+86-13700000001"}})
	if err != nil {
		return err
	}
	defer h.deleteEndpoint(ctx, uuid)
	if a, err := h.addAtPerson(ctx, uuid, "+86-13700000002", false); err != nil {
		return err
	} else if a.Status != http.StatusOK {
		return fmt.Errorf("adding an at-person failed: %s", a.Describe())
	}
	x, err := testConnectionTo(ctx, h, robot, "endpoint-mentions", map[string]any{"url": nil, "endpointUuid": uuid})
	if err != nil {
		return err
	}
	e, err := x.message()
	if err != nil {
		return err
	}
	m, text := e.Message, e.Message.Body()
	for _, n := range []string{"13700000001", "13700000002"} {
		if m.At == nil || !slices.Contains(m.At.AtMobiles, n) {
			return fmt.Errorf("at.atMobiles lacks the stored at-person %s (at: %s)", n, atJSON(m))
		}
		if !strings.Contains(text, "@"+n) {
			return fmt.Errorf("the text %q lacks @%s of the stored at-person", text, n)
		}
	}
	return nil
}
