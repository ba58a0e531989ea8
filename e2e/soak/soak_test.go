// The soak's specs: one shape of abuse each, against the binary the suite
// starts, each bounded in count and followed by the leak checks.

package soak_test

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

const secret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"

// Slack allowed over the baseline once a shape is over: the descriptors
// and goroutines of a connection or two still closing, and memory the Go
// runtime keeps for reuse (it returns the rest to the system over time).
const (
	fdSlack        = 4
	goroutineSlack = 4
	rssSlack       = 48 << 20
	maxRSS         = 150 << 20
)

var _ = Describe("the binary under abuse", Label("soak"), Ordered, func() {
	var (
		p        *proc
		baseline figures
		webhook  string // the robot's webhook URL
		silent   net.Listener
	)

	BeforeAll(func() {
		linuxOnly()
		// A webhook that accepts connections and never answers.
		var err error
		silent, err = net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		var held sync.WaitGroup
		stop := make(chan struct{})
		go func() {
			for {
				c, err := silent.Accept()
				if err != nil {
					return
				}
				held.Add(1)
				go func() {
					defer held.Done()
					defer c.Close()
					go func() { _, _ = io.Copy(io.Discard, c) }()
					<-stop
				}()
			}
		}()
		DeferCleanup(func() {
			close(stop)
			silent.Close()
			held.Wait()
		})

		p = startBinary("-sns-async", "-sns-webhook-timeout", "2s", "-shutdown-timeout", "2s")
		DeferCleanup(func() {
			p.Session.Terminate()
			Eventually(p.Session, 10*time.Second).Should(gexec.Exit(0), "a clean shutdown after the soak")
		})
		c := client()
		resp, err := c.Post(p.Base+"/_mock/robots", "application/json",
			strings.NewReader(`{"name":"soak","secret":"`+secret+`","rateLimitPerMinute":0}`))
		Expect(err).NotTo(HaveOccurred())
		var robot struct {
			WebhookURL string `json:"webhookUrl"`
		}
		Expect(json.NewDecoder(resp.Body).Decode(&robot)).To(Succeed())
		resp.Body.Close()
		webhook = robot.WebhookURL
		// Warm up every path once, so the baseline includes what the
		// first use allocates for good.
		u, _ := dingtalk.SignURL(webhook, secret, time.Now())
		resp, err = c.Post(u, "application/json", strings.NewReader(`{"msgtype":"text","text":{"content":"warm"}}`))
		Expect(err).NotTo(HaveOccurred())
		drain(resp)
		login(c, p.Base, "password")
		c.CloseIdleConnections()
		Eventually(p.figures).Should(WithTransform(func(f figures) int { return f.fds }, BeNumerically("<=", p.figures().fds)))
		baseline = p.figures()
		GinkgoWriter.Printf("baseline: %s\n", baseline)
	})

	// settles checks that the process is back at its baseline after a shape.
	settles := func(shape string) {
		GinkgoHelper()
		Eventually(func(g Gomega) {
			f := p.figures()
			g.Expect(f.fds).To(BeNumerically("<=", baseline.fds+fdSlack), "descriptors: %s", f)
			g.Expect(f.goroutines).To(BeNumerically("<=", baseline.goroutines+goroutineSlack), "goroutines: %s", f)
		}, 40*time.Second, 200*time.Millisecond).Should(Succeed(), shape)
		f := p.figures()
		GinkgoWriter.Printf("after %-22s %s\n", shape+":", f)
		Expect(f.peak).To(BeNumerically("<", maxRSS), "peak RSS")
	}

	// First: the Go runtime gives the journal's memory back only after a
	// garbage collection, which an idle process runs every two minutes;
	// the other shapes run meanwhile.
	It("keeps RSS under 150 MB through 2,000 sends with a 120 KB query, a 120 KB header and a 20 KB body, and a full listing", func() {
		c := client()
		query := "&pad=" + strings.Repeat("q", 120<<10)
		header := strings.Repeat("h", 120<<10)
		body := []byte(`{"msgtype":"text","text":{"content":"` + strings.Repeat("x", 20000-40) + `"}}`)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < 2000; i += 4 {
					u, _ := dingtalk.SignURL(webhook, secret, time.Now())
					req, _ := http.NewRequest(http.MethodPost, u+query, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-Pad", header)
					resp, err := c.Do(req)
					if err != nil {
						errs <- err
						return
					}
					if got := drain(resp); got != `{"errcode":0,"errmsg":"ok"}` {
						errs <- fmt.Errorf("send %d: %s", i, got)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			Expect(err).NotTo(HaveOccurred())
		}
		since, pages := uint64(0), 0
		for {
			resp, err := c.Get(p.Base + "/_mock/messages?since=" + strconv.FormatUint(since, 10))
			Expect(err).NotTo(HaveOccurred())
			var page struct {
				More      bool   `json:"more"`
				NextSince uint64 `json:"nextSince"`
			}
			Expect(json.NewDecoder(resp.Body).Decode(&page)).To(Succeed())
			resp.Body.Close()
			pages++
			if !page.More {
				break
			}
			since = page.NextSince
			Expect(pages).To(BeNumerically("<", 100))
		}
		req, _ := http.NewRequest(http.MethodDelete, p.Base+"/_mock/messages", nil)
		resp, err := c.Do(req)
		Expect(err).NotTo(HaveOccurred())
		drain(resp)
		c.CloseIdleConnections()
		settles("journal memory")
	})

	It("closes 400 idle connections it never got a request on", func() {
		conns := dialN(p.Base, 400)
		Eventually(func() int { return p.figures().fds }).Should(BeNumerically(">=", baseline.fds+300), "the server holds them")
		for _, c := range conns {
			c.Close()
		}
		settles("idle connections")
	})

	It("cuts off 200 slowloris connections at ReadHeaderTimeout", func() {
		conns := dialN(p.Base, 200)
		for _, c := range conns {
			_, err := io.WriteString(c, "POST /robot/send?access_token=x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
			Expect(err).NotTo(HaveOccurred())
		}
		for _, c := range conns {
			Expect(c.SetReadDeadline(time.Now().Add(30 * time.Second))).To(Succeed())
			_, err := io.ReadAll(c) // the server closes it (408 or EOF) after 10 s
			Expect(err).NotTo(HaveOccurred(), "closed by the server, not by our deadline")
			c.Close()
		}
		settles("slowloris")
	})

	It("reads at most what it needs of huge bodies", func() {
		c := client()
		for range 3 {
			u, _ := dingtalk.SignURL(webhook, secret, time.Now())
			resp, err := c.Post(u, "application/json", io.LimitReader(zeros{}, 50<<20))
			if err == nil { // or the server closed the upload early
				Expect(drain(resp)).To(ContainSubstring(`"errcode":460101`))
			}
			resp, err = c.Post(p.Base+"/_mock/faults", "application/json", io.LimitReader(zeros{}, 5<<20))
			if err == nil {
				Expect(resp.StatusCode).To(Equal(http.StatusRequestEntityTooLarge))
				drain(resp)
			}
		}
		c.CloseIdleConnections()
		settles("huge bodies")
	})

	It("answers huge queries and headers up to its limit, and 431 beyond", func() {
		c := client()
		for i := range 40 {
			size := 200 << 10
			if i%2 == 1 {
				size = 300 << 10
			}
			u, _ := dingtalk.SignURL(webhook, secret, time.Now())
			req, _ := http.NewRequest(http.MethodPost, u+"&pad="+strings.Repeat("q", size/2), strings.NewReader(`{"msgtype":"text","text":{"content":"big"}}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Pad", strings.Repeat("h", size/2))
			resp, err := c.Do(req)
			Expect(err).NotTo(HaveOccurred())
			body := drain(resp)
			if size > 256<<10 {
				Expect(resp.StatusCode).To(Equal(http.StatusRequestHeaderFieldsTooLarge))
			} else {
				Expect(body).To(Equal(`{"errcode":0,"errmsg":"ok"}`))
			}
		}
		c.CloseIdleConnections()
		settles("huge queries/headers")
	})

	It("serves 100 live streams, refuses the rest, and frees them all", func() {
		var open []*http.Response
		refused := 0
		c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0}}
		for range 150 {
			resp, err := c.Get(p.Base + "/_inbox/events")
			Expect(err).NotTo(HaveOccurred())
			if resp.StatusCode == http.StatusOK {
				open = append(open, resp)
			} else {
				Expect(resp.StatusCode).To(Equal(http.StatusServiceUnavailable))
				refused++
				drain(resp)
			}
		}
		Expect(open).To(HaveLen(100))
		Expect(refused).To(Equal(50))
		Expect(p.health().Refused["streams"]).To(BeNumerically("==", 50))
		for _, r := range open {
			r.Body.Close()
		}
		c.CloseIdleConnections()
		settles("live streams")
	})

	It("keeps at most 500 sessions per account, refusing logins beyond (ID.1006)", func() {
		c := client()
		codes := map[string]int{}
		for range 600 {
			codes[loginCode(c, p.Base, "password")]++
		}
		Expect(codes).To(HaveKeyWithValue("", BeNumerically(">=", 498)), "the warm-up's session counts too")
		Expect(codes).To(HaveKeyWithValue("ID.1006", BeNumerically(">=", 100)))
		c.CloseIdleConnections()
		settles("sessions")
	})

	It("caps async jobs to a webhook that never answers, and frees them when it times out", func() {
		c := client()
		session := p.anySession(c)
		url := "http://" + silent.Addr().String() + "/robot/send?access_token=t"
		accepted, refused := 0, 0
		for range 200 {
			req, _ := http.NewRequest(http.MethodPost, p.Base+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection",
				strings.NewReader(`{"params":{"testMsg":"hi","url":"`+url+`"}}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "OAuth "+session)
			resp, err := c.Do(req)
			Expect(err).NotTo(HaveOccurred())
			body := drain(resp)
			switch resp.StatusCode {
			case http.StatusAccepted:
				accepted++
			default:
				Expect(body).To(ContainSubstring(`"SYS.1006"`))
				refused++
			}
		}
		Expect(accepted).To(Equal(64))
		Expect(refused).To(Equal(136))
		Expect(p.health().SNS["jobsRefused"]).To(BeNumerically("==", 136))
		c.CloseIdleConnections()
		settles("async jobs")
	})

	It("slows failed logins (LOGIN_CONTROL.1002)", func() {
		c := client()
		codes := map[string]int{}
		for range 50 {
			codes[loginCode(c, p.Base, "wrong")]++
		}
		// 5 failures lock the account for 1 s (2 s after a 6th, …); on a
		// slow machine a lock may pass during the loop.
		Expect(codes["ID.1000"]).To(BeNumerically(">=", 5))
		Expect(codes["LOGIN_CONTROL.1002"]).To(BeNumerically(">=", 40))
		Expect(codes["ID.1000"] + codes["LOGIN_CONTROL.1002"]).To(Equal(50))
		c.CloseIdleConnections()
		settles("failed logins")
	})

	It("refuses 600 cross-site and DNS-rebinding requests, changing nothing", func() {
		c := client()
		for i := range 600 {
			req, _ := http.NewRequest(http.MethodPost, p.Base+"/_mock/reset", strings.NewReader("a=b"))
			if i%2 == 0 {
				req.Header.Set("Origin", "http://evil.example")
				req.Header.Set("Sec-Fetch-Site", "cross-site")
				req.Header.Set("Content-Type", "text/plain")
			} else {
				req.Host = "rebind.attacker.com:8090"
			}
			resp, err := c.Do(req)
			Expect(err).NotTo(HaveOccurred())
			drain(resp)
			Expect(resp.StatusCode).To(Equal(http.StatusForbidden))
		}
		h := p.health()
		Expect(h.Refused["crossSite"]).To(BeNumerically("==", 300))
		Expect(h.Refused["host"]).To(BeNumerically("==", 300))
		c.CloseIdleConnections()
		settles("cross-site")
	})

	It("returns to its baseline: descriptors, goroutines and resident memory", func() {
		Eventually(func(g Gomega) {
			f := p.figures()
			g.Expect(f.fds).To(BeNumerically("<=", baseline.fds+fdSlack), "%s", f)
			g.Expect(f.goroutines).To(BeNumerically("<=", baseline.goroutines+goroutineSlack), "%s", f)
			g.Expect(f.rss).To(BeNumerically("<=", baseline.rss+rssSlack), "%s", f)
		}, 150*time.Second, time.Second).Should(Succeed())
		GinkgoWriter.Printf("final: %s (baseline %s)\n", p.figures(), baseline)
	})
})

// dialN opens n TCP connections to base's host.
func dialN(base string, n int) []net.Conn {
	GinkgoHelper()
	addr := strings.TrimPrefix(base, "http://")
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		conns = append(conns, c)
	}
	return conns
}

// zeros is an endless reader of '0'.
type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = '0'
	}
	return len(b), nil
}

func sha512Hex(s string) string {
	sum := sha512.Sum512([]byte(s))
	return hex.EncodeToString(sum[:])
}

// loginCode logs in as admin and returns "" on success, else the error code.
func loginCode(c *http.Client, base, password string) string {
	GinkgoHelper()
	req, _ := http.NewRequest(http.MethodPut, base+"/zstack/v1/accounts/login",
		strings.NewReader(`{"logInByAccount":{"accountName":"admin","password":"`+sha512Hex(password)+`"}}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	Expect(err).NotTo(HaveOccurred())
	var out struct {
		Inventory struct {
			UUID string `json:"uuid"`
		} `json:"inventory"`
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	Expect(json.NewDecoder(resp.Body).Decode(&out)).To(Succeed())
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		lastSession = out.Inventory.UUID
		return ""
	}
	return out.Error.Code
}

// lastSession is the newest session loginCode got.
var lastSession string

func login(c *http.Client, base, password string) string {
	GinkgoHelper()
	Expect(loginCode(c, base, password)).To(BeEmpty())
	return lastSession
}

// anySession is a live session (the account may be at its limit).
func (p *proc) anySession(*http.Client) string {
	Expect(lastSession).NotTo(BeEmpty())
	return lastSession
}
