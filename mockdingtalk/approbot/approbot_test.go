// Specs of the app robot API: tokens, group and one-to-one messages, their
// errors as DingTalk answers them, the journal and the admin API.

package approbot_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// token gets opsApp's token through the API.
func token(fake *mockdingtalk.Server, app approbot.App) string {
	GinkgoHelper()
	r := call(http.MethodPost, fake.URL()+approbot.AccessTokenPath, "", jsonOf(map[string]string{"appKey": app.AppKey, "appSecret": app.AppSecret}), false)
	Expect(r.status).To(Equal(http.StatusOK), r.raw)
	return r.body["accessToken"].(string)
}

func groupMsg(robot, cid, key, param string) string {
	return jsonOf(map[string]string{"robotCode": robot, "openConversationId": cid, "msgKey": key, "msgParam": param})
}

// expectError checks a DingTalk app API error answer.
func expectError(r reply, status int, code string) {
	GinkgoHelper()
	Expect(r.status).To(Equal(status), r.raw)
	Expect(r.body).To(HaveKeyWithValue("code", code))
	Expect(r.body["requestid"]).To(Equal(r.header.Get(approbot.RequestIDHeader)))
	Expect(r.header.Get("X-Mock-Hint")).NotTo(BeEmpty())
}

var _ = Describe("Access tokens", func() {
	var fake *mockdingtalk.Server
	BeforeEach(func() {
		fake = newFake()
		fake.SetNow(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	})

	It("issues {accessToken, expireIn: 7200} for the right appKey and appSecret, the same token while it is valid", func() {
		r := call(http.MethodPost, fake.URL()+approbot.AccessTokenPath, "", `{"appKey":"dingbot-ops","appSecret":"ops-secret"}`, false)
		Expect(r.status).To(Equal(http.StatusOK))
		Expect(r.raw).To(MatchRegexp(`^\{"accessToken":"[0-9a-f]{32}","expireIn":7200\}$`))
		Expect(r.header.Get("Content-Type")).To(Equal("application/json;charset=utf-8"))
		fake.Advance(time.Hour)
		Expect(token(fake, opsApp)).To(Equal(r.body["accessToken"]))
	})

	It("answers wrong credentials with 400 invalidClientIdOrSecret and a hint", func() {
		r := call(http.MethodPost, fake.URL()+approbot.AccessTokenPath, "", `{"appKey":"dingbot-ops","appSecret":"nope"}`, false)
		expectError(r, http.StatusBadRequest, "invalidClientIdOrSecret")
		Expect(r.header.Get("X-Mock-Hint")).To(ContainSubstring("not app \"dingbot-ops\"'s secret"))
		r = call(http.MethodPost, fake.URL()+approbot.AccessTokenPath, "", `{"appKey":"nobody","appSecret":"x"}`, false)
		expectError(r, http.StatusBadRequest, "invalidClientIdOrSecret")
	})

	It("answers a form-encoded body with 400 Missingbody, as DingTalk answers SDKs that send one", func() {
		req := call(http.MethodPost, fake.URL()+approbot.AccessTokenPath, "", "appKey=dingbot-ops&appSecret=ops-secret", true)
		expectError(req, http.StatusBadRequest, "Missingbody")
	})

	It("serves the legacy GET /gettoken with errcode 0, and 40089 for wrong credentials", func() {
		r := call(http.MethodGet, fake.URL()+"/gettoken?appkey=dingbot-ops&appsecret=ops-secret", "", "", false)
		Expect(r.status).To(Equal(http.StatusOK))
		Expect(r.raw).To(MatchRegexp(`^\{"errcode":0,"access_token":"[0-9a-f]{32}","errmsg":"ok","expires_in":7200\}$`))
		Expect(r.body["access_token"]).To(Equal(token(fake, opsApp)), "one token per app, whichever endpoint issued it")
		r = call(http.MethodGet, fake.URL()+"/gettoken?appkey=dingbot-ops&appsecret=wrong", "", "", false)
		Expect(r.status).To(Equal(http.StatusOK))
		Expect(r.raw).To(Equal(`{"errcode":40089,"errmsg":"不合法的corpId或corpSecret"}`))
	})

	It("lets a token expire after 7200 s on the fake's clock: 400 InvalidAuthentication, a new token afterwards", func() {
		t := token(fake, opsApp)
		send := func(tok string) reply {
			return call(http.MethodPost, fake.URL()+approbot.GroupSendPath, tok, groupMsg("dingbot-ops", "cidOps", "sampleText", `{"content":"hi"}`), false)
		}
		Expect(send(t).status).To(Equal(http.StatusOK))
		fake.Advance(approbot.TokenLifetime)
		r := send(t)
		expectError(r, http.StatusBadRequest, "InvalidAuthentication")
		Expect(r.body["message"]).To(Equal("不合法的access_token"))
		Expect(r.header.Get("X-Mock-Hint")).To(ContainSubstring("expired at 2026-11-30T14:00:00Z"))
		t2 := token(fake, opsApp)
		Expect(t2).NotTo(Equal(t))
		Expect(send(t2).status).To(Equal(http.StatusOK))
	})

	It("answers a missing token header with 400 AuthenticationFailed.MissingParameter", func() {
		r := call(http.MethodPost, fake.URL()+approbot.GroupSendPath, "", groupMsg("dingbot-ops", "cidOps", "sampleText", `{"content":"hi"}`), true)
		expectError(r, http.StatusBadRequest, "AuthenticationFailed.MissingParameter")
		Expect(r.body["message"]).To(Equal("缺少参数：x-acs-dingtalk-access-token"))
	})

	It("issues tokens from Go and over the admin API, without the secret", func() {
		t, exp, err := fake.AppRobots().Token("dingbot-ops")
		Expect(err).NotTo(HaveOccurred())
		Expect(exp).To(Equal(fake.Now().Add(2 * time.Hour)))
		r := call(http.MethodPost, fake.URL()+"/_mock/apps/dingbot-ops/token", "", "", false)
		Expect(r.status).To(Equal(http.StatusOK))
		Expect(r.body["accessToken"]).To(Equal(t))
		Expect(call(http.MethodPost, fake.URL()+"/_mock/apps/nobody/token", "", "", false).status).To(Equal(http.StatusNotFound))
	})
})

var _ = Describe("Group messages", func() {
	var (
		fake *mockdingtalk.Server
		tok  string
	)
	BeforeEach(func() {
		fake = newFake()
		tok = token(fake, opsApp)
	})

	It("delivers a sampleText to the group with {processQueryKey} and journals it by app and group", func() {
		r := call(http.MethodPost, fake.URL()+approbot.GroupSendPath, tok, groupMsg("dingbot-ops", "cidOps", "sampleText", `{"content":"deploy finished"}`), false)
		Expect(r.status).To(Equal(http.StatusOK))
		Expect(r.raw).To(MatchRegexp(`^\{"processQueryKey":"[A-Za-z0-9+/]{43}="\}$`))
		got := fake.Entries(journal.Filter{AppKey: "dingbot-ops", Conversation: "cidOps"})
		Expect(got).To(HaveLen(1))
		Expect(got[0].Delivered).To(BeTrue())
		Expect(string(got[0].Body)).To(ContainSubstring("deploy finished"))
		Expect(got[0].Message.Text.Content).To(Equal("deploy finished"), "the message as the group shows it, as for the webhook")
		Expect(fake.Entries(journal.Filter{Conversation: "cidOther"})).To(BeEmpty())

		q := url.Values{"appKey": {"dingbot-ops"}, "openConversationId": {"cidOps"}, "delivered": {"true"}}
		page := call(http.MethodGet, fake.URL()+"/_mock/messages?"+q.Encode(), "", "", false)
		Expect(page.status).To(Equal(http.StatusOK))
		Expect(page.body["entries"]).To(HaveLen(1))
	})

	It("journals each msgKey as the webhook message it shows as", func() {
		send := func(key, param string) *dingtalk.Message {
			GinkgoHelper()
			Expect(call(http.MethodPost, fake.URL()+approbot.GroupSendPath, tok, groupMsg("dingbot-ops", "cidOps", key, param), false).status).To(Equal(http.StatusOK))
			got := fake.Entries(journal.Filter{Conversation: "cidOps"})
			return got[len(got)-1].Message
		}
		Expect(send("sampleMarkdown", `{"title":"t","text":"**x**"}`).Markdown).To(Equal(&dingtalk.Markdown{Title: "t", Text: "**x**"}))
		Expect(send("sampleLink", `{"title":"t","text":"x","messageUrl":"https://e.example","picUrl":""}`).Link.MessageURL).To(Equal("https://e.example"))
		card := send("sampleActionCard2", `{"title":"t","text":"x","actionTitle1":"a","actionURL1":"https://a.example","actionTitle2":"b","actionURL2":"https://b.example"}`).ActionCard
		Expect(card.Btns).To(Equal([]dingtalk.Btn{{Title: "a", ActionURL: "https://a.example"}, {Title: "b", ActionURL: "https://b.example"}}))
		Expect(send("sampleImageMsg", `{"photoURL":"https://p.example/x.png"}`).Image.PicURL).To(Equal("https://p.example/x.png"))
		Expect(send("sampleFile", `{"mediaId":"@m","fileName":"a.pdf","fileType":"pdf"}`)).To(BeNil())
	})

	It("is as lenient as DingTalk: unknown fields, a charset, a number where a string is declared", func() {
		body := `{"robotCode":"dingbot-ops","openConversationId":"cidOps","msgKey":"sampleText","msgParam":"{\"content\":12}","extra":true}`
		Expect(call(http.MethodPost, fake.URL()+approbot.GroupSendPath, tok, body, false).status).To(Equal(http.StatusOK))
	})

	DescribeTable("rejects what DingTalk rejects, with its code and a hint naming the mistake",
		func(body, code, hint string) {
			r := call(http.MethodPost, fake.URL()+approbot.GroupSendPath, tok, body, true)
			expectError(r, http.StatusBadRequest, code)
			Expect(r.header.Get("X-Mock-Hint")).To(ContainSubstring(hint))
			got := fake.Entries(journal.Filter{AppKey: "dingbot-ops"})
			Expect(got[len(got)-1].Delivered).To(BeFalse())
			Expect(got[len(got)-1].Hint).To(Equal(r.header.Get("X-Mock-Hint")))
		},
		Entry("缺少robotCode", groupMsg("", "cidOps", "sampleText", `{"content":"x"}`), "invalidParameter.robotCode.missing", "robotCode is missing"),
		Entry("机器人不存在: unknown robotCode", groupMsg("nobot", "cidOps", "sampleText", `{"content":"x"}`), "invalidParameter.robotCode.notExsit", `no robot has robotCode "nobot"`),
		Entry("another app's robot", groupMsg("hr-robot", "cidOps", "sampleText", `{"content":"x"}`), "invalidParameter.robotCode.auth", `belongs to app "dingbot-hr"`),
		Entry("无效的openConversationId", groupMsg("dingbot-ops", "cidNope", "sampleText", `{"content":"x"}`), "invalid.openConversationId", `no group has openConversationId "cidNope"`),
		Entry("msgKey missing", groupMsg("dingbot-ops", "cidOps", "", `{"content":"x"}`), "invalidParameter.msgKey.empty", "msgKey is missing"),
		Entry("msgKey in the wrong case", groupMsg("dingbot-ops", "cidOps", "SampleText", `{"content":"x"}`), "invalidParameter.msgKey.invalid", "case-sensitive"),
		Entry("msgParam not JSON", groupMsg("dingbot-ops", "cidOps", "sampleText", `content=x`), "invalidParameter.msgParam.invalid", "JSON object"),
		Entry("msgParam sent as an object, not a string", `{"robotCode":"dingbot-ops","openConversationId":"cidOps","msgKey":"sampleText","msgParam":{"content":"x"}}`, "invalidParameter.param.invalid", "encode it a second time"),
		Entry("userIds as a string", `{"robotCode":"dingbot-ops","openConversationId":"cidOps","userIds":"dev1","msgKey":"sampleText","msgParam":"{}"}`, "invalidParameter.param.invalid", "array of strings"),
		Entry("robotCode as an object", `{"robotCode":{"code":"dingbot-ops"},"openConversationId":"cidOps","msgKey":"sampleText","msgParam":"{}"}`, "invalidParameter.param.invalid", "robotCode is an object"),
		Entry("a null body", `null`, "Missingbody", "not a JSON object"),
		Entry("a body over 256 KiB", `{"msgParam":"`+strings.Repeat("x", 300<<10)+`"}`, "invalidParameter.param.invalid", "the body is over"),
		Entry("sampleMarkdown without title", groupMsg("dingbot-ops", "cidOps", "sampleMarkdown", `{"text":"**x**"}`), "invalidParameter.param.invalid", "lacks title"),
		Entry("msgParam over 15000 bytes", groupMsg("dingbot-ops", "cidOps", "sampleText", `{"content":"`+string(make([]byte, 15000))+`"}`), "invalidParameter.param.invalid", "at most 15000"),
		Entry("not JSON at all", `robotCode=dingbot-ops`, "Missingbody", "not a JSON object"),
	)

	It("refuses a robot that is not in the group with 机器人不存在", func() {
		_, err := fake.AppRobots().AddGroup(approbot.Group{OpenConversationID: "cidQuiet", Title: "quiet"})
		Expect(err).NotTo(HaveOccurred())
		r := call(http.MethodPost, fake.URL()+approbot.GroupSendPath, tok, groupMsg("dingbot-ops", "cidQuiet", "sampleText", `{"content":"x"}`), false)
		expectError(r, http.StatusBadRequest, "invalidParameter.robotCode.notExsit")
		Expect(r.body["message"]).To(Equal("机器人不存在"))
		Expect(r.header.Get("X-Mock-Hint")).To(ContainSubstring("is not in group"))
	})

	It("answers other paths and methods under /v1.0/ with a DingTalk-shaped 404", func() {
		r := call(http.MethodGet, fake.URL()+approbot.GroupSendPath, tok, "", true)
		Expect(r.status).To(Equal(http.StatusNotFound))
		Expect(r.body).To(HaveKeyWithValue("code", "InvalidAction.NotFound"))
	})
})

var _ = Describe("One-to-one messages", func() {
	var (
		fake *mockdingtalk.Server
		tok  string
	)
	BeforeEach(func() {
		fake = newFake()
		tok = token(fake, opsApp)
	})
	batch := func(users ...string) string {
		return jsonOf(map[string]any{"robotCode": "dingbot-ops", "userIds": users, "msgKey": "sampleMarkdown", "msgParam": `{"title":"t","text":"**x**"}`})
	}

	It("delivers to staff and lists unknown userIds in invalidStaffIdList", func() {
		r := call(http.MethodPost, fake.URL()+approbot.BatchSendPath, tok, batch("manager4220", "ghost"), false)
		Expect(r.status).To(Equal(http.StatusOK))
		Expect(r.body).To(HaveKeyWithValue("invalidStaffIdList", []any{"ghost"}))
		Expect(r.body).To(HaveKeyWithValue("flowControlledStaffIdList", BeEmpty()))
		got := fake.Entries(journal.Filter{AppKey: "dingbot-ops"})
		Expect(got[len(got)-1].Delivered).To(BeTrue())
		Expect(got[len(got)-1].Warnings).To(ConsistOf(ContainSubstring("ghost")))
	})

	It("rejects an empty userIds list and more than 20", func() {
		expectError(call(http.MethodPost, fake.URL()+approbot.BatchSendPath, tok, batch(), true), http.StatusBadRequest, "invalidParameter.userIds.empty")
		many := make([]string, 21)
		for i := range many {
			many[i] = "dev1"
		}
		expectError(call(http.MethodPost, fake.URL()+approbot.BatchSendPath, tok, batch(many...), true), http.StatusBadRequest, "invalidParameter.userIds.overMax")
	})
})

var _ = Describe("Apps and groups", func() {
	var fake *mockdingtalk.Server
	BeforeEach(func() { fake = newFake() })

	It("are created, read and removed over the admin API", func() {
		r := call(http.MethodPost, fake.URL()+"/_mock/apps", "", `{"appKey":"dingbot-ci"}`, false)
		Expect(r.status).To(Equal(http.StatusCreated))
		Expect(r.body).To(HaveKeyWithValue("robotCode", "dingbot-ci"))
		Expect(r.body["appSecret"]).To(HaveLen(32))
		Expect(call(http.MethodPost, fake.URL()+"/_mock/apps", "", `{"appKey":"dingbot-ci"}`, false).status).To(Equal(http.StatusConflict))
		Expect(call(http.MethodPost, fake.URL()+"/_mock/apps", "", `{"appKey":""}`, true).status).To(Equal(http.StatusBadRequest))

		r = call(http.MethodPost, fake.URL()+"/_mock/groups", "", `{"title":"ci","members":[{"staffId":"bob","name":"Bob"}],"robotCodes":["dingbot-ci"]}`, false)
		Expect(r.status).To(Equal(http.StatusCreated))
		cid := r.body["openConversationId"].(string)
		Expect(cid).To(HavePrefix("cid"))
		Expect(call(http.MethodGet, fake.URL()+"/_mock/groups/"+cid, "", "", false).body).To(HaveKeyWithValue("title", "ci"))
		Expect(call(http.MethodGet, fake.URL()+"/_mock/groups", "", "", false).body["groups"]).To(HaveLen(2))
		Expect(call(http.MethodGet, fake.URL()+"/_mock/apps", "", "", false).body["apps"]).To(HaveLen(3))

		Expect(call(http.MethodDelete, fake.URL()+"/_mock/groups/"+cid, "", "", false).status).To(Equal(http.StatusNoContent))
		Expect(call(http.MethodDelete, fake.URL()+"/_mock/apps/dingbot-ci", "", "", false).status).To(Equal(http.StatusNoContent))
		Expect(call(http.MethodGet, fake.URL()+"/_mock/apps/dingbot-ci", "", "", false).status).To(Equal(http.StatusNotFound))
	})

	It("revokes a removed app's token", func() {
		tok := token(fake, opsApp)
		Expect(fake.AppRobots().RemoveApp("dingbot-ops")).To(Succeed())
		r := call(http.MethodPost, fake.URL()+approbot.GroupSendPath, tok, groupMsg("dingbot-ops", "cidOps", "sampleText", `{"content":"x"}`), false)
		expectError(r, http.StatusBadRequest, "InvalidAuthentication")
	})

	It("go back to the configuration on Reset, tokens forgotten", func() {
		tok := token(fake, opsApp)
		_, err := fake.AppRobots().AddApp(approbot.App{AppKey: "extra"})
		Expect(err).NotTo(HaveOccurred())
		fake.Reset()
		Expect(fake.AppRobots().Apps()).To(HaveLen(2))
		Expect(fake.AppRobots().Groups()).To(HaveLen(1))
		r := call(http.MethodPost, fake.URL()+approbot.GroupSendPath, tok, groupMsg("dingbot-ops", "cidOps", "sampleText", `{"content":"x"}`), false)
		expectError(r, http.StatusBadRequest, "InvalidAuthentication")
	})

	It("are bounded: more apps than MaxApps or members than MaxMembersTotal get 507", func() {
		for i := range approbot.MaxApps - 2 {
			_, err := fake.AppRobots().AddApp(approbot.App{AppKey: "app" + strconv.Itoa(i)})
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(call(http.MethodPost, fake.URL()+"/_mock/apps", "", `{"appKey":"one-too-many"}`, false).status).To(Equal(http.StatusInsufficientStorage))
		members := make([]approbot.Member, approbot.MaxMembers)
		for i := range members {
			members[i].StaffID = "s" + strconv.Itoa(i)
		}
		left := approbot.MaxMembersTotal - len(opsGrp.Members) // the fixture group's
		for left > 0 {
			n := min(left, len(members))
			_, err := fake.AppRobots().AddGroup(approbot.Group{Members: members[:n]})
			Expect(err).NotTo(HaveOccurred())
			left -= n
		}
		_, err := fake.AppRobots().AddGroup(approbot.Group{Members: members[:1]})
		Expect(err).To(MatchError(approbot.ErrFull))
	})

	It("refuse invalid settings with the field named", func() {
		_, err := mockdingtalk.New(mockdingtalk.Config{Groups: []approbot.Group{{Members: []approbot.Member{{Name: "no id"}}}}})
		Expect(err).To(MatchError(ContainSubstring("groups[0].members[0].staffId")))
		_, err = mockdingtalk.New(mockdingtalk.Config{Apps: []approbot.App{{AppKey: "a"}, {AppKey: "a"}}})
		Expect(err).To(MatchError(ContainSubstring("already exists")))
		_, err = fake.AppRobots().AddApp(approbot.App{AppKey: "x", CallbackURL: "ftp://nope"})
		Expect(err).To(MatchError(ContainSubstring("callbackURL")))
	})
})
