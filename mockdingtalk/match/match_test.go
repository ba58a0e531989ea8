// Specs for the journal matchers: each matcher both ways, the failure
// messages, and ContainMessage against a real fake robot (reached through
// the contracts validator, so the exchanges are checked against
// openapi.yaml too).

package match_test

import (
	"bytes"
	"context"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
	. "github.com/dingtalk-mock/mockdingtalk/mockdingtalk/match"
)

const token = "4f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19"

// delivered is a signed markdown alert that reached the group.
var delivered = journal.Entry{
	Seq: 3, AccessToken: token, Method: "POST", RawQuery: "access_token=" + token + "&timestamp=1&sign=abc%3D",
	Message: &dingtalk.Message{
		MsgType:  dingtalk.MsgMarkdown,
		Markdown: &dingtalk.Markdown{Title: "Disk", Text: "## disk full on db-1\n@13800000000"},
		At:       &dingtalk.At{AtMobiles: []string{"13800000000"}, AtUserIds: []string{"manager01"}, IsAtAll: true},
	},
	Accepted: true, Delivered: true, Reason: dingtalk.ReasonOK,
	Response: journal.Response{Status: 200, ErrCode: 0, ErrMsg: "ok"},
	Checks:   []journal.Check{{Name: "token", Passed: true}, {Name: journal.CheckSign, Passed: true, Detail: "timestamp 1 is within ±1h and the sign matches"}},
}

// rejected is an unsigned text message the robot refused.
var rejected = journal.Entry{
	Seq: 4, AccessToken: token, Method: "POST", RawQuery: "access_token=" + token,
	Message:  &dingtalk.Message{MsgType: dingtalk.MsgText, Text: &dingtalk.Text{Content: "hello"}},
	Reason:   dingtalk.ReasonSignMismatch,
	Response: journal.Response{Status: 200, ErrCode: 310000, ErrMsg: "description:机器人发送签名不匹配;"},
	Checks:   []journal.Check{{Name: journal.CheckSign, Passed: false, Detail: "no timestamp and sign parameters, but the robot has a secret"}},
	Hint:     "The robot has signing enabled, but the request has neither timestamp nor sign.",
}

// unsignedRobot is a text message to a robot without a secret: the sign
// check passes, but nothing was signed.
var unsignedRobot = journal.Entry{
	Seq: 5, AccessToken: token, Method: "POST", RawQuery: "access_token=" + token,
	Message:  &dingtalk.Message{MsgType: dingtalk.MsgText, Text: &dingtalk.Text{Content: "hi"}},
	Accepted: true, Delivered: true,
	Checks: []journal.Check{{Name: journal.CheckSign, Passed: true, Detail: "signing is not enabled for this robot"}},
}

var duplicate = journal.Entry{Seq: 6, AccessToken: token, Accepted: true, Duplicate: true,
	Message: &dingtalk.Message{MsgType: dingtalk.MsgText, Text: &dingtalk.Text{Content: "again"}, MsgUUID: "u1"}}

var _ = Describe("entry matchers", func() {
	DescribeTable("match what the entry has and not what it lacks",
		func(m types.GomegaMatcher, yes, no journal.Entry) {
			Expect(yes).To(m)
			Expect(&yes).To(m, "a *journal.Entry works too")
			Expect(no).NotTo(m)
		},
		Entry("BeSigned", BeSigned(), delivered, rejected),
		Entry("BeSigned: a robot without a secret passes the check, but nothing was signed", BeSigned(), delivered, unsignedRobot),
		Entry("BeDelivered", BeDelivered(), delivered, rejected),
		Entry("BeDelivered: a repeated msgUuid is acknowledged, not delivered", BeDelivered(), delivered, duplicate),
		Entry("BeAccepted", BeAccepted(), duplicate, rejected),
		Entry("HaveMsgType", HaveMsgType("markdown"), delivered, rejected),
		Entry("HaveText with a matcher", HaveText(ContainSubstring("disk full")), delivered, rejected),
		Entry("HaveText with a string", HaveText("hello"), rejected, delivered),
		Entry("HaveTitle", HaveTitle("Disk"), delivered, rejected),
		Entry("MentionMobile", MentionMobile("13800000000"), delivered, rejected),
		Entry("MentionUserID", MentionUserID("manager01"), delivered, rejected),
		Entry("MentionAll", MentionAll(), delivered, rejected),
		Entry("HaveRejectedWith", HaveRejectedWith(310000), rejected, delivered),
		Entry("HaveReason", HaveReason(dingtalk.ReasonSignMismatch), rejected, delivered),
		Entry("HaveHint", HaveHint(ContainSubstring("neither timestamp nor sign")), rejected, delivered),
		Entry("HaveAccessToken", HaveAccessToken(token), delivered, journal.Entry{AccessToken: "other"}),
	)

	It("explains a failure with the entry in one line and what it has instead", func() {
		failures := InterceptGomegaFailures(func() { Expect(rejected).To(BeSigned()) })
		Expect(failures).To(HaveLen(1))
		Expect(failures[0]).To(And(
			ContainSubstring("#4 token=4f2a1c9e... text text=\"hello\" errcode=310000"),
			ContainSubstring("to be signed"),
			ContainSubstring("no timestamp and sign in the query"),
		))
		Expect(failures[0]).NotTo(ContainSubstring("Checks:"), "no struct dump")
	})

	It("says 'not to' when a negated assertion fails", func() {
		failures := InterceptGomegaFailures(func() { Expect(delivered).NotTo(BeDelivered()) })
		Expect(failures).To(ConsistOf(ContainSubstring("not to be delivered")))
	})

	It("includes the inner matcher's own message", func() {
		failures := InterceptGomegaFailures(func() { Expect(delivered).To(HaveText(ContainSubstring("cpu"))) })
		Expect(failures).To(ConsistOf(And(ContainSubstring("to have text"), ContainSubstring(`to contain substring`), ContainSubstring("cpu"))))
	})

	It("refuses values that are not journal entries", func() {
		_, err := BeSigned().Match("not an entry")
		Expect(err).To(MatchError(ContainSubstring("expected a journal.Entry")))
		_, err = BeSigned().Match((*journal.Entry)(nil))
		Expect(err).To(HaveOccurred())
	})

	It("propagates an inner matcher's error", func() {
		_, err := HaveText(BeNumerically(">", 1)).Match(delivered)
		Expect(err).To(HaveOccurred())
	})
})

var _ = Describe("ContainMessage", func() {
	entries := []journal.Entry{rejected, delivered, duplicate}

	It("finds an entry that satisfies every matcher", func() {
		Expect(entries).To(ContainMessage(BeSigned(), HaveMsgType("markdown"), HaveText(ContainSubstring("disk full")), MentionMobile("13800000000")))
		Expect([]*journal.Entry{&rejected, &delivered}).To(ContainMessage(BeDelivered()))
	})

	It("needs one entry to satisfy all of them, not each by a different entry", func() {
		Expect(entries).NotTo(ContainMessage(HaveText("hello"), BeDelivered()))
	})

	It("accepts any Gomega matcher of an entry, such as HaveField", func() {
		Expect(entries).To(ContainMessage(HaveField("Seq", BeNumerically("==", 6)), BeAccepted()))
	})

	It("with no matchers succeeds for any non-empty journal", func() {
		Expect(entries).To(ContainMessage())
		Expect([]journal.Entry{}).NotTo(ContainMessage())
	})

	It("lists every entry and the first thing each one lacks", func() {
		failures := InterceptGomegaFailures(func() {
			Expect(entries).To(ContainMessage(BeSigned(), HaveMsgType("markdown"), MentionMobile("13900000000")))
		})
		Expect(failures).To(HaveLen(1))
		msg := failures[0]
		Expect(msg).To(ContainSubstring("Expected 3 journal entries to contain a message that would be signed"))
		Expect(msg).To(ContainSubstring(`#4 token=4f2a1c9e... text text="hello" errcode=310000`))
		Expect(msg).To(ContainSubstring(`fails to be signed`))
		Expect(msg).To(ContainSubstring(`fails to mention mobile "13900000000" (at.atMobiles): atMobiles ["13800000000"]`))
		Expect(msg).To(ContainSubstring("#6"))
	})

	It("says so when the journal is empty", func() {
		failures := InterceptGomegaFailures(func() { Expect([]journal.Entry{}).To(ContainMessage(BeDelivered())) })
		Expect(failures).To(ConsistOf(ContainSubstring("the journal has no entries")))
	})

	It("names the matching entry when a negated assertion fails", func() {
		failures := InterceptGomegaFailures(func() { Expect(entries).NotTo(ContainMessage(BeDelivered())) })
		Expect(failures).To(ConsistOf(And(ContainSubstring("not to contain"), ContainSubstring("#3 token="))))
	})

	It("refuses values that are not lists of entries", func() {
		_, err := ContainMessage().Match(delivered)
		Expect(err).To(HaveOccurred())
	})
})

var _ = Describe("against the fake robot", func() {
	It("matches what a client really sent", func(ctx SpecContext) {
		secret := "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"
		fake := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Robots: []mockdingtalk.Robot{{AccessToken: token, Secret: secret}}})
		client := contracts.NewHTTPClient(Fail)
		DeferCleanup(client.CloseIdleConnections)

		url, err := dingtalk.SignURL(fake.URL()+"/robot/send?access_token="+token, secret, fake.Now())
		Expect(err).NotTo(HaveOccurred())
		body := `{"msgtype":"markdown","markdown":{"title":"Disk","text":"disk full @13800000000"},"at":{"atMobiles":["13800000000"]}}`
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(body))
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())

		By("an unsigned send to a signing robot: a client mistake, so only the answer is checked")
		req, err = http.NewRequestWithContext(contracts.Negative(ctx), http.MethodPost, fake.URL()+"/robot/send?access_token="+token,
			bytes.NewBufferString(`{"msgtype":"text","text":{"content":"x"}}`))
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Content-Type", "application/json")
		unsigned, err := client.Do(req)
		Expect(err).NotTo(HaveOccurred())
		Expect(unsigned.Body.Close()).To(Succeed())

		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err = fake.WaitForEntries(wctx, journal.Filter{}, 2)
		Expect(err).NotTo(HaveOccurred())
		Expect(fake.Entries(journal.Filter{})).To(ContainMessage(BeSigned(), BeDelivered(), HaveMsgType("markdown"),
			HaveText(ContainSubstring("disk full")), MentionMobile("13800000000")))
		Expect(fake.Entries(journal.Filter{})).To(ContainMessage(HaveRejectedWith(310000), HaveHint(ContainSubstring("neither timestamp nor sign"))))
	})
})

var _ = Describe("HaveReply", func() {
	conv := approbot.Conversation{MsgID: "msg1", OpenConversationID: "cidOps", Replies: []approbot.Reply{
		{Via: "callback", Message: &dingtalk.Message{MsgType: dingtalk.MsgText, Text: &dingtalk.Text{Content: "deploying api"}}},
		{Via: "sessionWebhook", Message: &dingtalk.Message{MsgType: dingtalk.MsgMarkdown, Markdown: &dingtalk.Markdown{Title: "done", Text: "**api** is live"}}},
	}}

	It("finds a reply every matcher matches, reading its message", func() {
		Expect(conv).To(HaveReply(HaveText(ContainSubstring("deploying"))))
		Expect(&conv).To(HaveReply(HaveMsgType("markdown"), HaveTitle("done")))
		Expect(conv).To(HaveReply())
		Expect(approbot.Conversation{}).NotTo(HaveReply())
	})

	It("lists the replies, one line each, when none matches", func() {
		m := HaveReply(HaveText("rolled back"))
		Expect(m.Match(conv)).To(BeFalse())
		Expect(m.FailureMessage(conv)).To(And(ContainSubstring("deploying api"), ContainSubstring("**api** is live")))
	})

	It("refuses what is not a conversation", func() {
		_, err := HaveReply().Match("hello")
		Expect(err).To(MatchError(ContainSubstring("expects an approbot.Conversation")))
	})
})
