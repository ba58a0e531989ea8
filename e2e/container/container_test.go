// The container smoke specs: the image's metadata, and a running container
// as a user drives it with curl, the SNS API, a browser's first request, a
// volume, SIGTERM, and the Python example.

package container_test

import (
	"bufio"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/e2e/internal/exampletest"
	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
)

// checked checks every exchange with the container against openapi.yaml.
var checked = contracts.NewHTTPClient(Fail)

// The built-in robot's public, fixed token and secret (cmd/mockdingtalk).
const (
	defaultToken  = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	defaultSecret = "SECfedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
)

// get fetches u with a plain client (for polling before the container is up).
func get(u string) (int, string, error) {
	resp, err := http.Get(u)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// send makes a request with the checking client and returns status and body.
func send(method, u, contentType, auth, body string) (int, string) {
	GinkgoHelper()
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	a := testhttp.Must(checked, testhttp.Request{Method: method, URL: u, Body: body, ContentType: contentType, Header: h})
	return a.Status, a.Raw
}

// login logs in to the container's SNS API as ZStack's initial account and
// returns the session uuid.
func login(base string) string {
	GinkgoHelper()
	sum := sha512.Sum512([]byte("password"))
	status, body := send(http.MethodPut, base+"/zstack/v1/accounts/login", "application/json", "",
		`{"logInByAccount":{"accountName":"admin","password":"`+hex.EncodeToString(sum[:])+`"}}`)
	Expect(status).To(Equal(http.StatusOK), body)
	m := regexp.MustCompile(`"uuid":"([0-9a-f]{32})"`).FindStringSubmatch(body)
	Expect(m).NotTo(BeNil(), body)
	return m[1]
}

// bash runs script with bash and returns its stdout.
func bash(script string) string {
	GinkgoHelper()
	for _, tool := range []string{"bash", "curl", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			Skip("the printed curl needs " + tool)
		}
	}
	out, err := exec.Command("bash", "-c", script).Output()
	Expect(err).NotTo(HaveOccurred(), script)
	return string(out)
}

var _ = Describe("the image", func() {
	It("is under 35 MB (two static binaries), runs as a non-root user, and carries its labels, volume and healthcheck", func() {
		var img struct {
			Size   int64
			Config struct {
				User        string
				Labels      map[string]string
				Volumes     map[string]struct{}
				Entrypoint  []string
				Healthcheck struct{ Test []string } // where docker puts it
			}
			Healthcheck struct{ Test []string } // where podman puts it
		}
		inspect("image", image, &img)
		Expect(img.Size).To(BeNumerically("<", 35<<20))
		Expect(img.Config.User).To(Equal("65532:65532"))
		Expect(img.Config.Labels).To(HaveKeyWithValue("org.opencontainers.image.source", "https://github.com/dingtalk-mock/mockdingtalk"))
		Expect(img.Config.Labels).To(HaveKeyWithValue("org.opencontainers.image.version", "e2e"))
		Expect(img.Config.Labels).To(HaveKey("org.opencontainers.image.licenses"))
		Expect(img.Config.Labels).To(HaveKeyWithValue("org.opencontainers.image.revision", MatchRegexp(`^[0-9a-f]{40}$`)))
		Expect(img.Config.Volumes).To(HaveKey("/data"))
		Expect(img.Config.Entrypoint).To(Equal([]string{"/usr/local/bin/mockdingtalk"}))
		Expect(append(img.Healthcheck.Test, img.Config.Healthcheck.Test...)).To(Equal([]string{"CMD", "/usr/local/bin/mockdingtalk", "health", "-timeout", "2s"}))
	})

	It("runs other commands of the binary: `version`", func() {
		out := run("run", "--rm", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096", image, "version")
		Expect(out).To(MatchRegexp(`^mockdingtalk \S+ .*go1\.\d+\S* linux/\w+$`))
		// Go stamps the revision only in a plain clone: a git worktree's
		// .git is a file, which the toolchain does not read.
		if fi, err := os.Stat(filepath.Join(root, ".git")); err == nil && fi.IsDir() {
			rev, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
			Expect(err).NotTo(HaveOccurred())
			Expect(out).To(ContainSubstring("revision " + string(rev[:12])))
		}
	})
})

var _ = Describe("a running container", func() {
	It("is healthy by its own healthcheck command, and accepts the signed curl it prints", func() {
		c := startContainer(nil)
		out := run("exec", c.name, "/usr/local/bin/mockdingtalk", "health")
		Expect(out).To(Equal("ok http://127.0.0.1:8090/_mock/health"))
		if engine[0] == "podman" {
			run("healthcheck", "run", c.name) // the image's HEALTHCHECK, as podman runs it
		}

		// The banner's lines, as the README tells users to paste them.
		var plain, signing string
		sc := bufio.NewScanner(strings.NewReader(c.logs()))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			switch {
			case strings.HasPrefix(line, "curl -sS '"+c.base+"/robot/send?"):
				plain = line
			case strings.HasPrefix(line, "secret='SEC"):
				signing = line
			}
		}
		Expect(plain).NotTo(BeEmpty(), "the banner prints a ready-signed curl on the public URL")
		Expect(signing).NotTo(BeEmpty(), "the banner prints a bash + openssl line")
		Expect(bash(plain)).To(Equal(`{"errcode":0,"errmsg":"ok"}`))
		Expect(bash(signing)).To(Equal(`{"errcode":0,"errmsg":"ok"}`))

		status, body := send(http.MethodGet, c.base+"/_mock/messages/wait?accessToken="+defaultToken+"&count=2&timeout=10s", "", "", "")
		Expect(status).To(Equal(http.StatusOK))
		Expect(strings.Count(body, `"content":"hello from mockdingtalk"`)).To(Equal(2))

		By("the inbox page shows the message")
		status, body = send(http.MethodGet, c.base+"/", "", "", "")
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(And(ContainSubstring("<title>Mock DingTalk inbox</title>"), ContainSubstring("hello from mockdingtalk")))
	})

	It("logs in to the SNS API and tests the connection to the built-in robot", func() {
		c := startContainer(nil)
		session := login(c.base)
		// The webhook URL as the server inside the container reaches itself.
		status, body := send(http.MethodPost, c.base+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection",
			"application/json;charset=UTF-8", "OAuth "+session,
			`{"params":{"testMsg":"hello from ZStack in a container","url":"http://127.0.0.1:8090/robot/send?access_token=`+defaultToken+`","secret":"`+defaultSecret+`"}}`)
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(MatchJSON(`{"success":true,"connected":true,"webhookResp":{"errcode":0,"errmsg":"ok"}}`))
		_, body = send(http.MethodGet, c.base+"/_mock/messages?accessToken="+defaultToken, "", "", "")
		Expect(body).To(ContainSubstring(`"text":"hello from ZStack in a container"`), "ZStack sends its test message as markdown")
	})

	It("keeps SNS endpoints in its volume across containers", func() {
		volume := fmt.Sprintf("mockdingtalk-e2e-%d-%d-data", os.Getpid(), serial.Add(1))
		run("volume", "create", volume)
		DeferCleanup(func() { _, _ = runErr("volume", "rm", "-f", volume) })

		first := startContainer([]string{"-v", volume + ":/data"})
		status, body := send(http.MethodPost, first.base+"/zstack/v1/sns/application-endpoints/ding-talk", "application/json", "OAuth "+login(first.base),
			`{"params":{"name":"kept-across-restarts","url":"http://127.0.0.1:8090/robot/send?access_token=`+defaultToken+`","secret":"`+defaultSecret+`"}}`)
		Expect(status).To(Equal(http.StatusOK), body)
		run("stop", first.name)
		run("rm", "-v", first.name)

		second := startContainer([]string{"-v", volume + ":/data"})
		status, body = send(http.MethodGet, second.base+"/zstack/v1/sns/application-endpoints/ding-talk", "", "OAuth "+login(second.base), "")
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring(`"name":"kept-across-restarts"`))
	})

	It("stops cleanly on SIGTERM within a second", func() {
		c := startContainer(nil)
		// stop sends SIGTERM and, after -t seconds, SIGKILL: exit code 0
		// means the server shut itself down in time.
		run("stop", "-t", "1", c.name)
		var state struct{ State struct{ ExitCode int } }
		inspect("container", c.name, &state)
		Expect(state.State.ExitCode).To(Equal(0))
		Expect(c.logs()).To(And(ContainSubstring("shutting down"), ContainSubstring("msg=stopped")))
	})

	It("guards the admin API with a token from the environment, and the shell example passes with it", func() {
		ex, ok := exampletest.Named("shell")
		Expect(ok).To(BeTrue())
		if tool := ex.Missing(); tool != "" {
			Skip("examples/shell needs " + tool + " on PATH")
		}
		const token = "e2e-admin-token-7f3a"
		c := startContainer([]string{"-e", "MOCKDINGTALK_ADMIN_TOKEN=" + token})
		status, _ := send(http.MethodGet, c.base+"/_mock/robots", "", "", "")
		Expect(status).To(Equal(http.StatusUnauthorized))
		status, _ = send(http.MethodGet, c.base+"/_mock/robots", "", "Bearer "+token, "")
		Expect(status).To(Equal(http.StatusOK))
		Expect(run("exec", c.name, "/usr/local/bin/mockdingtalk", "health")).To(HavePrefix("ok "), "health needs no token")
		Expect(ex.Run(root, c.base, 2*time.Minute, GinkgoWriter, "MOCKDINGTALK_ADMIN_TOKEN="+token)).To(Succeed())
		Expect(c.logs()).NotTo(ContainSubstring(token), "the token is never printed")
	})

	It("runs the conformance suite from the image against another container, and catches a broken target", func() {
		// The conform container shares the target's network namespace, so
		// each reaches the other on loopback: the target's SNS API at
		// 127.0.0.1:8090, conform's fake robot (the target's webhook) on
		// the port conform picks.
		conform := func(target *container, args ...string) (string, error) {
			return runErr(append([]string{"run", "--rm", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
				"--network", "container:" + target.name, image, "conform", "--target", "http://127.0.0.1:8090"}, args...)...)
		}
		good := startContainer(nil)
		out, err := conform(good)
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(MatchRegexp(`\d+ rules: \d+ passed, 0 failed`))
		Expect(out).To(ContainSubstring("OK: the target keeps every must rule"))

		// A target that refuses to send to private addresses cannot reach
		// its webhook, conform's fake robot on loopback: rules must fail.
		broken := startContainer(nil, "-sns-webhook-deny-private")
		out, err = conform(broken)
		var exit *exec.ExitError
		Expect(errors.As(err, &exit)).To(BeTrue(), "conform must fail against a target that cannot send:\n%s", out)
		Expect(exit.ExitCode()).To(Equal(1), out)
		Expect(out).To(MatchRegexp(`(?m)^FAIL\s+must\s`))
	})

	It("passes the Python example's tests", func() {
		ex, ok := exampletest.Named("python")
		Expect(ok).To(BeTrue())
		if tool := ex.Missing(); tool != "" {
			Skip("examples/python needs " + tool + " on PATH (CI installs it: .ci/run)")
		}
		c := startContainer(nil)
		Expect(ex.Run(root, c.base, 2*time.Minute, GinkgoWriter)).To(Succeed())
	})
})
