// Browser specs: the inbox in headless Chromium, driven by chromedp. They
// send each message type and check the rendered DOM, that nothing in a
// message runs, live updates without reload, filtering, clearing, the
// copy and reveal buttons; and they save a screenshot. They are labelled
// "browser" and skip, saying so, when no Chromium is installed.

package browser_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// findChromium looks for a Chromium or Chrome binary: $CHROMIUM_PATH, or
// chromium, chromium-browser, google-chrome on the PATH.
func findChromium() (string, error) {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$CHROMIUM_PATH: %w", err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium, chromium-browser or google-chrome on the PATH and no $CHROMIUM_PATH (Debian: apt-get install chromium)")
}

// screenshotDir is $SCREENSHOT_DIR, or a directory under the system's
// temporary directory that outlives the test run.
func screenshotDir() string {
	if d := os.Getenv("SCREENSHOT_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "mockdingtalk-inbox-screenshots")
}

// startChromium starts headless Chromium at path for the spec container
// (it stops when the container ends), lets pages of origin use the
// clipboard, and returns the browser's context.
func startChromium(path, origin string) context.Context {
	GinkgoHelper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(GinkgoT().TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-device-scale-factor", "1"),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1280, 860),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	DeferCleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(format string, args ...any) {
		fmt.Fprintf(GinkgoWriter, "chromedp: "+format+"\n", args...)
	}))
	DeferCleanup(cancel)
	// The first Run starts the browser; it must not carry a timeout.
	Expect(chromedp.Do(ctx, chromedp.Navigate("about:blank"))).To(Succeed())
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
			Setting:    browser.PermissionSettingGranted,
			Origin:     origin,
		})
		Expect(err).NotTo(HaveOccurred())
	}
	return ctx
}

// tryEval evaluates a JavaScript expression in the page, with a timeout.
func tryEval[T any](ctx context.Context, expr string, opts ...chromedp.EvaluateOption) (T, error) {
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return chromedp.Run(tctx, chromedp.Evaluate[T](expr, opts...))
}

func eval[T any](ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	GinkgoHelper()
	v, err := tryEval[T](ctx, expr, opts...)
	Expect(err).NotTo(HaveOccurred(), "evaluating %s", expr)
	return v
}

const (
	botAlerts = "a1e2r3t4a1e2r3t4a1e2r3t4a1e2r3t4a1e2r3t4a1e2r3t4a1e2r3t4a1e2r3t4"
	botCI     = "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1"
	botDeploy = "d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3"
)

var _ = Describe("The inbox in a browser", Label("browser"), Ordered, func() {
	var (
		f   *fixture
		ctx context.Context
	)

	BeforeAll(func(_ SpecContext) {
		path, err := findChromium()
		if err != nil {
			// A report entry shows even without -v, unlike the skip reason.
			AddReportEntry("browser specs skipped", "chromium not found: "+err.Error())
			Skip("chromium not found: " + err.Error())
		}
		f = newFixture()
		f.AddRobot("Prometheus Alerts", botAlerts, secret)
		f.AddRobot("CI Pipeline", botCI, "")
		f.AddRobot("Deploy Notifier", botDeploy, "")
		ctx = startChromium(path, f.Server.URL)
	}, NodeTimeout(2*time.Minute))

	BeforeEach(func() { f.Journal.Clear() })

	do := func(actions ...chromedp.Action[chromedp.Void]) {
		GinkgoHelper()
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		Expect(chromedp.Do(tctx, actions...)).To(Succeed())
	}
	// open loads a page of the inbox and waits until its live stream is up.
	open := func(path string) {
		GinkgoHelper()
		do(chromedp.Navigate(f.Server.URL+path),
			chromedp.WaitVisible(chromedp.CSS("#stream")),
			chromedp.WaitVisible(chromedp.CSS(`#live[data-state="live"]`)))
	}
	count := func(sel string) func() (int, error) {
		return func() (int, error) {
			return tryEval[int](ctx, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
		}
	}
	imagesLoaded := func() (bool, error) {
		return tryEval[bool](ctx, `[...document.images].every(i => i.complete)`)
	}

	It("renders each message type as DingTalk shows it", func() {
		f.Deliver(botAlerts, `{"msgtype":"text","text":{"content":"db-1 disk 91% @13800000000"},"at":{"atMobiles":["13800000000"]}}`)
		f.Deliver(botAlerts, `{"msgtype":"markdown","markdown":{"title":"CPU","text":"### CPU high on web-3\n> load 12.5\n\n- **firing**\n- *since 09:30*"}}`)
		f.Deliver(botCI, `{"msgtype":"link","link":{"title":"Build #512 passed","text":"main @ 3f2a9c1","messageUrl":"https://ci.example.com/512","picUrl":"`+f.Pic("build")+`"}}`)
		f.Deliver(botDeploy, `{"msgtype":"actionCard","actionCard":{"title":"Deploy?","text":"api v2.3.1 to prod","btnOrientation":"1","hideAvatar":"1","btns":[{"title":"Approve","actionURL":"https://ci.example.com/approve"},{"title":"Reject","actionURL":"https://ci.example.com/reject"}]}}`)
		f.Deliver(botDeploy, `{"msgtype":"actionCard","actionCard":{"title":"Report","text":"weekly","btns":[{"title":"Open","actionURL":"https://r.example.com/1"},{"title":"Archive","actionURL":"https://r.example.com/2"}]}}`)
		f.Deliver(botCI, `{"msgtype":"feedCard","feedCard":{"links":[{"title":"Release notes","messageURL":"https://n.example.com/1","picURL":"`+f.Pic("notes")+`"},{"title":"Changelog","messageURL":"https://n.example.com/2","picURL":"`+f.Pic("log")+`"}]}}`)
		f.Deliver(botCI, `{"msgtype":"image","image":{"picURL":"`+f.Pic("chart")+`"}}`)
		open("/")
		Eventually(count("#stream article.entry")).WithTimeout(10 * time.Second).Should(Equal(7))

		Expect(eval[string](ctx, `document.querySelector('article[data-msgtype="markdown"] .md h3').textContent`)).To(Equal("CPU high on web-3"))
		Expect(eval[[]string](ctx, `[...document.querySelectorAll('article[data-msgtype="text"] .bubble .at')].map(e => e.textContent)`)).To(Equal([]string{"@13800000000"}))
		Expect(eval[string](ctx, `document.querySelector('article[data-msgtype="link"] a.card').href`)).To(Equal("https://ci.example.com/512"))
		Expect(eval[[]string](ctx, `[...document.querySelectorAll('article[data-msgtype="actionCard"] .btns a.btn')].map(a => a.href)`)).To(Equal([]string{
			"https://ci.example.com/approve", "https://ci.example.com/reject", "https://r.example.com/1", "https://r.example.com/2"}))
		By("laying out btnOrientation 1 side by side and 0 stacked")
		Expect(eval[bool](ctx, `(() => { const b = document.querySelectorAll('.btns.horizontal a.btn'); return b[0].getBoundingClientRect().top === b[1].getBoundingClientRect().top && b[0].getBoundingClientRect().left < b[1].getBoundingClientRect().left })()`)).To(BeTrue())
		Expect(eval[bool](ctx, `(() => { const b = document.querySelectorAll('.btns.vertical a.btn'); return b[0].getBoundingClientRect().top < b[1].getBoundingClientRect().top })()`)).To(BeTrue())
		By("hiding the avatar for hideAvatar 1 only")
		Expect(eval[[]string](ctx, `[...document.querySelectorAll('article[data-msgtype="actionCard"] .avatar')].map(a => getComputedStyle(a).visibility)`)).To(Equal([]string{"hidden", "visible"}))
		By("loading the pictures of the link card, feed card and image message")
		Eventually(imagesLoaded).WithTimeout(10 * time.Second).Should(BeTrue())
		Expect(eval[[]int](ctx, `[...document.querySelectorAll('#stream img')].map(i => i.naturalWidth)`)).To(HaveEach(BeNumerically(">", 0)))
		Expect(eval[int](ctx, `document.querySelectorAll('article[data-msgtype="feedCard"] a.feed-item').length`)).To(Equal(2))
	})

	It("never runs script carried by a message", func() {
		f.Deliver(botAlerts, `{"msgtype":"text","text":{"content":"<script>window.pwned='text'</script><img src=x onerror=\"window.pwned='text-img'\">"}}`)
		f.Deliver(botAlerts, `{"msgtype":"markdown","markdown":{"title":"x","text":"<script>window.pwned='md'</script>\n\nhi <img src=x onerror=\"window.pwned='md-img'\">\n\n[click me](javascript:window.pwned='md-link')\n\n<a href=\"javascript:window.pwned=1\">raw</a>"}}`)
		f.Deliver(botAlerts, `{"msgtype":"link","link":{"title":"evil card","text":"x","messageUrl":"javascript:window.pwned='card'","picUrl":"javascript:window.pwned='pic'"}}`)
		f.Deliver(botAlerts, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"Evil","actionURL":"javascript:window.pwned='btn'"}]}}`)
		open("/")
		Eventually(count("#stream article.entry")).WithTimeout(10 * time.Second).Should(Equal(4))
		Eventually(imagesLoaded).WithTimeout(10 * time.Second).Should(BeTrue())
		do(chromedp.Click(chromedp.CSS(`article[data-msgtype="link"] .card.inert`), chromedp.NodeVisible),
			chromedp.Click(chromedp.CSS(`.btns span.btn.inert`), chromedp.NodeVisible))
		Expect(eval[string](ctx, `String(window.pwned)`)).To(Equal("undefined"))
		Expect(eval[int](ctx, `document.querySelectorAll('a[href^="javascript:" i], [src^="javascript:" i]').length`)).To(BeZero())
		Expect(eval[[]string](ctx, `[...document.scripts].map(s => new URL(s.src).pathname)`)).To(Equal([]string{"/_inbox/static/inbox.js"}))
		Expect(eval[int](ctx, `[...document.querySelectorAll('*')].filter(el => [...el.attributes].some(a => a.name.startsWith('on'))).length`)).To(BeZero())
		Expect(eval[string](ctx, `location.pathname`)).To(Equal("/"))
		Expect(eval[string](ctx, `document.querySelector('article[data-msgtype="text"] .bubble').textContent`)).To(ContainSubstring("<script>window.pwned='text'</script>"))
	})

	It("shows rejected requests, marked, with the raw request one click away", func() {
		f.Reject(botAlerts, `{"msgtype":"text","text":{"content":"hello"}}`, dingtalk.Reject(dingtalk.ReasonSignMismatch),
			"the robot has 加签 on but the URL has no timestamp and sign")
		open("/")
		Eventually(count("article.entry.rejected")).WithTimeout(10 * time.Second).Should(Equal(1))
		Expect(eval[string](ctx, `document.querySelector('article.rejected .reject-title').textContent`)).To(ContainSubstring("errcode 310000"))
		Expect(eval[string](ctx, `document.querySelector('article.rejected .hint').textContent`)).To(ContainSubstring("no timestamp and sign"))
		Expect(eval[bool](ctx, `document.querySelector('article.rejected pre.req').checkVisibility()`)).To(BeFalse())
		do(chromedp.Click(chromedp.CSS("article.rejected details.raw summary"), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.CSS("article.rejected pre.req")))
		Expect(eval[string](ctx, `document.querySelector('article.rejected pre.req').textContent`)).To(
			ContainSubstring("POST /robot/send?access_token=" + botAlerts))
	})

	It("shows new messages live, without reloading", func() {
		open("/")
		do(chromedp.Evaluate[chromedp.Void](`window.samePage = 'yes'`))
		Expect(eval[bool](ctx, `!document.getElementById('empty').hidden`)).To(BeTrue())
		e := f.Deliver(botCI, `{"msgtype":"markdown","markdown":{"title":"live","text":"## Arrived live"}}`)
		Eventually(count(fmt.Sprintf("#entry-%d h2", e.Seq))).WithTimeout(10 * time.Second).Should(Equal(1))
		f.Reject(botCI, `{"msgtype":"text","text":{"content":"x"}}`, dingtalk.Reject(dingtalk.ReasonKeywordMissing), "keyword missing")
		Eventually(count("article.entry.rejected")).WithTimeout(10 * time.Second).Should(Equal(1))
		Eventually(func() (string, error) {
			return tryEval[string](ctx, fmt.Sprintf(`document.querySelector('#robots a.robot[data-token=%q] .count.bad')?.textContent ?? ''`, botCI))
		}).WithTimeout(10 * time.Second).Should(Equal("✕ 1 rejected"))
		Expect(eval[string](ctx, `window.samePage`)).To(Equal("yes"))
		Expect(eval[bool](ctx, `document.getElementById('empty').hidden`)).To(BeTrue())
	})

	It("filters by robot", func() {
		f.Deliver(botAlerts, `{"msgtype":"text","text":{"content":"from alerts"}}`)
		f.Deliver(botCI, `{"msgtype":"text","text":{"content":"from ci"}}`)
		open("/")
		Eventually(count("#stream article.entry")).WithTimeout(10 * time.Second).Should(Equal(2))
		do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#robots a.robot[data-token=%q]`, botCI)), chromedp.NodeVisible))
		Eventually(func() (string, error) { return tryEval[string](ctx, `location.search`) }).
			WithTimeout(10 * time.Second).Should(Equal("?robot=" + botCI))
		do(chromedp.WaitVisible(chromedp.CSS(`#live[data-state="live"]`)))
		Expect(eval[[]string](ctx, `[...document.querySelectorAll('#stream .bubble')].map(b => b.textContent)`)).To(Equal([]string{"from ci"}))
		Expect(eval[string](ctx, `document.getElementById('title').textContent`)).To(Equal("CI Pipeline"))
		By("keeping other robots' new messages out, live")
		f.Deliver(botAlerts, `{"msgtype":"text","text":{"content":"alerts again"}}`)
		e := f.Deliver(botCI, `{"msgtype":"text","text":{"content":"ci again"}}`)
		Eventually(count(fmt.Sprintf("#entry-%d", e.Seq))).WithTimeout(10 * time.Second).Should(Equal(1))
		Expect(eval[[]string](ctx, `[...document.querySelectorAll('#stream article.entry')].map(a => a.dataset.robot)`)).To(HaveEach(Equal(botCI)))
	})

	It("clears the journal", func() {
		f.Deliver(botAlerts, `{"msgtype":"text","text":{"content":"one"}}`)
		f.Deliver(botCI, `{"msgtype":"text","text":{"content":"two"}}`)
		open("/")
		Eventually(count("#stream article.entry")).WithTimeout(10 * time.Second).Should(Equal(2))
		do(chromedp.Evaluate[chromedp.Void](`window.samePage = 'yes'`),
			chromedp.Click(chromedp.CSS("#clear"), chromedp.NodeVisible))
		Eventually(count("#stream article.entry")).WithTimeout(10 * time.Second).Should(BeZero())
		Eventually(f.Journal.Len).Should(BeZero())
		do(chromedp.WaitVisible(chromedp.CSS("#empty")))
		Expect(eval[string](ctx, `window.samePage`)).To(Equal("yes"))
	})

	It("reveals the secret on request and copies the webhook URL and secret", func() {
		open("/?robot=" + botAlerts)
		Expect(eval[string](ctx, `document.getElementById('secret').textContent`)).NotTo(ContainSubstring("SEC"))
		do(chromedp.Click(chromedp.CSS("#reveal-secret"), chromedp.NodeVisible))
		Expect(eval[string](ctx, `document.getElementById('secret').textContent`)).To(Equal(secret))
		do(chromedp.Click(chromedp.CSS("#reveal-secret"), chromedp.NodeVisible))
		Expect(eval[string](ctx, `document.getElementById('secret').textContent`)).NotTo(ContainSubstring("SEC"))

		clipboard := func() (string, error) {
			return tryEval[string](ctx, `navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)
		}
		do(chromedp.Click(chromedp.CSS("#copy-webhook"), chromedp.NodeVisible))
		Eventually(clipboard).WithTimeout(10 * time.Second).Should(Equal(f.Server.URL + "/robot/send?access_token=" + botAlerts))
		Expect(eval[string](ctx, `document.getElementById('copy-webhook').textContent`)).To(Equal("Copied"))
		do(chromedp.Click(chromedp.CSS("#copy-secret"), chromedp.NodeVisible))
		Eventually(clipboard).WithTimeout(10 * time.Second).Should(Equal(secret))
	})

	It("looks like a DingTalk group chat (screenshot)", func() {
		conversation(f)
		// Show the webhook URLs as the binary would print them.
		f.SetWebhookBase("http://127.0.0.1:8090")
		DeferCleanup(f.SetWebhookBase, f.Server.URL)
		open("/?robot=" + botAlerts)
		Eventually(count("#stream article.entry")).WithTimeout(10 * time.Second).Should(Equal(5))
		Eventually(imagesLoaded).WithTimeout(10 * time.Second).Should(BeTrue())
		do(chromedp.Evaluate[chromedp.Void](`document.getElementById('stream').scrollTop = 1e6`))
		dir := screenshotDir()
		Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
		shots := []struct {
			name, path string
			prepare    []chromedp.Action[chromedp.Void]
		}{
			{"inbox.png", "/?robot=" + botAlerts, nil},
			{"inbox-all.png", "/", nil},
			{"inbox-raw.png", "/?robot=" + botAlerts, []chromedp.Action[chromedp.Void]{
				chromedp.Click(chromedp.CSS("article.rejected details.raw summary"), chromedp.NodeVisible),
				chromedp.ScrollIntoView(chromedp.CSS("article.rejected pre.resp")),
			}},
			{"inbox-empty.png", "/?robot=" + botCI, []chromedp.Action[chromedp.Void]{
				chromedp.Func(func(context.Context, *chromedp.Target) error { f.Journal.Clear(); return nil }),
				chromedp.WaitVisible(chromedp.CSS("#empty")),
			}},
		}
		for _, shot := range shots {
			do(chromedp.EmulateViewport(1280, 960))
			open(shot.path)
			Eventually(imagesLoaded).WithTimeout(10 * time.Second).Should(BeTrue())
			do(shot.prepare...)
			tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
			cancel()
			Expect(err).NotTo(HaveOccurred())
			Expect(png).To(HavePrefix("\x89PNG"))
			file := filepath.Join(dir, shot.name)
			Expect(os.WriteFile(file, png, 0o644)).To(Succeed())
			fmt.Fprintf(GinkgoWriter, "inbox screenshot: %s (%d bytes)\n", file, len(png))
			AddReportEntry("screenshot", file)
		}
	})
})

// conversation fills the journal with a realistic morning of alerts.
func conversation(f *fixture) {
	f.Deliver(botAlerts, `{"msgtype":"feedCard","feedCard":{"links":[{"title":"Postmortem: 05-11 database failover","messageURL":"https://wiki.example.com/pm/0511","picURL":"`+f.Pic("postmortem")+`"},{"title":"On-call handbook, 2026 edition","messageURL":"https://wiki.example.com/oncall","picURL":"`+f.Pic("handbook")+`"},{"title":"Capacity plan for Q3","messageURL":"https://wiki.example.com/q3","picURL":"`+f.Pic("capacity")+`"}]}}`)
	f.Deliver(botCI, `{"msgtype":"link","link":{"title":"Build #512 passed on main","text":"3f2a9c1 Fix retry backoff in the webhook sender · 4m12s","messageUrl":"https://ci.example.com/runs/512","picUrl":"`+f.Pic("build")+`"}}`)
	f.Deliver(botAlerts, `{"msgtype":"text","text":{"content":"【告警】db-1 磁盘使用率 91%，请尽快处理 @13800000000"},"at":{"atMobiles":["13800000000"]}}`)
	f.Deliver(botAlerts, `{"msgtype":"markdown","markdown":{"title":"CPU high on web-3","text":"### CPU high on web-3\n> **load** 12.5 for 5 minutes, threshold 8\n\n- **cluster:** prod-hz\n- **since:** *09:31*\n- **runbook:** [CPU saturation](https://wiki.example.com/runbooks/cpu)\n\n@all please hold deploys"},"at":{"isAtAll":true}}`)
	f.Reject(botAlerts, `{"msgtype":"text","text":{"content":"db-1 disk recovered"}}`, dingtalk.Reject(dingtalk.ReasonKeywordMissing),
		"none of the robot's keywords (告警) appears in the message")
	f.Deliver(botAlerts, `{"msgtype":"actionCard","actionCard":{"title":"Silence the alert?","text":"#### Silence *CPU high on web-3*?\nThe on-call engineer acknowledged it at 09:40.","btnOrientation":"1","btns":[{"title":"Silence 1h","actionURL":"https://alerts.example.com/silence?h=1"},{"title":"Open Grafana","actionURL":"https://grafana.example.com/d/cpu"}]}}`)
	f.Deliver(botDeploy, `{"msgtype":"actionCard","actionCard":{"title":"api v2.3.1 deployed","text":"**api v2.3.1** is live on prod-hz","singleTitle":"View release","singleURL":"https://deploy.example.com/api/2.3.1"}}`)
	f.Deliver(botCI, `{"msgtype":"image","image":{"picURL":"`+f.Pic("coverage")+`"}}`)
}
