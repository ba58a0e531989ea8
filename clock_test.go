// Specs of the one clock hook: a fake robot's Now is a `Now func()
// time.Time` like the webhook sender's, so a test can run the sender on the
// fake's time (docs/go-testing.md).

package mockdingtalk_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/match"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

var _ = Describe("One clock for the fake robot and the webhook sender", func() {
	It("signs on the fake's time when webhook.Config.Now is fake.Now, which the real clock's signature fails", func() {
		fake := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{FreezeAt: time.Date(2023, 5, 1, 12, 0, 0, 0, time.UTC)})
		rb, err := fake.AddRobot(mockdingtalk.Robot{Secret: secret})
		Expect(err).NotTo(HaveOccurred())
		msg := &dingtalk.Message{MsgType: dingtalk.MsgText, Text: &dingtalk.Text{Content: "on the fake's clock"}}
		send := func(cfg webhook.Config) int64 {
			GinkgoHelper()
			cfg.Timeout = 5 * time.Second
			s, err := webhook.New(cfg)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(s.Close)
			res, err := s.Send(context.Background(), fake.WebhookURL(rb.AccessToken), secret, msg)
			Expect(err).NotTo(HaveOccurred())
			return res.ErrCode()
		}

		Expect(send(webhook.Config{Now: fake.Now})).To(BeZero())
		fake.Advance(59 * time.Minute)
		Expect(send(webhook.Config{Now: fake.Now})).To(BeZero(), "the sender follows the fake as it moves")
		Expect(send(webhook.Config{})).To(BeNumerically("==", 310000), "the real clock is years from the fake's")
		es := fake.Entries(journal.Filter{AccessToken: rb.AccessToken})
		Expect(es).To(HaveLen(3))
		Expect(es[:2]).To(HaveEach(match.BeDelivered()))
		Expect(es[2]).To(match.HaveReason(dingtalk.ReasonTimestampExpired))
	})
})
