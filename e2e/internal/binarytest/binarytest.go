// Package binarytest runs the built mockdingtalk binary for the e2e specs
// that watch it from outside: on a free loopback port, with the defaults
// whatever the caller's MOCKDINGTALK_* settings, and reads its resident
// memory and descriptors from /proc (Linux).
package binarytest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Build builds the binary (call it from SynchronizedBeforeSuite; clean up
// with gexec.CleanupBuildArtifacts).
func Build() string {
	GinkgoHelper()
	path, err := gexec.Build("github.com/dingtalk-mock/mockdingtalk/cmd/mockdingtalk")
	Expect(err).NotTo(HaveOccurred())
	return path
}

// A Process is the binary, running.
type Process struct {
	// Base is its base URL, http://127.0.0.1:port.
	Base string
	// PID is its process id.
	PID int
	// Session is the running process.
	Session *gexec.Session
}

// Start runs bin with args on a free loopback port, without the caller's
// MOCKDINGTALK_* settings, waits until /_mock/health answers, and stops it
// (SIGINT) when the spec or container ends.
func Start(bin string, args ...string) *Process {
	GinkgoHelper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	addr := ln.Addr().String()
	Expect(ln.Close()).To(Succeed())
	cmd := exec.Command(bin, append([]string{"-listen", addr}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOCKDINGTALK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	session, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { session.Interrupt().Wait(10 * time.Second) })
	p := &Process{Base: "http://" + addr, PID: cmd.Process.Pid, Session: session}
	Eventually(func() error {
		resp, err := http.Get(p.Base + "/_mock/health")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}, 20*time.Second).Should(Succeed())
	return p
}

// RSS is the process's resident set now and its peak, from /proc.
func (p *Process) RSS() (now, peak int64) {
	GinkgoHelper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID))
	Expect(err).NotTo(HaveOccurred())
	for _, line := range strings.Split(string(data), "\n") {
		key, val, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		switch key {
		case "VmRSS":
			now = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return now, peak
}

// FDs is how many descriptors the process has open, from /proc.
func (p *Process) FDs() int {
	GinkgoHelper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.PID))
	Expect(err).NotTo(HaveOccurred())
	return len(fds)
}
