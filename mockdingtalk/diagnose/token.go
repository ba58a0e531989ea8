// Hints for the access_token: missing, unknown, a near miss of a known
// token, or the whole webhook URL passed where the token belongs.

package diagnose

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// maxQueryParams is how many query parameters Go's url.ParseQuery (and so
// the fake, like any Go server) reads by default; a longer query is dropped
// whole.
const maxQueryParams = 10000

// hintMissingToken explains an access_token the server did not get. The
// raw query is read here pair by pair, so a token that was sent but dropped
// by the server's parser (url.ParseQuery) is told apart from one that was
// never sent or sent empty.
func hintMissingToken(req Request, q query) string {
	if n := strings.Count(req.RawQuery, "&") + 1; n > maxQueryParams {
		if _, err := url.ParseQuery(req.RawQuery); err != nil {
			return fmt.Sprintf("The query has %d parameters, more than the %d a Go server's query parser reads, so the whole query was dropped, access_token included; send fewer parameters (put data in the JSON body).", n, maxQueryParams)
		}
	}
	if ps := q.all("access_token"); len(ps) > 0 {
		for _, p := range ps {
			if !p.decodeOK {
				return fmt.Sprintf("The access_token value has a broken %%-escape (%s): a server's query parser drops the whole pair, so no token arrived; send the token as the robot's webhookUrl has it, and escape a literal %%%% as %%25.", quote(brokenEscape(p.raw)))
			}
		}
		return "The access_token parameter is present but empty; put the robot's token after access_token= (an empty environment variable or template value is the usual cause)."
	}
	if strings.HasPrefix(req.RawQuery, "?") || strings.Contains(req.RawQuery, "?access_token=") {
		return "The URL has a second '?' before access_token (a webhook URL that already ends in '?', or already has a query, joined with \"?access_token=...\"), so the parameter is named \"?access_token\"; join with '&' when the URL has a '?' already."
	}
	if afterSemicolon(req.RawQuery, "access_token") {
		return "access_token follows a ';', which is not a query separator: a server's query parser drops that whole pair; separate parameters with '&'."
	}
	if names := q.similar("access_token", "token", "accessToken", "access-token"); len(names) > 0 {
		return fmt.Sprintf("The query has %s but no access_token; DingTalk reads only the exact lower-case name access_token.", quoteList(names))
	}
	if bytes.Contains(req.Body, []byte("access_token")) {
		return "The token seems to be in the JSON body; DingTalk reads access_token only from the URL query (?access_token=...)."
	}
	if q.has("timestamp") || q.has("sign") {
		return "The query has timestamp and sign but no access_token: did your HTTP library's params replace the URL's query? (requests.post(url, params={...}) and many URL builders do); put access_token into the same params."
	}
	if req.RawQuery == "" {
		return "The URL has no query string at all: did your HTTP library's params replace the URL's query, or was the webhook configured as the bare /robot/send URL? Send ?access_token=<token>."
	}
	return fmt.Sprintf("The query %s has no access_token; did your HTTP library's params replace the URL's query? DingTalk needs ?access_token=<token>.", quote(req.RawQuery))
}

func hintUnknownToken(req Request) string {
	tok := req.AccessToken
	known := req.KnownTokens
	if inner, ok := tokenInsideURL(tok); ok {
		if inner == "" {
			return fmt.Sprintf("The access_token value %s is a URL, not a token: pass only the part after access_token= (the whole webhook URL was pasted where the token belongs).", quote(tok))
		}
		if slices.Contains(known, inner) {
			return fmt.Sprintf("The access_token value is a whole webhook URL (%s); pass only the token it contains, %s, which is a known robot.", quote(tok), shortToken(inner))
		}
		return fmt.Sprintf("The access_token value is a whole webhook URL (%s); pass only the token after access_token= (it contains %s, which is not a robot of this fake either).", quote(tok), shortToken(inner))
	}
	if near := nearMiss(tok, known); near != "" {
		return near
	}
	switch len(known) {
	case 0:
		return fmt.Sprintf("No robot has access_token %s; this fake has no robots yet: create one (POST /_mock/robots or the config file) and use its webhookUrl.", shortToken(tok))
	case 1:
		return fmt.Sprintf("No robot has access_token %s; the fake's only robot has %s: copy the webhookUrl it printed, or create the robot first.", shortToken(tok), shortToken(known[0]))
	}
	return fmt.Sprintf("No robot has access_token %s (the fake has %d robots); check the token was copied from the right robot, or create it first (POST /_mock/robots).", shortToken(tok), len(known))
}

// tokenInsideURL reports whether tok looks like a webhook URL rather than a
// token, and returns the access_token the URL contains, if any.
func tokenInsideURL(tok string) (inner string, ok bool) {
	lower := asciiLower(tok) // same byte offsets as tok
	if !strings.Contains(lower, "http") && !strings.Contains(lower, "access_token=") && !strings.Contains(lower, "/robot/send") {
		return "", false
	}
	i := strings.LastIndex(lower, "access_token=")
	if i < 0 {
		return "", true
	}
	inner = tok[i+len("access_token="):]
	if j := strings.IndexAny(inner, "&#"); j >= 0 {
		inner = inner[:j]
	}
	if u, err := url.QueryUnescape(inner); err == nil {
		inner = u
	}
	return inner, true
}

// nearMiss explains a token that is almost a known one: extra whitespace,
// another case, cut short, or with characters added.
func nearMiss(tok string, known []string) string {
	for _, k := range known {
		switch {
		case k == "":
			continue
		case strings.TrimSpace(tok) == k:
			return fmt.Sprintf("The access_token %s has leading or trailing whitespace (a newline from a file or environment variable?); trimmed it is the known robot %s.", quote(tok), shortToken(k))
		case strings.EqualFold(tok, k):
			return fmt.Sprintf("The access_token %s differs from the known robot %s only in letter case; tokens are case-sensitive.", shortToken(tok), shortToken(k))
		case len(tok) >= 8 && len(tok) < len(k) && strings.HasPrefix(k, tok):
			return fmt.Sprintf("The access_token is truncated: %d of the %d characters of the known robot %s (copied incompletely, or cut by a length limit?).", len(tok), len(k), shortToken(k))
		case len(tok) > len(k) && strings.HasPrefix(tok, k):
			return fmt.Sprintf("The access_token %s is the known robot %s followed by extra characters %s; was something appended to the token rather than the URL?", shortToken(tok), shortToken(k), quote(tok[len(k):]))
		case len(tok) == len(k) && len(k) >= 16 && hamming(tok, k) <= 2:
			return fmt.Sprintf("The access_token %s differs from the known robot %s in %d characters; check for a typo.", shortToken(tok), shortToken(k), hamming(tok, k))
		}
	}
	return ""
}

func hamming(a, b string) int {
	n := 0
	for i := range len(a) {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

// asciiLower lowers A-Z only, so byte offsets stay those of s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// brokenEscape returns the first '%' of s that is not followed by two hex
// digits, with what follows it (up to two bytes).
func brokenEscape(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			i += 2
			continue
		}
		return s[i:min(i+3, len(s))]
	}
	return s
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// afterSemicolon reports whether a pair named name hides behind a ';' in one
// of raw's '&'-separated parts, where url.ParseQuery drops it.
func afterSemicolon(raw, name string) bool {
	for _, part := range strings.Split(raw, "&") {
		pieces := strings.Split(part, ";")
		for _, piece := range pieces[1:] {
			n, _, _ := strings.Cut(piece, "=")
			if u, err := url.QueryUnescape(n); err == nil {
				n = u
			}
			if n == name {
				return true
			}
		}
	}
	return false
}
