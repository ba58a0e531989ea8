// Load generation with wrk (a C program spending a few microseconds per
// request): one run of wrk against one URL, its figures parsed from its
// report, and the CPU time it and the server used. The request is signed
// once per round, before wrk starts, so the generator does no HMAC work at
// all; a round lasts seconds, far inside DingTalk's ±1 hour window.

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// textBody is the signed text message both targets receive: the shape an
// alerting pipeline sends.
var textBody = []byte(`{"msgtype":"text","text":{"content":"loadbench: disk /var is 91% full on host-17"},"at":{"isAtAll":false}}`)

// request is what wrk sends, again and again.
type request struct {
	url    func() (string, error) // built afresh for each round
	method string
	body   []byte
	header map[string]string
}

// signedSend posts textBody to webhook, signed with secret when the round
// starts. An empty secret sends the webhook as it is.
func signedSend(webhook, secret string) request {
	return request{
		url: func() (string, error) {
			if secret == "" {
				return webhook, nil
			}
			return dingtalk.SignURL(webhook, secret, time.Now())
		},
		method: "POST", body: textBody, header: map[string]string{"Content-Type": "application/json"},
	}
}

// script is the Lua file that sets wrk's method, body and headers.
func (rq request) script(dir string) (string, error) {
	var b strings.Builder
	b.WriteString("wrk.method = " + luaString(rq.method) + "\n")
	b.WriteString("wrk.body = " + luaString(string(rq.body)) + "\n")
	for k, v := range rq.header {
		b.WriteString("wrk.headers[" + luaString(k) + "] = " + luaString(v) + "\n")
	}
	f, err := os.CreateTemp(dir, "wrk-*.lua")
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.WriteString(b.String())
	return f.Name(), err
}

// luaString quotes s as a Lua string literal.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// wrkReport is what one wrk run printed.
type wrkReport struct {
	requests uint64
	elapsed  time.Duration
	p50, p99 time.Duration
	non2xx   uint64
	errors   uint64 // socket errors of any kind
}

// parseWrk reads wrk's report (run with --latency).
func parseWrk(out []byte) (wrkReport, error) {
	var r wrkReport
	var sawTotal bool
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "50%":
			r.p50, _ = time.ParseDuration(f[1])
		case len(f) == 2 && f[0] == "99%":
			r.p99, _ = time.ParseDuration(f[1])
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.ParseUint(f[0], 10, 64)
			if err != nil {
				return r, fmt.Errorf("wrk total %q: %w", f[0], err)
			}
			r.requests = n
			r.elapsed, err = time.ParseDuration(strings.TrimSuffix(f[3], ","))
			if err != nil {
				return r, fmt.Errorf("wrk duration %q: %w", f[3], err)
			}
			sawTotal = true
		case len(f) == 5 && f[0] == "Non-2xx":
			r.non2xx, _ = strconv.ParseUint(f[4], 10, 64)
		case len(f) >= 2 && f[0] == "Socket" && f[1] == "errors:":
			for _, part := range strings.Split(strings.Join(f[2:], " "), ",") {
				kv := strings.Fields(part)
				if len(kv) == 2 {
					n, _ := strconv.ParseUint(kv[1], 10, 64)
					r.errors += n
				}
			}
		}
	}
	if !sawTotal {
		return r, fmt.Errorf("no \"requests in\" line in wrk's report:\n%s", out)
	}
	return r, nil
}

// round is what one wrk run measured, with the CPU time the server and
// wrk used meanwhile.
type round struct {
	wrkReport
	serverCPU time.Duration
	clientCPU time.Duration
	gcCPU     time.Duration // the server's GC CPU, when it reports gctrace
}

// runWrk drives server with rq for d: wrk with threads threads and conns
// connections, keep-alive.
func runWrk(ctx context.Context, server *proc, rq request, threads, conns int, d time.Duration) (round, error) {
	var rd round
	u, err := rq.url()
	if err != nil {
		return rd, err
	}
	dir, err := os.MkdirTemp("", "loadbench-wrk-")
	if err != nil {
		return rd, err
	}
	defer os.RemoveAll(dir)
	script, err := rq.script(dir)
	if err != nil {
		return rd, err
	}
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.CommandContext(ctx, wrkPath, "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+strconv.Itoa(secs)+"s", "--latency", "--timeout", "10s", "-s", filepath.Base(script), u)
	cmd.Dir = dir
	srv0, err := server.cpuTime()
	if err != nil {
		return rd, err
	}
	gc0 := server.gc.cpu()
	out, err := cmd.Output()
	srv1, _ := server.cpuTime()
	rd.gcCPU = server.gc.cpu() - gc0
	if err != nil {
		return rd, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	rd.serverCPU = srv1 - srv0
	rd.clientCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	rd.wrkReport, err = parseWrk(out)
	return rd, err
}

// wrkPath is the wrk binary.
var wrkPath = "wrk"

// findWrk locates wrk, saying how to get it when it is missing.
func findWrk() error {
	p, err := exec.LookPath("wrk")
	if err != nil {
		return fmt.Errorf("wrk is not installed: `make bench-load` installs it (apt-get install wrk), or install it yourself")
	}
	wrkPath = p
	return nil
}
