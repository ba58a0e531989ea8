// The app robot's chats in the inbox: each group (title, members, robots)
// with the messages its app robots posted and sent through sessionWebhooks,
// what members said to a bot and how the bot answered; and each member's
// one-to-one chat with an app's robot (oToMessages/batchSend). Messages are
// drawn as the webhook's are (message.go); what a member types in the page
// goes to approbot's Say (serveSay).

package inbox

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// SlowCallback is how long a bot may take to answer a callback before the
// inbox marks the answer as slow. DingTalk documents no number (the fake
// gives up at approbot's callback timeout, 10 s by default); 3 s is where
// a person in the chat starts to wonder whether the bot heard them.
const SlowCallback = 3 * time.Second

// maxSayForm bounds the body of the say form (text is at most
// approbot.MaxTextBytes).
const maxSayForm = 64 << 10

// appKeyPrefix keys apps in a robotIndex apart from webhook tokens.
const appKeyPrefix = "\x00app:"

func viewApp(a approbot.App) robotView {
	return robotView{Name: a.BotName(), Short: a.AppKey, Color: colorOf(a.AppKey), Known: true}
}

// memberView is a group member as the chat shows them.
type memberView struct {
	StaffID string
	Name    string
	Initial string
	Color   int
}

func viewMember(m approbot.Member) memberView {
	v := memberView{StaffID: m.StaffID, Name: m.Name, Color: colorOf(m.StaffID)}
	if v.Name == "" {
		v.Name = m.StaffID
	}
	r, _ := utf8.DecodeRuneInString(v.Name)
	v.Initial = strings.ToUpper(string(r))
	return v
}

// botView is an app robot in a group.
type botView struct {
	AppKey    string
	RobotCode string
	Name      string
	Color     int
	// CallbackURL is where the fake sends what members say ("" when the
	// app has none: nobody can talk to it).
	CallbackURL string
}

// groupView is a group as the page header and the say form show it.
type groupView struct {
	ID      string
	Title   string
	Known   bool
	Members []memberView
	Bots    []botView
	// Talkable are the bots with a callback URL, which members can
	// @-mention; SayAPI is the admin API path the page's script posts to.
	Talkable []botView
	SayAPI   string
}

func (in *Inbox) groupView(cid string) *groupView {
	g, ok := in.apps.Group(cid)
	v := &groupView{ID: cid, Title: g.Title, Known: ok, SayAPI: "_mock/groups/" + url.PathEscape(cid) + "/say"}
	if !ok {
		v.Title = cid
		return v
	}
	if v.Title == "" {
		v.Title = cid
	}
	for _, m := range g.Members {
		v.Members = append(v.Members, viewMember(m))
	}
	apps := map[string]approbot.App{}
	for _, a := range in.apps.Apps() {
		apps[a.RobotCode] = a
	}
	for _, rc := range g.RobotCodes {
		b := botView{RobotCode: rc, Name: rc, Color: colorOf(rc)}
		if a, ok := apps[rc]; ok {
			b.AppKey, b.Name, b.Color, b.CallbackURL = a.AppKey, a.BotName(), colorOf(a.AppKey), a.CallbackURL
		}
		v.Bots = append(v.Bots, b)
		if b.CallbackURL != "" {
			v.Talkable = append(v.Talkable, b)
		}
	}
	return v
}

// chatView is a member's one-to-one chat with an app's robot.
type chatView struct {
	AppKey string
	Member memberView
	Bot    robotView
	// Known: the app exists and the member is staff (in some group).
	Known bool
	// CallbackURL is the app's ("" when nobody can write to its bot);
	// SayAPI the admin API path the page's script posts to.
	CallbackURL string
	SayAPI      string
	// ConversationID is the chat's conversationId
	// (approbot.DirectConversationID).
	ConversationID string
}

func (in *Inbox) chatView(appKey, staffID string) *chatView {
	v := &chatView{AppKey: appKey, Member: memberView{StaffID: staffID, Name: staffID}, Bot: robotView{Name: appKey, Short: appKey, Color: colorOf(appKey)},
		SayAPI: "_mock/apps/" + url.PathEscape(appKey) + "/say"}
	a, okApp := in.apps.App(appKey)
	if okApp {
		v.Bot, v.CallbackURL = viewApp(a), a.CallbackURL
		v.ConversationID = approbot.DirectConversationID(a.RobotCode, staffID)
	}
	m, okMember := in.member(staffID)
	if okMember {
		v.Member = viewMember(m)
	}
	v.Known = okApp && okMember
	return v
}

// member finds a member of any group by staffId.
func (in *Inbox) member(staffID string) (approbot.Member, bool) {
	m, ok := in.staff()[staffID]
	return m, ok
}

// staff is the organization's staff, the members of all groups, by
// staffId (as the first group that lists them has them).
func (in *Inbox) staff() map[string]approbot.Member {
	staff := map[string]approbot.Member{}
	for _, g := range in.apps.Groups() {
		for _, m := range g.Members {
			if _, seen := staff[m.StaffID]; !seen {
				staff[m.StaffID] = m
			}
		}
	}
	return staff
}

// statusView is one line under a member's message: how the bot answered.
type statusView struct {
	// Class is ok, slow, bad or wait.
	Class string
	Text  string
}

// saidView is what a member said to a bot, the callback it caused and the
// replies that came in the callback's answer.
type saidView struct {
	MsgID    string
	Ver      string
	Member   memberView
	Bot      robotView
	Segments []segment
	Clock    string
	Stamp    string
	ISO      string
	Status   statusView
	Callback approbot.Callback
	Replies  []replyView
	// Forged is how the fake forged the callback on purpose ("" when it
	// did not).
	Forged approbot.Forgery
}

// replyView is a bot's reply carried by the callback's answer.
type replyView struct {
	Bot   robotView
	Clock string
	Stamp string
	ISO   string
	Msg   *msgView
}

func stamps(t time.Time) (clock, stamp, iso string) {
	if t.IsZero() {
		return "", "", ""
	}
	return t.Format("15:04:05"), t.Format("2006-01-02 15:04:05.000 MST"), t.Format(time.RFC3339Nano)
}

func (in *Inbox) saidView(idx robotIndex, staff map[string]approbot.Member, c *approbot.Conversation) *saidView {
	v := &saidView{MsgID: c.MsgID, Callback: c.Callback, Bot: idx.app(c.AppKey), Forged: c.Forge}
	// The member as the group lists them; one to one (or once they left
	// the group), as any group lists them.
	m, ok := approbot.Member{StaffID: c.StaffID}, false
	if g, found := in.apps.Group(c.OpenConversationID); found {
		for _, gm := range g.Members {
			if gm.StaffID == c.StaffID {
				m, ok = gm, true
			}
		}
	}
	if sm, found := staff[c.StaffID]; !ok && found {
		m = sm
	}
	v.Member = viewMember(m)
	v.Clock, v.Stamp, v.ISO = stamps(c.Time)
	v.Segments = mentionSegments(c.Text, "@"+v.Bot.Name)
	v.Status = callbackStatus(v.Bot.Name, c)
	for _, r := range c.Replies {
		if r.Via != "callback" || r.Message == nil {
			continue // sessionWebhook replies are journal entries of the chat
		}
		rv := replyView{Bot: v.Bot, Msg: in.render.message(r.Message)}
		rv.Clock, rv.Stamp, rv.ISO = stamps(r.Time)
		v.Replies = append(v.Replies, rv)
	}
	// The item is drawn again when its outcome changes.
	v.Ver = strconv.Itoa(c.Callback.Status) + "." + strconv.Itoa(len(v.Replies)) + "." + strconv.Itoa(len(c.Callback.Error)) + "." + strconv.FormatInt(c.Callback.Millis, 10)
	return v
}

// mentionSegments splits what a member typed into text and the bot's
// @-mention.
func mentionSegments(text, at string) []segment {
	var segs []segment
	for {
		i := strings.Index(text, at)
		if i < 0 || at == "@" {
			break
		}
		if i > 0 {
			segs = append(segs, segment{Text: text[:i]})
		}
		segs = append(segs, segment{Text: at, Mention: true})
		text = text[i+len(at):]
	}
	if text != "" {
		segs = append(segs, segment{Text: text})
	}
	return segs
}

// callbackStatus says how the bot answered the callback: not yet, with an
// error (no answer in time, an HTTP error, a refusal that suggests a sign
// check gone wrong, an answer that is not a message), slowly, or well.
func callbackStatus(bot string, c *approbot.Conversation) statusView {
	cb := c.Callback
	took := (time.Duration(cb.Millis) * time.Millisecond).String()
	if c.Forge != "" {
		return forgedStatus(bot, c)
	}
	switch {
	case cb.Status == 0 && cb.Error == "":
		return statusView{"wait", "Waiting for " + bot + " to answer the callback…"}
	case cb.Status == http.StatusUnauthorized || cb.Status == http.StatusForbidden:
		return statusView{"bad", bot + " refused the callback with HTTP " + strconv.Itoa(cb.Status) +
			": if it checks the sign, it must compare base64(HMAC-SHA256(appSecret, timestamp + \"\\n\" + appSecret)), not URL-encoded, with this app's appSecret. DingTalk shows the member nothing."}
	case cb.Status == 0:
		return statusView{"bad", "No answer from " + bot + ": " + cb.Error}
	case cb.Error != "":
		return statusView{"bad", bot + " answered wrongly (HTTP " + strconv.Itoa(cb.Status) + ", " + took + "): " + cb.Error}
	case time.Duration(cb.Millis)*time.Millisecond > SlowCallback:
		return statusView{"slow", bot + " answered slowly: the callback took " + took + " (more than " + SlowCallback.String() + ")"}
	case !slices.ContainsFunc(c.Replies, func(r approbot.Reply) bool { return r.Via == "callback" }):
		// (A sessionWebhook reply may come before the callback's answer
		// is recorded.)
		return statusView{"ok", bot + " took the callback in " + took + " with no message in the answer; replies come through the sessionWebhook"}
	}
	return statusView{"ok", bot + " answered the callback in " + took}
}

// forgeries say how a forged callback was made, for its status line.
var forgeries = map[approbot.Forgery]string{
	approbot.ForgeSign:           "signed with another secret",
	approbot.ForgeStaleTimestamp: "stamped two hours ago",
	approbot.ForgeUnsigned:       "with no timestamp and sign",
}

// forgedStatus says how the bot took a callback the fake forged on
// purpose (Utterance.Forge): refusing it is right, answering it is not.
func forgedStatus(bot string, c *approbot.Conversation) statusView {
	cb, how := c.Callback, forgeries[c.Forge]
	switch {
	case cb.Status == 0 && cb.Error == "":
		return statusView{"wait", "Waiting for " + bot + " to answer a forged callback (" + how + ")…"}
	case cb.Status == 0:
		return statusView{"bad", "No answer from " + bot + " to a forged callback (" + how + "): " + cb.Error}
	case cb.Status == http.StatusOK:
		return statusView{"bad", bot + " accepted a forged callback (" + how + ") with HTTP 200: a bot must check timestamp and sign and refuse it"}
	}
	return statusView{"ok", bot + " refused a forged callback (" + how + ") with HTTP " + strconv.Itoa(cb.Status) + ", as it should"}
}

// timelineItem is one item of a group's or a one-to-one chat's timeline:
// a journal entry, or a member's message with the bot's answer.
type timelineItem struct {
	Entry *entryView
	Said  *saidView
}

// timelineData is a chat's newest items, oldest first.
type timelineData struct {
	Items   []timelineItem
	Skipped int
	LastSeq uint64
	Oldest  uint64
}

// Empty reports whether the timeline shows nothing.
func (t timelineData) Empty() bool { return len(t.Items) == 0 }

// timeline merges journal entries (snap's entries at the indices picked)
// and conversations into one timeline, ordered as they happened (a
// conversation comes after the entries journaled before it), keeping the
// newest pageSize items.
func (in *Inbox) timeline(snap *journal.Snapshot, picked []int, convs []approbot.Conversation, lastSeq uint64) timelineData {
	type key struct {
		seq  uint64
		conv int // -1 for an entry
		snap int
	}
	keys := make([]key, 0, len(picked)+len(convs))
	for _, i := range picked {
		keys = append(keys, key{seq: snap.Summary(i).Seq, conv: -1, snap: i})
	}
	for k := range convs {
		// After a conversation's entry-seq, before the next entry.
		keys = append(keys, key{seq: convs[k].After, conv: k})
	}
	sort.SliceStable(keys, func(a, b int) bool {
		if keys[a].seq != keys[b].seq {
			return keys[a].seq < keys[b].seq
		}
		return keys[a].conv < 0 && keys[b].conv >= 0
	})
	t := timelineData{LastSeq: lastSeq, Oldest: in.oldest()}
	t.Skipped = max(len(keys)-pageSize, 0)
	idx := in.index()
	var staff map[string]approbot.Member
	if len(convs) > 0 {
		staff = in.staff()
	}
	for _, k := range keys[t.Skipped:] {
		if k.conv >= 0 {
			t.Items = append(t.Items, timelineItem{Said: in.saidView(idx, staff, &convs[k.conv])})
			continue
		}
		e := snap.Entry(k.snap)
		ev := in.entryView(idx, &e)
		t.Items = append(t.Items, timelineItem{Entry: &ev})
	}
	return t
}

// appTimeline is the timeline of the group or one-to-one chat q selects,
// or nil when q selects neither (or the inbox shows no app robots).
func (in *Inbox) appTimeline(q query) *timelineData {
	var t timelineData
	switch {
	case in.apps == nil:
		return nil
	case q.group != "":
		t = in.groupTimeline(q.group)
	case q.app != "":
		t = in.chatTimeline(q.app, q.staff)
	default:
		return nil
	}
	return &t
}

// groupTimeline is a group's timeline: what its app robots sent to it
// (groupMessages/send, sessionWebhook posts, refused ones too) and what
// its members said to a bot.
func (in *Inbox) groupTimeline(cid string) timelineData {
	last := in.journal.LastSeq()
	snap := in.journal.Snapshot(journal.Filter{Conversation: cid})
	picked := make([]int, snap.Len())
	for i := range picked {
		picked[i] = i
	}
	return in.timeline(snap, picked, in.apps.Conversations(cid), last)
}

// chatTimeline is a member's one-to-one chat with an app's robot: the
// oToMessages/batchSend requests that list the member among userIds, what
// the member wrote to the bot (SayDirect) and the bot's answers.
func (in *Inbox) chatTimeline(appKey, staffID string) timelineData {
	last := in.journal.LastSeq()
	cid := in.chatView(appKey, staffID).ConversationID
	snap := in.journal.Snapshot(journal.Filter{AppKey: appKey})
	var picked []int
	for i := range snap.Len() {
		switch c := snap.Summary(i).Conversation; {
		case c != "" && c == cid:
			picked = append(picked, i) // the bot's sessionWebhook posts
		case c != "":
		default:
			// Decode only the bodies that name the member at all.
			if e := snap.Entry(i); e.Path == approbot.BatchSendPath && bytes.Contains(e.Body, []byte(staffID)) &&
				slices.Contains(approbot.Recipients(e.Body), staffID) {
				picked = append(picked, i)
			}
		}
	}
	var convs []approbot.Conversation
	if cid != "" {
		convs = in.apps.Conversations(cid)
	}
	return in.timeline(snap, picked, convs, last)
}

// groupItem is a group in the sidebar.
type groupItem struct {
	ID         string
	Title      string
	Members    int
	Color      int
	Active     bool
	Preview    string
	PreviewBad bool
	Clock      string
	previewSeq uint64
}

// chatItem is a one-to-one chat in the sidebar.
type chatItem struct {
	AppKey  string
	Member  memberView
	Bot     string
	Active  bool
	Preview string
	Clock   string
	// Count is how many messages the robot sent; Said how many the
	// member wrote to it.
	Count int
	Said  int
}

// appSidebar lists the groups and the one-to-one chats that have
// messages, with each one's newest line. snap is the whole journal.
func (in *Inbox) appSidebar(snap *journal.Snapshot, q query) ([]groupItem, []chatItem) {
	if in.apps == nil {
		return nil, nil
	}
	groups := in.apps.Groups()
	items := make([]groupItem, 0, len(groups))
	pos := make(map[string]int, len(groups))
	chats := chatList{in: in, q: q, staff: in.staff(), pos: map[[2]string]int{}}
	for _, g := range groups {
		pos[g.OpenConversationID] = len(items)
		title := g.Title
		if title == "" {
			title = g.OpenConversationID
		}
		items = append(items, groupItem{ID: g.OpenConversationID, Title: title, Members: len(g.Members),
			Color: colorOf(g.OpenConversationID), Active: q.group == g.OpenConversationID})
	}
	newest := make([]int, len(items)) // 1 + index in snap
	for i := range snap.Len() {
		switch s := snap.Summary(i); {
		case s.Conversation != "":
			if k, ok := pos[s.Conversation]; ok {
				newest[k] = i + 1
			}
		case s.AppKey != "" && s.Delivered:
			if e := snap.Entry(i); e.Path == approbot.BatchSendPath {
				for _, u := range approbot.Recipients(e.Body) {
					if k, ok := chats.get(s.AppKey, u); ok {
						chats.items[k].Count++
						chats.newest[k] = i + 1
					}
				}
			}
		}
	}
	idx := in.index()
	forNewest(snap, newest, func(k int, e *journal.Entry) {
		it := &items[k]
		it.Preview, it.PreviewBad, it.Clock = newestLine(e)
		it.Preview = idx.entryRobot(e).Name + ": " + it.Preview
		it.previewSeq = e.Seq
	})
	forNewest(snap, chats.newest, func(k int, e *journal.Entry) {
		chats.items[k].Preview, _, chats.items[k].Clock = newestLine(e)
	})
	// A member's newer message is the group's (or the one-to-one chat's)
	// newest line.
	for _, c := range in.apps.Conversations("") {
		if c.ConversationType == approbot.OneToOneChat {
			if k, ok := chats.get(c.AppKey, c.StaffID); ok {
				chats.items[k].Said++
				chats.items[k].Preview, chats.items[k].Clock = clip(c.Text, 48), c.Time.Format("15:04")
			}
			continue
		}
		k, ok := pos[c.OpenConversationID]
		if !ok || (newest[k] != 0 && c.After < items[k].previewSeq) {
			continue
		}
		it := &items[k]
		name := c.StaffID
		if m, ok := chats.staff[c.StaffID]; ok && m.Name != "" {
			name = m.Name
		}
		it.Preview, it.PreviewBad, it.previewSeq = clip(name+": "+c.Text, 48), false, c.After
		it.Clock = c.Time.Format("15:04")
	}
	return items, chats.items
}

// chatList gathers the sidebar's one-to-one chats, each (app, member)
// once, in the order first seen.
type chatList struct {
	in     *Inbox
	q      query
	staff  map[string]approbot.Member // the members of all groups
	pos    map[[2]string]int
	items  []chatItem
	newest []int // 1 + index in the journal snapshot of the newest message
}

// get returns the index of the chat of app appKey with staffID, adding
// it; false when staffID is no group's member (not staff).
func (c *chatList) get(appKey, staffID string) (int, bool) {
	m, ok := c.staff[staffID]
	if !ok {
		return 0, false
	}
	key := [2]string{appKey, staffID}
	if k, seen := c.pos[key]; seen {
		return k, true
	}
	bot := appKey
	if a, ok := c.in.apps.App(appKey); ok {
		bot = a.BotName()
	}
	c.pos[key] = len(c.items)
	c.items = append(c.items, chatItem{AppKey: appKey, Member: viewMember(m), Bot: bot,
		Active: c.q.app == appKey && c.q.staff == staffID})
	c.newest = append(c.newest, 0)
	return len(c.items) - 1, true
}

// serveSay has a member say what a person typed in the page's form: in a
// group (?group=, Say), or in a one-to-one chat with an app's robot
// (?app=&staff=, SayDirect). It is the plain form post, for pages without
// script; the script posts JSON to the admin API's say instead. ServeHTTP
// has already refused a cross-site request. It answers 303 back to the
// chat, or a plain-text error.
func (in *Inbox) serveSay(w http.ResponseWriter, r *http.Request) {
	if in.apps == nil {
		plainError(w, http.StatusNotFound, "inbox: this fake serves no app robots")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSayForm)
	if err := r.ParseForm(); err != nil {
		plainError(w, http.StatusBadRequest, "inbox: the say form could not be read: "+err.Error())
		return
	}
	q, err := parseQuery(r)
	if err != nil {
		plainError(w, http.StatusBadRequest, err.Error())
		return
	}
	text := strings.TrimSpace(r.PostForm.Get("text"))
	if text == "" {
		plainError(w, http.StatusBadRequest, "inbox: type a message first")
		return
	}
	var back string
	switch {
	case q.group != "":
		u, status, msg := in.groupUtterance(q.group, r.PostForm, text)
		if msg != "" {
			plainError(w, status, "inbox: "+msg)
			return
		}
		_, err = in.apps.Say(r.Context(), u)
		back = q.encode()
	case q.app != "":
		a, ok := in.apps.App(q.app)
		if !ok {
			plainError(w, http.StatusNotFound, "inbox: no app has appKey "+strconv.Quote(q.app))
			return
		}
		_, err = in.apps.SayDirect(r.Context(), approbot.Utterance{StaffID: q.staff, Text: text, RobotCode: a.RobotCode})
		back = q.encode()
	default:
		plainError(w, http.StatusBadRequest, "inbox: say where? give group=<openConversationId>, or app=<appKey>&staff=<staffId>")
		return
	}
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, approbot.ErrNotFound) {
			status = http.StatusNotFound
		}
		plainError(w, status, "inbox: "+strings.TrimPrefix(err.Error(), "approbot: "))
		return
	}
	// The form posts to /_inbox/say, so "../" is the page at "/".
	http.Redirect(w, r, "../?"+back, http.StatusSeeOther)
}

// groupUtterance is what the say form asks a group's member to say: to
// the robot picked (the first with a callback URL), @-mentioning it by
// name, in front of the text when the box is ticked and the text lacks
// it. A message that does not mention the bot is refused (status, why).
func (in *Inbox) groupUtterance(cid string, form url.Values, text string) (approbot.Utterance, int, string) {
	g := in.groupView(cid)
	if !g.Known {
		return approbot.Utterance{}, http.StatusNotFound, "no group has openConversationId " + strconv.Quote(cid)
	}
	u := approbot.Utterance{OpenConversationID: cid, StaffID: form.Get("staffId"), Text: text, RobotCode: form.Get("robotCode")}
	var bot *botView
	for i := range g.Talkable {
		if u.RobotCode == "" || g.Talkable[i].RobotCode == u.RobotCode {
			bot = &g.Talkable[i]
			break
		}
	}
	if bot == nil {
		return u, http.StatusBadRequest, "no robot in this group has a callback URL (robotCode " + strconv.Quote(u.RobotCode) + "); give its app a callbackURL to talk to it"
	}
	at := "@" + bot.Name
	switch {
	case !strings.Contains(u.Text, at) && form.Get("mention") == "":
		return u, http.StatusBadRequest, notMentioned(bot.Name)
	case !strings.Contains(u.Text, at):
		u.Text = at + " " + u.Text
	}
	return u, 0, ""
}

// notMentioned says why a message that does not @-mention the bot is not
// sent (the page's script says the same).
func notMentioned(bot string) string {
	return "DingTalk sends a group message to a bot only when it @-mentions the bot: tick “@" + bot + "” or write @" + bot + " in the message"
}
