// Small helpers for the hints: reading a query exactly as sent, quoting
// request values safely, masking secrets and wording durations.

package diagnose

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
)

// param is one name=value pair of a query, as sent and as decoded once.
type param struct {
	name     string // decoded once
	raw      string // the value exactly as it appeared in the URL
	value    string // the value decoded once, as a server reads it
	decodeOK bool
}

// query is a raw query split into its pairs, in order.
type query []param

func parseQuery(raw string) query {
	var q query
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		p := param{name: name, raw: value, value: value}
		if v, err := url.QueryUnescape(value); err == nil {
			p.value, p.decodeOK = v, true
		}
		q = append(q, p)
	}
	return q
}

// all returns every pair named name, in order.
func (q query) all(name string) []param {
	var out []param
	for _, p := range q {
		if p.name == name {
			out = append(out, p)
		}
	}
	return out
}

// has reports whether a pair named name is present.
func (q query) has(name string) bool { return len(q.all(name)) > 0 }

// similar returns the names of pairs that are not name but look like it
// (another case, '-' or no separator, or one of alts).
func (q query) similar(name string, alts ...string) []string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "", "?", "").Replace(strings.ToLower(s))
	}
	var out []string
	for _, p := range q {
		if p.name == name {
			continue
		}
		match := norm(p.name) == norm(name)
		for _, a := range alts {
			match = match || strings.EqualFold(p.name, a)
		}
		if match {
			out = append(out, p.name)
		}
	}
	return out
}

// maxQuoted is how many bytes of a request value a hint repeats.
const maxQuoted = 80

// quote returns s in Go double-quoted syntax (control characters escaped),
// cut to maxQuoted bytes.
func quote(s string) string {
	if len(s) > maxQuoted {
		cut := maxQuoted
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return strconv.Quote(s)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// quoteList quotes each of ss and joins them with ", ".
func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return strings.Join(q, ", ")
}

// shortToken names an access token without repeating all 64 characters.
func shortToken(t string) string {
	if len(t) <= 16 {
		return quote(t)
	}
	return fmt.Sprintf("%s...(%d chars)", strconv.Quote(t[:8]), len(t))
}

// maskSecret is redact.Secret in ASCII (hints travel in a header):
// SEC...(67 chars).
func maskSecret(s string) string {
	return strings.Replace(redact.Secret(s), "…", "...", 1)
}

// duration words d (made positive) in minutes for under three hours,
// else hours, else days.
func duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return plural(int(d.Round(time.Second)/time.Second), "second")
	case d < 3*time.Hour:
		return plural(int(d.Round(time.Minute)/time.Minute), "minute")
	case d < 72*time.Hour:
		return plural(int(d.Round(time.Hour)/time.Hour), "hour")
	}
	return plural(int(d.Round(24*time.Hour)/(24*time.Hour)), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// clean drops control characters from a value the hint repeats unquoted.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
