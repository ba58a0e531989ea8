// Fuzz targets for the protocol package: message parsing and validation,
// sign verification and URL signing must never panic, and what they accept
// must be self-consistent. Seeds come from the specs' real-world cases.

package dingtalk

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzParseMessage(f *testing.F) {
	for _, seed := range []string{
		`{"msgtype":"text","text":{"content":"hi"}}`,
		`{"msgtype":"markdown","markdown":"# hi"}`,
		`{"msgtype":"markdown","markdown":{"title":5,"text":"x"}}`,
		`{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btnOrientation":1,"btns":[{"title":"a"}]},"at":{"isAtAll":"true"}}`,
		`{"msgtype":"feedCard","feedCard":{"links":[{"title":"a","messageURL":"u"}]}}`,
		`{"msgtype":"text","text":{"content":"C:\Data"}}`,
		`[]`, `null`, ``, "{\"a\":\xff}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseMessage(body)
		if err != nil {
			if json.Valid(body) && len(body) > 0 && body[0] == '{' {
				t.Fatalf("valid JSON object refused: %q", body)
			}
			return
		}
		rej := m.Validate()
		if rej == nil && !Supported(m.MsgType) {
			t.Fatalf("unsupported msgtype %q accepted", m.MsgType)
		}
		_ = m.VisibleText()
		_ = m.MissingKeywords([]string{"k"})
		for _, era := range Eras {
			b, _ := json.Marshal(Dialect{Era: era}.Answer(rej))
			var back Response
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("answer %q is not JSON: %v", b, err)
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	f.Add("SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc", "1600000000000", "379i51ZpQAvxLHDd/fi11xXbk9pkmRZseEY7prOyuSo=", int64(1600000000000))
	f.Add("this is secret", "1577262236757", "hmPWwU 7lVdm3ZZz0r9tSfx0L4Q26jWOZr9 Gs6EZQM=", int64(1577262236757))
	f.Add("s", "-9223372036854775808", "x", int64(0))
	f.Add("s", "1600000000", "", int64(1600000000000))
	f.Fuzz(func(t *testing.T, secret, timestamp, sign string, nowMs int64) {
		now := time.UnixMilli(nowMs)
		err := Verify(secret, timestamp, sign, now)
		if err == nil && sign != SignString(secret, timestamp) {
			t.Fatalf("accepted a sign that is not the HMAC")
		}
	})
}

func FuzzSignURL(f *testing.F) {
	f.Add("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECx", int64(1600000000000))
	f.Add("http://h/robot/send?timestamp=1&sign=a&sign=b&access_token=c", "SECx", int64(1))
	f.Add("http://h/robot/send", "s", int64(-1))
	f.Add("http://[::1", "s", int64(0))
	f.Fuzz(func(t *testing.T, webhook, secret string, nowMs int64) {
		if secret == "" {
			return
		}
		signed, err := SignURL(webhook, secret, time.UnixMilli(nowMs))
		if err != nil {
			return
		}
		u, err := url.Parse(signed)
		if err != nil {
			t.Fatalf("signed URL %q does not parse: %v", signed, err)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return // the caller's own query was malformed; we keep it as it was
		}
		if len(q["timestamp"]) != 1 || len(q["sign"]) != 1 {
			t.Fatalf("want exactly one timestamp and sign in %q", signed)
		}
		if q.Get("sign") != SignString(secret, q.Get("timestamp")) {
			t.Fatalf("sign in %q does not verify", signed)
		}
	})
}

// FuzzSignQuery checks SignQuery, which signs without building the query
// from pieces, against the obvious construction it replaced: split on '&',
// drop timestamp and sign, join, add the two with url.QueryEscape.
func FuzzSignQuery(f *testing.F) {
	f.Add("access_token=abc", "SECx", int64(1600000000000))
	f.Add("timestamp=1&sign=a&sign=b&access_token=c&&x", "SECx", int64(1))
	f.Add("", "s", int64(-1))
	f.Add("%74imestamp=1&si%gn=2", "s", int64(0))
	f.Fuzz(func(t *testing.T, rawQuery, secret string, nowMs int64) {
		now := time.UnixMilli(nowMs)
		var kept []string
		for _, part := range strings.Split(rawQuery, "&") {
			name, _, _ := strings.Cut(part, "=")
			if key, err := url.QueryUnescape(name); part == "" || err == nil && (key == "timestamp" || key == "sign") {
				continue
			}
			kept = append(kept, part)
		}
		ts := Millis(now)
		kept = append(kept, "timestamp="+strconv.FormatInt(ts, 10), "sign="+url.QueryEscape(Sign(secret, ts)))
		if got, want := SignQuery(rawQuery, secret, now), strings.Join(kept, "&"); got != want {
			t.Fatalf("SignQuery(%q) = %q, want %q", rawQuery, got, want)
		}
	})
}
