// Specs for the binary's defences against hostile callers: it refuses to
// listen beyond loopback unless told to (-allow-remote), guards the admin
// API and the inbox with -admin-token, and -sns-webhook-deny-private keeps
// the SNS API from sending into the server's own network. And nothing is
// lost across a crash: endpoints the SNS API acknowledged before a kill -9
// of the real binary are all there after a restart on the same -data-dir.

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

// request sends one request and returns status and body.
func request(method, u string, header http.Header, body string) (int, string) {
	GinkgoHelper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, string(b)
}

var _ = Describe("hostile callers", Label("hostile"), func() {
	DescribeTable("refuses to listen beyond loopback without -allow-remote",
		func(listen string) {
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := run(ctx, []string{"-listen", listen}, env(nil), &stdout, &stderr)
			Expect(err).To(MatchError(And(ContainSubstring("refusing to listen"), ContainSubstring("-allow-remote"))))
			Expect(stdout.String()).NotTo(ContainSubstring("listening on"))
		},
		Entry("all IPv4 interfaces", "0.0.0.0:0"),
		Entry("all interfaces (empty host)", ":0"),
	)

	It("with -allow-remote and an admin token from the environment, serves remotely but guards the admin API and the inbox", func() {
		const token = "remote-admin-token-42"
		in := start([]string{"-listen", "0.0.0.0:0", "-allow-remote", "-sns-webhook-deny-private"},
			map[string]string{"MOCKDINGTALK_ADMIN_TOKEN": token})
		for _, path := range []string{"/_mock/robots", "/_mock/messages", "/"} {
			status, body := request(http.MethodGet, in.base+path, nil, "")
			Expect(status).To(Equal(http.StatusUnauthorized), path)
			Expect(body).NotTo(ContainSubstring(DefaultSecret))
			status, _ = request(http.MethodGet, in.base+path, http.Header{"Authorization": {"Bearer " + token}}, "")
			Expect(status).To(Equal(http.StatusOK), path)
		}
		status, _ := request(http.MethodGet, in.base+"/_mock/health", nil, "")
		Expect(status).To(Equal(http.StatusOK))
		Expect(string(in.stdout.Contents())+string(in.stderr.Contents())).NotTo(ContainSubstring(token), "the token is never printed")
		Expect(string(in.stderr.Contents())).NotTo(ContainSubstring("without -admin-token"))
	})

	It("answers the admin API under the Host names $MOCKDINGTALK_ALLOWED_HOSTS adds, and refuses others (DNS rebinding)", func() {
		in := start([]string{"-listen", "127.0.0.1:0"}, map[string]string{"MOCKDINGTALK_ALLOWED_HOSTS": "mock.ci.acme.com, *.svc.cluster.local"})
		for host, want := range map[string]int{
			"mock.ci.acme.com:8090": http.StatusOK, "mockdingtalk.ns.svc.cluster.local": http.StatusOK,
			"mockdingtalk:8090": http.StatusOK, "localhost": http.StatusOK,
			"rebind.attacker.com:8090": http.StatusForbidden,
		} {
			req, err := http.NewRequest(http.MethodGet, in.base+"/_mock/robots", nil)
			Expect(err).NotTo(HaveOccurred())
			req.Host = host
			res, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			Expect(res.StatusCode).To(Equal(want), host)
			if want == http.StatusForbidden {
				Expect(string(body)).NotTo(ContainSubstring(DefaultSecret))
			}
		}
	})

	It("answers the admin API under the name -listen gives, not only its address", func() {
		Expect(listenNames("mock.ci.acme.com:8090")).To(Equal([]string{"mock.ci.acme.com"}))
		Expect(listenNames("127.0.0.1:8090")).To(BeEmpty())
		Expect(listenNames("[::1]:8090")).To(BeEmpty())
		Expect(listenNames(":8090")).To(BeEmpty())
	})

	It("warns when listening remotely without an admin token or the SNS deny preset", func() {
		in := start([]string{"-listen", "0.0.0.0:0", "-allow-remote"}, nil)
		Eventually(in.stderr).Should(gbytes.Say("without -admin-token"))
		Eventually(in.stderr).Should(gbytes.Say("without -sns-webhook-deny-private"))
	})

	It("with -sns-webhook-deny-private, the SNS API refuses to send to a loopback robot, even its own", func() {
		in := start([]string{"-listen", "127.0.0.1:0", "-sns-webhook-deny-private"}, nil)
		session := login(in.base, "admin", "password")
		status, body := zstack(http.MethodPost, in.base+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection", session,
			`{"params":{"testMsg":"probe","url":"`+in.base+`/robot/send?access_token=`+DefaultAccessToken+`","secret":"`+DefaultSecret+`"}}`)
		Expect(status).To(Equal(http.StatusServiceUnavailable))
		Expect(body).To(And(ContainSubstring(`"code":"SYS.1007"`), ContainSubstring("deny list")))
		Expect(body).NotTo(ContainSubstring(DefaultSecret))
	})
})

var _ = Describe("a crash", Label("crash"), Ordered, func() {
	var binary string

	BeforeAll(func() {
		var err error
		// -race, as make test builds everything else: the build reuses the
		// race-compiled packages of the test binaries instead of compiling
		// the standard library and every dependency a second time, and the
		// binary runs under the race detector while it is killed.
		binary, err = gexec.Build("github.com/dingtalk-mock/mockdingtalk/cmd/mockdingtalk", "-race")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(gexec.CleanupBuildArtifacts)
	})

	// launch starts the binary on a free loopback port with dataDir and
	// returns the session and its base URL.
	launch := func(dataDir string) (*gexec.Session, string) {
		GinkgoHelper()
		cmd := exec.Command(binary, "-listen", "127.0.0.1:0", "-data-dir", dataDir, "-log-level", "warn")
		session, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { session.Kill().Wait(10 * time.Second) })
		Eventually(session.Out, 20*time.Second).Should(gbytes.Say(`listening on (http://127\.0\.0\.1:\d+)`))
		base := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(string(session.Out.Contents()))[1]
		return session, base
	}

	It("loses no endpoint the SNS API acknowledged before a kill -9", func() {
		dataDir := GinkgoT().TempDir()
		first, base := launch(dataDir)
		session := login(base, "admin", "password")

		// Create endpoints until the process dies; remember each one the
		// API answered 200 for.
		var mu sync.Mutex
		var acked []string
		done := make(chan struct{})
		go func() {
			defer GinkgoRecover()
			defer close(done)
			client := &http.Client{Timeout: 5 * time.Second}
			defer client.CloseIdleConnections()
			for i := 0; i < 10000; i++ {
				req, _ := http.NewRequest(http.MethodPost, base+"/zstack/v1/sns/application-endpoints/ding-talk",
					strings.NewReader(`{"params":{"name":"crash-`+strconv.Itoa(i)+`","url":"http://127.0.0.1:1/robot/send?access_token=t","secret":"SECx"}}`))
				req.Header.Set("Authorization", "OAuth "+session)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the process is gone
				}
				body, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				if rerr != nil || resp.StatusCode != http.StatusOK {
					return
				}
				uuid := regexp.MustCompile(`"uuid":"([0-9a-f]{32})"`).FindStringSubmatch(string(body))
				Expect(uuid).To(HaveLen(2), string(body))
				mu.Lock()
				acked = append(acked, uuid[1])
				mu.Unlock()
			}
		}()
		count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
		Eventually(count, 20*time.Second).Should(BeNumerically(">=", 25), "endpoints are being created")
		first.Kill() // SIGKILL, while creates are in flight
		Eventually(first, 10*time.Second).Should(gexec.Exit())
		Eventually(done, 10*time.Second).Should(BeClosed())

		_, base = launch(dataDir)
		session = login(base, "admin", "password")
		status, body := zstack(http.MethodGet, base+"/zstack/v1/sns/application-endpoints/ding-talk?limit=100000", session, "")
		Expect(status).To(Equal(http.StatusOK))
		mu.Lock()
		defer mu.Unlock()
		GinkgoWriter.Printf("%d endpoints acknowledged before kill -9\n", len(acked))
		for _, uuid := range acked {
			Expect(body).To(ContainSubstring(`"uuid":"`+uuid+`"`), "acknowledged endpoint %s survived", uuid)
		}
		Expect(body).NotTo(ContainSubstring("SECx\""), "secrets stay masked after the restart")
	})

	It("refuses to start on a damaged data file: exit 1, the file named with what to do, no panic text", func() {
		dataDir := GinkgoT().TempDir()
		first, base := launch(dataDir)
		session := login(base, "admin", "password")
		for i := range 200 { // about 400 KB: many pages, all in use
			status, _ := zstack(http.MethodPost, base+"/zstack/v1/sns/application-endpoints/ding-talk", session,
				`{"params":{"name":"ep-`+strconv.Itoa(i)+`","description":"`+strings.Repeat("d", 2000)+`","url":"http://127.0.0.1:1/robot/send?access_token=t"}}`)
			Expect(status).To(Equal(http.StatusOK))
		}
		first.Terminate()
		Eventually(first, 10*time.Second).Should(gexec.Exit(0))
		file := filepath.Join(dataDir, "sns.db")
		info, err := os.Stat(file)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.Truncate(file, info.Size()/2+100)).To(Succeed())

		cmd := exec.Command(binary, "-listen", "127.0.0.1:0", "-data-dir", dataDir)
		second, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(second, 20*time.Second).Should(gexec.Exit(1))
		stderr := string(second.Err.Contents())
		Expect(stderr).To(ContainSubstring(file + " cannot be read safely"))
		Expect(stderr).To(ContainSubstring("move it aside"))
		Expect(stderr).NotTo(ContainSubstring("panic"))
		Expect(stderr).NotTo(ContainSubstring("goroutine "))

		By("starting fresh once the file is moved aside, saying so")
		Expect(os.Rename(file, file+".corrupt")).To(Succeed())
		cmd = exec.Command(binary, "-listen", "127.0.0.1:0", "-data-dir", dataDir)
		third, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { third.Kill().Wait(10 * time.Second) })
		Eventually(third.Err, 20*time.Second).Should(gbytes.Say("no data file yet; starting with an empty store"))
	})
})
