// Fuzz target: Hint never panics and never returns an empty or multi-line
// hint, whatever the request looks like.
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
