// Specs that drive the chromium binary itself, the way people screenshot
// or prerender the inbox: `chromium --headless --virtual-time-budget=…
// --screenshot URL` must finish, so the inbox's live stream must not keep
// a headless browser from going idle. They skip when chromium is missing;
// .ci/run installs it.

package headless_test

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

func TestHeadless(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "e2e: the inbox in a headless chromium")
}

// chromium finds the browser, or skips the spec.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Skip("chromium not found on PATH (.ci/run installs it)")
	return ""
}

var _ = Describe("a headless screenshot of the inbox", Label("browser"), func() {
	It("finishes within its virtual-time budget although the live stream stays open", func(ctx SpecContext) {
		bin := chromium()
		fake, err := mockdingtalk.Start(mockdingtalk.Config{Robots: []mockdingtalk.Robot{{Name: "alerts"}}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(fake.Close)
		dir := GinkgoT().TempDir()
		shot := filepath.Join(dir, "inbox.png")

		// Without a bound the old EventSource page ran until killed; the
		// page without a stream finishes in about 3 s.
		run, cancel := context.WithTimeout(ctx, 45*time.Second)
		defer cancel()
		cmd := exec.CommandContext(run, bin, "--headless", "--no-sandbox", "--disable-gpu",
			"--disable-dev-shm-usage", "--user-data-dir="+filepath.Join(dir, "profile"),
			"--virtual-time-budget=3000", "--window-size=1280,800", "--screenshot="+shot, fake.URL()+"/")
		out, err := cmd.CombinedOutput()
		Expect(run.Err()).NotTo(HaveOccurred(), "chromium did not finish: the page never went idle\n%s", out)
		Expect(err).NotTo(HaveOccurred(), "%s", out)

		f, err := os.Open(shot)
		Expect(err).NotTo(HaveOccurred())
		defer f.Close()
		img, err := png.Decode(f)
		Expect(err).NotTo(HaveOccurred())
		Expect(img.Bounds().Dx()).To(Equal(1280))
	}, SpecTimeout(time.Minute))
})
