// A bot nobody here wrote in Go: examples/node-chatbot-express, an Express
// app written as DingTalk's docs describe HTTP mode, started as its README
// says. The spec starts the fake in-process with an app whose callback URL
// is the bot, says "@bot ping" (and more) through the Go API, asserts the
// replies with match.HaveReply, and runs the bot conformance rules on it.

package examples_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/dingtalk-mock/mockdingtalk/contracts/conformance"
	"github.com/dingtalk-mock/mockdingtalk/e2e/internal/exampletest"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/match"
)

var _ = Describe("a bot built with Express (examples/node-chatbot-express)", Ordered, func() {
	const secret = "express-ops-secret"
	var botURL string

	BeforeAll(func() {
		ex, _ := exampletest.Named("node-chatbot-express")
		if tool := ex.Missing(); tool != "" {
			Skip("examples/node-chatbot-express needs " + tool + " on PATH (CI installs it: .ci/run)")
		}
		dir := filepath.Join(root, "examples", ex.Dir)
		install := exec.Command(ex.Setup[0], ex.Setup[1:]...)
		install.Dir = dir
		out, err := install.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "npm ci: %s", out)

		start := exec.Command("node", "server.js")
		start.Dir = dir
		start.Env = append(start.Environ(), "APP_SECRET="+secret, "PORT=0")
		bot, err := gexec.Start(start, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { Eventually(bot.Terminate(), 10*time.Second).Should(gexec.Exit()) })
		Eventually(bot.Out, 15*time.Second).Should(gbytes.Say(`chatbot listening on http://127\.0\.0\.1:\d+/dingtalk`))
		botURL = regexp.MustCompile(`http://\S+`).FindString(string(bot.Out.Contents()))
	})

	It("answers @bot ping in the response, deploy through the sessionWebhook, and a one-to-one ping", func(ctx SpecContext) {
		fake := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{
			Apps: []approbot.App{{AppKey: "dingbot-ops", AppSecret: secret, Name: "bot", CallbackURL: botURL}},
			Groups: []approbot.Group{{OpenConversationID: "cidOps", Title: "ops", RobotCodes: []string{"dingbot-ops"},
				Members: []approbot.Member{{StaffID: "manager4220", Name: "Li Lei"}}}},
		})
		apps := fake.AppRobots()

		conv, err := apps.Say(ctx, approbot.Utterance{OpenConversationID: "cidOps", StaffID: "manager4220", Text: "@bot ping"})
		Expect(err).NotTo(HaveOccurred())
		Expect(conv.Callback.Error).To(BeEmpty())
		Expect(conv).To(match.HaveReply(match.HaveText("pong")))

		conv, err = apps.Say(ctx, approbot.Utterance{OpenConversationID: "cidOps", StaffID: "manager4220", Text: "@bot deploy api"})
		Expect(err).NotTo(HaveOccurred())
		wait, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		conv, err = apps.WaitForReply(wait, conv.MsgID, 1)
		Expect(err).NotTo(HaveOccurred(), "callback: %+v", conv.Callback)
		Expect(conv.Replies[0].Via).To(Equal("sessionWebhook"))
		Expect(conv).To(match.HaveReply(match.HaveTitle("deploying api"), match.HaveText(ContainSubstring("asked by Li Lei"))))

		conv, err = apps.SayDirect(ctx, approbot.Utterance{RobotCode: "dingbot-ops", StaffID: "manager4220", Text: "ping"})
		Expect(err).NotTo(HaveOccurred())
		Expect(conv).To(match.HaveReply(match.HaveText("pong")))

		conv, err = apps.Say(ctx, approbot.Utterance{OpenConversationID: "cidOps", StaffID: "manager4220", Text: "@bot ping", Forge: approbot.ForgeSign})
		Expect(err).NotTo(HaveOccurred())
		Expect(conv.Callback.Status).To(Equal(401), "a forged callback is refused")
		Expect(conv.Replies).To(BeEmpty())
	}, SpecTimeout(time.Minute))

	It("keeps every bot conformance rule", func(ctx SpecContext) {
		h, err := conformance.NewBot(ctx, conformance.Config{BotURL: botURL, BotSecret: secret, BotReplyWait: time.Second})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(h.Close)
		for _, r := range conformance.BotRules() {
			res := h.Check(ctx, r)
			Expect(res.Outcome).To(Equal(conformance.Pass), "%s: %s\n%s", r.ID, res.Message, strings.Join(res.Evidence, "\n"))
		}
	}, SpecTimeout(2*time.Minute))
})
