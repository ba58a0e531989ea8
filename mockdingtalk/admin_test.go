// Specs for the admin API under /_mock/: robots, messages (list and wait),
// faults, clock, reset and health, over a real loopback connection, plus
// the errors it answers for bad input.

package mockdingtalk_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// adminReply is an admin API answer.
type adminReply struct {
	status int
	header http.Header
	body   []byte
}

// decode unmarshals the answer's body into a fresh T.
func decode[T any](r adminReply) T {
	GinkgoHelper()
	var v T
	Expect(json.Unmarshal(r.body, &v)).To(Succeed(), "body %s", r.body)
	return v
}

// robotOut is a robot as the admin API answers it: the Robot plus its
// webhookUrl.
type robotOut struct {
	mockdingtalk.Robot
	WebhookURL string `json:"webhookUrl"`
}

type entriesOut struct {
	Entries []journal.Entry `json:"entries"`
	Dropped uint64          `json:"dropped"`
	LastSeq uint64          `json:"lastSeq"`
}

type faultOut struct {
	ID          string  `json:"id"`
	AccessToken string  `json:"accessToken"`
	Kind        string  `json:"kind"`
	ErrCode     int     `json:"errcode"`
	ErrMsg      string  `json:"errmsg"`
	DelayMs     int64   `json:"delayMs"`
	Times       int     `json:"times"`
	Probability float64 `json:"probability"`
	Seed        uint64  `json:"seed"`
	Remaining   int     `json:"remaining"`
}

type clockOut struct {
	Now       string `json:"now"`
	NowMillis int64  `json:"nowMillis"`
	OffsetMs  int64  `json:"offsetMs"`
	Frozen    bool   `json:"frozen"`
}

type errorOut struct {
	Error string `json:"error"`
}

var _ = Describe("Admin API", func() {
	var s *mockdingtalk.Server
	// send makes an admin call with checked; ctx is negativeCtx for a
	// request that breaks the contract on purpose.
	send := func(ctx context.Context, method, path, body string) adminReply {
		GinkgoHelper()
		req, err := http.NewRequestWithContext(ctx, method, s.URL()+path, strings.NewReader(body))
		Expect(err).NotTo(HaveOccurred())
		if body != "" {
			req.Header.Set("Content-Type", jsonType)
		}
		res, err := checked.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		Expect(err).NotTo(HaveOccurred())
		if res.StatusCode != http.StatusNoContent {
			Expect(res.Header.Get("Content-Type")).To(Equal(jsonType), "%s %s: %s", method, path, b)
		}
		return adminReply{status: res.StatusCode, header: res.Header, body: b}
	}
	// call is a request the contract allows; bad is one it does not.
	call := func(method, path, body string) adminReply {
		GinkgoHelper()
		return send(context.Background(), method, path, body)
	}
	bad := func(method, path, body string) adminReply {
		GinkgoHelper()
		return send(negativeCtx, method, path, body)
	}
	expectError := func(r adminReply, status int, substr string) {
		GinkgoHelper()
		Expect(r.status).To(Equal(status), "body %s", r.body)
		Expect(decode[errorOut](r).Error).To(ContainSubstring(substr))
	}

	BeforeEach(func() {
		s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Robots: []mockdingtalk.Robot{{AccessToken: "boot", Name: "from config"}}})
	})

	It("GET /_mock/health answers ok, with what the journal holds and has dropped", func() {
		r := call("GET", "/_mock/health", "")
		Expect(r.status).To(Equal(200))
		Expect(string(r.body)).To(MatchJSON(`{"status":"ok","refused":{"host":0,"crossSite":0,"contentType":0,"robots":0,"faults":0,"streams":0,"waits":0},"forgotten":0,"journal":{"entries":0,"cap":10000,"bytes":0,"maxBytes":25165824,"dropped":0,"truncated":0,"lastSeq":0},"apps":{"apps":0,"groups":0,"tokens":0,"messages":0,"throttled":0,"callbacks":{"ok":0,"failed":0}}}`))
	})

	Describe("robots", func() {
		It("creates a robot with a generated 64-hex token, default rate limit and a ready webhook URL", func() {
			r := call("POST", "/_mock/robots", `{"name":"ci","secret":"SECx","keywords":["告警"],"ipAllowlist":["127.0.0.1"]}`)
			Expect(r.status).To(Equal(http.StatusCreated))
			rb := decode[robotOut](r)
			Expect(rb.AccessToken).To(MatchRegexp(`^[0-9a-f]{64}$`))
			Expect(*rb.RateLimitPerMinute).To(Equal(20))
			Expect(rb.WebhookURL).To(Equal(s.URL() + "/robot/send?access_token=" + rb.AccessToken))
			Expect(r.header.Get("Location")).To(Equal("/_mock/robots/" + rb.AccessToken))
			Expect(rb.Keywords).To(Equal([]string{"告警"}))

			By("the webhook URL works as given, once signed")
			u, err := dingtalk.SignURL(rb.WebhookURL, "SECx", s.Now())
			Expect(err).NotTo(HaveOccurred())
			rep, err := post(checked, u, jsonType, `{"msgtype":"text","text":{"content":"告警"}}`)
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.resp).To(Equal(dingtalk.OK))
		})

		It("keeps an explicit rate limit of 0 (off) and an empty body makes a plain robot", func() {
			rb := decode[robotOut](call("POST", "/_mock/robots", `{"accessToken":"t0","rateLimitPerMinute":0}`))
			Expect(*rb.RateLimitPerMinute).To(Equal(0))
			rb = decode[robotOut](call("POST", "/_mock/robots", ``))
			Expect(rb.AccessToken).To(HaveLen(64))
			Expect(rb.Keywords).To(Equal([]string{}))
		})

		It("lists, reads, replaces and deletes robots", func() {
			call("POST", "/_mock/robots", `{"accessToken":"abc","keywords":["a"]}`)
			list := decode[map[string][]robotOut](call("GET", "/_mock/robots", ""))["robots"]
			Expect(list).To(HaveLen(2))
			Expect(list[0].AccessToken).To(Equal("boot"))
			Expect(list[1].AccessToken).To(Equal("abc"))

			got := call("GET", "/_mock/robots/abc", "")
			Expect(got.status).To(Equal(200))

			By("a GET answer can be PUT back, webhookUrl and all")
			rb := decode[robotOut](got)
			rb.Disabled = true
			rb.Keywords = []string{"b"}
			body, _ := json.Marshal(rb)
			put := call("PUT", "/_mock/robots/abc", string(body))
			Expect(put.status).To(Equal(200))
			Expect(decode[robotOut](put).Disabled).To(BeTrue())
			r, _ := s.Robot("abc")
			Expect(r.Keywords).To(Equal([]string{"b"}))
			Expect(serve(s, plain(textBody)("abc")).resp.ErrCode).To(Equal(400102))

			expectError(call("PUT", "/_mock/robots/abc", `{"accessToken":"other"}`), 400, "cannot change")
			Expect(call("DELETE", "/_mock/robots/abc", "").status).To(Equal(http.StatusNoContent))
			expectError(call("GET", "/_mock/robots/abc", ""), 404, "no robot")
			expectError(call("DELETE", "/_mock/robots/abc", ""), 404, "no robot")
			expectError(call("PUT", "/_mock/robots/abc", `{}`), 404, "no robot")
		})

		DescribeTable("rejects bad robots with 400 and says what is wrong",
			func(body string, status int, substr string) {
				expectError(bad("POST", "/_mock/robots", body), status, substr)
			},
			Entry("a bad CIDR", `{"ipAllowlist":["10.0.0.0/33"]}`, 400, `ipAllowlist[0]`),
			Entry("an IPv6 allowlist entry", `{"ipAllowlist":["::1"]}`, 400, "IPv6"),
			Entry("11 keywords", `{"keywords":["1","2","3","4","5","6","7","8","9","10","11"]}`, 400, "at most 10"),
			Entry("an empty keyword", `{"keywords":["ok",""]}`, 400, "keywords[1]"),
			Entry("a negative rate limit", `{"rateLimitPerMinute":-1}`, 400, "rateLimitPerMinute"),
			Entry("a token with a slash", `{"accessToken":"a/b"}`, 400, "accessToken"),
			Entry("an unknown field", `{"accesToken":"typo"}`, 400, `unknown field "accesToken"`),
			Entry("a wrong type", `{"keywords":"a"}`, 400, `field "keywords"`),
			Entry("not JSON", `{"name":`, 400, "JSON"),
			Entry("two objects", `{} {}`, 400, "after the JSON object"),
			Entry("a token in use", `{"accessToken":"boot"}`, 409, "already exists"),
		)

		It("caps request bodies at 1 MiB", func() {
			expectError(bad("POST", "/_mock/robots", `{"name":"`+strings.Repeat("x", 1<<20)+`"}`), 413, "over")
		})
	})

	Describe("messages", func() {
		var tok string
		BeforeEach(func() { tok = addRobot(s, mockdingtalk.Robot{}) })

		It("lists entries with filters, dropped count and last sequence number", func() {
			serve(s, plain(textBody)(tok))
			serve(s, plain(`{"msgtype":"markdown","markdown":{"text":"x"}}`)(tok).bad())
			serve(s, plain(textBody)("boot"))

			all := decode[entriesOut](call("GET", "/_mock/messages", ""))
			Expect(all.Entries).To(HaveLen(3))
			Expect(all.LastSeq).To(Equal(uint64(3)))
			Expect(all.Dropped).To(BeZero())
			Expect(all.Entries[0].Body).To(Equal([]byte(textBody)))

			mine := decode[entriesOut](call("GET", "/_mock/messages?accessToken="+tok, ""))
			Expect(mine.Entries).To(HaveLen(2))
			delivered := decode[entriesOut](call("GET", "/_mock/messages?accessToken="+tok+"&delivered=true", ""))
			Expect(delivered.Entries).To(HaveLen(1))
			since := decode[entriesOut](call("GET", "/_mock/messages?since=2", ""))
			Expect(since.Entries).To(HaveLen(1))
			Expect(since.Entries[0].Seq).To(Equal(uint64(3)))
			limited := decode[entriesOut](call("GET", "/_mock/messages?limit=1", ""))
			Expect(limited.Entries).To(HaveLen(1))
			Expect(limited.Entries[0].Seq).To(Equal(uint64(1)))

			Expect(call("DELETE", "/_mock/messages", "").status).To(Equal(http.StatusNoContent))
			cleared := decode[entriesOut](call("GET", "/_mock/messages", ""))
			Expect(cleared.Entries).To(BeEmpty())
			Expect(cleared.LastSeq).To(Equal(uint64(3)))
		})

		DescribeTable("rejects bad query parameters",
			func(query, substr string) {
				expectError(bad("GET", "/_mock/messages"+query, ""), 400, substr)
			},
			Entry("since not a number", "?since=x", "since"),
			Entry("negative limit", "?limit=-1", "limit"),
			Entry("delivered not a boolean", "?delivered=maybe", "delivered"),
			Entry("an unknown parameter", "?acessToken=x", "unknown query parameter"),
		)

		It("waits for entries, answering as soon as they arrive", func() {
			done := make(chan adminReply, 1)
			go func() {
				defer GinkgoRecover()
				done <- call("GET", "/_mock/messages/wait?accessToken="+tok+"&count=2&timeout=10s", "")
			}()
			Consistently(done).ShouldNot(Receive())
			serve(s, plain(textBody)(tok))
			serve(s, plain(textBody)(tok))
			var r adminReply
			Eventually(done).Should(Receive(&r))
			Expect(r.status).To(Equal(200))
			Expect(decode[entriesOut](r).Entries).To(HaveLen(2))
		})

		It("answers 408 with what it has when the timeout passes first", func() {
			serve(s, plain(textBody)(tok))
			r := call("GET", "/_mock/messages/wait?accessToken="+tok+"&count=2&timeout=50ms", "")
			Expect(r.status).To(Equal(http.StatusRequestTimeout))
			Expect(decode[entriesOut](r).Entries).To(HaveLen(1))
		})

		It("rejects a bad wait timeout or count", func() {
			expectError(bad("GET", "/_mock/messages/wait?timeout=5", ""), 400, "timeout")
			expectError(bad("GET", "/_mock/messages/wait?count=0", ""), 400, "count")
		})

		It("keeps Go and HTTP views of a bounded journal the same", func() {
			small := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{JournalCap: 2})
			t := addRobot(small, mockdingtalk.Robot{})
			for range 5 {
				serve(small, plain(textBody)(t))
			}
			s = small
			out := decode[entriesOut](call("GET", "/_mock/messages", ""))
			Expect(out.Entries).To(HaveLen(2))
			Expect(out.Dropped).To(Equal(uint64(3)))
			Expect(out.LastSeq).To(Equal(uint64(5)))
		})
	})

	Describe("faults", func() {
		It("adds, lists, reads and removes faults", func() {
			r := call("POST", "/_mock/faults", `{"kind":"errcode","errcode":130101,"times":2,"accessToken":"boot"}`)
			Expect(r.status).To(Equal(http.StatusCreated))
			f := decode[faultOut](r)
			Expect(f.ID).To(Equal("f1"))
			Expect(f.Remaining).To(Equal(2))
			Expect(f.ErrMsg).To(Equal("send too fast, exceed 20 times per minute"))

			Expect(serve(s, plain(textBody)("boot")).resp.ErrCode).To(Equal(130101))
			got := decode[faultOut](call("GET", "/_mock/faults/f1", ""))
			Expect(got.Remaining).To(Equal(1))

			d := decode[faultOut](call("POST", "/_mock/faults", `{"kind":"delay","delayMs":1500,"probability":0.25,"seed":9}`))
			Expect(d.DelayMs).To(Equal(int64(1500)))
			Expect(d.Remaining).To(Equal(-1))
			Expect(decode[map[string][]faultOut](call("GET", "/_mock/faults", ""))["faults"]).To(HaveLen(2))

			Expect(call("DELETE", "/_mock/faults/f1", "").status).To(Equal(http.StatusNoContent))
			expectError(call("DELETE", "/_mock/faults/f1", ""), 404, "no fault")
			expectError(call("GET", "/_mock/faults/f1", ""), 404, "no fault")
			Expect(call("DELETE", "/_mock/faults", "").status).To(Equal(http.StatusNoContent))
			Expect(s.Faults()).To(BeEmpty())
		})

		DescribeTable("rejects bad faults with 400",
			func(body, substr string) {
				expectError(bad("POST", "/_mock/faults", body), 400, substr)
			},
			Entry("no kind", `{}`, "kind"),
			Entry("unknown kind", `{"kind":"boom"}`, "boom"),
			Entry("an id on input", `{"kind":"drop","id":"f9"}`, `unknown field "id"`),
			Entry("negative delay", `{"kind":"delay","delayMs":-5}`, "delayMs"),
			Entry("a huge delay", `{"kind":"delay","delayMs":9999999999}`, "delayMs"),
			Entry("probability out of range", `{"kind":"drop","probability":2}`, "probability"),
			Entry("an empty body", ``, "empty"),
		)
	})

	Describe("clock", func() {
		It("reads and sets the clock in every form", func() {
			c := decode[clockOut](call("GET", "/_mock/clock", ""))
			Expect(c.Frozen).To(BeFalse())

			c = decode[clockOut](call("PUT", "/_mock/clock", `{"now":"2024-05-01T12:00:00Z"}`))
			Expect(c.Frozen).To(BeTrue())
			Expect(c.Now).To(Equal("2024-05-01T12:00:00Z"))
			Expect(c.NowMillis).To(Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).UnixMilli()))
			Expect(s.Now()).To(BeTemporally("==", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)))

			c = decode[clockOut](call("PUT", "/_mock/clock", `{"advanceMs":1500}`))
			Expect(c.Now).To(Equal("2024-05-01T12:00:01.5Z"))

			c = decode[clockOut](call("PUT", "/_mock/clock", `{"nowMillis":1577262236757}`))
			Expect(c.NowMillis).To(Equal(int64(1577262236757)))
			Expect(c.Frozen).To(BeTrue())

			c = decode[clockOut](call("PUT", "/_mock/clock", `{"nowMillis":1577262236757,"frozen":false}`))
			Expect(c.Frozen).To(BeFalse())
			Expect(s.Now()).To(BeTemporally("~", t0, time.Second))

			c = decode[clockOut](call("PUT", "/_mock/clock", `{"offsetMs":-7200000}`))
			Expect(c.Frozen).To(BeFalse())
			Expect(c.OffsetMs).To(Equal(int64(-7200000)))
			Expect(s.Now()).To(BeTemporally("~", time.Now().Add(-2*time.Hour), time.Second))

			c = decode[clockOut](call("PUT", "/_mock/clock", `{"real":true}`))
			Expect(c.OffsetMs).To(BeZero())
			Expect(s.Now()).To(BeTemporally("~", time.Now(), time.Second))
		})

		DescribeTable("rejects unclear clock settings",
			func(body, substr string) {
				expectError(bad("PUT", "/_mock/clock", body), 400, substr)
			},
			Entry("nothing", `{}`, "exactly one"),
			Entry("two forms", `{"offsetMs":1,"advanceMs":1}`, "exactly one"),
			Entry("frozen alone", `{"frozen":true}`, "frozen"),
			Entry("now and nowMillis", `{"now":"2024-05-01T12:00:00Z","nowMillis":1}`, "not both"),
			Entry("a bad time", `{"now":"yesterday"}`, "RFC 3339"),
			Entry("real false", `{"real":false}`, "real"),
		)

		It("drives signature checks over HTTP", func() {
			call("PUT", "/_mock/clock", `{"nowMillis":1577262236757}`)
			Expect(s.AddRobot(mockdingtalk.Robot{AccessToken: "v", Secret: vectorSecret})).Error().NotTo(HaveOccurred())
			u := s.WebhookURL("v") + "&timestamp=1577262236757&sign=hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D"
			rep, err := post(checked, u, jsonType, textBody)
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.resp).To(Equal(dingtalk.OK))
			call("PUT", "/_mock/clock", `{"advanceMs":3600001}`)
			rep, err = post(checked, u, jsonType, textBody)
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.resp.ErrCode).To(Equal(310000))
		})
	})

	It("POST /_mock/reset restores robots, journal, faults and clock", func() {
		serve(s, plain(textBody)("boot"))
		call("POST", "/_mock/robots", `{"accessToken":"extra"}`)
		call("PUT", "/_mock/robots/boot", `{"disabled":true}`)
		call("POST", "/_mock/faults", `{"kind":"drop"}`)
		call("PUT", "/_mock/clock", `{"nowMillis":0}`)

		Expect(call("POST", "/_mock/reset", "").status).To(Equal(http.StatusNoContent))
		list := decode[map[string][]robotOut](call("GET", "/_mock/robots", ""))["robots"]
		Expect(list).To(HaveLen(1))
		Expect(list[0].AccessToken).To(Equal("boot"))
		Expect(list[0].Disabled).To(BeFalse())
		Expect(s.Faults()).To(BeEmpty())
		Expect(s.Entries(journal.Filter{})).To(BeEmpty())
		Expect(decode[clockOut](call("GET", "/_mock/clock", "")).Frozen).To(BeFalse())
		Expect(serve(s, plain(textBody)("boot")).resp).To(Equal(dingtalk.OK))
	})

	It("answers 404 for unknown admin paths and 405 with Allow for wrong methods", func() {
		expectError(bad("GET", "/_mock/nothing", ""), 404, "/_mock/nothing")
		r := bad("DELETE", "/_mock/clock", "")
		expectError(r, 405, "DELETE")
		Expect(r.header.Get("Allow")).To(Equal("GET, PUT"))
	})
})
