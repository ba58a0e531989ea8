// Specs of forged callbacks (Utterance.Forge): a wrong sign, a stale
// timestamp, no signature, so a test can check that its bot refuses them.

package approbot_test

import (
	"context"
	"net/http"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
)

var _ = Describe("Forged callbacks", func() {
	var (
		fake *mockdingtalk.Server
		got  chan callback
	)
	BeforeEach(func() {
		var url string
		url, got = startBot(func(callback, http.ResponseWriter) {})
		app := opsApp
		app.CallbackURL = url
		fake = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Apps: []approbot.App{app}, Groups: []approbot.Group{opsGrp}})
	})
	say := func(f approbot.Forgery) (approbot.Conversation, callback) {
		GinkgoHelper()
		conv, err := fake.AppRobots().Say(context.Background(), approbot.Utterance{OpenConversationID: "cidOps", StaffID: "dev1", Text: "ping", Forge: f})
		Expect(err).NotTo(HaveOccurred())
		var cb callback
		Eventually(got).Should(Receive(&cb))
		return conv, cb
	}

	It("signs a callback as DingTalk does, and records the body it sent", func() {
		conv, cb := say("")
		Expect(cb.header.Get("sign")).To(Equal(dingtalk.SignString("ops-secret", cb.header.Get("timestamp"))))
		Expect(string(conv.Callback.Request)).To(ContainSubstring(`"msgId":"` + conv.MsgID + `"`))
		Expect(conv.Forge).To(BeEmpty())
	})

	It("forges a wrong sign, a timestamp two hours old (correctly signed), or no signature", func() {
		conv, cb := say(approbot.ForgeSign)
		Expect(conv.Forge).To(Equal(approbot.ForgeSign))
		Expect(cb.header.Get("sign")).NotTo(BeEmpty())
		Expect(cb.header.Get("sign")).NotTo(Equal(dingtalk.SignString("ops-secret", cb.header.Get("timestamp"))))

		_, cb = say(approbot.ForgeStaleTimestamp)
		ts, err := strconv.ParseInt(cb.header.Get("timestamp"), 10, 64)
		Expect(err).NotTo(HaveOccurred())
		Expect(fake.Now().Sub(time.UnixMilli(ts))).To(BeNumerically(">=", approbot.StaleBy))
		Expect(cb.header.Get("sign")).To(Equal(dingtalk.SignString("ops-secret", cb.header.Get("timestamp"))))

		_, cb = say(approbot.ForgeUnsigned)
		Expect(cb.header).NotTo(HaveKey("Timestamp"))
		Expect(cb.header).NotTo(HaveKey("Sign"))
	})

	It("refuses an unknown forgery, over the admin API too", func() {
		_, err := fake.AppRobots().Say(context.Background(), approbot.Utterance{OpenConversationID: "cidOps", StaffID: "dev1", Text: "x", Forge: "mustache"})
		var ve *approbot.ValidationError
		Expect(err).To(BeAssignableToTypeOf(ve))
		Expect(call(http.MethodPost, fake.URL()+"/_mock/groups/cidOps/say", "", `{"staffId":"dev1","text":"x","forge":"mustache"}`, true).status).To(Equal(http.StatusBadRequest))
		r := call(http.MethodPost, fake.URL()+"/_mock/groups/cidOps/say", "", `{"staffId":"dev1","text":"x","forge":"sign"}`, false)
		Expect(r.body).To(HaveKeyWithValue("forge", "sign"))
	})
})
