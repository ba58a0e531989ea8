// Fuzz target for the send API end to end through the fake's handler: any
// method, query, Content-Type and body must give HTTP 200 with a JSON
// {"errcode","errmsg"} answer, exactly one new journal entry that agrees
// with the answer and encodes as JSON, and a hint that fits in one header
// line. Seeds are the send specs' real-world cases; the committed corpus is
// in testdata/fuzz/FuzzSendHandler.

package mockdingtalk_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Tokens of the fuzz target's robots: short, so the mutator finds them.
const (
	fuzzSigned   = "signed"   // secret, Unicode keywords, no rate limit
	fuzzOpen     = "open"     // no settings, default rate limit of 20
	fuzzAllow    = "allow"    // IP allowlist that the peer is not in
	fuzzDisabled = "disabled" // answers 400102
)

// fuzzSendServer is the server every fuzz input goes to: robots covering
// each check, the clock frozen at the sign test vector's instant.
func fuzzSendServer(tb testing.TB) *mockdingtalk.Server {
	s, err := mockdingtalk.New(mockdingtalk.Config{
		FreezeAt:   t0,
		JournalCap: 256, // bounded: a long fuzz run must not grow the journal
		Robots: []mockdingtalk.Robot{
			{AccessToken: fuzzSigned, Secret: vectorSecret, Keywords: []string{"告警", "CI", "🚀"}, RateLimitPerMinute: intp(0)},
			{AccessToken: fuzzOpen},
			{AccessToken: fuzzAllow, IPAllowlist: []string{"10.0.0.0/8"}},
			{AccessToken: fuzzDisabled, Disabled: true},
		},
	})
	if err != nil {
		tb.Fatalf("mockdingtalk.New: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

func FuzzSendHandler(f *testing.F) {
	signed := "access_token=" + fuzzSigned + "&timestamp=" + ms(t0) + "&sign=" + url.QueryEscape(dingtalk.Sign(vectorSecret, t0.UnixMilli()))
	for _, seed := range []struct{ method, query, ctype, body string }{
		{"POST", signed, jsonType, `{"msgtype":"text","text":{"content":"告警: disk full"}}`},
		{"POST", signed, jsonType, `{"msgtype":"markdown","markdown":{"title":"CI","text":"#### CI\n> ok 🚀"},"at":{"atMobiles":["13800000000"],"isAtAll":false}}`},
		{"POST", signed, "application/json; charset=utf-8", `{"msgtype":"actionCard","actionCard":{"title":"CI","text":"x","btns":[{"title":"a","actionURL":"https://a"}]}}`},
		{"POST", signed, jsonType, `{"msgtype":"feedCard","feedCard":{"links":[{"title":"CI","messageURL":"https://m","picURL":"https://p"}]}}`},
		{"POST", signed, jsonType, `{"msgtype":"link","link":{"title":"CI","text":"t","messageUrl":"https://m"},"msgUuid":"u1"}`},
		{"POST", "access_token=" + fuzzSigned + "&timestamp=" + ms(t0) + "&sign=" + dingtalk.Sign(vectorSecret, t0.UnixMilli()), jsonType, textBody},
		{"POST", "access_token=" + fuzzSigned + "&timestamp=1577262236&sign=x", jsonType, textBody},
		{"POST", "access_token=" + fuzzSigned + "&timestamp=-1&sign=x&timestamp=abc", jsonType, textBody},
		{"POST", "access_token=" + fuzzOpen, jsonType, `{"msgtype":"text","text":{"content":"hi"},"msgUuid":"dup"}`},
		{"POST", "access_token=" + fuzzOpen, jsonType, `{"msgtype":"markdown","markdown":{"content":"WeCom"}}`},
		{"POST", "access_token=" + fuzzOpen, jsonType, `{"msg_type":"text","content":{"text":"Feishu"}}`},
		{"POST", "access_token=" + fuzzOpen, jsonType, `{"msgtype":"text","text":{"content":"C:\Data"}}`},
		{"POST", "access_token=" + fuzzOpen, jsonType, "{\"msgtype\":\"text\",\"text\":{\"content\":\"\xff\xfe\x00\"}}"},
		{"POST", "access_token=" + fuzzOpen, jsonType, `{"msgtype":"text","text":` + strings.Repeat("[", 64)},
		{"POST", "access_token=" + fuzzOpen, jsonType, `null`},
		{"POST", "access_token=" + fuzzOpen, "application/x-www-form-urlencoded", "msgtype=text&content=hi"},
		{"POST", "access_token=" + fuzzOpen, "", textBody},
		{"POST", "access_token=" + fuzzAllow, jsonType, textBody},
		{"POST", "access_token=" + fuzzDisabled, jsonType, textBody},
		{"POST", "access_token=nope&access_token=" + fuzzOpen, jsonType, textBody},
		{"POST", "access_token=https://oapi.dingtalk.com/robot/send?access_token=" + fuzzOpen, jsonType, textBody},
		{"POST", "access_token=%zz&x=%", jsonType, textBody},
		{"POST", "", jsonType, textBody},
		{"GET", "access_token=" + fuzzOpen, "", ""},
		{"PO ST", "access_token=" + fuzzOpen, jsonType, textBody},
	} {
		f.Add(seed.method, seed.query, seed.ctype, []byte(seed.body))
	}
	s := fuzzSendServer(f)
	var before uint64 // the last sequence number seen; calls run one at a time
	f.Fuzz(func(t *testing.T, method, rawQuery, contentType string, body []byte) {
		r := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: mockdingtalk.SendPath, RawQuery: rawQuery},
			Proto:      "HTTP/1.1",
			ProtoMajor: 1,
			ProtoMinor: 1,
			Header:     http.Header{},
			Body:       io.NopCloser(bytes.NewReader(body)),
			Host:       "127.0.0.1",
			RemoteAddr: defaultPeer,
			RequestURI: mockdingtalk.SendPath + "?" + rawQuery,
		}
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)

		if w.Code != http.StatusOK {
			t.Fatalf("status %d, want 200 (body %q)", w.Code, w.Body.Bytes())
		}
		if ct := w.Header().Get("Content-Type"); ct != jsonType {
			t.Fatalf("Content-Type %q, want %s", ct, jsonType)
		}
		var answer map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil {
			t.Fatalf("answer %q is not a JSON object: %v", w.Body.Bytes(), err)
		}
		var resp dingtalk.Response
		if len(answer) != 2 || json.Unmarshal(w.Body.Bytes(), &resp) != nil || answer["errmsg"] == nil || answer["errcode"] == nil {
			t.Fatalf("answer %q is not exactly {errcode, errmsg}", w.Body.Bytes())
		}
		if h := w.Header().Get("X-Mock-Hint"); strings.ContainsAny(h, "\r\n") || (resp.ErrCode != 0 && h == "") {
			t.Fatalf("errcode %d with hint header %q", resp.ErrCode, h)
		}

		got := s.Entries(journal.Filter{Since: before})
		if len(got) != 1 || got[0].Seq != before+1 {
			t.Fatalf("%d entries after seq %d, want exactly one new entry", len(got), before)
		}
		before = got[0].Seq
		e := got[0]
		if e.Response.ErrCode != resp.ErrCode || e.Accepted != (resp.ErrCode == 0) || !bytes.Equal(e.Response.Body, w.Body.Bytes()) {
			t.Fatalf("journal entry (errcode %d, accepted %v, body %q) disagrees with the answer %q",
				e.Response.ErrCode, e.Accepted, e.Response.Body, w.Body.Bytes())
		}
		if e.Delivered && !e.Accepted {
			t.Fatalf("delivered but not accepted: %+v", e)
		}
		if len(body) <= dingtalk.MaxBodyBytes && !bytes.Equal(e.Body, body) {
			t.Fatalf("journal kept %q, want the raw body %q", e.Body, body)
		}
		raw, err := json.Marshal(e)
		if err != nil || !json.Valid(raw) {
			t.Fatalf("journal entry does not encode as JSON: %v", err)
		}
		var back journal.Entry
		if err := json.Unmarshal(raw, &back); err != nil || !bytes.Equal(back.Body, e.Body) {
			t.Fatalf("journal entry JSON does not round-trip its body: %v", err)
		}
	})
}
