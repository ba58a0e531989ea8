// Specs for signing and verification: the test vectors of docs/dingtalk-behaviour.md, the
// ±1 hour window, and URL signing that replaces stale parameters.

package dingtalk_test

import (
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

const vectorSecret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"

var _ = Describe("Signing", func() {
	DescribeTable("matches the computed vectors of docs/dingtalk-behaviour.md",
		func(secret string, ts int64, b64, encoded string) {
			Expect(dingtalk.Sign(secret, ts)).To(Equal(b64))
			Expect(url.QueryEscape(dingtalk.Sign(secret, ts))).To(Equal(encoded))
		},
		Entry("plain secret 'this is secret'", "this is secret", int64(1577262236757),
			"hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=", "hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D"),
		Entry("a SEC… secret", vectorSecret, int64(1600000000000),
			"379i51ZpQAvxLHDd/fi11xXbk9pkmRZseEY7prOyuSo=", "379i51ZpQAvxLHDd%2Ffi11xXbk9pkmRZseEY7prOyuSo%3D"),
	)

	It("is not the login-free (免登) signature", func() {
		Expect(url.QueryEscape(dingtalk.Sign("testappSecret", 1546084445901))).
			NotTo(Equal("HCbG3xNE3vzhO%2Bu7qCUL1jS5hsu2n5r2cFhnTrtyDAE%3D"))
	})
})

var _ = Describe("Verify and a Verifier", func() {
	now := time.UnixMilli(1600000000000)
	ts := "1600000000000"
	good := "379i51ZpQAvxLHDd/fi11xXbk9pkmRZseEY7prOyuSo="

	DescribeTable("answers as DingTalk does",
		func(timestamp, sign string, at time.Time, want error) {
			verifier := dingtalk.NewVerifier(vectorSecret)
			for _, err := range []error{dingtalk.Verify(vectorSecret, timestamp, sign, at), verifier.Verify(timestamp, sign, at)} {
				if want == nil {
					Expect(err).NotTo(HaveOccurred())
				} else {
					Expect(err).To(MatchError(want))
				}
			}
		},
		Entry("the computed vector", ts, good, now, nil),
		Entry("exactly one hour later still passes", ts, good, now.Add(time.Hour), nil),
		Entry("exactly one hour earlier still passes", ts, good, now.Add(-time.Hour), nil),
		Entry("a signature reused an hour and a millisecond later (crocodile#37)", ts, good, now.Add(time.Hour+time.Millisecond), dingtalk.ErrTimestampExpired),
		Entry("a timestamp more than an hour in the future", ts, good, now.Add(-time.Hour-time.Millisecond), dingtalk.ErrTimestampExpired),
		Entry("a timestamp in seconds lands in 1970", "1600000000", good, now, dingtalk.ErrTimestampExpired),
		Entry("a non-numeric timestamp", "abc", good, now, dingtalk.ErrTimestampExpired),
		Entry("a sign encoded twice", ts, url.QueryEscape(good), now, dingtalk.ErrSignMismatch),
		Entry("sign present, timestamp missing (AI-Codereview-Gitlab#142)", "", good, now, dingtalk.ErrSignMismatch),
		Entry("neither sign nor timestamp (backup-x#106)", "", "", now, dingtalk.ErrSignMismatch),
		Entry("signed with another secret", ts, dingtalk.Sign("SECother", 1600000000000), now, dingtalk.ErrSignMismatch),
	)

	It("rejects a sign sent without URL-encoding, whose '+' a server decodes to a space", func() {
		raw := dingtalk.Sign("this is secret", 1577262236757)
		Expect(raw).To(ContainSubstring("+"))
		asServerReadsIt, err := url.QueryUnescape(raw)
		Expect(err).NotTo(HaveOccurred())
		Expect(asServerReadsIt).To(ContainSubstring(" "))
		Expect(dingtalk.Verify("this is secret", "1577262236757", asServerReadsIt, time.UnixMilli(1577262236757))).
			To(MatchError(dingtalk.ErrSignMismatch))
	})
})

var _ = Describe("SignURL", func() {
	now := time.UnixMilli(1600000000000)

	It("adds timestamp and a once-encoded sign after the existing query", func() {
		got, err := dingtalk.SignURL("https://oapi.dingtalk.com/robot/send?access_token=abc", vectorSecret, now)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(Equal("https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1600000000000&sign=379i51ZpQAvxLHDd%2Ffi11xXbk9pkmRZseEY7prOyuSo%3D"))
	})

	It("starts a query when the URL has none", func() {
		got, err := dingtalk.SignURL("http://127.0.0.1:8090/robot/send", vectorSecret, now)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HavePrefix("http://127.0.0.1:8090/robot/send?timestamp=1600000000000&sign="))
	})

	It("replaces stale timestamp and sign instead of appending a second pair (DingtalkChatbot#29)", func() {
		got, err := dingtalk.SignURL("https://x/robot/send?timestamp=1&access_token=abc&sign=old&sign=older", vectorSecret, now)
		Expect(err).NotTo(HaveOccurred())
		q, _ := url.ParseQuery(mustURL(got).RawQuery)
		Expect(q["timestamp"]).To(Equal([]string{"1600000000000"}))
		Expect(q["sign"]).To(Equal([]string{"379i51ZpQAvxLHDd/fi11xXbk9pkmRZseEY7prOyuSo="}))
		Expect(q.Get("access_token")).To(Equal("abc"))
		Expect(dingtalk.Verify(vectorSecret, q.Get("timestamp"), q.Get("sign"), now)).To(Succeed())
	})

	It("leaves the URL alone without a secret", func() {
		Expect(dingtalk.SignURL("https://x/robot/send?access_token=abc", "", now)).To(Equal("https://x/robot/send?access_token=abc"))
	})

	It("reports an unparseable URL", func() {
		_, err := dingtalk.SignURL("http://[::1", vectorSecret, now)
		Expect(err).To(MatchError(ContainSubstring("parse webhook url")))
	})
})

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	Expect(err).NotTo(HaveOccurred())
	return u
}
