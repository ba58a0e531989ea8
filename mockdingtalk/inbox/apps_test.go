// Specs for the app robots in the inbox: a group's page (its members and
// robots, each msgKey drawn as the webhook's messages are, what members said
// to a bot, the bot's answers in order, a status line for each way a bot
// fails), the say form without script, members' one-to-one chats, the
// sidebar, live events for conversations, and escaping of everything.

package inbox_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
)

const (
	appKey    = "dingbot-ops"
	appSecret = "ops-secret"
	groupID   = "cidOps"
)

// testBot is a bot's HTTP endpoint: it checks the callback's sign as
// DingTalk documents it (its own HMAC, not the fake's code) and answers
// with answer (status, body), or with HTTP 401 when the sign is wrong.
func testBot(answer func(callback map[string]any) (int, string)) *httptest.Server {
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mac := hmac.New(sha256.New, []byte(appSecret))
		mac.Write([]byte(r.Header.Get("timestamp") + "\n" + appSecret))
		if base64.StdEncoding.EncodeToString(mac.Sum(nil)) != r.Header.Get("sign") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var cb map[string]any
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &cb) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		status, out := answer(cb)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, out)
	}))
	DeferCleanup(bot.Close)
	return bot
}

// addOps adds the ops app (calling back to callbackURL, when set) and its
// group with two members.
func addOps(f *fixture, callbackURL string) {
	GinkgoHelper()
	_, err := f.Apps.AddApp(approbot.App{AppKey: appKey, AppSecret: appSecret, Name: "ops bot", CallbackURL: callbackURL})
	Expect(err).NotTo(HaveOccurred())
	_, err = f.Apps.AddGroup(approbot.Group{OpenConversationID: groupID, Title: "ops <team>", RobotCodes: []string{appKey},
		Members: []approbot.Member{{StaffID: "manager4220", Name: "Li Lei"}, {StaffID: "dev1", Name: "韩梅梅"}}})
	Expect(err).NotTo(HaveOccurred())
}

func say(f *fixture, staffID, text string) approbot.Conversation {
	GinkgoHelper()
	conv, err := f.Apps.Say(context.Background(), approbot.Utterance{OpenConversationID: groupID, StaffID: staffID, Text: text})
	Expect(err).NotTo(HaveOccurred())
	return conv
}

// postForm posts the say form as a browser without script would.
func postForm(f *fixture, query string, form url.Values, header ...string) (*http.Response, string) {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodPost, f.Server.URL+"/_inbox/say?"+query, strings.NewReader(form.Encode()))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	ctx := context.Background()
	if len(header) > 0 {
		ctx = negativeCtx
	}
	res, err := checked.Do(req.WithContext(ctx))
	Expect(err).NotTo(HaveOccurred())
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var _ = Describe("An app robot group in the inbox", func() {
	var f *fixture

	BeforeEach(func() { f = newFixture() })

	It("shows the group's members and robots, and each msgKey as the chat draws it, sent by the app's robot", func() {
		addOps(f, "")
		Expect(f.AppSend(appKey, groupID, nil, "sampleText", map[string]string{"content": "deploy finished"})).To(Equal(200))
		Expect(f.AppSend(appKey, groupID, nil, "sampleMarkdown", map[string]string{"title": "Release", "text": "## api v2\n- **done**"})).To(Equal(200))
		Expect(f.AppSend(appKey, groupID, nil, "sampleLink", map[string]string{"title": "Build #7", "text": "green", "messageUrl": "https://ci.example.com/7", "picUrl": f.Pic("b")})).To(Equal(200))
		Expect(f.AppSend(appKey, groupID, nil, "sampleActionCard2", map[string]string{"title": "Roll back?", "text": "api v2",
			"actionTitle1": "Yes", "actionURL1": "https://ci.example.com/y", "actionTitle2": "No", "actionURL2": "https://ci.example.com/n"})).To(Equal(200))
		Expect(f.AppSend(appKey, groupID, nil, "sampleText", map[string]string{"text": "no content"})).To(Equal(400))

		d := parseDOM(mustGet(f, "/?group="+groupID))
		Expect(text(d.one("#title"))).To(Equal("ops <team>"))
		Expect(texts(d.all("#group-info .chip"))).To(Equal([]string{"LLi Lei", "韩韩梅梅", "ops bot (no callback URL)"}))
		arts := d.all("#stream article.entry")
		Expect(arts).To(HaveLen(5))
		Expect(texts(d.all("#stream article.entry .meta .name"))).To(HaveEach("ops bot"))
		Expect(text(d.one(`#stream article[data-msgtype=text] .bubble.text`))).To(Equal("deploy finished"))
		Expect(text(d.one(`#stream article[data-msgtype=markdown] .bubble.md h2`))).To(Equal("api v2"))
		Expect(attr(d.one(`#stream article[data-msgtype=link] a.card`), "href")).To(Equal("https://ci.example.com/7"))
		Expect(texts(d.all(`#stream article[data-msgtype=actionCard] .btns a.btn`))).To(Equal([]string{"Yes", "No"}))
		By("showing the refused send as the webhook's refusals are shown, with the hint")
		Expect(text(d.one("#stream article.rejected .hint"))).To(ContainSubstring("msgParam of sampleText lacks content"))
		Expect(d.all("#say-form")).To(BeEmpty(), "nobody can talk to a robot without a callback URL")
		Expect(text(d.one("#say-none"))).To(ContainSubstring("callbackURL"))
	})

	It("shows what members said, the bot's replies in the callback's answer and through the sessionWebhook, in the order they came", func() {
		bot := testBot(func(cb map[string]any) (int, string) {
			content := cb["text"].(map[string]any)["content"].(string)
			return 200, `{"msgtype":"text","text":{"content":"on it:` + content + `"}}`
		})
		addOps(f, bot.URL)
		Expect(f.AppSend(appKey, groupID, nil, "sampleText", map[string]string{"content": "good morning"})).To(Equal(200))
		conv := say(f, "manager4220", "@ops bot deploy api")
		Expect(conv.Replies).To(HaveLen(1))
		res, err := http.Post(conv.SessionWebhook, "application/json", strings.NewReader(`{"msgtype":"markdown","markdown":{"title":"done","text":"### deployed api"}}`))
		Expect(err).NotTo(HaveOccurred())
		res.Body.Close()

		d := parseDOM(mustGet(f, "/?group="+groupID))
		var order []string
		for _, n := range d.all("#stream article.entry") {
			order = append(order, attr(n, "class"))
		}
		Expect(order).To(Equal([]string{"entry delivered", "entry said", "entry reply delivered", "entry delivered"}))
		Expect(text(d.one("article.said .bubble.mine"))).To(Equal("@ops bot deploy api"))
		Expect(texts(d.all("article.said .bubble.mine .at"))).To(Equal([]string{"@ops bot"}))
		Expect(text(d.one("article.said .meta .name"))).To(Equal("Li Lei"))
		Expect(attr(d.one(".cb-status"), "data-state")).To(Equal("ok"))
		By("carrying the text without the mention in the callback, as DingTalk does")
		Expect(text(d.one("article.reply .bubble.text"))).To(Equal("on it: deploy api"))
		Expect(text(d.one(`article[data-msgtype=markdown] h3`))).To(Equal("deployed api"))
		Expect(text(d.one(`article[data-msgtype=markdown] .raw pre.req`))).To(HavePrefix("POST " + approbot.SessionPath + "?session="))
		Expect(attr(d.one("#stream .thread"), "id")).To(Equal("conv-" + conv.MsgID))

		By("serving the same timeline as the fragment the page merges")
		res2, frag := get(f, "/_inbox/entries?group="+groupID)
		Expect(res2.StatusCode).To(Equal(200))
		Expect(parseDOM(frag).all("article.entry")).To(HaveLen(4))
	})

	DescribeTable("says how the bot failed to answer",
		func(answer func(map[string]any) (int, string), setup func(f *fixture, bot *httptest.Server), want string) {
			bot := testBot(answer)
			addOps(f, bot.URL)
			if setup != nil {
				setup(f, bot)
			}
			say(f, "dev1", "status")
			d := parseDOM(mustGet(f, "/?group="+groupID))
			st := d.one(".cb-status")
			Expect(attr(st, "data-state")).To(Equal("bad"))
			Expect(text(st)).To(ContainSubstring(want))
			Expect(d.all("article.reply")).To(BeEmpty())
		},
		Entry("an HTTP error", func(map[string]any) (int, string) { return 500, "boom" }, nil, "answered wrongly (HTTP 500"),
		Entry("an answer that is not a robot message", func(map[string]any) (int, string) { return 200, `{"reply":"ok"}` }, nil, "not a robot message"),
		Entry("a refusal, as a bot that finds the sign wrong answers", func(map[string]any) (int, string) { return 200, "" },
			func(f *fixture, bot *httptest.Server) {
				// The bot checks against another secret than the app's.
				Expect(f.Apps.RemoveApp(appKey)).To(Succeed())
				_, err := f.Apps.AddApp(approbot.App{AppKey: appKey, AppSecret: "rotated-secret", Name: "ops bot", CallbackURL: bot.URL})
				Expect(err).NotTo(HaveOccurred())
			}, "refused the callback with HTTP 401: if it checks the sign"),
		Entry("no answer in time", func(map[string]any) (int, string) { return 200, "" },
			func(f *fixture, bot *httptest.Server) {
				f.Apps.SetCallbackTimeout(50 * time.Millisecond)
				DeferCleanup(f.Apps.SetCallbackTimeout, time.Duration(0))
				release := make(chan struct{})
				DeferCleanup(func() { close(release) })
				bot.Config.Handler = http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
					_, _ = io.Copy(io.Discard, r.Body) // then the server sees the fake hang up
					select {
					case <-r.Context().Done():
					case <-release:
					}
				})
			}, "No answer from ops bot: no answer within 50ms"),
		Entry("no bot listening", func(map[string]any) (int, string) { return 200, "" },
			func(_ *fixture, bot *httptest.Server) { bot.Close() }, "No answer from ops bot"),
	)

	It("says whether the bot refused a callback the fake forged on purpose, as it should", func() {
		addOps(f, testBot(func(map[string]any) (int, string) { return 200, "" }).URL)
		for _, forge := range []approbot.Forgery{approbot.ForgeSign, approbot.ForgeUnsigned} {
			_, err := f.Apps.Say(context.Background(), approbot.Utterance{OpenConversationID: groupID, StaffID: "dev1", Text: "x", Forge: forge})
			Expect(err).NotTo(HaveOccurred())
		}
		d := parseDOM(mustGet(f, "/?group="+groupID))
		st := d.all(".cb-status")
		Expect(st).To(HaveLen(2))
		Expect(attr(st[0], "data-state")).To(Equal("ok"))
		Expect(text(st[0])).To(Equal("ops bot refused a forged callback (signed with another secret) with HTTP 401, as it should"))
		Expect(texts(d.all("article.said .tag.warn"))).To(Equal([]string{"forged callback", "forged callback"}))
		Expect(attr(st[1], "data-state")).To(Equal("ok"))

		By("marking a bot that takes a forged callback")
		trusting := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		DeferCleanup(trusting.Close)
		Expect(f.Apps.RemoveApp(appKey)).To(Succeed())
		_, err := f.Apps.AddApp(approbot.App{AppKey: appKey, AppSecret: appSecret, Name: "ops bot", CallbackURL: trusting.URL})
		Expect(err).NotTo(HaveOccurred())
		_, err = f.Apps.Say(context.Background(), approbot.Utterance{OpenConversationID: groupID, StaffID: "dev1", Text: "x", Forge: approbot.ForgeStaleTimestamp})
		Expect(err).NotTo(HaveOccurred())
		st = parseDOM(mustGet(f, "/?group="+groupID)).all(".cb-status")
		Expect(attr(st[2], "data-state")).To(Equal("bad"))
		Expect(text(st[2])).To(ContainSubstring("accepted a forged callback (stamped two hours ago)"))
	})

	It("says the bot answered the callback when a sessionWebhook reply came first", func() {
		addOps(f, testBot(func(cb map[string]any) (int, string) {
			res, err := http.Post(cb["sessionWebhook"].(string), "application/json", strings.NewReader(`{"msgtype":"text","text":{"content":"first"}}`))
			Expect(err).NotTo(HaveOccurred())
			res.Body.Close()
			return 200, `{"msgtype":"text","text":{"content":"second"}}`
		}).URL)
		conv := say(f, "dev1", "status")
		Expect(conv.Replies).To(HaveLen(2))
		Expect(conv.Replies[0].Via).To(Equal("sessionWebhook"))
		st := parseDOM(mustGet(f, "/?group="+groupID)).one(".cb-status")
		Expect(text(st)).To(HavePrefix("ops bot answered the callback in"))
	})

	It("says when the bot took the callback without a message, so replies must come through the sessionWebhook", func() {
		addOps(f, testBot(func(map[string]any) (int, string) { return 200, "" }).URL)
		say(f, "dev1", "status")
		st := parseDOM(mustGet(f, "/?group="+groupID)).one(".cb-status")
		Expect(attr(st, "data-state")).To(Equal("ok"))
		Expect(text(st)).To(ContainSubstring("replies come through the sessionWebhook"))
	})

	It("shows every part of a conversation as text, never as markup", func() {
		bot := testBot(func(map[string]any) (int, string) {
			return 200, `{"msgtype":"text","text":{"content":"<script>window.pwned=1</script><img src=x onerror=alert(1)>"}}`
		})
		_, err := f.Apps.AddApp(approbot.App{AppKey: appKey, AppSecret: appSecret, Name: "<b>bot</b>", CallbackURL: bot.URL})
		Expect(err).NotTo(HaveOccurred())
		_, err = f.Apps.AddGroup(approbot.Group{OpenConversationID: groupID, Title: "<script>alert(1)</script>", RobotCodes: []string{appKey},
			Members: []approbot.Member{{StaffID: "m1", Name: "<img src=x onerror=alert(2)>"}}})
		Expect(err).NotTo(HaveOccurred())
		say(f, "m1", "<script>window.pwned=2</script>")
		page := mustGet(f, "/?group="+groupID)
		Expect(page).NotTo(ContainSubstring("<script>window"))
		Expect(page).NotTo(ContainSubstring("<img src=x"))
		Expect(page).NotTo(ContainSubstring("<b>bot</b>"))
		d := parseDOM(page)
		Expect(d.all("#stream script")).To(BeEmpty())
		Expect(d.all("#stream img")).To(BeEmpty())
		Expect(text(d.one("article.said .bubble.mine"))).To(Equal("<script>window.pwned=2</script>"))
		Expect(text(d.one("article.reply .bubble"))).To(Equal("<script>window.pwned=1</script><img src=x onerror=alert(1)>"))
		Expect(text(d.one("#title"))).To(Equal("<script>alert(1)</script>"))
	})

	Describe("typing as a member without script (the say form)", func() {
		var bot *httptest.Server
		BeforeEach(func() {
			bot = testBot(func(map[string]any) (int, string) { return 200, `{"msgtype":"text","text":{"content":"pong"}}` })
			addOps(f, bot.URL)
		})

		It("offers the members and the bot, and posts to the admin API's say from script", func() {
			d := parseDOM(mustGet(f, "/?group="+groupID))
			form := d.one("#say-form")
			Expect(attr(form, "action")).To(Equal("_inbox/say?group=" + groupID))
			Expect(attr(form, "data-api")).To(Equal("_mock/groups/" + groupID + "/say"))
			Expect(texts(d.all("#say-member option"))).To(Equal([]string{"Li Lei", "韩梅梅"}))
			Expect(attr(d.one("#say-robot"), "data-name")).To(Equal("ops bot"))
			Expect(d.all("#say-mention[checked]")).To(HaveLen(1))
			Expect(d.all("label[for=say-text]")).To(HaveLen(1), "the text field has a label")
			By("linking each member to their one-to-one chat with the bot")
			Expect(attr(d.all("#group-info a.chip")[1], "href")).To(Equal("./?app=" + appKey + "&staff=dev1"))
		})

		It("says it, @-mentioning the bot, and goes back to the group", func() {
			res, _ := postForm(f, "group="+groupID, url.Values{"staffId": {"dev1"}, "text": {"ping"}, "mention": {"on"}})
			Expect(res.StatusCode).To(Equal(http.StatusSeeOther))
			Expect(res.Header.Get("Location")).To(Equal("/?group=" + groupID))
			convs := f.Apps.Conversations(groupID)
			Expect(convs).To(HaveLen(1))
			Expect(convs[0].Text).To(Equal("@ops bot ping"))
			Expect(convs[0].Replies).To(HaveLen(1))
			d := parseDOM(mustGet(f, "/?group="+groupID))
			Expect(text(d.one("article.reply .bubble"))).To(Equal("pong"))
		})

		It("says a text that names the bot without the tick", func() {
			res, _ := postForm(f, "group="+groupID, url.Values{"staffId": {"dev1"}, "text": {"hi @ops bot"}})
			Expect(res.StatusCode).To(Equal(http.StatusSeeOther))
			Expect(f.Apps.Conversations(groupID)[0].Text).To(Equal("hi @ops bot"))
		})

		DescribeTable("refuses what it cannot say, saying why",
			func(query string, form url.Values, status int, want string) {
				res, body := postForm(f, query, form)
				Expect(res.StatusCode).To(Equal(status))
				Expect(body).To(ContainSubstring(want))
				Expect(f.Apps.Conversations("")).To(BeEmpty())
			},
			Entry("a message that does not @-mention the bot", "group="+groupID, url.Values{"staffId": {"dev1"}, "text": {"ping"}}, 400, "only when it @-mentions the bot"),
			Entry("no text", "group="+groupID, url.Values{"staffId": {"dev1"}, "text": {"  "}, "mention": {"on"}}, 400, "type a message first"),
			Entry("someone not in the group", "group="+groupID, url.Values{"staffId": {"ghost"}, "text": {"x"}, "mention": {"on"}}, 400, `"ghost" is not in group`),
			Entry("an unknown group", "group=cidNope", url.Values{"staffId": {"dev1"}, "text": {"x"}, "mention": {"on"}}, 404, `no group has openConversationId "cidNope"`),
		)

		It("refuses a cross-site post, as the clear does", func() {
			res, _ := postForm(f, "group="+groupID, url.Values{"staffId": {"dev1"}, "text": {"x"}, "mention": {"on"}},
				"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
			Expect(res.StatusCode).To(Equal(http.StatusForbidden))
			Expect(f.Apps.Conversations("")).To(BeEmpty())
		})
	})

	It("shows each member's one-to-one chat with the app's robot, and lists it with the groups", func() {
		addOps(f, "")
		Expect(f.AppSend(appKey, "", []string{"dev1", "nobody"}, "sampleText", map[string]string{"content": "your build is green"})).To(Equal(200))
		Expect(f.AppSend(appKey, groupID, nil, "sampleText", map[string]string{"content": "for the group"})).To(Equal(200))

		side := parseDOM(mustGet(f, "/_inbox/robots?app="+appKey+"&staff=dev1"))
		Expect(texts(side.all("a.robot.group .r-name"))).To(Equal([]string{"ops <team>"}))
		Expect(texts(side.all("a.robot.group .r-prev"))).To(Equal([]string{"ops bot: for the group"}))
		chats := side.all("a.robot.one2one")
		Expect(chats).To(HaveLen(1), "only members get a chat; nobody is not staff")
		Expect(attr(chats[0], "href")).To(Equal("./?app=" + appKey + "&staff=dev1"))
		Expect(text(queryAll(chats[0], ".r-name")[0])).To(Equal("韩梅梅 ↔ ops bot"))
		Expect(hasClass(chats[0], "active")).To(BeTrue())

		d := parseDOM(mustGet(f, "/?app="+appKey+"&staff=dev1"))
		Expect(text(d.one("#title"))).To(Equal("韩梅梅 ↔ ops bot"))
		Expect(texts(d.all("#stream .bubble.text"))).To(Equal([]string{"your build is green"}))
		Expect(d.all("#say-form")).To(BeEmpty())
		Expect(texts(parseDOM(mustGet(f, "/?app="+appKey+"&staff=manager4220")).all("#stream .bubble.text"))).To(BeEmpty())
		Expect(texts(parseDOM(mustGet(f, "/?group="+groupID)).all("#stream .bubble.text"))).To(Equal([]string{"for the group"}))

		res, body := get(f, "/?app="+appKey, negativeCtx)
		Expect(res.StatusCode).To(Equal(400))
		Expect(body).To(ContainSubstring("app and staff go together"))
	})

	It("shows what a member writes to the bot one to one, the bot's answers, and offers the form there", func() {
		bot := testBot(func(cb map[string]any) (int, string) {
			Expect(cb).To(HaveKeyWithValue("conversationType", "1"))
			return 200, `{"msgtype":"text","text":{"content":"hello ` + cb["senderNick"].(string) + `"}}`
		})
		addOps(f, bot.URL)
		res, _ := postForm(f, "app="+appKey+"&staff=dev1", url.Values{"staffId": {"dev1"}, "text": {"hi there"}})
		Expect(res.StatusCode).To(Equal(http.StatusSeeOther))
		Expect(res.Header.Get("Location")).To(Equal("/?app=" + appKey + "&staff=dev1"))

		d := parseDOM(mustGet(f, "/?app="+appKey+"&staff=dev1"))
		Expect(text(d.one("article.said .bubble.mine"))).To(Equal("hi there"))
		Expect(text(d.one("article.said .meta .name"))).To(Equal("韩梅梅"))
		Expect(text(d.one("article.reply .bubble"))).To(Equal("hello 韩梅梅"))
		form := d.one("#say-form")
		Expect(attr(form, "data-api")).To(Equal("_mock/apps/" + appKey + "/say"))
		Expect(attr(form, "data-direct")).To(Equal("true"))
		side := parseDOM(mustGet(f, "/_inbox/robots"))
		Expect(texts(side.all("a.robot.one2one .r-name"))).To(Equal([]string{"韩梅梅 ↔ ops bot"}))
		Expect(texts(side.all("a.robot.one2one .r-prev"))).To(Equal([]string{"hi there"}))
		Expect(texts(parseDOM(mustGet(f, "/?group="+groupID)).all("article.said"))).To(BeEmpty(), "not in the group")
	})

	It("shows the app robot's messages under its name in the all-robots view", func() {
		addOps(f, "")
		Expect(f.AppSend(appKey, groupID, nil, "sampleText", map[string]string{"content": "hello"})).To(Equal(200))
		d := parseDOM(mustGet(f, "/"))
		Expect(texts(d.all("#stream article[data-msgtype=text] .meta .name"))).To(Equal([]string{"ops bot"}))
		Expect(d.all("#robots .no-robots")).To(BeEmpty(), "a fake with app robots only does not say it has no robots")
		Expect(texts(d.all("#robots .side-h"))).To(Equal([]string{"App robot groups"}))
	})

	It("wakes the live stream when a member speaks or the bot answers, not only on journal changes", func() {
		bot := testBot(func(map[string]any) (int, string) { return 200, "" })
		addOps(f, bot.URL)
		ctx, cancel := context.WithCancel(context.Background())
		DeferCleanup(cancel)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.Server.URL+"/_inbox/events", nil)
		Expect(err).NotTo(HaveOccurred())
		res, err := checked.Do(req)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(res.Body.Close)
		events := make(chan string, 16)
		go func() {
			defer GinkgoRecover()
			buf := make([]byte, 4096)
			for {
				n, err := res.Body.Read(buf)
				if n > 0 {
					events <- string(buf[:n])
				}
				if err != nil {
					close(events)
					return
				}
			}
		}()
		Eventually(events).Should(Receive(ContainSubstring("event: change")))
		lastSeq := f.Journal.LastSeq()
		say(f, "dev1", "status")
		Eventually(events).Should(Receive(ContainSubstring("event: change")))
		Expect(f.Journal.LastSeq()).To(Equal(lastSeq), "the conversation is not a journal entry")
	})
})
