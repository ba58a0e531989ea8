// The processes a load run drives: the mockdingtalk binary (built once into
// a temporary directory) and a bare net/http server answering DingTalk's
// success body, run as a second process of this program so both targets
// are separate processes on the same loopback, under the same scheduler.

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// bareFlag makes this program serve as the bare server instead of running
// the benchmark; its value is the address to listen on.
const bareFlag = "serve-bare"

// okBody is what both targets answer a delivered message with.
const okBody = `{"errcode":0,"errmsg":"ok"}`

// serveBare is the bare server: the least a Go handler can do to answer
// like the robot webhook (read the body, write the JSON answer).
func serveBare(addr string) error {
	return http.ListenAndServe(addr, bareHandler())
}

// bareHandler answers /robot/send with okBody and /_mock/health with ok.
func bareHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/robot/send", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, okBody)
	})
	mux.HandleFunc("/_mock/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	return mux
}

// cleanEnv is this process's environment without the binary's own
// MOCKDINGTALK_* settings, so every run measures the defaults (the journal
// cap above all) whatever the caller's shell exports.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOCKDINGTALK_") {
			env = append(env, kv)
		}
	}
	return env
}

// proc is a started server process.
type proc struct {
	name string
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	// ready is how long after exec the process first answered a request.
	ready  time.Duration
	gc     *gcMeter
	exited chan struct{} // closed once the process has been waited for
}

// freeAddr returns a loopback address with a port that was free a moment
// ago. The small race with other programs is acceptable for a benchmark.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// buildBinary compiles ./cmd/mockdingtalk into dir and returns its path.
func buildBinary(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "mockdingtalk")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/mockdingtalk")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build ./cmd/mockdingtalk (run from the module root): %w", err)
	}
	return bin, nil
}

// startProc execs path with args (the listen address substituted for
// "{addr}"), then polls GET /_mock/health until it answers 200, and records
// how long that took from just before exec.
func startProc(ctx context.Context, name, path string, args []string, logTo io.Writer) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	argv := make([]string, len(args))
	for i, a := range args {
		argv[i] = strings.ReplaceAll(a, "{addr}", addr)
	}
	cmd := exec.Command(path, argv...)
	// gctrace: one line per collection on stderr, from which gcMeter sums
	// the collector's CPU time.
	cmd.Env = append(cleanEnv(), "GODEBUG=gctrace=1")
	if logTo != io.Discard { // nil sends the output to /dev/null without a copying pipe
		cmd.Stdout = logTo
	}
	p := &proc{name: name, cmd: cmd, base: "http://" + addr, gc: &gcMeter{}}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	go p.gc.read(stderr, logTo)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p.exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(p.exited) }()
	deadline := time.After(10 * time.Second)
	for {
		resp, err := client.Get(p.base + "/_mock/health")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.ready = time.Since(start)
				return p, nil
			}
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("%s exited before answering (args %q)", name, argv)
		case <-deadline:
			_ = cmd.Process.Kill()
			<-p.exited
			return nil, fmt.Errorf("%s did not answer /_mock/health within 10s", name)
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-p.exited
			return nil, ctx.Err()
		case <-time.After(200 * time.Microsecond):
		}
	}
}

// gcMeter sums the CPU time a Go process's garbage collector reports in
// its gctrace lines ("gc 7 @1.2s 3%: … ms clock, A+B/C/D+E ms cpu, …"):
// A and E are the stop-the-world phases, B the mutator assists, C the
// background marking; D, marking on otherwise idle processors, is left
// out, as it takes no time from the program.
type gcMeter struct {
	mu    sync.Mutex
	total time.Duration
}

func (g *gcMeter) cpu() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.total
}

// read consumes the process's stderr, copying every line that is not a
// gctrace line to logTo.
func (g *gcMeter) read(r io.Reader, logTo io.Writer) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if d, ok := gcLineCPU(line); ok {
			g.mu.Lock()
			g.total += d
			g.mu.Unlock()
			continue
		}
		fmt.Fprintln(logTo, line)
	}
}

// gcLineCPU returns the GC CPU time of one gctrace line.
func gcLineCPU(line string) (time.Duration, bool) {
	if !strings.HasPrefix(line, "gc ") {
		return 0, false
	}
	_, rest, ok := strings.Cut(line, " ms clock, ")
	if !ok {
		return 0, false
	}
	cpu, _, ok := strings.Cut(rest, " ms cpu")
	if !ok {
		return 0, false
	}
	var total float64
	for i, f := range strings.FieldsFunc(cpu, func(r rune) bool { return r == '+' || r == '/' }) {
		if i == 3 { // idle marking
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, false
		}
		total += v
	}
	return time.Duration(total * float64(time.Millisecond)), true
}

// stop ends the process and waits briefly for it to go.
func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// cpuTime is the CPU time (user + system) the process has used so far,
// from /proc/<pid>/stat.
func (p *proc) cpuTime() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces) start at ')'.
	_, rest, ok := strings.Cut(string(data), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		return 0, errors.New("short /proc stat")
	}
	var ticks int64
	for _, f := range fields[11:13] { // utime, stime (fields 14 and 15)
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// rssBytes reads the process's resident set (VmRSS) and its peak (VmHWM)
// from /proc.
func (p *proc) rssBytes() (rss, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("parse %s: %w", key, err)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc status")
	}
	return rss, peak, nil
}
