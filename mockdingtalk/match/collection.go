// The collection matcher: ContainMessage over a list of journal entries,
// and the one-line entry summary every failure message uses.

package match

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/onsi/gomega"
	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// maxShown is how many entries a failure message lists.
const maxShown = 20

// ContainMessage succeeds when at least one entry of a []journal.Entry (or
// []*journal.Entry) satisfies every one of matchers. With no matchers it
// succeeds for any non-empty list. Matchers may be this package's or any
// Gomega matcher that accepts a journal.Entry (gstruct, HaveField, …).
// The failure message lists the entries, one line each, with the first
// property each one lacks.
func ContainMessage(matchers ...types.GomegaMatcher) types.GomegaMatcher {
	return &containMessage{matchers: matchers}
}

type containMessage struct {
	matchers []types.GomegaMatcher
}

func (c *containMessage) Match(actual any) (bool, error) {
	_, hit, err := c.find(actual)
	return hit >= 0, err
}

// find returns the entries and the index of the first that matches (-1).
func (c *containMessage) find(actual any) ([]journal.Entry, int, error) {
	entries, err := toEntries(actual)
	if err != nil {
		return nil, -1, err
	}
	all := gomega.And(c.matchers...)
	for i, e := range entries {
		ok, err := all.Match(e)
		if err != nil {
			return entries, -1, fmt.Errorf("match: entry #%d: %w", e.Seq, err)
		}
		if ok {
			return entries, i, nil
		}
	}
	return entries, -1, nil
}

func (c *containMessage) FailureMessage(actual any) string {
	entries, _, err := c.find(actual)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Expected %s to contain a message that would %s\n", plural(len(entries), "journal entry", "journal entries"), c.describe())
	if len(entries) == 0 {
		b.WriteString("but the journal has no entries (did the client send to this fake, and to the right access_token?)")
		return b.String()
	}
	b.WriteString("but none does:\n")
	for i, e := range entries {
		if i == maxShown {
			fmt.Fprintf(&b, "    ... and %d more\n", len(entries)-maxShown)
			break
		}
		fmt.Fprintf(&b, "    %s\n        %s\n", Summary(e), c.why(e))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (c *containMessage) NegatedFailureMessage(actual any) string {
	entries, hit, err := c.find(actual)
	if err != nil {
		return err.Error()
	}
	if hit < 0 {
		return "Expected no matching message, and none matches now"
	}
	return fmt.Sprintf("Expected %s not to contain a message that would %s\nbut this one does:\n    %s",
		plural(len(entries), "journal entry", "journal entries"), c.describe(), Summary(entries[hit]))
}

// describe lists what every matcher wants.
func (c *containMessage) describe() string {
	if len(c.matchers) == 0 {
		return "exist"
	}
	parts := make([]string, len(c.matchers))
	for i, m := range c.matchers {
		if em, ok := m.(EntryMatcher); ok {
			parts[i] = em.c.want
		} else {
			parts[i] = fmt.Sprintf("satisfy %T", m)
		}
	}
	return strings.Join(parts, ", ")
}

// why names the first matcher entry e fails and what e has instead.
func (c *containMessage) why(e journal.Entry) string {
	for _, m := range c.matchers {
		if ok, _ := m.Match(e); ok {
			continue
		}
		if em, ok := m.(EntryMatcher); ok {
			return "fails to " + em.c.want + ": " + em.c.has(e)
		}
		return "fails " + strings.ReplaceAll(strings.TrimSpace(m.FailureMessage(e)), "\n", "\n        ")
	}
	return "matches"
}

func toEntries(actual any) ([]journal.Entry, error) {
	switch es := actual.(type) {
	case []journal.Entry:
		return es, nil
	case []*journal.Entry:
		out := make([]journal.Entry, 0, len(es))
		for _, e := range es {
			if e != nil {
				out = append(out, *e)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("match: ContainMessage expects a []journal.Entry, got\n%s", format.Object(actual, 1))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// maxText is how many bytes of a text Summary repeats.
const maxText = 60

func short(s string) string {
	if len(s) > maxText {
		cut := maxText
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}

// Summary describes an entry in one line: sequence number, robot,
// msgtype, title, text, mentions and outcome, e.g.
//
//	#3 token=4f2a1c9e… markdown title="Disk" text="disk full on db-1" @13800000000 signed delivered
func Summary(e journal.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d", e.Seq)
	if e.Method != "" && e.Method != "POST" {
		b.WriteString(" " + e.Method)
	}
	tok := e.AccessToken
	if len(tok) > 8 {
		tok = tok[:8] + "..."
	}
	fmt.Fprintf(&b, " token=%s", tok)
	if m := e.Message; m != nil {
		mt := m.MsgType
		if mt == "" {
			mt = `msgtype=""`
		}
		b.WriteString(" " + mt)
		if t := title(e); t != "" {
			b.WriteString(" title=" + short(t))
		}
		if t := body(e); t != "" {
			b.WriteString(" text=" + short(t))
		}
		at := atOf(e)
		for _, p := range at.AtMobiles {
			b.WriteString(" @" + p)
		}
		for _, p := range at.AtUserIds {
			b.WriteString(" @id:" + p)
		}
		if at.IsAtAll {
			b.WriteString(" @all")
		}
	} else if len(e.Body) > 0 {
		fmt.Fprintf(&b, " body=%s", short(string(e.Body)))
	}
	if c, ok := findCheck(e, journal.CheckSign); ok && c.Passed && hasParam(e.RawQuery, "sign") {
		b.WriteString(" signed")
	}
	switch {
	case e.Delivered:
		b.WriteString(" delivered")
	case e.Duplicate:
		b.WriteString(" duplicate")
	case e.Accepted:
		b.WriteString(" accepted")
	default:
		fmt.Fprintf(&b, " errcode=%d", e.Response.ErrCode)
		if e.Hint != "" {
			b.WriteString(" hint=" + short(e.Hint))
		}
	}
	return b.String()
}
