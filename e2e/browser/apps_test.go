// Browser specs for the app robots in the inbox: a person opens a group in
// Chromium, picks a member, types a message that @-mentions the bot and
// sends it; a bot (a small HTTP server here, checking the callback's sign
// with its own HMAC as DingTalk documents it) answers in the callback's
// response and later through the sessionWebhook, and both replies appear in
// the page without a reload. The page runs against the whole fake
// (mockdingtalk.Start), so its script posts to the real admin API.

package browser_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
)

// heard is a callback the bot took, sign checked.
type heard struct {
	SenderStaffID string `json:"senderStaffId"`
	Text          struct {
		Content string `json:"content"`
	} `json:"text"`
	SessionWebhook string `json:"sessionWebhook"`
	IsInAtList     bool   `json:"isInAtList"`
}

// chatBot is a bot's endpoint: it refuses a callback whose sign is not
// base64(HMAC-SHA256(secret, timestamp+"\n"+secret)) with 401, answers
// "on it: <text>" in the response, and then posts "done: <text>" as
// markdown to the sessionWebhook, as ChatOps bots do for slow work.
func chatBot(secret string, got chan<- heard) *httptest.Server {
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(r.Header.Get("timestamp") + "\n" + secret))
		if !hmac.Equal([]byte(base64.StdEncoding.EncodeToString(mac.Sum(nil))), []byte(r.Header.Get("sign"))) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var h heard
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &h) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got <- h
		task := strings.TrimSpace(h.Text.Content)
		reply, _ := json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": "on it: " + task}})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(reply)
		go func() {
			later, _ := json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": "done", "text": "### done: " + task}})
			res, err := http.Post(h.SessionWebhook, "application/json", strings.NewReader(string(later)))
			if err == nil {
				res.Body.Close()
			}
		}()
	}))
	DeferCleanup(bot.Close)
	return bot
}

var _ = Describe("Talking to an app's bot in the inbox", Label("browser"), Ordered, func() {
	const appSecret = "ops-secret"
	var (
		ctx  context.Context
		fake *mockdingtalk.Server
		got  chan heard
	)

	BeforeAll(func(_ SpecContext) {
		path, err := findChromium()
		if err != nil {
			AddReportEntry("browser specs skipped", "chromium not found: "+err.Error())
			Skip("chromium not found: " + err.Error())
		}
		got = make(chan heard, 16)
		bot := chatBot(appSecret, got)
		fake, err = mockdingtalk.Start(mockdingtalk.Config{
			Apps: []approbot.App{{AppKey: "dingbot-ops", AppSecret: appSecret, Name: "ops bot", CallbackURL: bot.URL}},
			Groups: []approbot.Group{{OpenConversationID: "cidOps", Title: "ops", RobotCodes: []string{"dingbot-ops"},
				Members: []approbot.Member{{StaffID: "manager4220", Name: "Li Lei"}, {StaffID: "dev1", Name: "韩梅梅"}}}},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(fake.Close)
		ctx = startChromium(path, fake.URL())
	}, NodeTimeout(2*time.Minute))

	do := func(actions ...chromedp.Action[chromedp.Void]) {
		GinkgoHelper()
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		Expect(chromedp.Do(tctx, actions...)).To(Succeed())
	}
	texts := func(sel string) func() ([]string, error) {
		return func() ([]string, error) {
			return tryEval[[]string](ctx, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.textContent.trim())`, sel))
		}
	}
	openGroup := func() {
		GinkgoHelper()
		do(chromedp.Navigate(fake.URL()+"/?group=cidOps"),
			chromedp.WaitVisible(chromedp.CSS("#say-form")),
			chromedp.WaitVisible(chromedp.CSS(`#live[data-state="live"]`)),
			chromedp.Evaluate[chromedp.Void](`window.samePage = 'yes'`))
	}
	typeAs := func(staffID, text string) {
		GinkgoHelper()
		do(chromedp.SetValue(chromedp.CSS("#say-member"), staffID),
			chromedp.SendKeys(chromedp.CSS("#say-text"), text),
			chromedp.Click(chromedp.CSS("#say-send"), chromedp.NodeVisible))
	}

	It("sends what a person types as a member, @-mentioning the bot, and shows the bot's replies live", func() {
		By("the app's robot posting to the group first, as a deploy pipeline would")
		token, _, err := fake.AppRobots().Token("dingbot-ops")
		Expect(err).NotTo(HaveOccurred())
		req, err := http.NewRequest(http.MethodPost, fake.URL()+approbot.GroupSendPath, strings.NewReader(
			`{"robotCode":"dingbot-ops","openConversationId":"cidOps","msgKey":"sampleActionCard","msgParam":"{\"title\":\"api v2.3.1 ready\",\"text\":\"### api v2.3.1\\nbuilt and tested on main\",\"singleTitle\":\"View build\",\"singleURL\":\"https://ci.example.com/builds/512\"}"}`))
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(approbot.TokenHeader, token)
		res, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		res.Body.Close()
		Expect(res.StatusCode).To(Equal(http.StatusOK))
		openGroup()
		Eventually(texts(`#stream article[data-msgtype="actionCard"] .btns .btn`)).WithTimeout(10 * time.Second).Should(Equal([]string{"View build"}))
		typeAs("dev1", "deploy api")

		var h heard
		Eventually(got).WithTimeout(10 * time.Second).Should(Receive(&h))
		Expect(h.SenderStaffID).To(Equal("dev1"))
		Expect(h.IsInAtList).To(BeTrue())
		Expect(h.Text.Content).To(Equal(" deploy api"), "the callback carries the text without the mention")

		Eventually(texts("article.said .bubble.mine")).WithTimeout(10 * time.Second).Should(Equal([]string{"@ops bot deploy api"}))
		Eventually(texts("article.reply .bubble")).WithTimeout(10 * time.Second).Should(Equal([]string{"on it: deploy api"}))
		Eventually(texts(`#stream article[data-msgtype="markdown"] h3`)).WithTimeout(10 * time.Second).Should(Equal([]string{"done: deploy api"}))
		Eventually(texts(".cb-status")).WithTimeout(10 * time.Second).Should(HaveExactElements(ContainSubstring("ops bot answered the callback in")))
		Expect(eval[string](ctx, `document.getElementById('say-text').value`)).To(BeEmpty(), "the field is cleared for the next message")
		Expect(eval[string](ctx, `window.samePage`)).To(Equal("yes"), "no reload")
		Expect(eval[string](ctx, `document.activeElement.id`)).To(Equal("say-text"))
		By("listing the member's message as the group's newest line in the sidebar")
		Eventually(texts(`#robots a.group[data-group="cidOps"] .r-prev`)).WithTimeout(10 * time.Second).Should(Equal([]string{"ops bot: done"}))
	})

	It("looks like a DingTalk group chat with a bot (screenshot)", func() {
		openGroup()
		do(chromedp.EmulateViewport(1280, 960))
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
		Expect(err).NotTo(HaveOccurred())
		Expect(png).To(HavePrefix("\x89PNG"))
		dir := screenshotDir()
		Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
		file := filepath.Join(dir, "inbox-group.png")
		Expect(os.WriteFile(file, png, 0o644)).To(Succeed())
		fmt.Fprintf(GinkgoWriter, "inbox screenshot: %s (%d bytes)\n", file, len(png))
		AddReportEntry("screenshot", file)
	})

	It("shows a message with markup in it as text, and runs none of it", func() {
		openGroup()
		typeAs("manager4220", `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">`)
		Eventually(got).WithTimeout(10 * time.Second).Should(Receive())
		Eventually(texts("article.reply .bubble")).WithTimeout(10 * time.Second).Should(ContainElement(
			`on it: <script>window.pwned=1</script><img src=x onerror="window.pwned=2">`))
		Expect(texts("article.said .bubble.mine")()).To(ContainElement(`@ops bot <script>window.pwned=1</script><img src=x onerror="window.pwned=2">`))
		Expect(eval[string](ctx, `String(window.pwned)`)).To(Equal("undefined"))
		Expect(eval[int](ctx, `document.querySelectorAll('#stream script, #stream img[src="x"]').length`)).To(BeZero())
	})

	It("says why a message that does not @-mention the bot is not sent, and sends nothing", func() {
		openGroup()
		before := len(fake.AppRobots().Conversations("cidOps"))
		do(chromedp.Click(chromedp.CSS("#say-mention"), chromedp.NodeVisible))
		typeAs("dev1", "anyone there?")
		Eventually(func() (string, error) {
			return tryEval[string](ctx, `document.getElementById('say-status').dataset.state || ''`)
		}).WithTimeout(10 * time.Second).Should(Equal("error"))
		Expect(eval[string](ctx, `document.getElementById('say-status').textContent`)).To(ContainSubstring("only when it @-mentions the bot"))
		Expect(fake.AppRobots().Conversations("cidOps")).To(HaveLen(before))
		By("sending it once the text names the bot")
		do(chromedp.Evaluate[chromedp.Void](`document.getElementById('say-text').value = ''`))
		typeAs("dev1", "@ops bot anyone there?")
		Eventually(got).WithTimeout(10 * time.Second).Should(Receive())
		Eventually(texts("article.said .bubble.mine")).WithTimeout(10 * time.Second).Should(ContainElement("@ops bot anyone there?"))
	})

	It("sends what a member writes to the bot one to one, and shows its reply", func() {
		do(chromedp.Navigate(fake.URL()+"/?app=dingbot-ops&staff=dev1"),
			chromedp.WaitVisible(chromedp.CSS(`#say-form[data-direct="true"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#live[data-state="live"]`)),
			chromedp.SendKeys(chromedp.CSS("#say-text"), "my deploys"),
			chromedp.Click(chromedp.CSS("#say-send"), chromedp.NodeVisible))
		var h heard
		Eventually(got).WithTimeout(10 * time.Second).Should(Receive(&h))
		Expect(h.SenderStaffID).To(Equal("dev1"))
		Expect(h.Text.Content).To(Equal("my deploys"), "no mention in a one-to-one chat")
		Eventually(texts("article.reply .bubble")).WithTimeout(10 * time.Second).Should(Equal([]string{"on it: my deploys"}))
		Eventually(texts(`#robots a.one2one[data-staff="dev1"] .r-name`)).WithTimeout(10 * time.Second).Should(Equal([]string{"韩梅梅 ↔ ops bot"}))
	})

	It("posts as the signed-in user when the fake has an admin token", func() {
		got2 := make(chan heard, 4)
		bot := chatBot(appSecret, got2)
		guarded, err := mockdingtalk.Start(mockdingtalk.Config{AdminToken: "s3cret-admin",
			Apps: []approbot.App{{AppKey: "dingbot-ops", AppSecret: appSecret, Name: "ops bot", CallbackURL: bot.URL}},
			Groups: []approbot.Group{{OpenConversationID: "cidOps", Title: "ops", RobotCodes: []string{"dingbot-ops"},
				Members: []approbot.Member{{StaffID: "dev1", Name: "韩梅梅"}}}},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(guarded.Close)
		// A tab that answers the fake's Basic challenge as a person answers
		// the browser's prompt: any user name, the token as password.
		var tab context.Context
		tab, closeTab := chromedp.NewContext(ctx, chromedp.WithListener(func(ev any) {
			switch ev := ev.(type) {
			case *fetch.EventAuthRequired:
				go func() {
					_, _ = chromedp.Call(tab, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{RequestID: ev.RequestID,
						AuthChallengeResponse: &fetch.AuthChallengeResponse{
							Response: fetch.AuthChallengeResponseResponseProvideCredentials, Username: "me", Password: "s3cret-admin"}})
				}()
			case *fetch.EventRequestPaused:
				go func() {
					_, _ = chromedp.Call(tab, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				}()
			}
		}))
		DeferCleanup(closeTab)
		tctx, cancel := context.WithTimeout(tab, 30*time.Second)
		defer cancel()
		handle := true
		Expect(chromedp.Do(tctx, chromedp.Navigate("about:blank"))).To(Succeed())
		_, err = chromedp.Call(tctx, fetch.Enable, fetch.EnableParams{HandleAuthRequests: &handle})
		Expect(err).NotTo(HaveOccurred())
		Expect(chromedp.Do(tctx, chromedp.Navigate(guarded.URL()+"/?group=cidOps"),
			chromedp.WaitVisible(chromedp.CSS("#say-form")),
			chromedp.WaitVisible(chromedp.CSS(`#live[data-state="live"]`)),
			chromedp.SendKeys(chromedp.CSS("#say-text"), "status"),
			chromedp.Click(chromedp.CSS("#say-send"), chromedp.NodeVisible))).To(Succeed())
		Eventually(got2).WithTimeout(10 * time.Second).Should(Receive())
		Eventually(func() ([]string, error) {
			return tryEval[[]string](tab, `[...document.querySelectorAll('article.reply .bubble')].map(e => e.textContent.trim())`)
		}).WithTimeout(10 * time.Second).Should(Equal([]string{"on it: status"}))
	})

})
