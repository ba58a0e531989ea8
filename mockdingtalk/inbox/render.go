// The page models the inbox templates render: a robot as the sidebar and
// header show it, a journal entry with its status, rejection and raw
// request, a run of entries (fragment), the robot list (sidebar) and the
// whole page. How each message itself is drawn is in message.go.

package inbox

import (
	"hash/fnv"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// robotView is a robot as the page header and sidebar show it.
type robotView struct {
	Token      string
	Name       string
	Short      string
	Color      int
	WebhookURL string
	Secret     string
	// Known: the token belongs to a configured robot.
	Known bool
}

func colorOf(token string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(token))
	return int(h.Sum32() % 6)
}

func viewRobot(r Robot) robotView {
	v := robotView{Token: r.AccessToken, Name: r.Name, Short: redact.Short(r.AccessToken),
		Color: colorOf(r.AccessToken), WebhookURL: r.WebhookURL, Secret: r.Secret, Known: true}
	if v.Name == "" {
		v.Name = "Robot " + v.Short
	}
	return v
}

// robotIndex finds robots by token, inventing a view for unknown tokens.
type robotIndex map[string]robotView

func newRobotIndex(robots []Robot) robotIndex {
	idx := make(robotIndex, len(robots))
	for _, r := range robots {
		idx[r.AccessToken] = viewRobot(r)
	}
	return idx
}

// index is the robot index of a render: the webhook robots and, when the
// inbox shows app robots, the apps.
func (in *Inbox) index() robotIndex {
	idx := newRobotIndex(in.robots())
	if in.apps != nil {
		for _, a := range in.apps.Apps() {
			idx[appKeyPrefix+a.AppKey] = viewApp(a)
		}
	}
	return idx
}

// app is the view of the app appKey (one invented for an unknown app).
func (idx robotIndex) app(appKey string) robotView {
	if v, ok := idx[appKeyPrefix+appKey]; ok {
		return v
	}
	return robotView{Name: appKey, Short: appKey, Color: colorOf(appKey)}
}

// entryRobot is who sent an entry: the app, for the app robot API's
// requests, else the webhook robot its token names.
func (idx robotIndex) entryRobot(e *journal.Entry) robotView {
	if e.AppKey != "" {
		return idx.app(e.AppKey)
	}
	return idx.get(e.AccessToken)
}

func (idx robotIndex) get(token string) robotView {
	if v, ok := idx[token]; ok {
		return v
	}
	v := robotView{Token: token, Short: redact.Short(token), Color: colorOf(token)}
	switch token {
	case "":
		v.Name = "No access_token"
	default:
		v.Name = "Unknown token " + v.Short
	}
	return v
}

// entryView is one journal entry as the chat shows it.
type entryView struct {
	Seq    uint64
	Robot  robotView
	Clock  string
	Stamp  string
	ISO    string
	Status string // delivered, duplicate, rejected, accepted
	Msg    *msgView
	Reject *rejectView
	Raw    rawView
	Fault  string
	// Warnings: the message was accepted, but will not do what its sender
	// most likely meant (journal.Entry.Warnings).
	Warnings []string
}

// rejectView is why the fake refused a request.
type rejectView struct {
	Title   string
	ErrCode int
	ErrMsg  string
	Hint    string
	Reason  string
}

// rawView is the request exactly as received, and the answer.
type rawView struct {
	Method     string
	Target     string
	RemoteAddr string
	Headers    []headerLine
	Body       string
	BodyNote   string
	RespStatus int
	RespBody   string
	Checks     []journal.Check
}

type headerLine struct{ Name, Value string }

func (in *Inbox) entryView(idx robotIndex, e *journal.Entry) entryView {
	v := entryView{Seq: e.Seq, Robot: idx.entryRobot(e), Fault: e.Fault, Warnings: e.Warnings}
	if !e.Time.IsZero() {
		v.Clock = e.Time.Format("15:04:05")
		v.Stamp = e.Time.Format("2006-01-02 15:04:05.000 MST")
		v.ISO = e.Time.Format(time.RFC3339Nano)
	}
	switch {
	case e.Duplicate:
		v.Status = "duplicate"
	case e.Delivered:
		v.Status = "delivered"
	case e.Accepted:
		v.Status = "accepted"
	default:
		v.Status = "rejected"
		v.Reject = rejection(e)
	}
	if e.Message != nil {
		v.Msg = in.render.message(e.Message)
	}
	v.Raw = raw(e)
	return v
}

func rejection(e *journal.Entry) *rejectView {
	r := &rejectView{ErrCode: e.Response.ErrCode, ErrMsg: e.Response.ErrMsg, Hint: e.Hint, Reason: string(e.Reason)}
	switch st := e.Response.Status; {
	case st == 0:
		r.Title = "No answer (connection dropped or held)"
	case st != http.StatusOK:
		r.Title = "HTTP " + strconv.Itoa(st) + " " + http.StatusText(st)
	default:
		r.Title = "errcode " + strconv.Itoa(e.Response.ErrCode)
	}
	return r
}

func raw(e *journal.Entry) rawView {
	r := rawView{Method: e.Method, Target: e.Path, RemoteAddr: e.RemoteAddr,
		RespStatus: e.Response.Status, Checks: e.Checks}
	if r.Method == "" {
		r.Method = "?"
	}
	if r.Target == "" {
		r.Target = "/robot/send"
	}
	if e.RawQuery != "" {
		r.Target += "?" + e.RawQuery
	}
	names := make([]string, 0, len(e.Header))
	for k := range e.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, val := range e.Header[k] {
			r.Headers = append(r.Headers, headerLine{Name: k, Value: val})
		}
	}
	switch {
	case len(e.Body) == 0:
		r.BodyNote = "(empty body)"
	case utf8.Valid(e.Body):
		r.Body = string(e.Body)
	default:
		r.BodyNote = "(" + strconv.Itoa(len(e.Body)) + " bytes, not valid UTF-8; see bodyBase64 in /_mock/messages)"
	}
	if utf8.Valid(e.Response.Body) {
		r.RespBody = string(e.Response.Body)
	} else {
		r.RespBody = "(" + strconv.Itoa(len(e.Response.Body)) + " bytes, not valid UTF-8)"
	}
	return r
}

// fragmentData is a run of rendered entries and where it leaves the reader.
type fragmentData struct {
	Entries []entryView
	// LastSeq: every entry with a Seq up to this one has been considered;
	// ask for since=LastSeq next.
	LastSeq uint64
	// Oldest is the Seq of the oldest entry the journal still holds;
	// entries before it were cleared or dropped.
	Oldest uint64
	// Skipped counts matching entries left out to keep the page small.
	Skipped int
}

func (in *Inbox) fragment(q query) fragmentData {
	before := in.journal.LastSeq()
	snap := in.journal.Snapshot(journal.Filter{AccessToken: q.robot, Since: q.since})
	f := fragmentData{LastSeq: max(before, q.since)}
	f.Skipped = max(snap.Len()-pageSize, 0)
	idx := in.index()
	for i := f.Skipped; i < snap.Len(); i++ {
		e := snap.Entry(i)
		f.LastSeq = max(f.LastSeq, e.Seq)
		f.Entries = append(f.Entries, in.entryView(idx, &e))
	}
	f.Oldest = in.oldest()
	return f
}

func (in *Inbox) oldest() uint64 {
	last := in.journal.LastSeq()
	if first := in.journal.List(journal.Filter{Limit: 1}); len(first) > 0 {
		return first[0].Seq
	}
	return last + 1
}

// robotItem is one row of the sidebar.
type robotItem struct {
	robotView
	Active          bool
	Delivered       int
	Rejected        int
	Preview         string
	PreviewRejected bool
	Clock           string
}

// sidebarData is the robot list, then the app robots' groups and
// one-to-one chats.
type sidebarData struct {
	AllActive bool
	Total     int
	Robots    []robotItem
	Groups    []groupItem
	Chats     []chatItem
}

func (in *Inbox) sidebar(q query) sidebarData {
	selected := q.robot
	robots := in.robots()
	items := make([]robotItem, 0, len(robots))
	pos := make(map[string]int, len(robots))
	for _, r := range robots {
		if _, dup := pos[r.AccessToken]; dup {
			continue
		}
		pos[r.AccessToken] = len(items)
		items = append(items, robotItem{robotView: viewRobot(r), Active: r.AccessToken == selected})
	}
	// Count from summaries; build only each robot's newest entry for its
	// preview (building every entry of a full journal takes milliseconds).
	snap := in.journal.Snapshot(journal.Filter{})
	newest := make([]int, len(items)) // 1 + index in snap of the robot's newest non-duplicate
	for i := range snap.Len() {
		e := snap.Summary(i)
		k, ok := pos[e.AccessToken]
		if !ok {
			continue
		}
		it := &items[k]
		switch {
		case e.Delivered:
			it.Delivered++
		case !e.Accepted:
			it.Rejected++
		}
		if !e.Duplicate {
			newest[k] = i + 1
		}
	}
	forNewest(snap, newest, func(k int, e *journal.Entry) {
		it := &items[k]
		it.Preview, it.PreviewRejected, it.Clock = newestLine(e)
	})
	groups, chats := in.appSidebar(snap, q)
	return sidebarData{AllActive: q.all(), Total: snap.Len(), Robots: items, Groups: groups, Chats: chats}
}

// forNewest calls f with each chat list row k that has a newest entry
// (newest[k] is 1 + its index in snap, 0 for none) and that entry.
func forNewest(snap *journal.Snapshot, newest []int, f func(k int, e *journal.Entry)) {
	for k, i := range newest {
		if i > 0 {
			e := snap.Entry(i - 1)
			f(k, &e)
		}
	}
}

// newestLine is what the chat list shows of a chat's newest entry: its
// preview, whether it was rejected, and its time of day.
func newestLine(e *journal.Entry) (string, bool, string) {
	p, bad := preview(e)
	clock := ""
	if !e.Time.IsZero() {
		clock = e.Time.Format("15:04")
	}
	return p, bad, clock
}

// preview is the one line the chat list shows for an entry.
func preview(e *journal.Entry) (string, bool) {
	if !e.Delivered && !e.Accepted {
		why := string(e.Reason)
		if why == "" {
			why = e.Response.ErrMsg
		}
		if e.Response.ErrCode != 0 {
			why = strconv.Itoa(e.Response.ErrCode) + " " + why
		}
		return clip("Rejected: "+why, 48), true
	}
	m := e.Message
	if m == nil {
		return "", false
	}
	var s string
	switch {
	case m.MsgType == dingtalk.MsgText && m.Text != nil:
		s = m.Text.Content
	case m.MsgType == dingtalk.MsgMarkdown && m.Markdown != nil:
		s = m.Markdown.Title
	case m.MsgType == dingtalk.MsgLink && m.Link != nil:
		s = "[Link] " + m.Link.Title
	case m.MsgType == dingtalk.MsgActionCard && m.ActionCard != nil:
		s = m.ActionCard.Title
	case m.MsgType == dingtalk.MsgFeedCard && m.FeedCard != nil && len(m.FeedCard.Links) > 0:
		s = "[Feed] " + m.FeedCard.Links[0].Title
	case m.MsgType == dingtalk.MsgImage:
		s = "[Image]"
	}
	return clip(s, 48), false
}

// clip returns the first line of s, cut to n runes.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return s
}

// pageData is the whole page.
type pageData struct {
	Sidebar  sidebarData
	Selected *robotView
	Token    string
	// Query is the page's view as a query string ("group=cid"), for the
	// script's fragment requests.
	Query    string
	Stream   fragmentData
	Group    *groupView
	Chat     *chatView
	Timeline *timelineData
	Dropped  uint64
	Example  string
	Signed   bool
	HasRobot bool
}

func (in *Inbox) pageData(q query) pageData {
	p := pageData{Sidebar: in.sidebar(q), Token: q.robot, Query: q.encode(), Dropped: in.journal.Dropped()}
	q.since = 0
	if t := in.appTimeline(q); t != nil {
		p.Timeline = t
		if q.group != "" {
			p.Group = in.groupView(q.group)
		} else {
			p.Chat = in.chatView(q.app, q.staff)
		}
		return p
	}
	p.Stream = in.fragment(q)
	robots := in.robots()
	p.HasRobot = len(robots) > 0
	var example *Robot
	for i := range robots {
		if robots[i].AccessToken == q.robot {
			example = &robots[i]
			break
		}
	}
	if q.robot != "" {
		v := newRobotIndex(robots).get(q.robot)
		p.Selected = &v
	} else if len(robots) > 0 {
		example = &robots[0]
	}
	if example != nil && example.WebhookURL != "" {
		p.Example = "curl '" + strings.ReplaceAll(example.WebhookURL, "'", `'\''`) + "' \\\n" +
			"  -H 'Content-Type: application/json' \\\n" +
			`  -d '{"msgtype":"text","text":{"content":"Hello from curl"}}'`
		p.Signed = example.Secret != ""
	}
	return p
}
