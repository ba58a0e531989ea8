// How the inbox shows one message: the markdown pipeline (goldmark, then
// bluemonday), the URL check that decides which links and pictures stay
// live, the @-mention highlighting of text and markdown, and msgView, the
// message as the chat templates draw it.

package inbox

import (
	"bytes"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/renderer/html"
	xhtml "golang.org/x/net/html"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
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
