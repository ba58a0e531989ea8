// Specs of one-to-one chats with a bot: SayDirect and the admin API's
// /_mock/apps/{appKey}/say, the callback DingTalk sends for a single chat
// (conversationType "1"), and the bot's replies in both ways.

package approbot_test

import (
	"context"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/match"
)

var _ = Describe("One-to-one chats with a bot", func() {
	var fake *mockdingtalk.Server
	ctx := context.Background()
	withBot := func(answer func(cb callback, w http.ResponseWriter)) chan callback {
		url, got := startBot(answer)
		app := opsApp
		app.CallbackURL = url
		fake = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Apps: []approbot.App{app, hrApp}, Groups: []approbot.Group{opsGrp}})
		return got
	}
	direct := func(staffID, text string) (approbot.Conversation, error) {
		return fake.AppRobots().SayDirect(ctx, approbot.Utterance{RobotCode: "dingbot-ops", StaffID: staffID, Text: text})
	}

	It("POSTs the single-chat callback: conversationType 1, the chat's own conversationId, no title, no @ list, the text as typed", func() {
		got := withBot(func(_ callback, w http.ResponseWriter) {
			_, _ = io.WriteString(w, `{"msgtype":"text","text":{"content":"pong"}}`)
		})
		conv, err := direct("dev1", "ping")
		Expect(err).NotTo(HaveOccurred())
		var cb callback
		Eventually(got).Should(Receive(&cb))
		Expect(cb.header.Get("sign")).To(Equal(dingtalk.SignString("ops-secret", cb.header.Get("timestamp"))))
		cid := approbot.DirectConversationID("dingbot-ops", "dev1")
		Expect(cb.body).To(And(
			HaveKeyWithValue("conversationType", "1"),
			HaveKeyWithValue("conversationId", cid),
			HaveKeyWithValue("senderStaffId", "dev1"),
			HaveKeyWithValue("senderNick", "Han Meimei"),
			HaveKeyWithValue("robotCode", "dingbot-ops"),
			HaveKeyWithValue("chatbotUserId", "$:LWCP_v1:$dingbot-ops"),
			HaveKeyWithValue("text", HaveKeyWithValue("content", "ping")),
			HaveKeyWithValue("sessionWebhook", HavePrefix(fake.URL()+approbot.SessionPath)),
		))
		Expect(cb.body).NotTo(HaveKey("conversationTitle"))
		Expect(cb.body).NotTo(HaveKey("atUsers"))
		Expect(cb.body).NotTo(HaveKey("isInAtList"))

		Expect(conv.ConversationType).To(Equal(approbot.OneToOneChat))
		Expect(conv.OpenConversationID).To(Equal(cid))
		Expect(conv).To(match.HaveReply(match.HaveText("pong")))
		Expect(fake.AppRobots().Conversations(cid)).To(HaveLen(1))
		again, err := direct("dev1", "ping again")
		Expect(err).NotTo(HaveOccurred())
		Expect(again.OpenConversationID).To(Equal(cid), "the same member and robot keep one chat")
		Expect(approbot.DirectConversationID("dingbot-ops", "manager4220")).NotTo(Equal(cid))
	})

	It("takes replies through the sessionWebhook, journaled under the chat, and WaitForReply waits for them", func() {
		got := withBot(func(callback, http.ResponseWriter) {})
		conv, err := direct("manager4220", "status?")
		Expect(err).NotTo(HaveOccurred())
		var cb callback
		Eventually(got).Should(Receive(&cb))
		r := call(http.MethodPost, cb.body["sessionWebhook"].(string), "", `{"msgtype":"text","text":{"content":"all green"}}`, false)
		Expect(r.raw).To(Equal(`{"errcode":0,"errmsg":"ok"}`))
		waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		done, err := fake.AppRobots().WaitForReply(waitCtx, conv.MsgID, 1)
		Expect(err).NotTo(HaveOccurred())
		Expect(done).To(match.HaveReply(match.HaveText("all green")))
		Expect(fake.Entries(journal.Filter{AppKey: "dingbot-ops", Conversation: conv.OpenConversationID, Delivered: ptr(true)})).To(HaveLen(1))
	})

	DescribeTable("refuses what no chat can be",
		func(u approbot.Utterance, want error) {
			withBot(func(callback, http.ResponseWriter) {})
			_, err := fake.AppRobots().SayDirect(ctx, u)
			Expect(err).To(MatchError(want))
		},
		Entry("a member of no group", approbot.Utterance{RobotCode: "dingbot-ops", StaffID: "stranger", Text: "hi"}, approbot.ErrNotMember),
		Entry("an unknown robot", approbot.Utterance{RobotCode: "nobot", StaffID: "dev1", Text: "hi"}, approbot.ErrNotFound),
		Entry("a robot whose app has no callback URL", approbot.Utterance{RobotCode: "hr-robot", StaffID: "dev1", Text: "hi"}, approbot.ErrNoCallback),
	)

	It("refuses a group, a missing robot or text with a validation error", func() {
		withBot(func(callback, http.ResponseWriter) {})
		var ve *approbot.ValidationError
		for _, u := range []approbot.Utterance{
			{OpenConversationID: "cidOps", RobotCode: "dingbot-ops", StaffID: "dev1", Text: "hi"},
			{StaffID: "dev1", Text: "hi"},
			{RobotCode: "dingbot-ops", StaffID: "dev1"},
		} {
			_, err := fake.AppRobots().SayDirect(ctx, u)
			Expect(err).To(BeAssignableToTypeOf(ve), "%+v", u)
		}
	})

	It("is driven over the admin API: POST /_mock/apps/{appKey}/say", func() {
		withBot(func(_ callback, w http.ResponseWriter) {
			_, _ = io.WriteString(w, `{"msgtype":"markdown","markdown":{"title":"pong","text":"**pong**"}}`)
		})
		r := call(http.MethodPost, fake.URL()+"/_mock/apps/dingbot-ops/say", "", `{"staffId":"dev1","text":"ping"}`, false)
		Expect(r.status).To(Equal(http.StatusOK))
		Expect(r.body).To(HaveKeyWithValue("conversationType", "1"))
		Expect(r.body).To(HaveKeyWithValue("openConversationId", approbot.DirectConversationID("dingbot-ops", "dev1")))
		Expect(r.body).To(HaveKeyWithValue("replies", ConsistOf(HaveKeyWithValue("via", "callback"))))
		Expect(call(http.MethodPost, fake.URL()+"/_mock/apps/dingbot-ops/say", "", `{"staffId":"nobody","text":"x"}`, false).status).To(Equal(http.StatusBadRequest))
		Expect(call(http.MethodPost, fake.URL()+"/_mock/apps/dingbot-hr/say", "", `{"staffId":"dev1","text":"x"}`, false).status).To(Equal(http.StatusBadRequest))
		Expect(call(http.MethodPost, fake.URL()+"/_mock/apps/nope/say", "", `{"staffId":"dev1","text":"x"}`, false).status).To(Equal(http.StatusNotFound))
		Expect(call(http.MethodPost, fake.URL()+"/_mock/apps/dingbot-ops/say", "", `{"staffId":"dev1"}`, true).status).To(Equal(http.StatusBadRequest))
	})
})
