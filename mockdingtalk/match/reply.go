// The conversation matcher: HaveReply over a bot's replies (package
// approbot), with the entry matchers reading each reply's message.

package match

import (
	"fmt"

	"github.com/onsi/gomega"
	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// HaveReply succeeds for an approbot.Conversation (or *Conversation) with
// a reply that every one of matchers matches; the message matchers
// (HaveText, HaveTitle, HaveMsgType, MentionUserID, …) read the reply's
// message. With no matchers it succeeds when the bot replied at all. Use
// it on what WaitForReply returns:
//
//	conv, _ := fake.AppRobots().WaitForReply(ctx, said.MsgID, 1)
//	Expect(conv).To(match.HaveReply(match.HaveText(ContainSubstring("deploying"))))
func HaveReply(matchers ...types.GomegaMatcher) types.GomegaMatcher {
	return gomega.WithTransform(replies, ContainMessage(matchers...))
}

// replies turns a conversation's replies into journal entries (Seq is the
// reply's number from 1) for the entry matchers.
func replies(actual any) ([]journal.Entry, error) {
	var c approbot.Conversation
	switch v := actual.(type) {
	case approbot.Conversation:
		c = v
	case *approbot.Conversation:
		if v == nil {
			return nil, fmt.Errorf("match: HaveReply got a nil *approbot.Conversation")
		}
		c = *v
	default:
		return nil, fmt.Errorf("match: HaveReply expects an approbot.Conversation, got\n%s", format.Object(actual, 1))
	}
	out := make([]journal.Entry, len(c.Replies))
	for i, r := range c.Replies {
		out[i] = journal.Entry{Seq: uint64(i + 1), Time: r.Time, Path: r.Via, Message: r.Message,
			AppKey: c.AppKey, Conversation: c.OpenConversationID, Accepted: true, Delivered: true}
	}
	return out, nil
}
