// Conversations with a bot: a group member says something that @-mentions
// an app's robot (Say); the fake POSTs DingTalk's callback, signed with the
// app's secret, to the app's callback URL, and records the bot's answers:
// a message in the callback's HTTP response, or messages posted to the
// callback's sessionWebhook until it expires. WaitForReply blocks until the
// bot has answered.

package approbot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// Conversation settings.
const (
	// SessionPath is where sessionWebhooks point; the session is a query
	// parameter, as on oapi.dingtalk.com.
	SessionPath = "/robot/sendBySession"
	// SessionLifetime is how long a sessionWebhook accepts replies.
	SessionLifetime = 90 * time.Minute
	// DefaultCallbackTimeout is how long the fake waits for the bot's
	// answer to a callback.
	DefaultCallbackTimeout = 10 * time.Second
	// MaxConversations is how many conversations the fake remembers
	// (oldest forgotten first); MaxRepliesPerConversation bounds each.
	MaxConversations          = 1000
	MaxRepliesPerConversation = 50
	// MaxTextBytes bounds what a member says.
	MaxTextBytes = 4096
	// maxCallbackAnswer bounds the bytes read of a bot's callback answer.
	maxCallbackAnswer = 64 << 10
)

// Errors of Say.
var (
	ErrNoCallback = errors.New("approbot: no robot in the group has a callback URL")
	ErrNotMember  = errors.New("approbot: not a member of the group")
)

// Utterance is what a group member says to the bot.
type Utterance struct {
	// OpenConversationID is the group; StaffID the member who speaks.
	OpenConversationID string `json:"openConversationId"`
	StaffID            string `json:"staffId"`
	// Text is what they type ("deploy api" or "@ops bot deploy api"); the
	// bot is @-mentioned either way, and the callback's text.content
	// carries the text without the mention (WithoutMention).
	Text string `json:"text"`
	// RobotCode is the robot mentioned; empty means the group's first
	// robot whose app has a callback URL.
	RobotCode string `json:"robotCode,omitempty"`
	// Forge, when set, sends the callback as DingTalk never would (a
	// wrong sign, a stale timestamp, no signature), to check that the bot
	// refuses it.
	Forge Forgery `json:"forge,omitempty"`
}

// Conversation is one utterance, the callback it caused and the bot's
// replies.
type Conversation struct {
	MsgID string    `json:"msgId"`
	Time  time.Time `json:"time"`
	// OpenConversationID is the group, or the one-to-one chat's
	// conversationId (DirectConversationID).
	OpenConversationID string `json:"openConversationId"`
	// ConversationType is GroupChat ("2") or OneToOneChat ("1"), as in
	// the callback.
	ConversationType string `json:"conversationType"`
	StaffID          string `json:"staffId"`
	Text             string `json:"text"`
	RobotCode        string `json:"robotCode"`
	AppKey           string `json:"appKey"`
	// After is the journal's last Seq when the member spoke: the
	// conversation happened after that entry (the inbox orders a chat's
	// conversations among its journaled messages by it).
	After uint64 `json:"-"`
	// SessionWebhook is the URL the bot may post replies to until
	// SessionExpires.
	SessionWebhook string    `json:"sessionWebhook"`
	SessionExpires time.Time `json:"sessionExpires"`
	// Forge is how the callback was forged ("" when it was not).
	Forge    Forgery  `json:"forge,omitempty"`
	Callback Callback `json:"callback"`
	Replies  []Reply  `json:"replies"`
}

// Callback is how the bot's endpoint answered the callback.
type Callback struct {
	URL string `json:"url"`
	// Status is the HTTP status (0 when no answer came).
	Status int `json:"status"`
	// Error says why there was no usable answer: a timeout, a refused
	// connection, an answer that is not a message.
	Error string `json:"error,omitempty"`
	// Millis is how long the bot took.
	Millis int64 `json:"millis"`
	// TimedOut says the bot gave no answer within the callback timeout.
	TimedOut bool `json:"timedOut,omitempty"`
	// Body is the start of the answer's body.
	Body string `json:"body,omitempty"`
	// Request is the callback's body as sent (schema RobotCallback).
	Request json.RawMessage `json:"request,omitempty"`
}

// Reply is one message the bot answered with.
type Reply struct {
	Time time.Time `json:"time"`
	// Via is "callback" (the callback's HTTP response) or "sessionWebhook".
	Via     string            `json:"via"`
	Message *dingtalk.Message `json:"message"`
}

// conversations holds the conversations and sessions.
type conversations struct {
	mu       sync.Mutex
	list     []*Conversation // oldest first, at most MaxConversations
	byMsg    map[string]*Conversation
	sessions map[string]*Conversation
	changed  chan struct{}
}

func newConversations() *conversations {
	return &conversations{byMsg: map[string]*Conversation{}, sessions: map[string]*Conversation{}, changed: make(chan struct{})}
}

// clear forgets every conversation and session.
func (c *conversations) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list, c.byMsg, c.sessions = nil, map[string]*Conversation{}, map[string]*Conversation{}
	c.notifyLocked()
}

// notify signals a change that is not a conversation's (apps, groups).
func (c *conversations) notify() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notifyLocked()
}

// Changed returns a channel that is closed at the next change of the
// Service's apps, groups or conversations (a new conversation, a callback
// answered, a reply), so a live view can wait instead of polling.
func (s *Service) Changed() <-chan struct{} {
	s.convs.mu.Lock()
	defer s.convs.mu.Unlock()
	return s.convs.changed
}

// Conversation returns the conversation msgID.
func (s *Service) Conversation(msgID string) (Conversation, bool) {
	c := s.convs
	c.mu.Lock()
	defer c.mu.Unlock()
	conv, ok := c.byMsg[msgID]
	if !ok {
		return Conversation{}, false
	}
	return clone(conv), true
}

func (c *conversations) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *conversations) add(conv *Conversation, session string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.list) >= MaxConversations {
		old := c.list[0]
		c.list = c.list[1:]
		delete(c.byMsg, old.MsgID)
		for k, v := range c.sessions {
			if v == old {
				delete(c.sessions, k)
			}
		}
	}
	c.list = append(c.list, conv)
	c.byMsg[conv.MsgID] = conv
	c.sessions[session] = conv
	c.notifyLocked()
}

// reply records r on conv; false when conv has all the replies it keeps.
func (c *conversations) reply(conv *Conversation, r Reply) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(conv.Replies) >= MaxRepliesPerConversation {
		return false
	}
	conv.Replies = append(conv.Replies, r)
	c.notifyLocked()
	return true
}

func (c *conversations) setCallback(conv *Conversation, cb Callback) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv.Callback = cb
	c.notifyLocked()
}

func clone(conv *Conversation) Conversation {
	out := *conv
	out.Replies = append([]Reply(nil), conv.Replies...)
	return out
}

// Conversations returns the remembered conversations of a group (all
// groups when cid is empty), oldest first.
func (s *Service) Conversations(cid string) []Conversation {
	c := s.convs
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []Conversation{}
	for _, conv := range c.list {
		if cid == "" || conv.OpenConversationID == cid {
			out = append(out, clone(conv))
		}
	}
	return out
}

// WaitForReply blocks until the conversation msgID has at least n replies
// and returns it, or returns ctx's error with the conversation so far.
func (s *Service) WaitForReply(ctx context.Context, msgID string, n int) (Conversation, error) {
	c := s.convs
	for {
		c.mu.Lock()
		conv, ok := c.byMsg[msgID]
		changed := c.changed
		var got Conversation
		if ok {
			got = clone(conv)
		}
		c.mu.Unlock()
		if !ok {
			return Conversation{}, fmt.Errorf("%w: no conversation has msgId %q", ErrNotFound, msgID)
		}
		if len(got.Replies) >= n {
			return got, nil
		}
		select {
		case <-ctx.Done():
			return got, ctx.Err()
		case <-changed:
		}
	}
}

// SetBaseURL tells the Service the URL clients reach the fake at, for the
// sessionWebhooks it hands out.
func (s *Service) SetBaseURL(f func() string) { s.baseURL = f }

// Say has a group member say u.Text to the bot, @-mentioning it: the fake
// POSTs DingTalk's callback to the robot's app's callback URL and waits
// (at most the callback timeout, or until ctx ends) for the answer. The
// returned Conversation holds the callback's outcome and any reply it
// carried; replies posted to the sessionWebhook later are added to it
// (WaitForReply). A bot that does not answer is not an error: see
// Conversation.Callback. SayDirect is the one-to-one chat.
func (s *Service) Say(ctx context.Context, u Utterance) (Conversation, error) {
	g, ok := s.Group(u.OpenConversationID)
	if !ok {
		return Conversation{}, fmt.Errorf("%w: no group has openConversationId %q", ErrNotFound, u.OpenConversationID)
	}
	var who *Member
	for i := range g.Members {
		if g.Members[i].StaffID == u.StaffID {
			who = &g.Members[i]
		}
	}
	if who == nil {
		return Conversation{}, fmt.Errorf("%w: %q is not in group %q", ErrNotMember, u.StaffID, u.OpenConversationID)
	}
	if err := u.check(); err != nil {
		return Conversation{}, err
	}
	app, ok := s.botFor(g, u.RobotCode)
	if !ok {
		return Conversation{}, fmt.Errorf("%w %q (robot %q)", ErrNoCallback, g.OpenConversationID, u.RobotCode)
	}
	conv := s.open(g.OpenConversationID, GroupChat, *who, u, app)
	return s.converse(ctx, conv, app, callbackBody(conv, g, *who, app)), nil
}

// Conversation types, as the callback's conversationType says them.
const (
	OneToOneChat = "1"
	GroupChat    = "2"
)

// check bounds what a member says and how the callback may be forged.
func (u Utterance) check() error {
	switch {
	case u.Text == "":
		return invalid("text", "is required")
	case len(u.Text) > MaxTextBytes:
		return invalid("text", "at most %d bytes (got %d)", MaxTextBytes, len(u.Text))
	}
	return u.Forge.check()
}

// open starts a conversation: its msgId, its sessionWebhook and when that
// expires, remembered with its session.
func (s *Service) open(cid, kind string, who Member, u Utterance, app App) *Conversation {
	now := s.now()
	session := randomHex(32)
	base := ""
	if s.baseURL != nil {
		base = s.baseURL()
	}
	conv := &Conversation{
		MsgID: "msg" + randomHex(24), Time: now, OpenConversationID: cid, ConversationType: kind, StaffID: who.StaffID,
		Text: u.Text, RobotCode: app.RobotCode, AppKey: app.AppKey, Forge: u.Forge,
		SessionWebhook: base + SessionPath + "?session=" + session, SessionExpires: now.Add(SessionLifetime),
		Callback: Callback{URL: app.CallbackURL},
	}
	if s.journal != nil {
		conv.After = s.journal.LastSeq()
	}
	s.convs.add(conv, session)
	return conv
}

// converse POSTs the callback body to the app's bot and records how it
// answered: a reply in the response, or why there is none.
func (s *Service) converse(ctx context.Context, conv *Conversation, app App, callback map[string]any) Conversation {
	body, _ := json.Marshal(callback)
	cb := s.post(ctx, app, body, conv.Time, conv.Forge)
	if msg, why := judgeAnswer(cb); why != "" {
		cb.Error = why
		s.callbacksFailed.Add(1)
	} else {
		s.callbacksOK.Add(1)
		if msg != nil {
			s.convs.reply(conv, Reply{Time: s.now(), Via: "callback", Message: msg})
		}
	}
	s.convs.setCallback(conv, cb)
	s.convs.mu.Lock()
	defer s.convs.mu.Unlock()
	return clone(conv)
}

// judgeAnswer reads a bot's answer to a callback as DingTalk does: HTTP
// 200 with an empty body (the bot replies later, or not at all) or with a
// valid robot message (the reply). It returns the message, or why the
// answer is not usable; cb.Error, when set, is the reason.
func judgeAnswer(cb Callback) (*dingtalk.Message, string) {
	switch {
	case cb.Error != "":
		return nil, cb.Error
	case cb.Status != http.StatusOK:
		return nil, "the bot answered HTTP " + strconv.Itoa(cb.Status) + "; DingTalk shows nothing"
	case len(cb.Body) == 0:
		return nil, ""
	}
	msg, err := dingtalk.ParseMessage([]byte(cb.Body))
	if err != nil || msg == nil || msg.MsgType == "" {
		return nil, "the callback's answer is not a robot message ({\"msgtype\":\"text\",\"text\":{\"content\":…}}); it is ignored"
	}
	if rej := msg.Validate(); rej != nil {
		return nil, "the callback's answer is not a valid message: " + dingtalk.Dialect{}.Answer(rej).ErrMsg
	}
	return msg, ""
}

// botFor picks the robot the utterance mentions.
func (s *Service) botFor(g Group, robotCode string) (App, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, rc := range g.RobotCodes {
		if robotCode != "" && rc != robotCode {
			continue
		}
		if a, ok := s.apps[s.byRobot[rc]]; ok && a.CallbackURL != "" {
			return *a, true
		}
	}
	return App{}, false
}

// callbackBody is DingTalk's callback for a group message @-mentioning
// the robot (HTTP mode).
func callbackBody(conv *Conversation, g Group, who Member, app App) map[string]any {
	bot := "$:LWCP_v1:$" + app.RobotCode
	return map[string]any{
		"conversationId":            g.OpenConversationID,
		"atUsers":                   []map[string]string{{"dingtalkId": bot}},
		"chatbotCorpId":             "dingmockcorp",
		"chatbotUserId":             bot,
		"msgId":                     conv.MsgID,
		"senderNick":                who.Name,
		"isAdmin":                   false,
		"senderStaffId":             who.StaffID,
		"sessionWebhookExpiredTime": conv.SessionExpires.UnixMilli(),
		"createAt":                  conv.Time.UnixMilli(),
		"senderCorpId":              "dingmockcorp",
		"conversationType":          "2",
		"senderId":                  "$:LWCP_v1:$" + who.StaffID,
		"conversationTitle":         g.Title,
		"isInAtList":                true,
		"sessionWebhook":            conv.SessionWebhook,
		"text":                      map[string]string{"content": " " + WithoutMention(conv.Text, app)},
		"robotCode":                 app.RobotCode,
		"msgtype":                   "text",
	}
}

// WithoutMention returns text as the callback's text.content carries it:
// without the "@<bot name>" the member typed to mention the bot (app's
// BotName), as DingTalk removes the mention, and without the spaces
// around it.
func WithoutMention(text string, app App) string {
	if at := "@" + app.BotName(); strings.Contains(text, at) {
		text = strings.Replace(text, at, "", 1)
	}
	return strings.TrimSpace(text)
}

// post sends the callback, signed as DingTalk signs it.
func (s *Service) post(ctx context.Context, app App, body []byte, now time.Time, forge Forgery) Callback {
	cb := Callback{URL: app.CallbackURL, Request: body}
	ctx, cancel := context.WithTimeout(ctx, s.callbackTimeoutOr())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, app.CallbackURL, bytes.NewReader(body))
	if err != nil {
		cb.Error = err.Error()
		return cb
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	signCallback(req.Header, app.AppSecret, now, forge)
	start := time.Now()
	res, err := s.client.Do(req)
	cb.Millis = time.Since(start).Milliseconds()
	if err != nil {
		cb.Error = fmt.Sprintf("no answer: %v", err)
		if errors.Is(err, context.DeadlineExceeded) {
			cb.TimedOut = true
			cb.Error = fmt.Sprintf("no answer within %s (the bot must answer the callback in time; reply later through the sessionWebhook)", s.callbackTimeoutOr())
		}
		return cb
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, maxCallbackAnswer))
	cb.Status, cb.Body = res.StatusCode, string(bytes.TrimSpace(b))
	return cb
}

// SetCallbackTimeout sets how long Say waits for the bot's answer to a
// callback (DefaultCallbackTimeout when d is not positive).
func (s *Service) SetCallbackTimeout(d time.Duration) { s.callbackTimeout.Store(int64(d)) }

func (s *Service) callbackTimeoutOr() time.Duration {
	if d := time.Duration(s.callbackTimeout.Load()); d > 0 {
		return d
	}
	return DefaultCallbackTimeout
}

// handleSession serves POST /robot/sendBySession?session=…: the bot's
// replies, in the webhook's message format and answers.
func (s *Service) handleSession(w http.ResponseWriter, r *http.Request) {
	body, tooBig := readBody(r, dingtalk.MaxBodyBytes)
	x := s.begin(r, body)
	answer := func(code int, msg, hint string, accepted bool) {
		x.entry.Response.ErrCode, x.entry.Response.ErrMsg = code, msg
		if !accepted {
			x.entry.Reason, x.entry.Hint = "session_rejected", hint
			setHint(w, hint)
		} else {
			x.entry.Reason, x.entry.Accepted, x.entry.Delivered = dingtalk.ReasonOK, true, true
		}
		x.respond(w, oapiContentType, struct {
			Errcode int    `json:"errcode"`
			Errmsg  string `json:"errmsg"`
		}{code, msg})
	}
	c := s.convs
	c.mu.Lock()
	conv, ok := c.sessions[r.URL.Query().Get("session")]
	var expires time.Time
	if ok {
		x.entry.AppKey, x.entry.Conversation, expires = conv.AppKey, conv.OpenConversationID, conv.SessionExpires
	}
	c.mu.Unlock()
	switch {
	case !ok:
		answer(ErrcodeSessionGone, ErrmsgSessionGone, x.fail("session", "no sessionWebhook has this session; use the sessionWebhook of the callback you answer"), false)
		return
	case !x.now.Before(expires):
		answer(ErrcodeSessionGone, ErrmsgSessionGone, x.fail("session", "the sessionWebhook expired at %s (fake clock; sessionWebhookExpiredTime in the callback)", expires.UTC().Format(time.RFC3339)), false)
		return
	case r.Method != http.MethodPost:
		answer(43002, "需要POST请求", x.fail("method", "%s; post the reply", r.Method), false)
		return
	}
	msg, err := dingtalk.ParseMessage(body)
	if tooBig || err != nil || msg == nil {
		answer(40035, "缺少参数 json", x.fail("json", "the body is not a JSON robot message like {\"msgtype\":\"text\",\"text\":{\"content\":\"…\"}}"), false)
		return
	}
	if rej := msg.Validate(); rej != nil {
		a := dingtalk.Dialect{}.Answer(rej)
		answer(a.ErrCode, a.ErrMsg, x.fail("message", "%s", a.ErrMsg), false)
		return
	}
	if !c.reply(conv, Reply{Time: x.now, Via: "sessionWebhook", Message: msg}) {
		answer(ErrcodeSessionGone, ErrmsgSessionGone, x.fail("session", "this conversation already has %d replies, all the fake keeps", MaxRepliesPerConversation), false)
		return
	}
	x.entry.Message = msg
	x.pass("message", "%s", msg.MsgType)
	answer(0, "ok", "", true)
}

// The sessionWebhook's answer for an unknown or expired session: a choice
// (no public paste shows it), the webhook's unknown-token answer.
const (
	ErrcodeSessionGone = 300005
	ErrmsgSessionGone  = "token is not exist"
)
