// The soak: the built binary, on a free loopback port, under every abusive
// shape a hostile neighbour on the same host tried — idle connections,
// slowloris, huge bodies, queries and headers, many live streams, many
// sessions, failed logins, async jobs to a webhook that never answers,
// cross-site and DNS-rebinding requests, and the journal-memory shape
// (2,000 sends with a 120 KB query, a 120 KB header and a 20 KB body, then
// a full listing). Each shape is bounded in count (and so in time), and
// after each the process's descriptors (/proc/PID/fd), goroutines (its
// /_mock/health) and resident memory (/proc/PID/status) must come back to
// where they started. Only 127.0.0.1 is ever dialed.

package soak_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/dingtalk-mock/mockdingtalk/e2e/internal/binarytest"
)

func TestSoak(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "e2e/soak: the binary under abuse returns to its baseline")
}

var bin string

var _ = SynchronizedBeforeSuite(func() []byte {
	return []byte(binarytest.Build())
}, func(path []byte) { bin = string(path) })

var _ = SynchronizedAfterSuite(func() {}, gexec.CleanupBuildArtifacts)

// proc is the binary under test.
type proc struct{ *binarytest.Process }

// startBinary runs the binary with args (binarytest.Start), logging errors only.
func startBinary(args ...string) *proc {
	GinkgoHelper()
	return &proc{binarytest.Start(bin, append([]string{"-log-level", "error"}, args...)...)}
}

// figures is what the soak watches.
type figures struct {
	fds, goroutines int
	rss, peak       int64
}

func (f figures) String() string {
	return fmt.Sprintf("fds=%d goroutines=%d rss=%.1fMB peak=%.1fMB", f.fds, f.goroutines, float64(f.rss)/(1<<20), float64(f.peak)/(1<<20))
}

// health is the part of /_mock/health the soak reads.
type health struct {
	Refused map[string]uint64 `json:"refused"`
	SNS     map[string]uint64 `json:"sns"`
	Process struct {
		Goroutines int `json:"goroutines"`
	} `json:"process"`
}

func (p *proc) health() health {
	GinkgoHelper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Get(p.Base + "/_mock/health")
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	var h health
	Expect(json.NewDecoder(resp.Body).Decode(&h)).To(Succeed())
	return h
}

// figures reads the descriptors and memory from /proc and the goroutines
// from /_mock/health (the health request's own goroutine included).
func (p *proc) figures() figures {
	GinkgoHelper()
	f := figures{fds: p.FDs(), goroutines: p.health().Process.Goroutines}
	f.rss, f.peak = p.RSS()
	return f
}

// client is a plain HTTP client that keeps no connection open after a
// shape, so the server's descriptors can settle.
func client() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 8}}
}

func linuxOnly() {
	if runtime.GOOS != "linux" {
		Skip("reads /proc: Linux only")
	}
}

// drain reads and closes a response body.
func drain(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(b)
}
