// Specs that the binary's memory stays bounded whatever senders send: the
// request shape that once took it from 14 MB to 918 MB (2,000 sends with a
// 120 KB query, a 120 KB header and a 20 KB body) and the journal listing
// that then returned 562 MB and left it at 3.5 GB. The binary runs as a
// user runs it, on a free loopback port; RSS is read from /proc.

package memory_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/e2e/internal/binarytest"
)

func TestMemory(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "e2e/memory: the binary's memory under hostile sends")
}

var bin string

var _ = SynchronizedBeforeSuite(func() []byte {
	return []byte(binarytest.Build())
}, func(path []byte) { bin = string(path) })

var _ = SynchronizedAfterSuite(func() {}, gexec.CleanupBuildArtifacts)

const (
	secret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"
	maxRSS = 150 << 20
)

type healthAnswer struct {
	Journal struct {
		Entries   int    `json:"entries"`
		Bytes     int64  `json:"bytes"`
		MaxBytes  int64  `json:"maxBytes"`
		Dropped   uint64 `json:"dropped"`
		Truncated uint64 `json:"truncated"`
		LastSeq   uint64 `json:"lastSeq"`
	} `json:"journal"`
}

var _ = Describe("the journal under hostile sends", Label("memory"), func() {
	BeforeEach(func() {
		if runtime.GOOS != "linux" {
			Skip("reads RSS from /proc: Linux only")
		}
	})

	It("keeps RSS under 150 MB through 2,000 huge sends and a full listing, and says what it dropped and cut", func() {
		p := binarytest.Start(bin)
		base := p.Base
		resp, err := http.Post(base+"/_mock/robots", "application/json",
			strings.NewReader(`{"name":"hostile","secret":"`+secret+`","rateLimitPerMinute":0}`))
		Expect(err).NotTo(HaveOccurred())
		var robot struct {
			WebhookURL string `json:"webhookUrl"`
		}
		Expect(json.NewDecoder(resp.Body).Decode(&robot)).To(Succeed())
		resp.Body.Close()
		webhook := robot.WebhookURL
		query := "&pad=" + strings.Repeat("q", 120<<10)
		header := strings.Repeat("h", 120<<10)
		content := strings.Repeat("x", 20000-len(`{"msgtype":"text","text":{"content":""}}`))
		body := []byte(`{"msgtype":"text","text":{"content":"` + content + `"}}`)
		client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}}
		DeferCleanup(client.CloseIdleConnections)

		const sends, senders = 2000, 4
		var wg sync.WaitGroup
		errs := make(chan error, senders)
		for g := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < sends; i += senders {
					u, err := dingtalk.SignURL(webhook, secret, time.Now())
					if err != nil {
						errs <- err
						return
					}
					req, _ := http.NewRequest(http.MethodPost, u+query, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-Pad", header)
					resp, err := client.Do(req)
					if err != nil {
						errs <- err
						return
					}
					answer, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if string(answer) != `{"errcode":0,"errmsg":"ok"}` {
						errs <- fmt.Errorf("send %d answered %s", i, answer)
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

		after, _ := p.RSS()
		Expect(after).To(BeNumerically("<", maxRSS), "RSS after the sends")
		var h healthAnswer
		resp, err = client.Get(base + "/_mock/health")
		Expect(err).NotTo(HaveOccurred())
		Expect(json.NewDecoder(resp.Body).Decode(&h)).To(Succeed())
		resp.Body.Close()
		Expect(h.Journal.LastSeq).To(BeNumerically(">=", sends))
		Expect(h.Journal.Bytes).To(BeNumerically("<=", h.Journal.MaxBytes))
		Expect(h.Journal.Dropped).To(BeNumerically(">", 0), "the byte bound dropped the oldest")
		Expect(h.Journal.Dropped).To(BeEquivalentTo(h.Journal.LastSeq - uint64(h.Journal.Entries)))
		Expect(h.Journal.Truncated).To(BeEquivalentTo(sends), "every huge query and header was cut")

		// The listing comes in pages of at most 32 MiB of entries; follow them.
		type entry struct {
			RawQuery  string              `json:"rawQuery"`
			Headers   map[string][]string `json:"headers"`
			Truncated map[string]int      `json:"truncated"`
			Delivered bool                `json:"delivered"`
		}
		var all []entry
		pages, since := 0, uint64(0)
		for {
			resp, err = client.Get(base + "/_mock/messages?since=" + strconv.FormatUint(since, 10))
			Expect(err).NotTo(HaveOccurred())
			data, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			Expect(err).NotTo(HaveOccurred())
			Expect(len(data)).To(BeNumerically("<", 33<<20), "one page")
			var page struct {
				Entries   []entry `json:"entries"`
				More      bool    `json:"more"`
				NextSince uint64  `json:"nextSince"`
			}
			Expect(json.Unmarshal(data, &page)).To(Succeed())
			all = append(all, page.Entries...)
			pages++
			if !page.More {
				break
			}
			Expect(page.NextSince).To(BeNumerically(">", since))
			since = page.NextSince
		}
		Expect(len(all)).To(Equal(h.Journal.Entries))
		e := all[len(all)-1]
		Expect(e.Delivered).To(BeTrue())
		Expect(len(e.RawQuery)).To(BeNumerically("<=", 8<<10))
		Expect(e.Truncated).To(HaveKeyWithValue("rawQueryBytes", BeNumerically(">", 120<<10)))
		Expect(e.Truncated).To(HaveKeyWithValue("headerBytes", BeNumerically(">", 120<<10)))
		Expect(e.Headers).To(HaveKey("Content-Type"))

		now, peak := p.RSS()
		Expect(now).To(BeNumerically("<", maxRSS), "RSS after the listing")
		Expect(peak).To(BeNumerically("<", maxRSS), "peak RSS")
		fmt.Fprintf(GinkgoWriter, "RSS after sends %d MB, after listing (%d pages) %d MB, peak %d MB; journal %d entries, %d dropped\n",
			after>>20, pages, now>>20, peak>>20, h.Journal.Entries, h.Journal.Dropped)
	})
})
