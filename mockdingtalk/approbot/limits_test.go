// Specs of the message APIs' per-app rate limit (DingTalk's 20 calls per
// second per app and API, then HTTP 403 QpsLimitForAppkeyAndApi) and of the
// Service's counters.

package approbot_test

import (
	"context"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
)

var _ = Describe("The rate limit of the message APIs", func() {
	var fake *mockdingtalk.Server
	BeforeEach(func() {
		fake = newFake()
		fake.SetNow(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	})
	text := groupMsg("dingbot-ops", "cidOps", "sampleText", `{"content":"hi"}`)
	oto := jsonOf(map[string]any{"robotCode": "dingbot-ops", "userIds": []string{"dev1"}, "msgKey": "sampleText", "msgParam": `{"content":"hi"}`})

	It("takes 20 calls per app and API in one second, answers the 21st with 403 Forbidden.AccessDenied.QpsLimitForAppkeyAndApi, and takes calls again the next second", func() {
		t := token(fake, opsApp)
		for i := range approbot.DefaultRateLimit {
			Expect(call(http.MethodPost, fake.URL()+approbot.GroupSendPath, t, text, false).status).To(Equal(http.StatusOK), "call %d", i+1)
		}
		r := call(http.MethodPost, fake.URL()+approbot.GroupSendPath, t, text, false)
		expectError(r, http.StatusForbidden, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi")
		Expect(r.header.Get("X-Mock-Hint")).To(ContainSubstring("more than 20 times in one second"))
		Expect(call(http.MethodPost, fake.URL()+approbot.BatchSendPath, t, oto, false).status).To(Equal(http.StatusOK), "each API has its own count")
		Expect(call(http.MethodPost, fake.URL()+approbot.GroupSendPath, token(fake, hrApp), text, true).status).NotTo(Equal(http.StatusForbidden), "each app has its own count")

		fake.Advance(time.Second)
		Expect(call(http.MethodPost, fake.URL()+approbot.GroupSendPath, t, text, false).status).To(Equal(http.StatusOK))
		Expect(fake.AppRobots().Stats().Throttled).To(BeNumerically("==", 1))
	})

	It("is configurable: Config.AppRateLimit sets it, 0 turns it off, a bad value is refused", func() {
		one, off, bad := 1, 0, -1
		limited := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Apps: []approbot.App{opsApp}, Groups: []approbot.Group{opsGrp}, AppRateLimit: &one, FreezeAt: time.Now()})
		t := token(limited, opsApp)
		Expect(call(http.MethodPost, limited.URL()+approbot.GroupSendPath, t, text, false).status).To(Equal(http.StatusOK))
		Expect(call(http.MethodPost, limited.URL()+approbot.GroupSendPath, t, text, false).status).To(Equal(http.StatusForbidden))

		free := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Apps: []approbot.App{opsApp}, Groups: []approbot.Group{opsGrp}, AppRateLimit: &off, FreezeAt: time.Now()})
		t = token(free, opsApp)
		for range 3 * approbot.DefaultRateLimit {
			Expect(call(http.MethodPost, free.URL()+approbot.GroupSendPath, t, text, false).status).To(Equal(http.StatusOK))
		}

		_, err := mockdingtalk.New(mockdingtalk.Config{AppRateLimit: &bad})
		Expect(err).To(MatchError(ContainSubstring("appRateLimit")))
		_, err = mockdingtalk.New(mockdingtalk.Config{CallbackTimeout: time.Hour})
		Expect(err).To(MatchError(ContainSubstring("callbackTimeout")))
	})
})

var _ = Describe("The Service's counters", func() {
	It("counts apps, groups, valid tokens, delivered messages and callbacks by outcome, in Stats and /_mock/health", func() {
		fails := make(chan bool, 2)
		url, _ := startBot(func(_ callback, w http.ResponseWriter) {
			if <-fails {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			_, _ = io.WriteString(w, `{"msgtype":"text","text":{"content":"pong"}}`)
		})
		app := opsApp
		app.CallbackURL = url
		fake := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Apps: []approbot.App{app, hrApp}, Groups: []approbot.Group{opsGrp}})
		t := token(fake, opsApp)
		Expect(call(http.MethodPost, fake.URL()+approbot.GroupSendPath, t, groupMsg("dingbot-ops", "cidOps", "sampleText", `{"content":"hi"}`), false).status).To(Equal(http.StatusOK))
		fails <- false
		fails <- true
		for range 2 {
			_, err := fake.AppRobots().Say(context.Background(), approbot.Utterance{OpenConversationID: "cidOps", StaffID: "dev1", Text: "ping"})
			Expect(err).NotTo(HaveOccurred())
		}

		Expect(fake.AppRobots().Stats()).To(Equal(approbot.Stats{Apps: 2, Groups: 1, Tokens: 1, Messages: 1,
			Callbacks: approbot.CallbackStats{OK: 1, Failed: 1}}))
		h := call(http.MethodGet, fake.URL()+"/_mock/health", "", "", false)
		Expect(h.body).To(HaveKeyWithValue("apps", And(HaveKeyWithValue("apps", BeNumerically("==", 2)),
			HaveKeyWithValue("callbacks", HaveKeyWithValue("failed", BeNumerically("==", 1))))))
		fake.Advance(approbot.TokenLifetime)
		Expect(fake.AppRobots().Stats().Tokens).To(BeZero(), "an expired token is not counted")
	})
})
