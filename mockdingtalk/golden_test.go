// Spec that the journal shows every request exactly as it did before
// entries were stored compactly: testdata/journal-golden.json is what the
// earlier journal (full entries, details formatted on every send) recorded
// for these requests, covering each check's pass and fail details, the
// parsed message, the headers and the hints. Regenerate it only for a
// deliberate change of what the journal shows.

package mockdingtalk_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

var _ = Describe("The journal's record of each request", func() {
	It("is what the full-entry journal recorded: checks, details, message, headers, hints", func() {
		t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		sec := "SEC" + strings.Repeat("a", 64)
		s := newHandler(mockdingtalk.Config{FreezeAt: t0, Robots: []mockdingtalk.Robot{
			{AccessToken: "signed", Name: "Ops \"robot\"", Secret: sec, Keywords: []string{"告警"}, RateLimitPerMinute: intp(2)},
			{AccessToken: "open", Name: "open"},
			{AccessToken: "allow", IPAllowlist: []string{"192.0.2.0/24"}},
			{AccessToken: "deny", IPAllowlist: []string{"10.0.0.0/8"}},
			{AccessToken: "off", Disabled: true},
		}})
		signed := "access_token=signed&timestamp=1714564800000&sign=" + url.QueryEscape(dingtalk.Sign(sec, t0.UnixMilli()))
		cases := []struct{ m, q, ct, body string }{
			{"POST", signed, "application/json", `{"msgtype":"text","text":{"content":"告警 1"}}`},
			{"POST", signed, "application/json; charset=utf-8", `{"msgtype":"text","text":{"content":"告警 2"},"msgUuid":"u-1"}`},
			{"POST", signed, "application/json", `{"msgtype":"text","text":{"content":"告警 2"},"msgUuid":"u-1"}`},
			{"POST", signed, "application/json", `{"msgtype":"text","text":{"content":"告警 3"}}`},
			{"POST", signed, "application/json", `{"msgtype":"text","text":{"content":"no kw"}}`},
			{"POST", "access_token=open", "application/json", `{"msgtype":"markdown","markdown":{"title":"t","text":"x"}}`},
			{"POST", "access_token=open", "text/plain", `{}`},
			{"POST", "access_token=open", "", `{}`},
			{"POST", "access_token=open", "application/json", ``},
			{"POST", "access_token=open", "application/json", `nope`},
			{"POST", "access_token=open", "application/json", `{"msgtype":"link"}`},
			{"POST", "access_token=allow", "application/json", `{"msgtype":"text","text":{"content":"a"}}`},
			{"POST", "access_token=deny", "application/json", `{"msgtype":"text","text":{"content":"a"}}`},
			{"POST", "access_token=off", "application/json", `{}`},
			{"POST", "access_token=nobody", "application/json", `{}`},
			{"POST", "access_token=", "application/json", `{}`},
			{"POST", "", "application/json", `{}`},
			{"GET", "access_token=open", "", ``},
			{"POST", "access_token=signed", "application/json", `{"msgtype":"text","text":{"content":"告警"}}`},
			{"POST", "access_token=signed&timestamp=1", "application/json", `{"msgtype":"text","text":{"content":"告警"}}`},
			{"POST", "access_token=signed&timestamp=1714564800000&sign=bad", "application/json", `{"msgtype":"text","text":{"content":"告警"}}`},
			{"POST", "access_token=signed&timestamp=1714564800000", "application/json", `{"msgtype":"text","text":{"content":"告警"}}`},
			{"POST", "access_token=open", "application/json", `{"msgtype":"text","text":{"content":"` + strings.Repeat("x", 20000) + `"}}`},
			{"POST", signed + "&pad=" + strings.Repeat("p", 100), "application/json", `{"msgtype":"text","text":{"content":"告警 4"}}`},
			{"POST", "//robot/send?access_token=open", "application/json", `{"msgtype":"text","text":{"content":"slashes"}}`},
			{"POST", "/robot/send/?access_token=open", "application/json", `{"msgtype":"text","text":{"content":"trailing"}}`},
			{"POST", "access_token=open", "application/json", `{"msgtype":"text","text":{"content":"hi"},"at":{"atMobiles":["13800000000"],"isAtAll":"yes"}}`},
		}
		for _, c := range cases {
			req := httptest.NewRequest(c.m, target(c.q), strings.NewReader(c.body))
			if c.ct != "" {
				req.Header.Set("Content-Type", c.ct)
			}
			s.ServeHTTP(httptest.NewRecorder(), req)
		}
		got, err := json.Marshal(s.Entries(journal.Filter{}))
		Expect(err).NotTo(HaveOccurred())
		want, err := os.ReadFile("testdata/journal-golden.json")
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(MatchJSON(want))
	})
})

// target is the request target of a case: a query for /robot/send, or a
// whole target when it starts with '/'.
func target(q string) string {
	if strings.HasPrefix(q, "/") {
		return q
	}
	return "/robot/send?" + q
}
