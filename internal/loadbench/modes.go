// The four measurements: startup time, the fake against the bare server,
// an SNS round trip against posting to the fake, and the memory soak. Each
// prints its figures and a PASS/MISS line per target.

package main

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Targets (docs/benchmarks.md).
const (
	targetStartup       = 20 * time.Millisecond
	targetThroughput    = 0.85 // fake / bare, requests per second under the same wrk
	targetCPU           = 0.85 // bare / fake, server CPU time per request
	targetP99           = 1.5  // fake / bare
	targetGC            = 0.10 // share of the fake's CPU spent in garbage collection
	targetSNSThroughput = 0.5  // sns round trip / direct post
	targetRSS           = 150 << 20
)

// benchSecret signs every request; the robot is created with it.
const benchSecret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"

func numCPU() int               { return runtime.NumCPU() }
func goVersion() string         { return runtime.Version() }
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// startup starts the binary several times and reports how long each took
// to answer its first request.
func (b *bench) startup(ctx context.Context) error {
	fmt.Printf("\n== startup: exec → first answer of GET /_mock/health (%d starts)\n", b.o.starts)
	var times []time.Duration
	for range b.o.starts {
		p, err := b.startFake(ctx)
		if err != nil {
			return err
		}
		times = append(times, p.ready)
		p.stop()
	}
	fmt.Print("  starts:")
	for _, t := range times {
		fmt.Printf(" %s", ms(t))
	}
	fmt.Println()
	worst := slices.Max(times)
	b.verdict(worst < targetStartup, "slowest start %s (target < %s)", ms(worst), ms(targetStartup))
	return nil
}

// scenario is one kind of request sent to one server.
type scenario struct {
	name   string
	req    request
	server *proc
	// fake, when set, is the mockdingtalk binary whose journal must show
	// every request of a round delivered (the answers wrk cannot check).
	fake *proc
}

// stats is one scenario's figures over all its rounds.
type stats struct {
	name      string
	requests  uint64
	elapsed   time.Duration
	p50s      []time.Duration
	p99s      []time.Duration
	serverCPU time.Duration
	clientCPU time.Duration
	gcCPU     time.Duration
	failure   string
}

func (s *stats) add(r round) {
	s.requests += r.requests
	s.elapsed += r.elapsed
	s.p50s = append(s.p50s, r.p50)
	s.p99s = append(s.p99s, r.p99)
	s.serverCPU += r.serverCPU
	s.clientCPU += r.clientCPU
	s.gcCPU += r.gcCPU
	if s.failure == "" && (r.non2xx > 0 || r.errors > 0) {
		s.failure = fmt.Sprintf("wrk saw %d non-2xx answers and %d socket errors", r.non2xx, r.errors)
	}
}

func (s *stats) throughput() float64 { return float64(s.requests) / s.elapsed.Seconds() }

// cpuPerReq is the server's CPU time per request.
func (s *stats) cpuPerReq() float64 { return float64(s.serverCPU) / float64(max(s.requests, 1)) }

// p99 is the median of the rounds' p99 latencies (one noisy round does
// not decide it).
func (s *stats) p99() time.Duration { return median(s.p99s) }

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	c := slices.Clone(ds)
	slices.Sort(c)
	return c[len(c)/2]
}

func (s *stats) print() {
	fmt.Printf("  %-26s %8d req %8.0f req/s  p50 %-9s p99 %-9s server CPU/req %s (GC %.1f%%, %.2f cores busy), wrk CPU/req %s (%.2f cores)\n",
		s.name, s.requests, s.throughput(), ms(median(s.p50s)), ms(s.p99()),
		perReq(s.serverCPU, s.requests), 100*float64(s.gcCPU)/float64(max(s.serverCPU, 1)),
		s.serverCPU.Seconds()/s.elapsed.Seconds(), perReq(s.clientCPU, s.requests), s.clientCPU.Seconds()/s.elapsed.Seconds())
	if s.failure != "" {
		fmt.Printf("  %-26s FAILED: %s\n", "", s.failure)
	}
}

// attack runs one round of sc and checks, for the fake, that every
// request was journaled as delivered.
func (b *bench) attack(ctx context.Context, sc scenario, d time.Duration) (round, error) {
	var before uint64
	if sc.fake != nil {
		h, err := health(sc.fake.base)
		if err != nil {
			return round{}, err
		}
		before = h.Journal.LastSeq
	}
	rd, err := runWrk(ctx, sc.server, sc.req, b.o.threads, b.o.connections, d)
	if err != nil || sc.fake == nil {
		return rd, err
	}
	h, err := health(sc.fake.base)
	if err != nil {
		return rd, err
	}
	if h.Journal.LastSeq-before < rd.requests {
		return rd, fmt.Errorf("%s: wrk counted %d answers, the fake journaled %d requests", sc.name, rd.requests, h.Journal.LastSeq-before)
	}
	var bad struct {
		Entries []struct {
			Reason string `json:"reason"`
			Hint   string `json:"hint"`
		} `json:"entries"`
	}
	if err := getJSON(fmt.Sprintf("%s/_mock/messages?delivered=false&limit=1&since=%d", sc.fake.base, before), &bad); err != nil {
		return rd, err
	}
	if len(bad.Entries) > 0 {
		return rd, fmt.Errorf("%s: a request was not delivered (%s): %s", sc.name, bad.Entries[0].Reason, bad.Entries[0].Hint)
	}
	return rd, nil
}

// compare runs a and c in alternating rounds (A B B A A B …, so drift in
// the machine's speed falls on both) after a short warm-up of each.
func (b *bench) compare(ctx context.Context, a, c scenario) (*stats, *stats, error) {
	for _, sc := range []scenario{a, c} {
		if _, err := b.attack(ctx, sc, time.Second); err != nil {
			return nil, nil, err
		}
	}
	sa, sc := &stats{name: a.name}, &stats{name: c.name}
	for i := range b.o.rounds {
		first, second := a, c
		fs, ss := sa, sc
		if i%2 == 1 {
			first, second, fs, ss = c, a, sc, sa
		}
		for _, run := range []struct {
			sc scenario
			st *stats
		}{{first, fs}, {second, ss}} {
			rd, err := b.attack(ctx, run.sc, b.o.duration)
			if err != nil {
				return nil, nil, err
			}
			run.st.add(rd)
		}
	}
	return sa, sc, nil
}

// loadAverage is /proc/loadavg's first three fields.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// robot compares a signed send to the fake with the same send to the bare
// server.
func (b *bench) robot(ctx context.Context) error {
	fake, err := b.startFake(ctx)
	if err != nil {
		return err
	}
	defer fake.stop()
	bare, err := b.startBare(ctx)
	if err != nil {
		return err
	}
	defer bare.stop()
	token, webhook, err := createRobot(fake.base)
	if err != nil {
		return err
	}
	fmt.Printf("\n== robot send: fake (sign check + journal) vs bare net/http, wrk -t%d -c%d, %d rounds × %s each, alternating; load average %s\n",
		b.o.threads, b.o.connections, b.o.rounds, b.o.duration, loadAverage())
	sf, sb, err := b.compare(ctx,
		scenario{"fake (mockdingtalk binary)", signedSend(webhook, benchSecret), fake, fake},
		scenario{"bare net/http", signedSend(bare.base+"/robot/send?access_token="+token, benchSecret), bare, nil},
	)
	if err != nil {
		return err
	}
	fmt.Printf("  load average after: %s\n", loadAverage())
	sf.print()
	sb.print()
	tr := sf.throughput() / sb.throughput()
	cpu := sb.cpuPerReq() / sf.cpuPerReq()
	pr := float64(sf.p99()) / float64(sb.p99())
	gc := float64(sf.gcCPU) / float64(max(sf.serverCPU, 1))
	ok := sf.failure == "" && sb.failure == ""
	b.verdict(ok && tr >= targetThroughput, "throughput fake/bare %.2f× (target ≥ %.2f×)", tr, targetThroughput)
	b.verdict(ok && cpu >= targetCPU, "server CPU per request bare/fake %.2f× (target ≥ %.2f×)", cpu, targetCPU)
	b.verdict(pr <= targetP99, "p99 fake/bare %.2f× (target ≤ %.1f×)", pr, targetP99)
	b.verdict(gc < targetGC, "GC %.1f%% of the fake's CPU (target < %.0f%%)", 100*gc, 100*targetGC)
	fmt.Printf("  wrk spent %.2f× the fake's CPU per request (the generator is far cheaper than the server, so the server sets the pace)\n",
		float64(sf.clientCPU)/float64(max(sf.serverCPU, 1)))
	return nil
}

// sns compares an SNS test-connection against the binary's built-in robot
// with posting to that robot directly: first as the binary runs by default
// (the SNS API hands a send to its own robot in-process), then, as a
// reference, with -sns-webhook-in-process=false (over loopback TCP).
func (b *bench) sns(ctx context.Context) error {
	fmt.Printf("\n== SNS round trip: test-connection (SNS → fake robot) vs posting to the fake directly, wrk -t%d -c%d, %d rounds × %s each; load average %s\n",
		b.o.threads, b.o.connections, b.o.rounds, b.o.duration, loadAverage())
	tr, ok, err := b.snsRound(ctx, "", "sns test-connection")
	if err != nil {
		return err
	}
	b.verdict(tr >= targetSNSThroughput && ok, "throughput sns/direct %.2f× (target ≥ %.1f×)", tr, targetSNSThroughput)
	fmt.Printf("  over loopback TCP instead (-sns-webhook-in-process=false), for reference; load average %s\n", loadAverage())
	tcp, _, err := b.snsRound(ctx, "-sns-webhook-in-process=false", "sns test-connection (TCP)")
	if err != nil {
		return err
	}
	fmt.Printf("  throughput sns/direct over TCP %.2f×\n", tcp)
	return nil
}

// snsRound starts the binary with extra arguments, compares a
// test-connection to its robot with a direct post, prints both and returns
// the throughput ratio and whether every request succeeded.
func (b *bench) snsRound(ctx context.Context, extra, name string) (float64, bool, error) {
	args := strings.Fields(b.o.binArgs)
	if extra != "" {
		args = append(args, extra)
	}
	fake, err := startProc(ctx, "mockdingtalk", b.bin, args, b.logTo)
	if err != nil {
		return 0, false, err
	}
	defer fake.stop()
	_, webhook, err := createRobot(fake.base)
	if err != nil {
		return 0, false, err
	}
	session, err := login(fake.base, b.o.account, b.o.password)
	if err != nil {
		return 0, false, err
	}
	body, _ := json.Marshal(map[string]any{"params": map[string]any{
		"url": webhook, "secret": benchSecret, "testMsg": "loadbench: SNS test-connection",
	}})
	testConn := request{
		url: func() (string, error) {
			return fake.base + "/zstack/v1/sns/application-endpoints/ding-talk/test-connection", nil
		},
		method: http.MethodPost, body: body,
		header: map[string]string{"Content-Type": "application/json", "Authorization": "OAuth " + session},
	}
	ss, sd, err := b.compare(ctx,
		scenario{name, testConn, fake, fake},
		scenario{"direct post to the fake", signedSend(webhook, benchSecret), fake, fake},
	)
	if err != nil {
		return 0, false, err
	}
	ss.print()
	sd.print()
	return ss.throughput() / sd.throughput(), ss.failure == "", nil
}

// healthAnswer is the part of GET /_mock/health a run reads.
type healthAnswer struct {
	Journal struct {
		Entries   int    `json:"entries"`
		Cap       int    `json:"cap"`
		Bytes     int64  `json:"bytes"`
		Dropped   uint64 `json:"dropped"`
		Truncated uint64 `json:"truncated"`
		LastSeq   uint64 `json:"lastSeq"`
	} `json:"journal"`
}

func health(base string) (healthAnswer, error) {
	var h healthAnswer
	err := getJSON(base+"/_mock/health", &h)
	return h, err
}

// soak sends soakCount messages to a fresh binary at the default journal
// cap, then checks its memory and its journal.
func (b *bench) soak(ctx context.Context) error {
	fake, token, webhook, rss0, err := b.startFakeWithRobot(ctx)
	if err != nil {
		return err
	}
	defer fake.stop()
	fmt.Printf("\n== memory soak: %d signed sends (wrk -t%d -c%d), default journal cap (%d); RSS at start %.1f MB; load average %s\n",
		b.o.soakCount, b.o.threads, b.o.connections, journal.DefaultCap, mb(rss0), loadAverage())
	st := &stats{name: "soak"}
	deadline := time.Now().Add(b.o.soakLimit)
	for {
		h, err := health(fake.base)
		if err != nil {
			return err
		}
		if h.Journal.LastSeq >= b.o.soakCount || time.Now().After(deadline) {
			break
		}
		rd, err := b.attack(ctx, scenario{"soak", signedSend(webhook, benchSecret), fake, fake}, 10*time.Second)
		if err != nil {
			return err
		}
		st.add(rd)
	}
	rss, peak, err := fake.rssBytes()
	if err != nil {
		return err
	}
	fmt.Printf("  sent %d in %s (%.0f req/s), p99 %s, server CPU/req %s (GC %.1f%%)\n", st.requests, st.elapsed.Round(time.Millisecond),
		st.throughput(), ms(st.p99()), perReq(st.serverCPU, st.requests), 100*float64(st.gcCPU)/float64(max(st.serverCPU, 1)))
	fmt.Printf("  RSS after the soak %.1f MB (peak %.1f MB)\n", mb(rss), mb(peak))
	var msgs struct {
		Entries []json.RawMessage `json:"entries"`
		Dropped uint64            `json:"dropped"`
		LastSeq uint64            `json:"lastSeq"`
	}
	if err := getJSON(fake.base+"/_mock/messages?accessToken="+token, &msgs); err != nil {
		return err
	}
	fmt.Printf("  journal: %d entries, %d dropped, lastSeq %d\n", len(msgs.Entries), msgs.Dropped, msgs.LastSeq)
	b.verdict(msgs.LastSeq >= b.o.soakCount && st.failure == "", "%d sends, all delivered", msgs.LastSeq)
	b.verdict(rss < targetRSS && peak < targetRSS, "RSS %.1f MB, peak %.1f MB (target < %d MB)", mb(rss), mb(peak), targetRSS>>20)
	b.verdict(len(msgs.Entries) == journal.DefaultCap && msgs.Dropped == msgs.LastSeq-journal.DefaultCap,
		"journal holds exactly the cap (%d of %d) and counts the drops (%d = %d − %d)",
		len(msgs.Entries), journal.DefaultCap, msgs.Dropped, msgs.LastSeq, journal.DefaultCap)
	return nil
}

// abuse sends what a hostile neighbour would: requests with a huge query,
// a huge header and a maximal body, then lists the journal, and checks the
// process's memory stays bounded.
func (b *bench) abuse(ctx context.Context) error {
	fake, _, webhook, rss0, err := b.startFakeWithRobot(ctx)
	if err != nil {
		return err
	}
	defer fake.stop()
	const n = 2000
	fmt.Printf("\n== abuse: %d sends with a 120 KB query, a 120 KB header and a 20 KB body, then GET /_mock/messages; RSS at start %.1f MB\n", n, mb(rss0))
	sent, err := sendHuge(ctx, webhook, n)
	if err != nil {
		return err
	}
	rss1, _, _ := fake.rssBytes()
	h, err := health(fake.base)
	if err != nil {
		return err
	}
	size, pages, err := listSize(ctx, fake.base)
	if err != nil {
		return err
	}
	rss2, peak, _ := fake.rssBytes()
	fmt.Printf("  %d sent; journal %d entries, %.1f MB, %d dropped, %d truncated\n", sent, h.Journal.Entries, mb(h.Journal.Bytes), h.Journal.Dropped, h.Journal.Truncated)
	fmt.Printf("  RSS after the sends %.1f MB, after the listing (%.1f MB of JSON in %d pages) %.1f MB, peak %.1f MB\n", mb(rss1), mb(size), pages, mb(rss2), mb(peak))
	b.verdict(peak < targetRSS, "peak RSS %.1f MB (target < %d MB)", mb(peak), targetRSS>>20)
	return nil
}

// perReq formats a CPU time divided over n requests, in microseconds.
func perReq(d time.Duration, n uint64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f µs", float64(d)/float64(n)/float64(time.Microsecond))
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// createRobot adds a robot with benchSecret and no rate limit through the
// startFakeWithRobot starts a fresh binary, adds a robot to it and reads its
// resident memory before any send: the common start of the memory modes.
// On error nothing is left running.
func (b *bench) startFakeWithRobot(ctx context.Context) (fake *proc, token, webhook string, rss0 int64, err error) {
	fake, err = b.startFake(ctx)
	if err != nil {
		return nil, "", "", 0, err
	}
	if token, webhook, err = createRobot(fake.base); err == nil {
		rss0, _, err = fake.rssBytes()
	}
	if err != nil {
		fake.stop()
		return nil, "", "", 0, err
	}
	return fake, token, webhook, rss0, nil
}

// admin API and returns its token and webhook URL.
func createRobot(base string) (token, webhook string, err error) {
	var robot struct {
		AccessToken string `json:"accessToken"`
		WebhookURL  string `json:"webhookUrl"`
	}
	err = doJSON(http.MethodPost, base+"/_mock/robots", map[string]any{
		"name": "loadbench", "secret": benchSecret, "rateLimitPerMinute": 0,
	}, nil, http.StatusCreated, &robot)
	if err != nil {
		return "", "", fmt.Errorf("create robot: %w", err)
	}
	webhook = robot.WebhookURL
	if webhook == "" {
		webhook = base + "/robot/send?access_token=" + robot.AccessToken
	}
	return robot.AccessToken, webhook, nil
}

// login opens an SNS session the way ZStack clients do.
func login(base, account, password string) (string, error) {
	sum := sha512.Sum512([]byte(password))
	var out struct {
		Inventory struct {
			UUID string `json:"uuid"`
		} `json:"inventory"`
	}
	err := doJSON(http.MethodPut, base+"/zstack/v1/accounts/login", map[string]any{
		"logInByAccount": map[string]string{"accountName": account, "password": hex.EncodeToString(sum[:])},
	}, nil, http.StatusOK, &out)
	if err != nil {
		return "", fmt.Errorf("SNS login as %q: %w", account, err)
	}
	return out.Inventory.UUID, nil
}

var adminClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}

func getJSON(u string, out any) error {
	return doJSON(http.MethodGet, u, nil, nil, http.StatusOK, out)
}

// doJSON sends in as JSON and decodes the answer into out, insisting on
// the wanted status.
func doJSON(method, u string, in any, header http.Header, want int, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return err
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := adminClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: HTTP %d (want %d): %.300s", method, u, resp.StatusCode, want, data)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
