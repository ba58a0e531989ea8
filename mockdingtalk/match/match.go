// The entry matchers: one EntryMatcher per thing a test asserts about one
// journal entry (signed, delivered, rejected with an errcode, its token,
// msgtype, text, title, hint, mentions, warnings), with one-line failure
// messages.

package match

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"text/template"

	"github.com/onsi/gomega"
	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// EntryMatcher is a Gomega matcher over one journal entry. ContainMessage
// uses its description to explain, per entry, why an entry did not match.
type EntryMatcher struct {
	gcustom.CustomGomegaMatcher
	c *check
}

// check is one property of an entry: test reports whether e has it and
// what e has instead (for messages).
type check struct {
	want  string
	inner types.GomegaMatcher                         // matcher of a transformed value, or nil
	value func(e journal.Entry) any                   // the transformed value, when inner is set
	test  func(e journal.Entry) (ok bool, has string) // when inner is nil
	about func(e journal.Entry) string                // what e has, when inner is set
}

func (c *check) match(e journal.Entry) (bool, error) {
	if c.inner != nil {
		return c.inner.Match(c.value(e))
	}
	ok, _ := c.test(e)
	return ok, nil
}

// has says what the entry has in place of the wanted property.
func (c *check) has(e journal.Entry) string {
	if c.inner != nil {
		return c.about(e)
	}
	_, h := c.test(e)
	return h
}

// Show is used by the failure template: the entry in one line and what it has.
func (c *check) Show(actual any) string {
	e, err := toEntry(actual)
	if err != nil {
		return format.Object(actual, 1)
	}
	return "    " + Summary(e) + "\n    (" + c.has(e) + ")"
}

// Expect is used by the failure template: what was wanted, with the inner
// matcher's own message when there is one.
func (c *check) Expect(actual any, failure bool) string {
	if c.inner == nil {
		return c.want
	}
	e, err := toEntry(actual)
	if err != nil {
		return c.want
	}
	v := c.value(e)
	msg := c.inner.FailureMessage(v)
	if !failure {
		msg = c.inner.NegatedFailureMessage(v)
	}
	return c.want + ":\n" + indent(msg)
}

var entryTemplate = template.Must(gcustom.ParseTemplate(
	"Expected journal entry\n{{.Data.Show .Actual}}\n{{.To}} {{.Data.Expect .Actual .Failure}}"))

func newMatcher(c *check) EntryMatcher {
	m := gcustom.MakeMatcher(func(actual any) (bool, error) {
		e, err := toEntry(actual)
		if err != nil {
			return false, err
		}
		return c.match(e)
	}).WithPrecompiledTemplate(entryTemplate, c)
	return EntryMatcher{CustomGomegaMatcher: m, c: c}
}

// simple builds a matcher from a predicate and a description of what the
// entry has instead.
func simple(want string, test func(e journal.Entry) (bool, string)) EntryMatcher {
	return newMatcher(&check{want: want, test: test})
}

// nested builds a matcher that applies m (or Equal(m) when m is not a
// matcher) to a value taken from the entry.
func nested(want string, m any, value func(journal.Entry) any, about func(journal.Entry) string) EntryMatcher {
	inner, ok := m.(types.GomegaMatcher)
	if ok {
		want += " " + matcherString(inner)
	} else {
		inner = gomega.Equal(m)
		want += " " + format.Object(m, 0)
	}
	return newMatcher(&check{want: want, inner: inner, value: value, about: about})
}

// matcherString names a Gomega matcher and its settings in one line, such
// as ContainSubstringMatcher{Substr:disk Args:[]}.
func matcherString(m types.GomegaMatcher) string {
	t := reflect.TypeOf(m)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	v := strings.TrimPrefix(fmt.Sprintf("%+v", m), "&")
	if strings.HasPrefix(v, "{") {
		return t.Name() + v
	}
	return t.Name()
}

func toEntry(actual any) (journal.Entry, error) {
	switch e := actual.(type) {
	case journal.Entry:
		return e, nil
	case *journal.Entry:
		if e != nil {
			return *e, nil
		}
	}
	return journal.Entry{}, fmt.Errorf("match: expected a journal.Entry or *journal.Entry, got\n%s", format.Object(actual, 1))
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// BeSigned succeeds for an entry whose request carried timestamp and sign
// parameters and passed the sign check. (A robot without a secret passes
// the check for unsigned requests; those do not count as signed.)
func BeSigned() EntryMatcher {
	return simple("be signed (timestamp and sign present and verified)", func(e journal.Entry) (bool, string) {
		c, ok := findCheck(e, journal.CheckSign)
		params := hasParam(e.RawQuery, "timestamp") && hasParam(e.RawQuery, "sign")
		switch {
		case !ok:
			return false, "no sign check ran: the request was rejected before it"
		case !params:
			return false, "no timestamp and sign in the query; sign check: " + checkText(c)
		}
		return c.Passed, "sign check: " + checkText(c)
	})
}

// BeDelivered succeeds for an entry whose message reached the group:
// accepted and not a repeated msgUuid.
func BeDelivered() EntryMatcher {
	return simple("be delivered", func(e journal.Entry) (bool, string) {
		return e.Delivered, outcome(e)
	})
}

// BeAccepted succeeds for an entry answered with errcode 0 (delivered, or
// a repeated msgUuid acknowledged without delivery).
func BeAccepted() EntryMatcher {
	return simple("be accepted (errcode 0)", func(e journal.Entry) (bool, string) {
		return e.Accepted, outcome(e)
	})
}

// HaveRejectedWith succeeds for an entry that was not accepted and was
// answered with errcode.
func HaveRejectedWith(errcode int) EntryMatcher {
	return simple(fmt.Sprintf("have been rejected with errcode %d", errcode), func(e journal.Entry) (bool, string) {
		return !e.Accepted && e.Response.ErrCode == errcode, outcome(e)
	})
}

// HaveReason succeeds for an entry the fake answered for reason (for
// example dingtalk.ReasonKeywordMissing).
func HaveReason(reason dingtalk.Reason) EntryMatcher {
	return simple(fmt.Sprintf("have reason %q", reason), func(e journal.Entry) (bool, string) {
		return e.Reason == reason, fmt.Sprintf("reason %q", e.Reason)
	})
}

// HaveAccessToken succeeds for an entry sent to the robot with token.
func HaveAccessToken(token string) EntryMatcher {
	return simple(fmt.Sprintf("be sent to access_token %q", token), func(e journal.Entry) (bool, string) {
		return e.AccessToken == token, fmt.Sprintf("access_token %q", e.AccessToken)
	})
}

// HaveMsgType succeeds for an entry whose body parsed with that msgtype.
func HaveMsgType(msgtype string) EntryMatcher {
	return simple(fmt.Sprintf("have msgtype %q", msgtype), func(e journal.Entry) (bool, string) {
		if e.Message == nil {
			return false, "no parsed message"
		}
		return e.Message.MsgType == msgtype, fmt.Sprintf("msgtype %q", e.Message.MsgType)
	})
}

// HaveText applies m to the message's main text (text.content,
// markdown.text, link.text or actionCard.text; "" for the others or when
// the body did not parse). A non-matcher m means Equal(m).
func HaveText(m any) EntryMatcher {
	return nested("have text", m,
		func(e journal.Entry) any { return body(e) },
		func(e journal.Entry) string { return "text " + short(body(e)) })
}

// HaveTitle applies m to the message's title (markdown, link or
// actionCard title; "" for the others). A non-matcher m means Equal(m).
func HaveTitle(m any) EntryMatcher {
	return nested("have title", m,
		func(e journal.Entry) any { return title(e) },
		func(e journal.Entry) string { return "title " + short(title(e)) })
}

// HaveHint applies m to the entry's hint (empty for accepted requests). A
// non-matcher m means Equal(m).
func HaveHint(m any) EntryMatcher {
	return nested("have hint", m,
		func(e journal.Entry) any { return e.Hint },
		func(e journal.Entry) string { return "hint " + short(e.Hint) })
}

// MentionMobile succeeds for a message whose at.atMobiles lists mobile.
func MentionMobile(mobile string) EntryMatcher {
	return simple(fmt.Sprintf("mention mobile %q (at.atMobiles)", mobile), func(e journal.Entry) (bool, string) {
		at := atOf(e)
		return slices.Contains(at.AtMobiles, mobile), fmt.Sprintf("atMobiles %q", at.AtMobiles)
	})
}

// MentionUserID succeeds for a message whose at.atUserIds lists id.
func MentionUserID(id string) EntryMatcher {
	return simple(fmt.Sprintf("mention user id %q (at.atUserIds)", id), func(e journal.Entry) (bool, string) {
		at := atOf(e)
		return slices.Contains(at.AtUserIds, id), fmt.Sprintf("atUserIds %q", at.AtUserIds)
	})
}

// MentionAll succeeds for a message with at.isAtAll true.
func MentionAll() EntryMatcher {
	return simple("mention everyone (at.isAtAll)", func(e journal.Entry) (bool, string) {
		return bool(atOf(e).IsAtAll), fmt.Sprintf("isAtAll %t", bool(atOf(e).IsAtAll))
	})
}

func atOf(e journal.Entry) dingtalk.At {
	if e.Message == nil || e.Message.At == nil {
		return dingtalk.At{}
	}
	return *e.Message.At
}

func body(e journal.Entry) string {
	if e.Message == nil {
		return ""
	}
	return e.Message.Body()
}

func title(e journal.Entry) string {
	m := e.Message
	switch {
	case m == nil:
		return ""
	case m.MsgType == dingtalk.MsgMarkdown && m.Markdown != nil:
		return m.Markdown.Title
	case m.MsgType == dingtalk.MsgLink && m.Link != nil:
		return m.Link.Title
	case m.MsgType == dingtalk.MsgActionCard && m.ActionCard != nil:
		return m.ActionCard.Title
	}
	return ""
}

func findCheck(e journal.Entry, name journal.CheckName) (journal.Check, bool) {
	for _, c := range e.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return journal.Check{}, false
}

func checkText(c journal.Check) string {
	s := "failed"
	if c.Passed {
		s = "passed"
	}
	if c.Detail != "" {
		s += ", " + c.Detail
	}
	return s
}

// hasParam reports whether the raw query has a non-empty parameter name.
func hasParam(rawQuery, name string) bool {
	for _, part := range strings.Split(rawQuery, "&") {
		if n, v, _ := strings.Cut(part, "="); n == name && v != "" {
			return true
		}
	}
	return false
}

func outcome(e journal.Entry) string {
	switch {
	case e.Delivered:
		return "delivered"
	case e.Duplicate:
		return "accepted as a repeated msgUuid, not delivered"
	case e.Accepted:
		return "accepted, not delivered"
	}
	return fmt.Sprintf("rejected: errcode %d (%s)", e.Response.ErrCode, e.Reason)
}

// HaveWarning succeeds for an entry with a warning containing substr: an
// accepted message that will not do what its sender meant (see
// HaveNoWarnings).
func HaveWarning(substr string) EntryMatcher {
	return simple(fmt.Sprintf("have a warning containing %q", substr), func(e journal.Entry) (bool, string) {
		for _, w := range e.Warnings {
			if strings.Contains(w, substr) {
				return true, ""
			}
		}
		return false, warningsText(e)
	})
}

// HaveNoWarnings succeeds for an entry, or every entry of a
// []journal.Entry, without warnings: no accepted message that will do
// something else than its sender meant (a mention nobody receives,
// markdown DingTalk does not render, an at object it could not read).
// A client's test suite can end with
//
//	Expect(fake.Entries(journal.Filter{})).To(match.HaveNoWarnings())
//
// The failure message lists each entry with its warnings.
func HaveNoWarnings() types.GomegaMatcher { return noWarnings{} }

type noWarnings struct{}

func (noWarnings) Match(actual any) (bool, error) {
	entries, err := entriesOf(actual)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if len(e.Warnings) > 0 {
			return false, nil
		}
	}
	return true, nil
}

func (noWarnings) FailureMessage(actual any) string {
	entries, _ := entriesOf(actual)
	var b strings.Builder
	b.WriteString("Expected no warnings, but:")
	for _, e := range entries {
		if len(e.Warnings) > 0 {
			b.WriteString("\n    " + Summary(e) + "\n      " + warningsText(e))
		}
	}
	return b.String()
}

func (noWarnings) NegatedFailureMessage(actual any) string {
	return "Expected some warnings, but there were none in " + format.Object(actual, 1)
}

// entriesOf accepts one entry (value or pointer) or a slice of entries.
func entriesOf(actual any) ([]journal.Entry, error) {
	if e, err := toEntry(actual); err == nil {
		return []journal.Entry{e}, nil
	}
	return toEntries(actual)
}

// warningsText lists an entry's warnings, or says there are none.
func warningsText(e journal.Entry) string {
	if len(e.Warnings) == 0 {
		return "no warnings"
	}
	return "warnings:\n      - " + strings.Join(e.Warnings, "\n      - ")
}
