// One-to-one chats with a bot: a member of the organization writes to an
// app's robot directly (no group, no @-mention needed); the fake POSTs
// DingTalk's callback with conversationType "1", and the bot answers as it
// does in a group (in the callback's response or through the
// sessionWebhook).

package approbot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// SayDirect has a member of the organization (the members of all groups)
// write u.Text to the robot u.RobotCode in a one-to-one chat. It works as
// Say does: the callback (conversationType "1", no title, no atUsers) goes
// to the robot's app's callback URL, and the returned Conversation holds
// the outcome; its OpenConversationID is the chat's conversationId
// (DirectConversationID). u.OpenConversationID must be empty.
func (s *Service) SayDirect(ctx context.Context, u Utterance) (Conversation, error) {
	if u.OpenConversationID != "" {
		return Conversation{}, invalid("openConversationId", "a one-to-one chat has none (got %q); use Say to talk in a group", u.OpenConversationID)
	}
	if u.RobotCode == "" {
		return Conversation{}, invalid("robotCode", "is required: the robot the member writes to")
	}
	if err := u.check(); err != nil {
		return Conversation{}, err
	}
	app, who, err := s.directParties(u.RobotCode, u.StaffID)
	if err != nil {
		return Conversation{}, err
	}
	conv := s.open(DirectConversationID(app.RobotCode, who.StaffID), OneToOneChat, who, u, app)
	return s.converse(ctx, conv, app, directCallbackBody(conv, who, app)), nil
}

// directParties finds the robot's app (which must have a callback URL) and
// the member, in any group.
func (s *Service) directParties(robotCode, staffID string) (App, Member, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.apps[s.byRobot[robotCode]]
	if !ok {
		return App{}, Member{}, fmt.Errorf("%w: no app has robotCode %q", ErrNotFound, robotCode)
	}
	if a.CallbackURL == "" {
		return App{}, Member{}, fmt.Errorf("%w: app %q (robot %q) has no callbackURL", ErrNoCallback, a.AppKey, robotCode)
	}
	if s.staff[staffID] > 0 {
		for _, cid := range s.grpOrder {
			for _, m := range s.groups[cid].Members {
				if m.StaffID == staffID {
					return *a, m, nil
				}
			}
		}
	}
	return App{}, Member{}, fmt.Errorf("%w: %q is in no group (the organization's staff are the members of all groups)", ErrNotMember, staffID)
}

// DirectConversationID is the conversationId of the one-to-one chat
// between a member and a robot: the same for every message they exchange,
// "cid" and hex like a group's.
func DirectConversationID(robotCode, staffID string) string {
	sum := sha256.Sum256([]byte(OneToOneChat + "\x00" + robotCode + "\x00" + staffID))
	return "cid" + hex.EncodeToString(sum[:12])
}

// directCallbackBody is DingTalk's callback for a one-to-one message to
// the robot: as a group's, without conversationTitle, isInAtList and
// atUsers, and the text as typed (docs/dingtalk-behaviour.md).
func directCallbackBody(conv *Conversation, who Member, app App) map[string]any {
	body := callbackBody(conv, Group{OpenConversationID: conv.OpenConversationID}, who, app)
	for _, k := range []string{"conversationTitle", "isInAtList", "atUsers"} {
		delete(body, k)
	}
	body["conversationType"] = OneToOneChat
	body["text"] = map[string]string{"content": conv.Text}
	return body
}
