// Specs for the binary: it starts in-process on a free port, the curl it
// prints succeeds, the openssl one-liner signs correctly, it shuts down
// gracefully, and bad settings give errors that say where they came from.

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
)

// env turns a map into a lookupEnv function.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// instance is the binary running in-process.
type instance struct {
	base           string
	stdout, stderr *gbytes.Buffer
	cancel         context.CancelFunc
	done           chan error
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// start runs the binary with args until the spec ends (or stop is called).
func start(args []string, vars map[string]string) *instance {
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{stdout: gbytes.NewBuffer(), stderr: gbytes.NewBuffer(), cancel: cancel, done: make(chan error, 1)}
	go func() { in.done <- run(ctx, args, env(vars), in.stdout, in.stderr) }()
	DeferCleanup(func() {
		cancel()
		Eventually(in.done, 15*time.Second).Should(Receive(BeNil()))
	})
	Eventually(in.stdout, 10*time.Second).Should(gbytes.Say(`listening on http://127\.0\.0\.1:\d+`))
	in.base = listening.FindStringSubmatch(string(in.stdout.Contents()))[1]
	return in
}

// printedCurl returns the URL and body of the first curl the banner printed.
func (in *instance) printedCurl() (string, string) {
	Eventually(in.stdout).Should(gbytes.Say("Sign a fresh URL"))
	sc := bufio.NewScanner(bytes.NewReader(in.stdout.Contents()))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "  curl -sS '"); ok {
			u, rest, _ := strings.Cut(line, "'")
			_, body, _ := strings.Cut(rest, " -d '")
			return u, strings.TrimSuffix(body, "'")
		}
	}
	Fail("the banner has no curl line:\n" + string(in.stdout.Contents()))
	return "", ""
}

// post sends body with checked; pass negativeCtx for a send that breaks the
// contract on purpose.
func post(u, contentType, body string, ctx ...context.Context) (string, http.Header) {
	GinkgoHelper()
	r := testhttp.Request{Method: http.MethodPost, URL: u, Body: body, ContentType: contentType}
	if len(ctx) > 0 {
		r.Context = ctx[0]
	}
	a := testhttp.Must(checked, r)
	return a.Raw, a.Header
}

var _ = Describe("with no arguments (but a free port)", func() {
	It("serves the default robot and prints a curl that succeeds", func() {
		in := start([]string{"-listen", "127.0.0.1:0"}, nil)
		out := string(in.stdout.Contents())
		Expect(out).To(ContainSubstring("webhook URL: " + in.base + "/robot/send?access_token=" + DefaultAccessToken))
		Expect(out).To(ContainSubstring("secret:      " + DefaultSecret))
		Expect(out).To(ContainSubstring("valid for 1 hour"))

		u, body := in.printedCurl()
		Expect(u).To(HavePrefix(in.base + "/robot/send?access_token=" + DefaultAccessToken + "&timestamp="))
		answer, _ := post(u, "application/json", body)
		Expect(answer).To(Equal(`{"errcode":0,"errmsg":"ok"}`))

		health, _ := get(in.base + "/_mock/health")
		Expect(health).To(ContainSubstring(`"status":"ok"`))
	})

	It("logs rejections with their hint and never the secret", func() {
		in := start([]string{"-listen", "127.0.0.1:0", "-log-level", "debug"}, nil)
		answer, header := post(in.base+"/robot/send?access_token="+DefaultAccessToken, "application/json", `{"msgtype":"text","text":{"content":"x"}}`, negativeCtx)
		Expect(answer).To(ContainSubstring(`"errcode":310000`))
		Expect(header.Get("X-Mock-Hint")).To(ContainSubstring("neither timestamp nor sign"))
		Eventually(in.stderr).Should(gbytes.Say("neither timestamp nor sign"))
		u, body := in.printedCurl()
		post(u, "application/json", body)
		Eventually(in.stderr).Should(gbytes.Say(`robot send`))
		Expect(string(in.stderr.Contents())).NotTo(ContainSubstring(DefaultSecret))
	})

	It("prints an openssl one-liner that signs as DingTalk does", func() {
		bash, err := exec.LookPath("bash")
		if err != nil {
			Skip("bash not installed")
		}
		if _, err := exec.LookPath("openssl"); err != nil {
			Skip("openssl not installed")
		}
		out, err := exec.Command(bash, "-c", signSnippet(DefaultSecret)+`; printf '%s %s' "$ts" "$sign"`).Output()
		Expect(err).NotTo(HaveOccurred())
		ts, sign, ok := strings.Cut(string(out), " ")
		Expect(ok).To(BeTrue())
		decoded, err := url.QueryUnescape(sign)
		Expect(err).NotTo(HaveOccurred())
		Expect(dingtalk.Verify(DefaultSecret, ts, decoded, time.Now())).To(Succeed())
	})

	It("routes /zstack/ to the SNS handler and everything else to the fake", func() {
		zstack := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
		fake := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
		h := routes(fake, zstack)
		for path, want := range map[string]int{"/zstack/v1/accounts/login": http.StatusTeapot, "/robot/send": http.StatusAccepted,
			"//robot/send": http.StatusAccepted, "/_mock/health": http.StatusAccepted, "/": http.StatusAccepted} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			Expect(rec.Code).To(Equal(want), path)
		}
		rec := httptest.NewRecorder()
		routes(fake, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/zstack/v1/x", nil))
		Expect(rec.Code).To(Equal(http.StatusAccepted), "without SNS, /zstack/ goes to the fake")
	})
})

func get(u string) (string, int) {
	GinkgoHelper()
	a := testhttp.Must(checked, testhttp.Request{URL: u})
	return a.Raw, a.Status
}

// signalReader yields its data only after release is closed, and reports
// on reading when the server first asked for the body.
type signalReader struct {
	asked   chan struct{}
	release chan struct{}
	r       io.Reader
	once    bool
}

func (s *signalReader) Read(p []byte) (int, error) {
	if !s.once {
		s.once = true
		close(s.asked)
		<-s.release
	}
	return s.r.Read(p)
}

var _ = Describe("shutdown", func() {
	It("finishes a request in flight, and refuses new connections meanwhile", func() {
		in := start([]string{"-listen", "127.0.0.1:0"}, nil)
		u, body := in.printedCurl()
		// With Expect: 100-continue the client sends the body only once the
		// handler reads it, so the request is in the handler when asked closes.
		br := &signalReader{asked: make(chan struct{}), release: make(chan struct{}), r: strings.NewReader(body)}
		req, err := http.NewRequest(http.MethodPost, u, br)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Expect", "100-continue")
		req.ContentLength = int64(len(body))
		// Not checked: contracts' RoundTripper reads the whole body before
		// sending, which would defeat the 100-continue. The answer is
		// checked against openapi.yaml below instead.
		transport := &http.Transport{ExpectContinueTimeout: time.Minute}
		DeferCleanup(transport.CloseIdleConnections)
		client := &http.Client{Transport: transport}
		answered := make(chan string, 1)
		go func() {
			defer GinkgoRecover()
			resp, err := client.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			Expect(contracts.Default().ValidateResponse(req, resp.StatusCode, resp.Header, b)).To(Succeed())
			answered <- string(b)
		}()
		Eventually(br.asked, 10*time.Second).Should(BeClosed())

		in.cancel()
		addr := strings.TrimPrefix(in.base, "http://")
		Eventually(func() error {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
			}
			return err
		}, 10*time.Second).Should(HaveOccurred(), "the listener closes at once")
		Consistently(in.done).ShouldNot(Receive(), "run waits for the request in flight")

		close(br.release)
		Eventually(answered, 10*time.Second).Should(Receive(Equal(`{"errcode":0,"errmsg":"ok"}`)))
		Eventually(in.done, 10*time.Second).Should(Receive(BeNil()))
		in.done <- nil // for the cleanup
	})

	It("releases a request held by a hang fault at once", func() {
		in := start([]string{"-listen", "127.0.0.1:0", "-shutdown-timeout", "1m"}, nil)
		_, code := postJSON(in.base+"/_mock/faults", `{"kind":"hang"}`)
		Expect(code).To(Equal(http.StatusCreated))
		u, body := in.printedCurl()
		failed := make(chan error, 1)
		go func() {
			defer GinkgoRecover()
			resp, err := checked.Post(u, "application/json", strings.NewReader(body))
			if err == nil {
				resp.Body.Close()
				err = errors.New("answered")
			}
			failed <- err
		}()
		Eventually(func() string { s, _ := get(in.base + "/_mock/messages"); return s }, 10*time.Second).Should(ContainSubstring(`"fault"`))
		in.cancel()
		Eventually(in.done, 10*time.Second).Should(Receive(BeNil()), "well within the 1m bound")
		Eventually(failed, 10*time.Second).Should(Receive(HaveOccurred()))
		in.done <- nil
	})
})

func postJSON(u, body string) (string, int) {
	GinkgoHelper()
	a := testhttp.Must(checked, testhttp.Request{Method: http.MethodPost, URL: u, Body: body})
	return a.Raw, a.Status
}

// writeConfig writes content to a temporary YAML file.
func writeConfig(content string) string {
	p := filepath.Join(GinkgoT().TempDir(), "mockdingtalk.yaml")
	Expect(os.WriteFile(p, []byte(content), 0o600)).To(Succeed())
	return p
}

var _ = Describe("settings", func() {
	It("loads the example config file", func() {
		s, err := loadSettings([]string{"-config", "../../examples/mockdingtalk.yaml"}, env(nil), io.Discard)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.DefaultRobot).To(BeFalse())
		Expect(s.Robots).To(HaveLen(4))
		Expect(s.Robots[1].Keywords).To(ConsistOf("CI", "监控"))
		Expect(s.Listen).To(Equal("127.0.0.1:8090"))

		in := start([]string{"-config", "../../examples/mockdingtalk.yaml", "-listen", "127.0.0.1:0"}, nil)
		Eventually(in.stdout).Should(gbytes.Say(`Robot "retired"`))
		answer, _ := post(in.base+"/robot/send?access_token=1111111111111111111111111111111111111111111111111111111111111111",
			"application/json", `{"msgtype":"text","text":{"content":"CI: build green"}}`)
		Expect(answer).To(Equal(`{"errcode":0,"errmsg":"ok"}`))
	})

	It("takes a flag over its environment variable over the config file", func() {
		p := writeConfig("era: legacy\njournalCap: 5\nlogLevel: warn\n")
		s, err := loadSettings([]string{"-config", p, "-journal-cap", "7"}, env(map[string]string{
			"MOCKDINGTALK_JOURNAL_CAP": "6", "MOCKDINGTALK_LOG_LEVEL": "debug", "MOCKDINGTALK_RATE_LIMIT_CODE": "660026"}), io.Discard)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.JournalCap).To(Equal(7), "flag")
		Expect(s.LogLevel.String()).To(Equal("DEBUG"), "environment")
		Expect(s.Dialect.Era).To(Equal(dingtalk.EraLegacy), "file")
		Expect(s.Dialect.RateLimitCode).To(Equal(660026), "environment")
		Expect(s.Listen).To(Equal(DefaultListen), "default")
		Expect(s.Robots).To(ConsistOf(mockdingtalk.Robot{Name: DefaultRobotName, AccessToken: DefaultAccessToken, Secret: DefaultSecret}))
	})

	It("reads the app robot settings: callbackTimeout and appRateLimit, with their defaults", func() {
		s, err := loadSettings(nil, env(nil), io.Discard)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.CallbackTimeout).To(Equal(approbot.DefaultCallbackTimeout))
		Expect(s.AppRateLimit).To(Equal(approbot.DefaultRateLimit))
		s, err = loadSettings([]string{"-config", writeConfig("callbackTimeout: 3s\nappRateLimit: 0\n")}, env(map[string]string{"MOCKDINGTALK_APP_RATE_LIMIT": "5"}), io.Discard)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.CallbackTimeout).To(Equal(3 * time.Second))
		Expect(s.AppRateLimit).To(Equal(5), "environment over file")
	})

	It("reads the config path from MOCKDINGTALK_CONFIG", func() {
		p := writeConfig("robots:\n  - accessToken: abc\n")
		s, err := loadSettings(nil, env(map[string]string{"MOCKDINGTALK_CONFIG": p}), io.Discard)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Robots).To(HaveLen(1))
		Expect(s.DefaultRobot).To(BeFalse())
	})

	It("reads the app robot API's apps and groups from the config file", func() {
		p := writeConfig("apps:\n  - appKey: dingbot-ops\n    appSecret: s3cret\n    callbackURL: http://127.0.0.1:9/bot\n" +
			"groups:\n  - openConversationId: cidOps\n    title: ops\n    robotCodes: [dingbot-ops]\n    members:\n      - staffId: manager4220\n        name: Li Lei\n        mobile: \"13800000000\"\n")
		s, err := loadSettings([]string{"-config", p}, env(nil), io.Discard)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Apps).To(ConsistOf(approbot.App{AppKey: "dingbot-ops", AppSecret: "s3cret", CallbackURL: "http://127.0.0.1:9/bot"}))
		Expect(s.Groups).To(ConsistOf(approbot.Group{OpenConversationID: "cidOps", Title: "ops", RobotCodes: []string{"dingbot-ops"},
			Members: []approbot.Member{{StaffID: "manager4220", Name: "Li Lei", Mobile: "13800000000"}}}))
	})

	It("accepts an empty config file", func() {
		s, err := loadSettings([]string{"-config", writeConfig("# nothing yet\n")}, env(nil), io.Discard)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.DefaultRobot).To(BeTrue())
	})

	DescribeTable("rejects bad settings, saying where they came from",
		func(args []string, vars map[string]string, file string, want ...string) {
			if file != "" {
				args = append(args, "-config", writeConfig(file))
			}
			args = append(args, "-listen", "127.0.0.1:0")
			err := run(context.Background(), args, env(vars), io.Discard, io.Discard)
			Expect(err).To(HaveOccurred())
			for _, w := range want {
				Expect(err.Error()).To(ContainSubstring(w))
			}
		},
		Entry("unknown top-level key, with its line", nil, nil, "listen: 127.0.0.1:0\ncolour: blue\n",
			`mockdingtalk.yaml:2: unknown key "colour"`, "known keys here: listen"),
		Entry("misspelt robot key, with its line", nil, nil, "robots:\n  - name: a\n    secert: SECx\n",
			`mockdingtalk.yaml:3: unknown key "secert"`, "secret"),
		Entry("wrong type", nil, nil, "journalCap: [1]\n", "mockdingtalk.yaml:1:", "cannot unmarshal"),
		Entry("bad era in the file", nil, nil, "\nera: klingon\n", "mockdingtalk.yaml:2 (era)", `unknown wording era "klingon"`),
		Entry("IPv6 allowlist entry, with its line", nil, nil, "robots:\n  - name: a\n    ipAllowlist:\n      - 127.0.0.1\n      - \"::1\"\n",
			"mockdingtalk.yaml:5: robots[0].ipAllowlist[1]", "IPv6"),
		Entry("misspelt app key, with its line", nil, nil, "apps:\n  - appKey: a\n    appSecert: x\n",
			`mockdingtalk.yaml:3: unknown key "appSecert"`, "appSecret"),
		Entry("group member without a staffId, with its line", nil, nil, "groups:\n  - title: ops\n    members:\n      - name: Li Lei\n",
			"groups[0].members[0].staffId", "is required"),
		Entry("eleven keywords", nil, nil, "robots:\n  - keywords: [a,b,c,d,e,f,g,h,i,j,k]\n", "mockdingtalk.yaml:2: robots[0].keywords", "at most 10"),
		Entry("bad clock offset", nil, nil, "clock:\n  offset: soon\n", "mockdingtalk.yaml:2", "clock.offset"),
		Entry("two YAML documents", nil, nil, "listen: 127.0.0.1:0\n---\nera: cn\n", "more than one YAML document"),
		Entry("missing config file", []string{"-config", "/nonexistent/mockdingtalk.yaml"}, nil, "", "no such file"),
		Entry("bad rate-limit code flag", []string{"-rate-limit-code", "1"}, nil, "", "flag -rate-limit-code", "130101, 410100 or 660026"),
		Entry("bad unknown-token code variable", nil, map[string]string{"MOCKDINGTALK_UNKNOWN_TOKEN_CODE": "404"}, "", "$MOCKDINGTALK_UNKNOWN_TOKEN_CODE", "300001 or 300005"),
		Entry("bad journal cap variable", nil, map[string]string{"MOCKDINGTALK_JOURNAL_CAP": "lots"}, "", "$MOCKDINGTALK_JOURNAL_CAP", "not a whole number"),
		Entry("bad log level", []string{"-log-level", "loud"}, nil, "", "flag -log-level", "not a log level"),
		Entry("bad public URL (checked by mockdingtalk.New)", []string{"-public-url", "mock.internal"}, nil, "", `flag -public-url: "mock.internal" is not an absolute`),
		Entry("callback timeout over its bound (checked by mockdingtalk.New)", []string{"-callback-timeout", "1h"}, nil, "",
			"flag -callback-timeout: must be 0 (the default, 10s) or up to 10m0s (got 1h0m0s)"),
		Entry("negative app rate limit variable", nil, map[string]string{"MOCKDINGTALK_APP_RATE_LIMIT": "-1"}, "",
			"$MOCKDINGTALK_APP_RATE_LIMIT: must be 0 (no limit) or from 1 to 100000 (got -1)"),
		Entry("app rate limit in the file, with its line", nil, nil, "\nappRateLimit: 200000\n",
			"mockdingtalk.yaml:2 (appRateLimit): must be 0 (no limit)"),
		Entry("stray argument", []string{"serve"}, nil, "", `unexpected argument "serve"`),
		Entry("unknown flag", []string{"-colour"}, nil, "", "flag provided but not defined"),
	)

	It("explains a busy port", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		defer ln.Close()
		err = run(context.Background(), []string{"-listen", ln.Addr().String()}, env(nil), io.Discard, io.Discard)
		Expect(err).To(MatchError(ContainSubstring("another mockdingtalk running?")))
	})

	DescribeTable("prints usage to stdout for -h and --help: every part it serves, the built-in robot, every setting",
		func(arg string) {
			stdout, stderr := gbytes.NewBuffer(), gbytes.NewBuffer()
			err := run(context.Background(), []string{arg}, env(nil), stdout, stderr)
			Expect(err).To(MatchError(errHelp))
			Expect(stderr.Contents()).To(BeEmpty())
			usage := string(stdout.Contents())
			for _, part := range []string{"/robot/send", "the inbox", "/_mock/", "the admin API", "/zstack/v1/", "SNS DingTalk API",
				DefaultAccessToken, DefaultSecret, "-journal-cap int", "-sns-session-ttl duration", "-shutdown-timeout duration",
				"robots (", "accounts (", "clock (", "trustForwardedFor"} {
				Expect(usage).To(ContainSubstring(part))
			}
			for _, o := range options {
				Expect(usage).To(ContainSubstring("$" + envName(o.flag)))
			}
			Expect(usage).NotTo(ContainSubstring("(default false)"))
		},
		Entry("-h", "-h"),
		Entry("--help", "--help"),
	)

	It("words a typed flag's bad value as it words a variable's, and points at -h", func() {
		err := run(context.Background(), []string{"-journal-cap", "lots"}, env(nil), io.Discard, io.Discard)
		Expect(err).To(MatchError(And(ContainSubstring(`flag -journal-cap: "lots" is not a whole number`), ContainSubstring("mockdingtalk -h"))))
	})
})
