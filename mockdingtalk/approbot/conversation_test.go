// Specs of conversations with a bot: Say, the signed callback, replies in
// the callback's answer and through the sessionWebhook, and bots that
// answer slowly, wrongly or not at all.

package approbot_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/match"
)

// callback is what the bot received.
type callback struct {
	header http.Header
	body   map[string]any
}

// startBot starts a bot whose answer is decided by answer; every callback
// it gets is sent on got.
func startBot(answer func(cb callback, w http.ResponseWriter)) (url string, got chan callback) {
	got = make(chan callback, 10)
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var cb callback
		cb.header = r.Header
		_ = json.Unmarshal(raw, &cb.body)
		got <- cb
		answer(cb, w)
	}))
	DeferCleanup(bot.Close)
	return bot.URL + "/callback", got
}

var _ = Describe("Conversations with a bot", func() {
	var fake *mockdingtalk.Server
	ctx := context.Background()
	say := func(text string) approbot.Conversation {
		GinkgoHelper()
		conv, err := fake.AppRobots().Say(ctx, approbot.Utterance{OpenConversationID: "cidOps", StaffID: "manager4220", Text: text})
		Expect(err).NotTo(HaveOccurred())
		return conv
	}
	withBot := func(answer func(cb callback, w http.ResponseWriter)) chan callback {
		url, got := startBot(answer)
		app := opsApp
		app.CallbackURL = url
		fake = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Apps: []approbot.App{app}, Groups: []approbot.Group{opsGrp}})
		return got
	}

	It("POSTs DingTalk's callback, signed with the app secret, and records the reply in its answer", func() {
		got := withBot(func(cb callback, w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"msgtype":"text","text":{"content":"deploying api"}}`)
		})
		conv := say("deploy api")
		var cb callback
		Eventually(got).Should(Receive(&cb))
		ts := cb.header.Get("timestamp")
		Expect(cb.header.Get("sign")).To(Equal(dingtalk.SignString("ops-secret", ts)), "sign = base64(HMAC-SHA256(appSecret, timestamp+\"\\n\"+appSecret)), not URL-encoded")
		Expect(cb.body).To(HaveKeyWithValue("msgtype", "text"))
		Expect(cb.body).To(HaveKeyWithValue("text", HaveKeyWithValue("content", ContainSubstring("deploy api"))))
		Expect(cb.body).To(HaveKeyWithValue("senderStaffId", "manager4220"))
		Expect(cb.body).To(HaveKeyWithValue("senderNick", "Li Lei"))
		Expect(cb.body).To(HaveKeyWithValue("isInAtList", true))
		Expect(cb.body).To(HaveKeyWithValue("conversationType", "2"))
		Expect(cb.body).To(HaveKeyWithValue("conversationId", "cidOps"))
		Expect(cb.body).To(HaveKeyWithValue("sessionWebhook", HavePrefix(fake.URL()+approbot.SessionPath+"?session=")))
		Expect(conv.Callback.Status).To(Equal(http.StatusOK))
		Expect(conv.Callback.Error).To(BeEmpty())
		Expect(conv.Replies).To(HaveLen(1))
		Expect(conv.Replies[0].Via).To(Equal("callback"))
		Expect(conv.Replies[0].Message.Text.Content).To(Equal("deploying api"))
	})

	It("sends what the member typed without the @-mention of the bot, as DingTalk does, and keeps it as typed", func() {
		got := withBot(func(_ callback, w http.ResponseWriter) { w.WriteHeader(http.StatusOK) })
		changed := fake.AppRobots().Changed()
		conv := say("@ops bot deploy api")
		Expect(changed).To(BeClosed(), "a live view wakes up")
		var cb callback
		Eventually(got).Should(Receive(&cb))
		Expect(cb.body).To(HaveKeyWithValue("text", HaveKeyWithValue("content", " deploy api")))
		Expect(conv.Text).To(Equal("@ops bot deploy api"))
		Expect(approbot.WithoutMention("please @ops bot  ship it", opsApp)).To(Equal("please   ship it"))
		Expect(approbot.WithoutMention("@hr bot hi", opsApp)).To(Equal("@hr bot hi"), "only the bot's own name")
	})

	It("takes replies posted to the sessionWebhook until it expires, and WaitForReply waits for them", func() {
		got := withBot(func(callback, http.ResponseWriter) {})
		conv := say("status?")
		var cb callback
		Eventually(got).Should(Receive(&cb))
		webhook := cb.body["sessionWebhook"].(string)
		Expect(conv.Replies).To(BeEmpty())

		r := call(http.MethodPost, webhook, "", `{"msgtype":"markdown","markdown":{"title":"status","text":"**all green**"}}`, false)
		Expect(r.raw).To(Equal(`{"errcode":0,"errmsg":"ok"}`))
		waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		done, err := fake.AppRobots().WaitForReply(waitCtx, conv.MsgID, 1)
		Expect(err).NotTo(HaveOccurred())
		Expect(done.Replies[0].Via).To(Equal("sessionWebhook"))
		Expect(done.Replies[0].Message.Markdown.Text).To(Equal("**all green**"))
		Expect(done).To(match.HaveReply(match.HaveTitle("status"), match.HaveText(ContainSubstring("all green"))))
		Expect(fake.Entries(journal.Filter{Conversation: "cidOps", Delivered: ptr(true)})).To(HaveLen(1))

		r = call(http.MethodPost, webhook, "", `{"msgtype":"markdown","markdown":{"text":"no title"}}`, true)
		Expect(r.body).To(HaveKeyWithValue("errcode", BeNumerically("==", 400402)))

		fake.Advance(approbot.SessionLifetime)
		r = call(http.MethodPost, webhook, "", `{"msgtype":"text","text":{"content":"too late"}}`, false)
		Expect(r.body).To(HaveKeyWithValue("errcode", BeNumerically("==", approbot.ErrcodeSessionGone)))
		Expect(r.header.Get("X-Mock-Hint")).To(ContainSubstring("expired"))
	})

	It("shows a bot that answers too slowly, with an error status, or not with a message", func() {
		release := make(chan struct{})
		answers := make(chan func(http.ResponseWriter), 3)
		withBot(func(_ callback, w http.ResponseWriter) { (<-answers)(w) })
		fake.AppRobots().SetCallbackTimeout(100 * time.Millisecond)
		DeferCleanup(func() { close(release) })

		answers <- func(http.ResponseWriter) { <-release }
		slow := say("hello").Callback
		Expect(slow.Error).To(ContainSubstring("no answer within 100ms"))
		Expect(slow.TimedOut).To(BeTrue())
		answers <- func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }
		Expect(say("hello").Callback.Error).To(ContainSubstring("HTTP 500"))
		answers <- func(w http.ResponseWriter) { _, _ = io.WriteString(w, `{"ok":true}`) }
		Expect(say("hello").Callback.Error).To(ContainSubstring("not a robot message"))
	})

	It("refuses a speaker who is not in the group, and a group without a bot to call", func() {
		withBot(func(callback, http.ResponseWriter) {})
		_, err := fake.AppRobots().Say(ctx, approbot.Utterance{OpenConversationID: "cidOps", StaffID: "stranger", Text: "hi"})
		Expect(err).To(MatchError(approbot.ErrNotMember))
		_, err = fake.AppRobots().AddGroup(approbot.Group{OpenConversationID: "cidQuiet", Members: opsGrp.Members})
		Expect(err).NotTo(HaveOccurred())
		_, err = fake.AppRobots().Say(ctx, approbot.Utterance{OpenConversationID: "cidQuiet", StaffID: "manager4220", Text: "hi"})
		Expect(err).To(MatchError(approbot.ErrNoCallback))
	})

	It("is driven over the admin API too", func() {
		withBot(func(_ callback, w http.ResponseWriter) {
			_, _ = io.WriteString(w, `{"msgtype":"text","text":{"content":"pong"}}`)
		})
		r := call(http.MethodPost, fake.URL()+"/_mock/groups/cidOps/say", "", `{"staffId":"manager4220","text":"ping"}`, false)
		Expect(r.status).To(Equal(http.StatusOK))
		Expect(r.body).To(HaveKeyWithValue("replies", ConsistOf(HaveKeyWithValue("via", "callback"))))
		id := r.body["msgId"].(string)
		Expect(call(http.MethodGet, fake.URL()+"/_mock/conversations/"+id, "", "", false).body).To(HaveKeyWithValue("text", "ping"))
		list := call(http.MethodGet, fake.URL()+"/_mock/conversations?openConversationId=cidOps", "", "", false)
		Expect(list.body["conversations"]).To(HaveLen(1))
		Expect(call(http.MethodPost, fake.URL()+"/_mock/groups/cidOps/say", "", `{"staffId":"nobody","text":"x"}`, false).status).To(Equal(http.StatusBadRequest))
		Expect(strings.Contains(call(http.MethodGet, fake.URL()+"/_mock/conversations/nope", "", "", false).raw, "no conversation")).To(BeTrue())

		w := call(http.MethodGet, fake.URL()+"/_mock/conversations/"+id+"/wait?count=1&timeout=5s", "", "", false)
		Expect(w.status).To(Equal(http.StatusOK))
		Expect(w.body["replies"]).To(HaveLen(1))
		w = call(http.MethodGet, fake.URL()+"/_mock/conversations/"+id+"/wait?count=2&timeout=10ms", "", "", false)
		Expect(w.status).To(Equal(http.StatusRequestTimeout), "a second reply never comes")
		Expect(w.body["replies"]).To(HaveLen(1))
		Expect(call(http.MethodGet, fake.URL()+"/_mock/conversations/nope/wait", "", "", false).status).To(Equal(http.StatusNotFound))
	})
})

func ptr[T any](v T) *T { return &v }
