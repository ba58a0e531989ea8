// Warnings for accepted messages: what DingTalk will do differently from
// what the sender most likely meant (a mention nobody receives, markdown
// it does not render, an at object it could not read). The answer stays
// errcode 0, as DingTalk's does; the warnings are extra.

package diagnose

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// sendPath is the robot webhook's path.
const sendPath = "/robot/send"

// maxMentions is how many people one message may @ (docs/dingtalk-behaviour.md:
// Medium, one secondary transcript).
const maxMentions = 50

// Accepted is what Warnings looks at: the parts of an accepted request.
type Accepted struct {
	// Path is the request path as received (URL-decoded, not cleaned).
	Path        string
	ContentType string
	Body        []byte
	// Message is Body as dingtalk.ParseMessage read it.
	Message *dingtalk.Message
}

// Warnings returns, in plain language, what an accepted message will do
// differently from what its sender most likely meant, or nil. It is a
// pure function of the request, so it gives the same answer when the
// message arrives and when the journal is read later; for a message with
// nothing to warn about it does not allocate.
func Warnings(req Accepted) (out []string) {
	if req.Path != sendPath && req.Path != "" {
		out = append(out, fmt.Sprintf("The path %s has repeated slashes (a webhook base URL ending in '/' joined with /robot/send?); the fake delivered it as /robot/send, as a front end that merges slashes does, but DingTalk's answer for this path is unconfirmed: send to /robot/send.", quote(req.Path)))
	}
	if w := encodingWarning(req.ContentType, req.Body); w != "" {
		out = append(out, w)
	}
	m := req.Message
	if m == nil {
		return out
	}
	for _, note := range m.Ignored() {
		out = append(out, "The at object was not read as sent: "+note+".")
	}
	defer func() { out = capWarnings(out) }()
	switch {
	case m.MsgType == dingtalk.MsgText && m.Text != nil:
		out = mentionWarnings(out, "text.content", m.Text.Content, m.At)
	case m.MsgType == dingtalk.MsgMarkdown && m.Markdown != nil:
		out = mentionWarnings(out, "markdown.text", m.Markdown.Text, m.At)
		out = markdownWarnings(out, "markdown.text", m.Markdown.Text)
	case m.MsgType == dingtalk.MsgActionCard && m.ActionCard != nil:
		out = markdownWarnings(out, "actionCard.text", m.ActionCard.Text)
	}
	return out
}

// maxWarnings is how many warnings one message gets; the rest are counted.
const maxWarnings = 10

func capWarnings(out []string) []string {
	if len(out) <= maxWarnings {
		return out
	}
	return append(out[:maxWarnings-1], fmt.Sprintf("... and %d more warnings like these.", len(out)-maxWarnings+1))
}

// mentionWarnings compares the @-mentions written in text with the people
// the at object notifies.
func mentionWarnings(out []string, where, text string, at *dingtalk.At) []string {
	var mobiles, ids []string
	all := false
	if at != nil {
		mobiles, all = at.AtMobiles, bool(at.IsAtAll)
		ids = append(slices.Clip(at.AtUserIds), at.AtDingtalkIds...)
	}
	// Written @<digits> with no matching entry: shown, nobody notified.
	if !all && strings.IndexByte(text, '@') >= 0 {
		for _, mobile := range writtenMobiles(text) {
			if len(out) > maxWarnings {
				return out // capped anyway: a hostile body must not cost more
			}
			if !slices.Contains(mobiles, mobile) && !slices.Contains(ids, mobile) {
				out = append(out, fmt.Sprintf("%s writes @%s but at.atMobiles does not list %s: DingTalk shows the text, but nobody is notified for that mention (add %q to at.atMobiles).", where, mobile, mobile, mobile))
			}
		}
	}
	// Listed but not written: notified, but the message shows no mention.
	for _, list := range []struct {
		name string
		ids  []string
	}{{"at.atMobiles", mobiles}, {"at.atUserIds", ids}} {
		if len(list.ids) == 0 {
			continue // most messages: no map to make
		}
		seen := make(map[string]bool, len(list.ids))
		for _, id := range list.ids {
			if len(out) > maxWarnings {
				return out
			}
			if id = strings.TrimSpace(id); id == "" || seen[id] {
				continue
			}
			seen[id] = true
			if !strings.Contains(text, "@"+id) {
				at := quote("@" + id)
				out = append(out, fmt.Sprintf("%s lists %s but %s does not write %s: DingTalk notifies them, but the message shows no mention (write %s in the text, as DingTalk's examples do).", list.name, quote(id), where, at, at))
			}
		}
	}
	if n := len(mobiles) + len(ids); n > maxMentions {
		out = append(out, fmt.Sprintf("The at object lists %d people; DingTalk mentions at most %d per message (per a secondary transcript of its docs), so some will not be notified.", n, maxMentions))
	}
	return out
}

// writtenMobiles returns the phone-number mentions written in text: '@'
// at the start or after a character that is not part of a word (so not an
// e-mail address), then at least five digits.
func writtenMobiles(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || (i > 0 && isWordByte(text[i-1])) {
			continue
		}
		j := i + 1
		for j < len(text) && '0' <= text[j] && text[j] <= '9' {
			j++
		}
		if j-i-1 >= 5 && (j == len(text) || !isWordByte(text[j])) && !slices.Contains(out, text[i+1:j]) {
			out = append(out, text[i+1:j])
			if len(out) > maxWarnings {
				break
			}
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// Markdown DingTalk does not render. Its subset (docs/dingtalk-behaviour.md, Medium) is
// headings, quotes, bold, italic, links, images, lists and <font color>;
// anything else shows as its raw characters or not at all.
var (
	tableDelimiter = regexp.MustCompile(`^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$`)
	ruleLine       = regexp.MustCompile(`^ {0,3}([-*_])( *[-*_]){2,} *$`)
	inlineCode     = regexp.MustCompile("`[^`\n]+`")
	strikethrough  = regexp.MustCompile(`~~[^~\n]+~~`)
	htmlTag        = regexp.MustCompile(`</?([a-zA-Z][a-zA-Z0-9]*)\b[^>\n]*>`)
)

// markdownWarnings names each markdown construct in text that DingTalk
// does not render, once, with the line it first appears on.
func markdownWarnings(out []string, where, text string) []string {
	if !strings.ContainsAny(text, "|-*_`~<") {
		return out
	}
	found := map[string]int{}
	note := func(what string, line int) {
		if _, ok := found[what]; !ok {
			found[what] = line
		}
	}
	lines := strings.Split(text, "\n")
	prevBlank := true
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		trimmed := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			note("a fenced code block (```)", i+1)
		case i > 0 && strings.Contains(lines[i-1], "|") && tableDelimiter.MatchString(l):
			note("a table (| a | b | with a |---| row; DingTalk does not support tables)", i)
		case prevBlank && ruleLine.MatchString(l):
			note("a horizontal rule (---)", i+1)
		}
		if inlineCode.MatchString(l) && !strings.HasPrefix(trimmed, "```") {
			note("inline code (`...`)", i+1)
		}
		if strikethrough.MatchString(l) {
			note("strikethrough (~~...~~)", i+1)
		}
		for _, m := range htmlTag.FindAllStringSubmatch(l, -1) {
			if tag := strings.ToLower(m[1]); tag != "font" && tag != "br" {
				note("the HTML tag <"+tag+"> (only <font color=...> is rendered)", i+1)
			}
		}
		prevBlank = trimmed == ""
	}
	names := make([]string, 0, len(found))
	for what := range found {
		names = append(names, what)
	}
	slices.SortFunc(names, func(a, b string) int {
		if found[a] != found[b] {
			return found[a] - found[b]
		}
		return strings.Compare(a, b)
	})
	for _, what := range names {
		out = append(out, fmt.Sprintf("%s uses %s on line %d, which DingTalk's markdown does not render: the reader sees the raw characters (or nothing).", where, what, found[what]))
	}
	return out
}
