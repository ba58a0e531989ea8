// Specs for the rate limit: a sliding 60-second window and a 10-minute
// lockout, driven by the fake clock, exact under concurrency.

package mockdingtalk_test

import (
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

var _ = Describe("Rate limit", func() {
	var (
		s   *mockdingtalk.Server
		tok string
	)
	send := func(body string) dingtalk.Response {
		GinkgoHelper()
		return serve(s, plain(body)(tok)).resp
	}
	// sendBad sends a body that breaks the contract on purpose.
	sendBad := func(body string) dingtalk.Response {
		GinkgoHelper()
		return serve(s, plain(body)(tok).bad()).resp
	}
	sendN := func(n int) {
		GinkgoHelper()
		for i := range n {
			Expect(send(textBody)).To(Equal(dingtalk.OK), "message %d", i+1)
		}
	}
	tooFast := dingtalk.Response{ErrCode: 130101, ErrMsg: "send too fast, exceed 20 times per minute"}

	BeforeEach(func() {
		s = newHandler(mockdingtalk.Config{FreezeAt: t0})
		tok = addRobot(s, mockdingtalk.Robot{})
	})

	It("delivers 20 messages a minute, refuses the 21st and locks the robot for 10 minutes (ccfos/nightingale#369)", func() {
		sendN(20)
		Expect(send(textBody)).To(Equal(tooFast))
		e := last(s)
		Expect(e.Reason).To(Equal(dingtalk.ReasonRateLimited))
		Expect(failedCheck(e)).To(Equal(journal.CheckRateLimit))
		Expect(e.Hint).NotTo(BeEmpty())

		s.Advance(time.Minute)
		Expect(send(textBody)).To(Equal(tooFast), "still locked after the window passed")
		s.Advance(10*time.Minute - time.Minute - time.Millisecond)
		Expect(send(textBody)).To(Equal(tooFast), "locked until 10 minutes after the 21st")
		s.Advance(time.Millisecond)
		Expect(send(textBody)).To(Equal(dingtalk.OK))
	})

	It("does not extend the lockout for sends made during it", func() {
		sendN(20)
		Expect(send(textBody)).To(Equal(tooFast))
		for range 5 {
			s.Advance(time.Minute)
			Expect(send(textBody)).To(Equal(tooFast))
		}
		s.Advance(5 * time.Minute)
		Expect(send(textBody)).To(Equal(dingtalk.OK))
	})

	It("slides the window: messages older than 60 seconds stop counting", func() {
		sendN(10)
		s.Advance(30 * time.Second)
		sendN(10)
		s.Advance(30 * time.Second) // the first 10 are now exactly 60s old
		sendN(10)
		s.Advance(29 * time.Second) // the second 10 are 59s old
		Expect(send(textBody)).To(Equal(tooFast))
	})

	It("counts only delivered messages: rejections and repeated msgUuids are free", func() {
		for range 25 {
			Expect(sendBad(`{"msgtype":"markdown","markdown":{"text":"no title"}}`).ErrCode).To(Equal(400402))
		}
		uuid := `{"msgtype":"text","text":{"content":"x"},"msgUuid":"same"}`
		for range 25 {
			Expect(send(uuid)).To(Equal(dingtalk.OK))
		}
		sendN(19)
		Expect(send(textBody)).To(Equal(tooFast))
	})

	It("lets a message refused by the limit be retried with the same msgUuid once the lock ends", func() {
		sendN(20)
		body := `{"msgtype":"text","text":{"content":"retry me"},"msgUuid":"r-1"}`
		Expect(send(body)).To(Equal(tooFast))
		s.Advance(10 * time.Minute) // the documented lockout
		Expect(send(body)).To(Equal(dingtalk.OK))
		Expect(last(s).Delivered).To(BeTrue())
	})

	It("keeps robots apart", func() {
		sendN(20)
		Expect(send(textBody)).To(Equal(tooFast))
		other := addRobot(s, mockdingtalk.Robot{})
		Expect(serve(s, plain(textBody)(other)).resp).To(Equal(dingtalk.OK))
	})

	It("follows a robot's own limit, and 0 turns it off", func() {
		tok = addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: intp(3)})
		sendN(3)
		Expect(send(textBody)).To(Equal(tooFast))

		tok = addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: intp(0)})
		sendN(200)
	})

	DescribeTable("answers with the dialect's rate-limit errcode",
		func(code int, text string) {
			s = newHandler(mockdingtalk.Config{FreezeAt: t0, Dialect: dingtalk.Dialect{RateLimitCode: code}})
			tok = addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: intp(1)})
			sendN(1)
			Expect(send(textBody)).To(Equal(dingtalk.Response{ErrCode: code, ErrMsg: text}))
		},
		Entry("130101, 2020–2022 (ccfos/nightingale#369)", 130101, "send too fast, exceed 20 times per minute"),
		Entry("410100, the doc's code", 410100, "发送速度太快而限流"),
		Entry("660026, the 2026 probe", 660026, "sending too many messages per minute"),
	)

	It("is exact under concurrent senders over HTTP", func() {
		srv := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{FreezeAt: t0})
		tok := addRobot(srv, mockdingtalk.Robot{})
		const senders = 60
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			codes = map[int]int{}
		)
		for range senders {
			wg.Go(func() {
				defer GinkgoRecover()
				rep, err := post(checked, srv.WebhookURL(tok), jsonType, textBody)
				Expect(err).NotTo(HaveOccurred())
				mu.Lock()
				codes[rep.resp.ErrCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
		Expect(codes).To(Equal(map[int]int{0: 20, 130101: senders - 20}))
	})
})
