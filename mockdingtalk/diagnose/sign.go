// Hints for signing failures (errcode 310000, sign mismatch or timestamp
// expired). Each candidate mistake is undone and the request re-checked
// with package dingtalk; only a variant that verifies is reported.

package diagnose

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// candidate is one way to read a value the client sent, with what it says
// about the client when it is the reading that verifies ("" for as sent).
type candidate struct{ value, note string }

// variant is a combination of readings under which the sign verifies.
type variant struct {
	sign, key, ts candidate
	// str is the string that was signed, enc how its digest was written.
	str, enc candidate
}

// notes lists what the variant says about the client, in order.
func (v *variant) notes() []string {
	var out []string
	for _, c := range []candidate{v.key, v.ts, v.str, v.enc, v.sign} {
		if c.note != "" {
			out = append(out, c.note)
		}
	}
	return out
}

// exact reports whether the request verified as sent (only the clock is off).
func (v *variant) exact() bool { return len(v.notes()) == 0 }

// stringReadings returns the strings a client may have signed for key and
// timestamp: the right one first, then the usual mistakes.
func stringReadings(key, ts string) []candidate {
	return []candidate{
		{ts + "\n" + key, ""},
		{ts + "\n" + key + "\n", "the string signed ends in an extra newline (the shell's echo -e without -n adds one; use printf '%s\\n%s' \"$timestamp\" \"$secret\")"},
		{ts + `\n` + key, "the string signed has a literal backslash and n between timestamp and secret instead of a newline (echo -n without -e, or '\\n' in single quotes)"},
		{ts + key, "the string signed has no newline between timestamp and secret"},
		{key + "\n" + ts, "secret and timestamp are swapped in the string signed (it must be timestamp + \"\\n\" + secret)"},
		{ts, "only the timestamp was signed (that is the login-free and outgoing-robot signature); the robot webhook signs timestamp + \"\\n\" + secret"},
		{key, "only the secret was signed, without the timestamp; sign timestamp + \"\\n\" + secret"},
	}
}

// encodings returns the ways a client may have written the digest.
func encodings(sum []byte) []candidate {
	return []candidate{
		{base64.StdEncoding.EncodeToString(sum), ""},
		{hex.EncodeToString(sum), "the digest was hex-encoded where DingTalk wants standard base64 (44 characters ending in '=')"},
		{strings.ToUpper(hex.EncodeToString(sum)), "the digest was hex-encoded (upper case) where DingTalk wants standard base64 (44 characters ending in '=')"},
	}
}

// signReadings returns the ways the sent sign may have been meant.
func signReadings(p param) []candidate {
	out := []candidate{{p.value, ""}}
	if strings.Contains(p.raw, "+") {
		if v, err := url.PathUnescape(p.raw); err == nil {
			out = append(out, candidate{v, "the sign was not URL-encoded, so each '+' in it arrived as a space (URL-encode the base64 once: + as %2B, / as %2F, = as %3D)"})
		}
	}
	if strings.Contains(p.value, "%") {
		if v, err := url.QueryUnescape(p.value); err == nil {
			out = append(out, candidate{v, "the sign was URL-encoded twice (%252B instead of %2B: if your HTTP library encodes query params itself, give it the plain base64)"})
		}
	}
	if strings.ContainsAny(p.value, "-_") {
		v := strings.NewReplacer("-", "+", "_", "/").Replace(p.value)
		out = append(out, candidate{pad(v), "the sign uses URL-safe base64 (- and _) where DingTalk wants standard base64 (+ and /)"})
	}
	if n := len(p.value); n > 0 && n%4 != 0 && !strings.HasSuffix(p.value, "=") {
		out = append(out, candidate{pad(p.value), "the sign lost its trailing '=' padding (send the full base64, URL-encoded)"})
	}
	return out
}

func pad(s string) string {
	for len(s)%4 != 0 {
		s += "="
	}
	return s
}

// keyReadings returns the keys the client may have signed with.
func keyReadings(r *Robot) []candidate {
	out := []candidate{{r.Secret, ""}}
	if r.AccessToken != "" && r.AccessToken != r.Secret {
		out = append(out, candidate{r.AccessToken, "it was signed with the access token instead of the robot's secret (the SEC... string from the robot's security settings)"})
	}
	if s, ok := strings.CutPrefix(r.Secret, "SEC"); ok && s != "" {
		out = append(out, candidate{s, "it was signed with the secret without its SEC prefix (the key is the whole string, SEC included)"})
	}
	out = append(out,
		candidate{r.Secret + "\n", "the secret it was signed with ends in a newline (read from a file or heredoc?)"},
		candidate{strings.TrimSpace(r.Secret) + " ", "the secret it was signed with ends in a space"})
	return out
}

// tsReadings returns the timestamp strings the client may have signed.
func tsReadings(ts string) []candidate {
	out := []candidate{{ts, ""}}
	if _, err := strconv.ParseInt(ts, 10, 64); err == nil {
		switch {
		case len(ts) <= 10:
			out = append(out, candidate{ts + "000", "it was signed over the timestamp in milliseconds (" + ts + "000) while the URL carries seconds"})
		case len(ts) == 13:
			out = append(out, candidate{ts[:10], "it was signed over the timestamp in seconds (" + ts[:10] + ") while the URL carries milliseconds"})
		}
	}
	return out
}

// findVariant re-checks the sign under every combination of readings and
// returns the first that verifies, or nil. Every digest comes from
// package dingtalk: SignString for the right string, HMACSHA256 (the
// primitive it is built on) for the strings clients sign by mistake.
func findVariant(r *Robot, ts, sign param) *variant {
	signs := signReadings(sign)
	for _, k := range keyReadings(r) {
		for _, t := range tsReadings(ts.value) {
			want := dingtalk.SignString(k.value, t.value)
			for _, sg := range signs {
				if sg.value == want {
					return &variant{sign: sg, key: k, ts: t}
				}
			}
		}
	}
	// The right key and timestamp, but another string or encoding.
	for _, str := range stringReadings(r.Secret, ts.value) {
		sum := dingtalk.HMACSHA256(r.Secret, str.value)
		for _, enc := range encodings(sum[:]) {
			if str.note == "" && enc.note == "" {
				continue // the right string in base64: tried above
			}
			for _, sg := range signs {
				if sg.value == enc.value {
					return &variant{sign: sg, key: candidate{r.Secret, ""}, ts: candidate{ts.value, ""}, str: str, enc: enc}
				}
			}
		}
	}
	return nil
}

// sentence joins clauses into one sentence beginning with a capital letter.
func sentence(prefix string, clauses []string) string {
	s := prefix + strings.Join(clauses, ", and ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func hintSign(req Request, q query) string {
	r := req.Robot
	if r == nil || r.Secret == "" {
		return "The timestamp or sign did not verify; sign with the robot's secret: sign = base64(HMAC-SHA256(key=secret, timestamp+\"\\n\"+secret)), URL-encoded once, with timestamp in milliseconds."
	}
	tss, signs := q.all("timestamp"), q.all("sign")
	recipe := fmt.Sprintf("sign = base64(HMAC-SHA256(key=secret, timestamp+\"\\n\"+secret)) with the robot's secret %s, and send &timestamp=<ms>&sign=<URL-encoded sign>", maskSecret(r.Secret))
	switch {
	case len(tss) == 0 && len(signs) == 0:
		if names := append(q.similar("timestamp", "ts", "time"), q.similar("sign", "signature")...); len(names) > 0 {
			return fmt.Sprintf("The robot has signing enabled and the query has %s but not timestamp and sign; DingTalk reads exactly those lower-case names.", quoteList(names))
		}
		return fmt.Sprintf("The robot has signing enabled, but the request has neither timestamp nor sign (was the client configured without the secret?); %s.", recipe)
	case len(tss) == 0:
		if names := q.similar("timestamp", "ts", "time"); len(names) > 0 {
			return fmt.Sprintf("The request has sign but its timestamp is sent as %s; DingTalk reads only timestamp, so it answers sign mismatch.", quoteList(names))
		}
		return "The request has sign but no timestamp; DingTalk needs both in the URL (the timestamp being the milliseconds that were signed), and answers sign mismatch otherwise."
	case len(signs) == 0:
		if names := q.similar("sign", "signature"); len(names) > 0 {
			return fmt.Sprintf("The request has timestamp but its sign is sent as %s; DingTalk reads only sign.", quoteList(names))
		}
		return fmt.Sprintf("The request has timestamp but no sign; %s.", recipe)
	}
	prefix := ""
	if len(tss) > 1 || len(signs) > 1 {
		last := dingtalk.Verify(r.Secret, tss[len(tss)-1].value, signs[len(signs)-1].value, req.Now)
		if last == nil {
			return fmt.Sprintf("The URL carries timestamp %d times and sign %d times (sign parameters appended again on each send?); DingTalk checks the first pair, which fails, while the last pair would have verified: drop old timestamp/sign parameters before signing again.", len(tss), len(signs))
		}
		prefix = fmt.Sprintf("The URL carries timestamp %d times and sign %d times; DingTalk checks the first pair (the last would not verify either). ", len(tss), len(signs))
	}
	return prefix + hintFirstPair(req, tss[0], signs[0])
}

// hintFirstPair explains why the first timestamp and sign failed.
func hintFirstPair(req Request, ts, sign param) string {
	r := req.Robot
	v := findVariant(r, ts, sign)
	ms, err := strconv.ParseInt(ts.value, 10, 64)
	if err != nil {
		s := fmt.Sprintf("The timestamp %s is not a whole number of milliseconds since 1970 (e.g. %d now)", quote(ts.value), req.Now.UnixMilli())
		if v != nil && !v.exact() {
			return s + "; also, " + strings.Join(v.notes(), ", and ") + "."
		}
		return s + "."
	}
	nowMs := req.Now.UnixMilli()
	off := time.Duration(nowMs-ms) * time.Millisecond // > 0: timestamp in the past
	inWindow := off <= dingtalk.MaxClockSkew && off >= -dingtalk.MaxClockSkew
	also := ""
	if v != nil && !v.exact() {
		also = " Also, " + strings.Join(v.notes(), ", and ") + "."
	}

	// A timestamp in the wrong unit.
	if unit, asMs := otherUnit(ts.value, ms); !inWindow && unit != "" {
		uOff := time.Duration(nowMs-asMs) * time.Millisecond
		near := uOff <= dingtalk.MaxClockSkew && uOff >= -dingtalk.MaxClockSkew
		if near || (unit == "seconds" && v != nil && v.ts.note == "") {
			s := fmt.Sprintf("The timestamp %s is in %s, but DingTalk wants milliseconds (13 digits, e.g. %d now), so it reads as far outside the 1-hour window", ts.value, unit, nowMs)
			if !near {
				s += fmt.Sprintf(" (and even read as %s it is %s off the fake's clock)", unit, duration(uOff))
			}
			switch {
			case v != nil && v.ts.note == "":
				return s + "; the sign was computed over the same " + unit + " value, so sign and send the millisecond value." + also
			case v != nil:
				return s + "; the sign itself was computed over the milliseconds, so send that same value as timestamp." + alsoWithout(v, "ts")
			}
			return s + "."
		}
	}

	if inWindow {
		if v == nil {
			return hintNoVariant(req, ts, sign)
		}
		if v.exact() {
			return "The timestamp and sign verify against the robot's secret now; the request was rejected for another reason in the same check (see the journal's checks)."
		}
		return sentence("the sign does not match because ", v.notes())
	}

	// Outside the window, in milliseconds: a reused signature or a skewed clock.
	if v != nil && off > dingtalk.MaxClockSkew && req.SeenSign != nil {
		if first, ok := req.SeenSign(sign.value); ok && first.Before(req.Now) {
			return fmt.Sprintf("This signature was reused %s after it was first sent (its timestamp is %s old, and DingTalk accepts a sign for 1 hour only); compute a fresh timestamp and sign for every request instead of caching the signed URL.", duration(req.Now.Sub(first)), duration(off)) + also
		}
	}
	dir := "behind"
	if off < 0 {
		dir = "ahead of"
	}
	if v != nil {
		return fmt.Sprintf("The sign is valid for its timestamp, but that timestamp is %s %s the fake's clock (clock skew of %s; 1 hour either way is allowed): sync the client's clock (NTP), or if the signed URL was computed once and cached, sign every request afresh.", duration(off), dir, duration(off)) + also
	}
	return fmt.Sprintf("The timestamp is %s %s the fake's clock (1 hour either way is allowed: is the client's clock wrong, or the timestamp cached?), and the sign would not match the robot's secret %s for it either.", duration(off), dir, maskSecret(r.Secret))
}

// otherUnit names the unit a timestamp of this length is probably in when
// it is not milliseconds, and converts it to milliseconds.
func otherUnit(ts string, v int64) (unit string, ms int64) {
	switch n := len(strings.TrimPrefix(ts, "-")); {
	case n <= 10:
		return "seconds", v * 1000
	case n == 16:
		return "microseconds", v / 1000
	case n == 19:
		return "nanoseconds", v / 1000000
	}
	return "", 0
}

// alsoWithout is the "Also, …" sentence for the variant's notes other than
// the one already told (which is "ts", "key" or "sign").
func alsoWithout(v *variant, told string) string {
	c := *v
	switch told {
	case "ts":
		c.ts.note = ""
	case "key":
		c.key.note = ""
	case "sign":
		c.sign.note = ""
	}
	if n := c.notes(); len(n) > 0 {
		return " Also, " + strings.Join(n, ", and ") + "."
	}
	return ""
}

// hintNoVariant explains a sign that no known mistake accounts for.
func hintNoVariant(req Request, ts, sign param) string {
	s := sign.value
	if req.Robot != nil && req.Robot.Secret != "" && strings.TrimSpace(s) == req.Robot.Secret {
		return fmt.Sprintf("The sign is the robot's secret itself (%s); never send the secret: sign = base64(HMAC-SHA256(key=secret, timestamp+\"\\n\"+secret)), URL-encoded once.", maskSecret(req.Robot.Secret))
	}
	if _, err := hex.DecodeString(s); err == nil && len(s) == 64 {
		return fmt.Sprintf("The sign %s is a hex digest; DingTalk wants the HMAC-SHA256 digest in standard base64 (44 characters ending in '='), URL-encoded.", quote(s))
	}
	if b, err := base64.StdEncoding.DecodeString(pad(s)); err != nil || len(b) != 32 {
		return fmt.Sprintf("The sign %s is not a base64 HMAC-SHA256 digest (44 characters ending in '='); sign = base64(HMAC-SHA256(key=secret, timestamp+\"\\n\"+secret)), URL-encoded once.", quote(s))
	}
	return fmt.Sprintf("The sign does not match the robot's secret %s for timestamp %s, and no common mistake (URL encoding, seconds, SEC prefix, access token as key) explains it: the client probably signs with an old secret or another robot's secret.", maskSecret(req.Robot.Secret), ts.value)
}
