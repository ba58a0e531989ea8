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
	"runtime"
	"slices"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Targets from issue 6.
const (
	targetStartup       = 100 * time.Millisecond
	targetThroughput    = 0.8 // fake / bare
	targetP99           = 2.0 // fake / bare
	targetSNSThroughput = 0.5 // sns round trip / direct post
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

// robotStats is one target's figures over all its rounds.
type robotStats struct {
	name      string
	requests  uint64
	ok        uint64
	elapsed   time.Duration
	latencies vegeta.LatencyMetrics
	firstErr  string
	serverCPU time.Duration
	clientCPU time.Duration
}

func (s *robotStats) add(r round) {
	s.requests += r.requests
	s.ok += r.ok
	s.elapsed += r.elapsed
	s.serverCPU += r.serverCPU
	s.clientCPU += r.clientCPU
	if s.firstErr == "" {
		s.firstErr = r.firstError
	}
}

func (s *robotStats) throughput() float64 {
	return float64(s.ok) / s.elapsed.Seconds()
}

func (s *robotStats) print() {
	fmt.Printf("  %-26s %8d req %8d ok %8.0f req/s  p50 %-9s p99 %-9s CPU/req server %s, load generator %s\n",
		s.name, s.requests, s.ok, s.throughput(), ms(s.latencies.Quantile(0.5)), ms(s.latencies.Quantile(0.99)),
		perReq(s.serverCPU, s.requests), perReq(s.clientCPU, s.requests))
	if s.firstErr != "" {
		fmt.Printf("  %-26s first failure: %s\n", "", s.firstErr)
	}
}

// compare runs a and b in alternating rounds (A B B A A B …, so drift in
// the machine's speed falls on both) after a short warm-up of each.
func (b *bench) compare(a, c scenario) (*robotStats, *robotStats) {
	l := load{workers: b.o.workers, duration: b.o.duration, timeout: 10 * time.Second}
	warm := l
	warm.duration = b.o.duration / 3
	attack(a, warm, nil)
	attack(c, warm, nil)
	sa, sc := &robotStats{name: a.name}, &robotStats{name: c.name}
	for i := range b.o.rounds {
		first, second := a, c
		fs, ss := sa, sc
		if i%2 == 1 {
			first, second, fs, ss = c, a, sc, sa
		}
		fs.add(attack(first, l, &fs.latencies))
		ss.add(attack(second, l, &ss.latencies))
	}
	return sa, sc
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
	fmt.Printf("\n== robot send: fake (sign check + journal) vs bare net/http, %d workers, %d rounds × %s each, alternating\n",
		b.o.workers, b.o.rounds, b.o.duration)
	sf, sb := b.compare(
		scenario{"fake (mockdingtalk binary)", sendTargeter(webhook, benchSecret), isOK, fake},
		scenario{"bare net/http", sendTargeter(bare.base+"/robot/send?access_token="+token, benchSecret), isOK, bare},
	)
	sf.print()
	sb.print()
	tr := sf.throughput() / sb.throughput()
	pr := float64(sf.latencies.Quantile(0.99)) / float64(sb.latencies.Quantile(0.99))
	fmt.Printf("  server CPU per request fake/bare %.2f× (what the ratios come from when the load generator shares the CPUs)\n",
		(float64(sf.serverCPU)/float64(sf.requests))/(float64(sb.serverCPU)/float64(sb.requests)))
	b.verdict(tr >= targetThroughput && sf.firstErr == "", "throughput fake/bare %.2f× (target ≥ %.1f×)", tr, targetThroughput)
	b.verdict(pr <= targetP99, "p99 fake/bare %.2f× (target ≤ %.0f×)", pr, targetP99)
	return nil
}

// sns compares an SNS test-connection against the binary's built-in robot
// with posting to that robot directly.
func (b *bench) sns(ctx context.Context) error {
	fake, err := b.startFake(ctx)
	if err != nil {
		return err
	}
	defer fake.stop()
	_, webhook, err := createRobot(fake.base)
	if err != nil {
		return err
	}
	session, err := login(fake.base, b.o.account, b.o.password)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"params": map[string]any{
		"url": webhook, "secret": benchSecret, "testMsg": "loadbench: SNS test-connection",
	}})
	fmt.Printf("\n== SNS round trip: test-connection (SNS → fake robot) vs posting to the fake directly, %d workers, %d rounds × %s each\n",
		b.o.workers, b.o.rounds, b.o.duration)
	ss, sd := b.compare(
		scenario{"sns test-connection", jsonTargeter(http.MethodPost,
			fake.base+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection", body,
			http.Header{"Authorization": {"OAuth " + session}}), isConnected, fake},
		scenario{"direct post to the fake", sendTargeter(webhook, benchSecret), isOK, fake},
	)
	ss.print()
	sd.print()
	tr := ss.throughput() / sd.throughput()
	b.verdict(tr >= targetSNSThroughput && ss.firstErr == "", "throughput sns/direct %.2f× (target ≥ %.1f×)", tr, targetSNSThroughput)
	return nil
}

// soak sends soakCount messages to a fresh binary at the default journal
// cap, then checks its memory and its journal.
func (b *bench) soak(ctx context.Context) error {
	fake, err := b.startFake(ctx)
	if err != nil {
		return err
	}
	defer fake.stop()
	token, webhook, err := createRobot(fake.base)
	if err != nil {
		return err
	}
	rss0, _, err := fake.rssBytes()
	if err != nil {
		return err
	}
	fmt.Printf("\n== memory soak: %d signed sends, %d workers, default journal cap (%d); RSS at start %.1f MB\n",
		b.o.soakCount, b.o.workers, journal.DefaultCap, mb(rss0))
	r := attack(scenario{"soak", sendTargeter(webhook, benchSecret), isOK, fake},
		load{workers: b.o.workers, duration: b.o.soakLimit, count: b.o.soakCount, timeout: 10 * time.Second}, nil)
	rss, peak, err := fake.rssBytes()
	if err != nil {
		return err
	}
	fmt.Printf("  sent %d, ok %d in %s (%.0f req/s), p50 %s p99 %s, server CPU/req %s\n", r.requests, r.ok, r.elapsed.Round(time.Millisecond),
		r.throughput(), ms(r.latencies.Quantile(0.5)), ms(r.latencies.Quantile(0.99)), perReq(r.serverCPU, r.requests))
	if r.firstError != "" {
		fmt.Printf("  first failure: %s\n", r.firstError)
	}
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
	b.verdict(r.requests == b.o.soakCount && r.ok == r.requests, "all %d sends answered ok (%d ok)", b.o.soakCount, r.ok)
	b.verdict(rss < targetRSS && peak < targetRSS, "RSS %.1f MB, peak %.1f MB (target < %d MB)", mb(rss), mb(peak), targetRSS>>20)
	b.verdict(len(msgs.Entries) == journal.DefaultCap && msgs.Dropped == msgs.LastSeq-journal.DefaultCap && msgs.LastSeq >= r.requests,
		"journal holds exactly the cap (%d of %d) and counts the drops (%d = %d − %d)",
		len(msgs.Entries), journal.DefaultCap, msgs.Dropped, msgs.LastSeq, journal.DefaultCap)
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
