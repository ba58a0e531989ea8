// Fuzz targets: Hint never panics and never returns an empty or multi-line
// hint, and Warnings never panics and is deterministic, whatever the
// request looks like.

package diagnose_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/diagnose"
)

func FuzzHint(f *testing.F) {
	f.Add("access_token=abc&timestamp=1&sign=a+b%2B", []byte(`{"msgtype":"markdown","markdown":{"content":"x"}}`), "text_not_exist", "SECx")
	f.Add("timestamp=1741944413&sign=%25", []byte("{\"a\":\"\\D\n\"}"), "sign_mismatch", "SEC")
	f.Add("access_token=http://x/robot/send?access_token=", []byte(`"{}"`), "timestamp_expired", "")
	f.Fuzz(func(t *testing.T, rawQuery string, body []byte, reason, secret string) {
		req := diagnose.Request{
			RawQuery: rawQuery, Body: body, AccessToken: rawQuery, ContentType: reason,
			Robot:       &diagnose.Robot{AccessToken: "abc", Secret: secret, Keywords: []string{reason}},
			KnownTokens: []string{"abc", ""},
			Now:         time.UnixMilli(1741944413000),
			Rejection:   &dingtalk.Rejection{Reason: dingtalk.Reason(reason), Param: reason},
			SeenSign:    func(string) (time.Time, bool) { return time.UnixMilli(0), true },
		}
		if m, err := dingtalk.ParseMessage(body); err == nil {
			req.Message = m
		}
		for _, r := range []dingtalk.Reason{dingtalk.Reason(reason), dingtalk.ReasonSignMismatch, dingtalk.ReasonTimestampExpired,
			dingtalk.ReasonMissingJSON, dingtalk.ReasonMissingParam, dingtalk.ReasonUnsupportedMsgType, dingtalk.ReasonKeywordMissing,
			dingtalk.ReasonTokenNotExist, dingtalk.ReasonMissingToken} {
			req.Rejection.Reason = r
			h := diagnose.Hint(req)
			if r != dingtalk.ReasonOK && h == "" {
				t.Fatalf("empty hint for %q", r)
			}
			if strings.ContainsAny(h, "\r\n") {
				t.Fatalf("hint for %q spans lines: %q", r, h)
			}
		}
	})
}

// FuzzWarnings: Warnings never panics, gives single-line warnings, at most
// ten of them, and gives the same answer twice (it is a pure function, so
// the journal can derive it on read).
func FuzzWarnings(f *testing.F) {
	f.Add("/robot/send", "application/json", []byte(`{"msgtype":"text","text":{"content":"@13800000000"},"at":{"atMobiles":"13800000000"}}`))
	f.Add("//robot/send", "application/json;charset=GBK", []byte("{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"t\",\"text\":\"| a |\\n|---|\\n```\\n<div>\"}}"))
	f.Add("/robot/send", "application/json", []byte("{\"msgtype\":\"text\",\"text\":{\"content\":\"\xb8\xe6\xbe\xaf\"},\"at\":{\"isAtAll\":\"yes\",\"atUserIds\":[{}]}}"))
	f.Fuzz(func(t *testing.T, path, contentType string, body []byte) {
		req := diagnose.Accepted{Path: path, ContentType: contentType, Body: body}
		if m, err := dingtalk.ParseMessage(body); err == nil {
			req.Message = m
		}
		got := diagnose.Warnings(req)
		if len(got) > 10 {
			t.Fatalf("%d warnings", len(got))
		}
		for _, w := range got {
			if w == "" || strings.ContainsAny(w, "\r\n") {
				t.Fatalf("empty or multi-line warning %q", w)
			}
		}
		again := diagnose.Warnings(req)
		if strings.Join(got, "\x00") != strings.Join(again, "\x00") {
			t.Fatalf("not deterministic: %q then %q", got, again)
		}
	})
}
