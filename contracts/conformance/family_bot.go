// The bot family: a bot's callback endpoint (an app robot in HTTP mode)
// answers DingTalk's signed callbacks in time with a valid reply, in a
// group and one to one, and refuses callbacks DingTalk did not send (a
// wrong sign, a timestamp more than an hour off, no signature). "Refuses"
// means it does not act on them: no message in its answer and nothing
// posted to the sessionWebhook; any status will do (401 is the habit).

package conformance

import (
	"context"
	"errors"
	"fmt"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// FamilyBot is the family of the rules about a bot's callback endpoint.
const FamilyBot = "bot"

// Sources of the bot rules (docs/dingtalk-behaviour.md).
const (
	SrcDTCallback = "DingTalk robot receive-message doc (HTTP mode): headers timestamp and sign = Base64(HmacSHA256(appSecret, timestamp+\"\\n\"+appSecret)); refuse more than 1 h off or a sign that differs"
	SrcDTReply    = "DingTalk robot receive-message doc: answer with a robot message, or post one to sessionWebhook before sessionWebhookExpiredTime"
	SrcDTSingle   = "DingTalk robot receive-message doc: conversationType 1 (one-to-one) has no conversationTitle"
)

// BotRules returns the rules about a bot's callback endpoint; NewBot makes
// the harness they run on.
func BotRules() []Rule {
	return []Rule{
		{
			ID: "bot.answers-signed-callback", Family: FamilyBot, Level: Must, Source: SrcDTCallback,
			Text:  "a correctly signed callback (a group member @-mentions the bot) is answered with HTTP 200",
			Check: botCheck(approbot.GroupChat, "", checkAnswered),
		},
		{
			ID: "bot.answers-in-time", Family: FamilyBot, Level: Must, Source: SrcDTReply,
			Text:  "the bot answers the callback within the callback timeout (reply later through the sessionWebhook when the work takes longer)",
			Check: botCheck(approbot.GroupChat, "", checkInTime),
		},
		{
			ID: "bot.reply-shape", Family: FamilyBot, Level: Must, Source: SrcDTReply + "; " + SrcOpenAPI + " (RobotMessage)",
			Text:  "the answer's body is empty or a robot message openapi.yaml's RobotMessage and DingTalk accept, and every message posted to the sessionWebhook is accepted",
			Check: botCheck(approbot.GroupChat, "", checkReplyShape),
		},
		{
			ID: "bot.replies", Family: FamilyBot, Level: Should, Source: SrcDTReply,
			Text:  "the bot replies to a message (in its answer, or through the sessionWebhook soon after)",
			Check: botCheck(approbot.GroupChat, "", checkReplies),
		},
		{
			ID: "bot.one-to-one", Family: FamilyBot, Level: Must, Source: SrcDTSingle,
			Text: "a one-to-one callback (conversationType 1: no conversationTitle, isInAtList or atUsers) is answered with HTTP 200, in time, with a valid body",
			Check: botCheck(approbot.OneToOneChat, "", func(c botConversation) error {
				return errors.Join(checkAnswered(c), checkInTime(c), checkReplyShape(c))
			}),
		},
		{
			ID: "bot.refuses-wrong-sign", Family: FamilyBot, Level: Must, Source: SrcDTCallback,
			Text:  "a callback signed with another secret is refused: no reply in the answer or through the sessionWebhook",
			Check: botCheck(approbot.GroupChat, approbot.ForgeSign, checkRefused("whose sign was made with another secret")),
		},
		{
			ID: "bot.refuses-stale-timestamp", Family: FamilyBot, Level: Must, Source: SrcDTCallback,
			Text:  "a callback whose timestamp is two hours old (correctly signed) is refused: no reply",
			Check: botCheck(approbot.GroupChat, approbot.ForgeStaleTimestamp, checkRefused("whose timestamp is two hours old (DingTalk's docs: refuse more than one hour)")),
		},
		{
			ID: "bot.refuses-unsigned", Family: FamilyBot, Level: Must, Source: SrcDTCallback,
			Text:  "a callback without timestamp and sign headers is refused: no reply",
			Check: botCheck(approbot.GroupChat, approbot.ForgeUnsigned, checkRefused("without timestamp and sign headers")),
		},
	}
}

// botConversation is one exchange with the bot: the conversation as the
// fake recorded it once the reply wait was over, and what the
// sessionWebhook refused.
type botConversation struct {
	conv    approbot.Conversation
	refused []journal.Entry // sessionWebhook posts the fake refused
	bot     *botTarget
}

// botCheck has a fresh member talk to the bot (kind: in a group or one to
// one; forged as f says) and hands the outcome to judge.
func botCheck(kind string, f approbot.Forgery, judge func(botConversation) error) func(context.Context, *Harness) error {
	return func(ctx context.Context, h *Harness) error {
		if h.bot == nil {
			return skipf("no bot to check: the bot rules run on a harness made by NewBot")
		}
		c, err := h.talk(ctx, kind, f)
		if err != nil {
			return err
		}
		return judge(c)
	}
}

// talk has a new member say "ping" to the bot and waits for its replies.
func (h *Harness) talk(ctx context.Context, kind string, f approbot.Forgery) (botConversation, error) {
	apps := h.fake.AppRobots()
	staff := "conformance" + randomHex(6)
	cid := botGroupID + randomHex(6)
	if _, err := apps.AddGroup(approbot.Group{OpenConversationID: cid, Title: "conformance", RobotCodes: []string{botAppKey},
		Members: []approbot.Member{{StaffID: staff, Name: "Conformance " + staff[len(staff)-4:]}}}); err != nil {
		return botConversation{}, fmt.Errorf("conformance: a group to talk in: %w", err)
	}
	defer func() { _ = apps.RemoveGroup(cid) }()
	u := approbot.Utterance{OpenConversationID: cid, StaffID: staff, Text: "ping", Forge: f}
	say := apps.Say
	if kind == approbot.OneToOneChat {
		u.OpenConversationID, u.RobotCode, say = "", botAppKey, apps.SayDirect
	}
	conv, err := say(ctx, u)
	if err != nil {
		return botConversation{}, fmt.Errorf("conformance: talk to the bot: %w", err)
	}
	ev := h.evidence()
	ev.add("→ callback to %s (%s%s): %s", h.bot.url, chatKind(kind), forged(f), snippet(conv.Callback.Request))
	if err := contracts.Default().ValidateSchema("RobotCallback", conv.Callback.Request); err != nil {
		h.record(err)
	}
	wait, cancel := context.WithTimeout(ctx, h.bot.replyWait)
	defer cancel()
	if done, err := apps.WaitForReply(wait, conv.MsgID, 1); err == nil {
		conv = done
	} else if got, ok := apps.Conversation(conv.MsgID); ok {
		conv = got
	}
	ev.add("← %s", describeCallback(conv.Callback))
	var refused []journal.Entry
	for _, e := range h.fake.Entries(journal.Filter{Conversation: conv.OpenConversationID}) {
		if e.Path == approbot.SessionPath {
			ev.add("⇢ the sessionWebhook received %s → %s", snippet(e.Body), snippet(e.Response.Body))
			if !e.Accepted {
				refused = append(refused, e)
			}
		}
	}
	return botConversation{conv: conv, refused: refused, bot: h.bot}, nil
}

func chatKind(kind string) string {
	if kind == approbot.OneToOneChat {
		return "one to one"
	}
	return "group @-mention"
}

func forged(f approbot.Forgery) string {
	if f == "" {
		return ", signed"
	}
	return ", forged: " + string(f)
}

func describeCallback(cb approbot.Callback) string {
	if cb.Status == 0 {
		return fmt.Sprintf("no answer after %d ms: %s", cb.Millis, cb.Error)
	}
	return fmt.Sprintf("HTTP %d in %d ms: %s", cb.Status, cb.Millis, snippet([]byte(cb.Body)))
}

func checkAnswered(c botConversation) error {
	switch cb := c.conv.Callback; {
	case cb.Status == 0:
		return fmt.Errorf("the bot gave no answer to a correctly signed callback: %s", cb.Error)
	case cb.Status != 200:
		return fmt.Errorf("the bot answered a correctly signed callback with HTTP %d %s; check it verifies sign = base64(HMAC-SHA256(appSecret, timestamp+\"\\n\"+appSecret)), not URL-encoded, and answers 200", cb.Status, snippet([]byte(cb.Body)))
	}
	return nil
}

func checkInTime(c botConversation) error {
	if c.conv.Callback.TimedOut {
		return fmt.Errorf("the bot did not answer within the callback timeout (%s): answer at once and reply later through the sessionWebhook", c.bot.timeout)
	}
	return nil
}

func checkReplyShape(c botConversation) error {
	var errs []error
	if cb := c.conv.Callback; cb.Status == 200 && cb.Body != "" {
		if err := contracts.Default().ValidateSchema("RobotMessage", []byte(cb.Body)); err != nil {
			errs = append(errs, fmt.Errorf("the answer is not a robot message: %w", err))
		} else if !repliedVia(c.conv, "callback") {
			errs = append(errs, fmt.Errorf("the answer is not a message DingTalk shows: %s", cb.Error))
		}
	}
	for _, e := range c.refused {
		errs = append(errs, fmt.Errorf("the sessionWebhook refused a reply: %s (answer %s)", snippet(e.Body), snippet(e.Response.Body)))
	}
	return errors.Join(errs...)
}

func repliedVia(conv approbot.Conversation, via string) bool {
	for _, r := range conv.Replies {
		if r.Via == via {
			return true
		}
	}
	return false
}

func checkReplies(c botConversation) error {
	if len(c.conv.Replies) == 0 {
		return fmt.Errorf("the bot did not reply to %q: nothing in its answer, nothing posted to the sessionWebhook within %s of it", c.conv.Text, c.bot.replyWait)
	}
	return nil
}

// checkRefused passes when the bot did not act on a forged callback.
func checkRefused(what string) func(botConversation) error {
	return func(c botConversation) error {
		if n := len(c.conv.Replies) + len(c.refused); n > 0 {
			return fmt.Errorf("the bot replied to a callback %s (%s): it must verify timestamp and sign and refuse it, without replying", what, describeCallback(c.conv.Callback))
		}
		return nil
	}
}
