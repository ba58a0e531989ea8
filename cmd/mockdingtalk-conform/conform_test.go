// Specs for `mockdingtalk-conform` (`mockdingtalk conform`): the report, its exit codes, the JUnit
// and JSON files, and flags that fall back to the Ginkgo suite's
// environment variables.

package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/dingtalk-mock/mockdingtalk/contracts/conformance"
	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// invoke runs the command with args and the environment vars, and returns
// its exit code, stdout and stderr.
func invoke(args []string, vars map[string]string) (int, string, string) {
	var stdout, stderr strings.Builder
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	code := conform(context.Background(), args, lookup, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

var _ = Describe("the conform command", func() {
	It("checks the in-repo implementation and writes JUnit and JSON reports", func() {
		dir := GinkgoT().TempDir()
		junit, js := filepath.Join(dir, "c.xml"), filepath.Join(dir, "c.json")
		code, out, errOut := invoke([]string{"-label-filter", "mentions || async", "-junit", junit, "-json", js}, nil)
		Expect(code).To(Equal(0), errOut)
		Expect(out).To(ContainSubstring("PASS  must    mentions.at-all"))
		Expect(out).To(ContainSubstring("SKIP  must    async.job-protocol"))
		Expect(out).To(ContainSubstring("5 rules: 4 passed, 0 failed"))

		data, err := os.ReadFile(junit)
		Expect(err).NotTo(HaveOccurred())
		var suites struct {
			Tests   int `xml:"tests,attr"`
			Skipped int `xml:"skipped,attr"`
		}
		Expect(xml.Unmarshal(data, &suites)).To(Succeed())
		Expect(suites.Tests).To(Equal(5))
		Expect(suites.Skipped).To(Equal(1))

		data, err = os.ReadFile(js)
		Expect(err).NotTo(HaveOccurred())
		var report struct {
			Summary conformance.Summary
			Results []struct{ ID, Level, Outcome string }
		}
		Expect(json.Unmarshal(data, &report)).To(Succeed())
		Expect(report.Summary).To(Equal(conformance.Summary{Pass: 4, Skip: 1}))
		Expect(report.Results).To(ContainElement(MatchFields(IgnoreExtras, Fields{"ID": Equal("mentions.at-persons"), "Level": Equal("should"), "Outcome": Equal("pass")})))
	})

	It("checks a bot's callback endpoint with the bot rules: the reference bot passes, one that ignores the sign fails", func() {
		junit := filepath.Join(GinkgoT().TempDir(), "bot.xml")
		code, out, errOut := invoke([]string{"-bot", "-label-filter", "must", "-junit", junit}, nil)
		Expect(code).To(Equal(0), errOut)
		Expect(out).To(ContainSubstring("(the reference bot, in-process)"))
		Expect(out).To(ContainSubstring("PASS  must    bot.refuses-wrong-sign"))
		data, err := os.ReadFile(junit)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring(`name="DingTalk bot conformance: bot http://127.0.0.1:`))

		careless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"msgtype":"text","text":{"content":"pong"}}`)
		}))
		defer careless.Close()
		code, out, _ = invoke([]string{"-label-filter", "must"}, map[string]string{
			conformance.EnvBotURL: careless.URL, conformance.EnvBotSecret: "s3cret"})
		Expect(code).To(Equal(1), out)
		Expect(out).To(ContainSubstring("PASS  must    bot.answers-signed-callback"))
		Expect(out).To(ContainSubstring("FAIL  must    bot.refuses-unsigned"))
		Expect(out).To(ContainSubstring("→ callback to " + careless.URL))

		code, _, errOut = invoke([]string{"-bot-url", careless.URL}, nil)
		Expect(code).To(Equal(2))
		Expect(errOut).To(ContainSubstring(conformance.EnvBotSecret))
	})

	It("exits 1 and shows the evidence when a must rule breaks; a should rule only warns", func() {
		api, err := sns.New(sns.Config{Logger: quietLogger(), Outbound: webhook.Config{Retries: 2, RetryBackoff: 10 * time.Millisecond, Timeout: 2 * time.Second}})
		Expect(err).NotTo(HaveOccurred())
		srv := httptest.NewServer(api)
		DeferCleanup(func() { srv.Close(); _ = api.Close() })
		junit := filepath.Join(GinkgoT().TempDir(), "c.xml")
		code, out, _ := invoke([]string{"-target", srv.URL, "-label-filter", "delivery && !slow", "-junit", junit}, nil)
		Expect(code).To(Equal(1), out)
		data, err := os.ReadFile(junit)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring(`<failure message="rule delivery.one-request.dropped broken`))
		Expect(string(data)).To(ContainSubstring(`<system-err>WARNING (should rule delivery.one-request.http-error)`))
		Expect(string(data)).To(ContainSubstring(`<property name="outcome" value="warn"></property>`))
		Expect(out).To(ContainSubstring("FAIL  must    delivery.one-request.dropped"))
		Expect(out).To(ContainSubstring("WARN  should  delivery.one-request.http-error"))
		Expect(out).To(ContainSubstring("the webhook received 3 requests for one test-connection call"))
		Expect(out).To(ContainSubstring("⇢ the fake robot received POST /robot/send?access_token=…"))

		code, out, _ = invoke([]string{"-target", srv.URL, "-label-filter", "delivery && should && !slow"}, nil)
		Expect(code).To(Equal(0), "a should rule alone does not fail the run: %s", out)
		code, _, _ = invoke([]string{"-target", srv.URL, "-label-filter", "delivery && should && !slow", "-strict"}, nil)
		Expect(code).To(Equal(1), "-strict")
	})

	It("exits 2 when the target cannot be logged in to", func() {
		code, out, errOut := invoke([]string{"-target", "http://127.0.0.1:1"}, nil)
		Expect(code).To(Equal(2))
		Expect(out).To(BeEmpty())
		Expect(errOut).To(ContainSubstring("log in to http://127.0.0.1:1"))
	})

	It("reads the suite's environment variables, flags winning", func() {
		code, _, errOut := invoke(nil, map[string]string{conformance.EnvLabelFilter: "signing &&"})
		Expect(code).To(Equal(2))
		Expect(errOut).To(ContainSubstring(`label filter "signing &&"`))
		code, out, _ := invoke([]string{"-list", "-label-filter", "auth"}, map[string]string{conformance.EnvLabelFilter: "signing &&"})
		Expect(code).To(Equal(0))
		Expect(out).To(ContainSubstring("auth.logout-ends-session"))
		Expect(out).NotTo(ContainSubstring("signing."))
	})

	It("prints the rule table docs/conformance.md carries", func() {
		code, out, _ := invoke([]string{"-list-markdown"}, nil)
		Expect(code).To(Equal(0))
		Expect(out).To(Equal(conformance.RulesMarkdown()))
	})

	It("refuses arguments and a remote target without a reachable fake", func() {
		code, _, errOut := invoke([]string{"extra"}, nil)
		Expect(code).To(Equal(2))
		Expect(errOut).To(ContainSubstring(`unexpected argument "extra"`))
		code, _, errOut = invoke([]string{"-target", "http://10.0.0.5:8080"}, nil)
		Expect(code).To(Equal(2))
		Expect(errOut).To(ContainSubstring("MOCK_LISTEN"))
	})
})
