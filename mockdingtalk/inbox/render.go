// What the inbox shows of each journal entry and robot: the view models the
// templates render, the markdown pipeline (goldmark, then bluemonday), the
// URL check that decides which links and pictures stay live, and the
// @-mention highlighting of text messages.
package inbox

import (
	"bytes"
	"hash/fnv"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/renderer/html"
	xhtml "golang.org/x/net/html"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// fontColor is what <font color=…> may hold: a #hex colour or a colour name.
var fontColor = regexp.MustCompile(`^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|[a-zA-Z]{3,20})$`)

// renderer turns untrusted message markdown into safe HTML.
type renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newRenderer() *renderer {
	// Plain CommonMark: no tables or other extensions. Raw HTML is passed
	// on (html.WithUnsafe) only so that DingTalk's one HTML feature,
	// <font color=…>, reaches the policy below, which drops every other
	// tag and attribute; goldmark still empties dangerous link
	// destinations of markdown links.
	md := goldmark.New(goldmark.WithRendererOptions(html.WithUnsafe()))

	// Only DingTalk's markdown subset survives: headings, paragraphs and
	// line breaks, quotes, bold, italic, links, images, lists and coloured
	// text. Other tags (code, tables, rules, scripts) are stripped and
	// their text kept.
	p := bluemonday.NewPolicy()
	p.AllowElements("h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "blockquote", "strong", "em", "b", "i", "ul", "ol", "li")
	p.AllowAttrs("color").Matching(fontColor).OnElements("font")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("href", "title").OnElements("a")
	p.AllowAttrs("src", "alt", "title").OnElements("img")
	p.AllowURLSchemes("http", "https", "dingtalk")
	p.AllowRelativeURLs(false)
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &renderer{md: md, policy: p}
}

// markdown renders DingTalk-flavoured markdown to sanitized HTML.
func (rd *renderer) markdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := rd.md.Convert([]byte(src), &buf); err != nil {
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	// The policy's output is safe HTML by construction.
	return template.HTML(rd.policy.SanitizeBytes(buf.Bytes()))
}

// checkURL reports whether raw may become a live href (link true) or img
// src (link false): an absolute http or https URL with a host, or for links
// also a dingtalk: URL (DingTalk's in-app links). Anything else, such as
// javascript:, data: or a relative path, is rendered inert.
func checkURL(raw string, link bool) (template.URL, bool) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return "", false
		}
	case "dingtalk":
		if !link {
			return "", false
		}
	default:
		return "", false
	}
	// Only the schemes checked above get here, so the URL is safe to trust.
	return template.URL(u.String()), true
}

// target is a URL as the page uses it: live when it passed checkURL,
// otherwise shown as text only with the reason.
type target struct {
	URL     template.URL
	Raw     string
	Blocked bool
}

func linkTarget(raw string) target {
	u, ok := checkURL(raw, true)
	return target{URL: u, Raw: raw, Blocked: !ok && raw != ""}
}

func picTarget(raw string) target {
	u, ok := checkURL(raw, false)
	return target{URL: u, Raw: raw, Blocked: !ok && raw != ""}
}

// segment is a run of text message content, a mention or not.
type segment struct {
	Text    string
	Mention bool
}

// mention is one person (or everyone) the message notifies.
type mention struct {
	Name string // "@13800000000", "@all"
	// Written: the text contains the @name, so DingTalk shows it.
	Written bool
}

// msgView is a message as the chat shows it.
type msgView struct {
	Type  string
	Label string
	// Title is the title DingTalk shows only in the chat list and the
	// notification (markdown and actionCard).
	Title      string
	Segments   []segment
	HTML       template.HTML
	Card       *cardView
	Buttons    []buttonView
	Horizontal bool
	Single     bool
	HideAvatar bool
	Feed       []cardView
	Image      *target
	Mentions   []mention
	AtAll      bool
	// AtAllUnwritten: isAtAll is set but the text does not write @所有人
	// (or @all); the chat shows "@所有人" after the text, as DingTalk does.
	AtAllUnwritten bool
	// Empty: the msgtype's object is missing (a rejected request).
	Empty bool
	// Unsupported: a msgtype the webhook does not deliver.
	Unsupported bool
}

// cardView is a link card or one feedCard entry.
type cardView struct {
	Title string
	Text  string
	Link  target
	Pic   target
}

// buttonView is one actionCard button.
type buttonView struct {
	Title string
	Link  target
}

var msgLabels = map[string]string{
	dingtalk.MsgText:       "text",
	dingtalk.MsgMarkdown:   "markdown",
	dingtalk.MsgLink:       "link",
	dingtalk.MsgActionCard: "actionCard",
	dingtalk.MsgFeedCard:   "feedCard",
	dingtalk.MsgImage:      "image",
}

func (rd *renderer) message(m *dingtalk.Message) *msgView {
	v := &msgView{Type: m.MsgType, Label: msgLabels[m.MsgType]}
	if v.Label == "" {
		v.Label = m.MsgType
	}
	switch m.MsgType {
	case dingtalk.MsgText:
		if m.Text == nil {
			v.Empty = true
			break
		}
		v.Segments, v.Mentions, v.AtAll, _ = mentions(m.Text.Content, m.At)
		v.AtAllUnwritten = v.AtAll && !atAllWritten(m.Text.Content)
	case dingtalk.MsgMarkdown:
		if m.Markdown == nil {
			v.Empty = true
			break
		}
		v.Title = m.Markdown.Title
		var names []string
		_, v.Mentions, v.AtAll, names = mentions(m.Markdown.Text, m.At)
		v.HTML = highlightMentions(rd.markdown(m.Markdown.Text), names)
		v.AtAllUnwritten = v.AtAll && !atAllWritten(m.Markdown.Text)
	case dingtalk.MsgLink:
		if m.Link == nil {
			v.Empty = true
			break
		}
		v.Card = &cardView{Title: m.Link.Title, Text: m.Link.Text,
			Link: linkTarget(m.Link.MessageURL), Pic: picTarget(m.Link.PicURL)}
	case dingtalk.MsgActionCard:
		c := m.ActionCard
		if c == nil {
			v.Empty = true
			break
		}
		v.Title = c.Title
		v.HTML = rd.markdown(c.Text)
		v.HideAvatar = c.HideAvatar == "1"
		v.Horizontal = c.BtnOrientation == "1"
		if c.SingleTitle != "" || c.SingleURL != "" {
			v.Single = true
			v.Buttons = []buttonView{{Title: c.SingleTitle, Link: linkTarget(c.SingleURL)}}
		} else {
			for _, b := range c.Btns {
				v.Buttons = append(v.Buttons, buttonView{Title: b.Title, Link: linkTarget(b.ActionURL)})
			}
		}
	case dingtalk.MsgFeedCard:
		if m.FeedCard == nil || len(m.FeedCard.Links) == 0 {
			v.Empty = true
			break
		}
		for _, l := range m.FeedCard.Links {
			v.Feed = append(v.Feed, cardView{Title: l.Title, Link: linkTarget(l.MessageURL), Pic: picTarget(l.PicURL)})
		}
	case dingtalk.MsgImage:
		if m.Image == nil {
			v.Empty = true
			break
		}
		t := picTarget(m.Image.PicURL)
		v.Image = &t
	default:
		v.Unsupported = true
	}
	return v
}

// mentions splits text content into plain runs and the @-mentions DingTalk
// highlights: "@<mobile>", "@<userId>" or "@<dingtalkId>" listed in at, and
// "@all" / "@所有人" when isAtAll. It also lists everyone notified and
// whether the text names them, and returns the names it highlights
// (without '@', longest first).
func mentions(content string, at *dingtalk.At) ([]segment, []mention, bool, []string) {
	var names []string
	atAll := false
	if at != nil {
		for _, list := range [][]string{at.AtMobiles, at.AtUserIds, at.AtDingtalkIds} {
			for _, n := range list {
				if n = strings.TrimSpace(n); n != "" && !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
		atAll = bool(at.IsAtAll)
	}
	var ms []mention
	if atAll {
		// Shown either way: the chat adds @所有人 when the text lacks it.
		ms = append(ms, mention{Name: "@所有人", Written: true})
	}
	for _, n := range names {
		ms = append(ms, mention{Name: "@" + n, Written: strings.Contains(content, "@"+n)})
	}
	match := slices.Clone(names)
	if atAll {
		match = append(match, "all", "所有人")
	}
	// Longest first, so "@1380000000012" is not cut at "@13800000000".
	sort.SliceStable(match, func(i, j int) bool { return len(match[i]) > len(match[j]) })

	var segs []segment
	plain := 0
	for i := 0; i < len(content); {
		k := strings.IndexByte(content[i:], '@')
		if k < 0 {
			break
		}
		i += k
		found := ""
		for _, n := range match {
			if strings.HasPrefix(content[i+1:], n) {
				found = n
				break
			}
		}
		if found == "" {
			i++
			continue
		}
		if plain < i {
			segs = append(segs, segment{Text: content[plain:i]})
		}
		segs = append(segs, segment{Text: "@" + found, Mention: true})
		i += 1 + len(found)
		plain = i
	}
	if plain < len(content) {
		segs = append(segs, segment{Text: content[plain:]})
	}
	return segs, ms, atAll, match
}

// atAllWritten reports whether content writes the @everyone mention.
func atAllWritten(content string) bool {
	return strings.Contains(content, "@所有人") || strings.Contains(content, "@all")
}

// mentionAt returns the first of names that rest starts with, or "".
func mentionAt(rest string, names []string) string {
	for _, n := range names {
		if n != "" && strings.HasPrefix(rest, n) {
			return n
		}
	}
	return ""
}

// highlightMentions marks each "@<name>" in the text of sanitized HTML
// as a mention, as DingTalk highlights them in markdown as in text. An
// HTML tokenizer separates text from tags, so attributes are never
// touched; names (longest first) are matched in their HTML-escaped form
// and the markup added is fixed, so the result is as safe as the input.
func highlightMentions(h template.HTML, names []string) template.HTML {
	if len(names) == 0 || !strings.Contains(string(h), "@") {
		return h
	}
	esc := make([]string, len(names))
	for i, n := range names {
		esc[i] = template.HTMLEscapeString(n)
	}
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(string(h)))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return template.HTML(b.String()) // only fixed markup was added to safe HTML
		case xhtml.TextToken:
			markMentions(&b, string(z.Raw()), esc)
		default:
			b.Write(z.Raw())
		}
	}
}

// markMentions writes text (raw, still HTML-escaped) to b with each
// "@<name>" wrapped in a mention span.
func markMentions(b *strings.Builder, text string, names []string) {
	for i := 0; i < len(text); i++ {
		if text[i] == '@' {
			if n := mentionAt(text[i+1:], names); n != "" {
				b.WriteString(`<span class="at">@` + n + `</span>`)
				i += len(n)
				continue
			}
		}
		b.WriteByte(text[i])
	}
}

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

func shortToken(t string) string {
	if utf8.RuneCountInString(t) <= 10 {
		return t
	}
	return string([]rune(t)[:8]) + "…"
}

func colorOf(token string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(token))
	return int(h.Sum32() % 6)
}

func viewRobot(r Robot) robotView {
	v := robotView{Token: r.AccessToken, Name: r.Name, Short: shortToken(r.AccessToken),
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

func (idx robotIndex) get(token string) robotView {
	if v, ok := idx[token]; ok {
		return v
	}
	v := robotView{Token: token, Short: shortToken(token), Color: colorOf(token)}
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
	v := entryView{Seq: e.Seq, Robot: idx.get(e.AccessToken), Fault: e.Fault, Warnings: e.Warnings}
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
	idx := newRobotIndex(in.robots())
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

// sidebarData is the robot list.
type sidebarData struct {
	AllActive bool
	Total     int
	Robots    []robotItem
}

func (in *Inbox) sidebar(selected string) sidebarData {
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
	for k, i := range newest {
		if i == 0 {
			continue
		}
		e := snap.Entry(i - 1)
		it := &items[k]
		it.Preview, it.PreviewRejected = preview(&e)
		if !e.Time.IsZero() {
			it.Clock = e.Time.Format("15:04")
		}
	}
	return sidebarData{AllActive: selected == "", Total: snap.Len(), Robots: items}
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
	Stream   fragmentData
	Dropped  uint64
	Example  string
	Signed   bool
	HasRobot bool
}

func (in *Inbox) pageData(q query) pageData {
	p := pageData{Sidebar: in.sidebar(q.robot), Token: q.robot, Dropped: in.journal.Dropped()}
	q.since = 0
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
