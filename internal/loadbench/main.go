// The command's flags and run: which modes run, starting the fake and the
// bare server, and the PASS/MISS verdicts with the machine they were
// measured on.

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
)

// options are the command-line settings.
type options struct {
	mode        string
	bin         string
	binArgs     string
	threads     int
	connections int
	duration    time.Duration
	rounds      int
	starts      int
	soakCount   uint64
	soakLimit   time.Duration
	account     string
	password    string
	strict      bool
	serverLogs  bool
}

func main() {
	var o options
	bare := flag.String(bareFlag, "", "internal: serve as the bare net/http server on this address")
	flag.StringVar(&o.mode, "mode", "all", "what to measure: all, startup, robot, sns, soak or abuse (comma-separated)")
	flag.StringVar(&o.bin, "bin", "", "mockdingtalk binary to run (default: build ./cmd/mockdingtalk into a temp dir)")
	flag.StringVar(&o.binArgs, "bin-args", "-listen {addr}", "arguments for the binary; {addr} is replaced by a free 127.0.0.1 port")
	flag.IntVar(&o.threads, "threads", 1, "wrk threads")
	flag.IntVar(&o.connections, "connections", 16, "wrk connections, each with one request in flight (the same for every target)")
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "length of one round (whole seconds)")
	flag.IntVar(&o.rounds, "rounds", 6, "rounds per target (targets alternate: A B B A A B …, so a busy machine weighs on both)")
	flag.IntVar(&o.starts, "starts", 5, "process starts measured for time-to-first-answer")
	flag.Uint64Var(&o.soakCount, "soak-count", 1_000_000, "sends in the memory soak")
	flag.DurationVar(&o.soakLimit, "soak-limit", 5*time.Minute, "the soak stops at this time even if short of -soak-count")
	flag.StringVar(&o.account, "sns-account", "admin", "SNS account to log in with")
	flag.StringVar(&o.password, "sns-password", "password", "SNS password (plain; sent as its SHA-512 hex, as ZStack clients do)")
	flag.BoolVar(&o.strict, "strict", false, "exit with status 1 when a target is missed")
	flag.BoolVar(&o.serverLogs, "server-logs", false, "show the servers' own output")
	flag.Parse()

	if *bare != "" {
		if err := serveBare(*bare); err != nil {
			fmt.Fprintln(os.Stderr, "bare server:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	missed, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(2)
	}
	if missed > 0 {
		fmt.Printf("\n%d target(s) missed\n", missed)
		if o.strict {
			os.Exit(1)
		}
	} else {
		fmt.Println("\nall targets met")
	}
}

// bench holds what every mode shares: the binary and how to start things.
type bench struct {
	o      options
	bin    string
	self   string
	logTo  io.Writer
	missed int
}

func run(ctx context.Context, o options) (int, error) {
	b := &bench{o: o, logTo: io.Discard}
	if o.serverLogs {
		b.logTo = os.Stderr
	}
	var err error
	if b.self, err = os.Executable(); err != nil {
		return 0, err
	}
	if b.bin = o.bin; b.bin == "" {
		dir, err := os.MkdirTemp("", "loadbench-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		if b.bin, err = buildBinary(ctx, dir); err != nil {
			return 0, err
		}
	}
	printMachine()
	modes := map[string]func(context.Context) error{
		"startup": b.startup, "robot": b.robot, "sns": b.sns, "soak": b.soak, "abuse": b.abuse,
	}
	want := strings.Split(o.mode, ",")
	if o.mode == "all" {
		want = []string{"startup", "robot", "sns", "soak", "abuse"}
	}
	if err := findWrk(); err != nil {
		return 0, err
	}
	for _, m := range want {
		f, ok := modes[strings.TrimSpace(m)]
		if !ok {
			return 0, fmt.Errorf("unknown mode %q (want all, startup, robot, sns, soak or abuse)", m)
		}
		if err := f(ctx); err != nil {
			// One mode failing to run (say, a binary without the SNS API)
			// must not hide the others' figures.
			fmt.Printf("  [FAIL] %s could not run: %v\n", m, err)
			b.missed++
		}
		if ctx.Err() != nil {
			return b.missed, ctx.Err()
		}
	}
	return b.missed, nil
}

// startFake starts the binary and reports how long it took to answer.
func (b *bench) startFake(ctx context.Context) (*proc, error) {
	return startProc(ctx, "mockdingtalk", b.bin, strings.Fields(b.o.binArgs), b.logTo)
}

// startBare starts this program again as the bare server.
func (b *bench) startBare(ctx context.Context) (*proc, error) {
	return startProc(ctx, "bare net/http", b.self, []string{"-" + bareFlag, "{addr}"}, b.logTo)
}

// verdict prints one target line and counts a miss.
func (b *bench) verdict(ok bool, format string, args ...any) {
	mark := "PASS"
	if !ok {
		mark = "MISS"
		b.missed++
	}
	fmt.Printf("  [%s] %s\n", mark, fmt.Sprintf(format, args...))
}

// printMachine prints what the figures depend on.
func printMachine() {
	cpu := "unknown"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	fmt.Printf("loadbench: %s, %d CPUs (%s), %s\n", time.Now().UTC().Format(time.RFC3339), numCPU(), cpu, goVersion())
}
