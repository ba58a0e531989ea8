// Reading the three query parameters the send API needs (access_token,
// timestamp, sign) straight from the raw query, with exactly the meaning
// url.ParseQuery gives them, but without building its map.

package mockdingtalk

import (
	"net/url"
	"strings"
)

// sendQuery is what the send API reads from the query: the first value
// of each parameter, as url.ParseQuery decodes it.
type sendQuery struct {
	token, timestamp string
	// sign is decoded into signBuf when it fits: a sign is always
	// %-escaped (base64's '+', '/', '='), and decoding it into a string
	// cost an allocation on every signed send. It is valid until the
	// sendQuery is parsed again.
	sign                  []byte
	signBuf               [64]byte // a DingTalk sign is 44 bytes
	hasToken              bool     // access_token appears, even empty
	hasTimestamp, hasSign bool
}

// maxScannedParams is how many parameters parse scans itself; a longer
// query goes through url.ParseQuery, which also applies its limit on the
// number of parameters.
const maxScannedParams = 1000

// parse reads raw as url.ParseQuery does: pairs split on '&', a pair
// holding ';' or a broken %-escape skipped, keys and values unescaped, the
// first value of a key kept. It replaces what q held.
func (q *sendQuery) parse(raw string) {
	*q = sendQuery{}
	if strings.Count(raw, "&") >= maxScannedParams {
		values, _ := url.ParseQuery(raw)
		q.token, q.hasToken = first(values, "access_token")
		q.timestamp, q.hasTimestamp = first(values, "timestamp")
		var sign string
		if sign, q.hasSign = first(values, "sign"); q.hasSign {
			q.sign = append(q.signBuf[:0], sign...)
		}
		return
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		key, ok := unescape(key)
		if !ok {
			continue
		}
		switch {
		case key == "access_token" && !q.hasToken:
			q.token, q.hasToken = unescape(value)
		case key == "timestamp" && !q.hasTimestamp:
			q.timestamp, q.hasTimestamp = unescape(value)
		case key == "sign" && !q.hasSign:
			if sign, ok := appendUnescaped(q.signBuf[:0], value); ok {
				q.sign, q.hasSign = sign, true
			}
		}
	}
}

// unescape is url.QueryUnescape in one pass: '+' is a space, "%XX" a
// byte, and a '%' without two hex digits makes the text undecodable. Text
// that needs no decoding is returned as it is, without allocating.
func unescape(s string) (string, bool) {
	if !needsUnescape(s) {
		return s, true
	}
	var arr [128]byte
	b, ok := appendUnescaped(arr[:0], s)
	if !ok {
		return "", false
	}
	return string(b), true
}

// appendUnescaped appends s decoded as unescape decodes it to dst. The
// text between two escapes is copied in one piece (a sign is 44 bytes
// with three or four escapes).
func appendUnescaped(dst []byte, s string) ([]byte, bool) {
	for {
		i := nextEscape(s)
		if i < 0 {
			return append(dst, s...), true
		}
		dst = append(dst, s[:i]...)
		if s[i] == '+' {
			dst, s = append(dst, ' '), s[i+1:]
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return dst, false
		}
		dst, s = append(dst, unhex(s[i+1])<<4|unhex(s[i+2])), s[i+3:]
	}
}

// nextEscape is the index of the first '%' or '+' in s, or -1.
func nextEscape(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || s[i] == '+' {
			return i
		}
	}
	return -1
}

// needsUnescape reports a '%' or '+' in s. Two byte searches: strings.ContainsAny
// builds its character set on every call, which cost more than the rest
// of the query parsing together under load.
func needsUnescape(s string) bool {
	return strings.IndexByte(s, '%') >= 0 || strings.IndexByte(s, '+') >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func first(v url.Values, key string) (string, bool) {
	vs, ok := v[key]
	if !ok || len(vs) == 0 {
		return "", ok
	}
	return vs[0], true
}
