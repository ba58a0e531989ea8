// Load generation with the vegeta library: targeters that sign every
// request afresh (so timestamps stay inside DingTalk's window however long
// a run lasts), a closed-loop attack with a fixed number of workers, and
// the figures one round yields.
package main

import (
	"bytes"
	"net/http"
	"net/url"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// textBody is the signed text message both targets receive: the shape an
// alerting pipeline sends.
var textBody = []byte(`{"msgtype":"text","text":{"content":"loadbench: disk /var is 91% full on host-17"},"at":{"isAtAll":false}}`)

// sendTargeter posts textBody to webhook, signed with secret at the moment
// each request is built. An empty secret sends the webhook as it is.
func sendTargeter(webhook, secret string) vegeta.Targeter {
	header := http.Header{"Content-Type": {"application/json"}}
	return func(t *vegeta.Target) error {
		u, err := dingtalk.SignURL(webhook, secret, time.Now())
		if err != nil {
			return err
		}
		t.Method, t.URL, t.Body, t.Header = http.MethodPost, u, textBody, header
		return nil
	}
}

// jsonTargeter sends the same JSON body with the given method and headers
// every time (used for the SNS API, which signs the webhook call itself).
func jsonTargeter(method, u string, body []byte, header http.Header) vegeta.Targeter {
	h := header.Clone()
	h.Set("Content-Type", "application/json")
	return func(t *vegeta.Target) error {
		t.Method, t.URL, t.Body, t.Header = method, u, body, h
		return nil
	}
}

// isOK reports a delivered robot message: HTTP 200 and DingTalk's exact
// success body.
func isOK(r *vegeta.Result) bool {
	return r.Code == http.StatusOK && bytes.Equal(bytes.TrimSpace(r.Body), []byte(okBody))
}

// isConnected reports a successful SNS test-connection: HTTP 200 with
// success and connected both true.
func isConnected(r *vegeta.Result) bool {
	return r.Code == http.StatusOK &&
		bytes.Contains(r.Body, []byte(`"success":true`)) &&
		bytes.Contains(r.Body, []byte(`"connected":true`))
}

// scenario is one kind of request sent to one target.
type scenario struct {
	name     string
	targeter vegeta.Targeter
	ok       func(*vegeta.Result) bool
	server   *proc // whose CPU time is measured
}

// load is how hard and how long each round drives its target.
type load struct {
	workers  uint64        // concurrent requests in flight (closed loop)
	duration time.Duration // per round; 0 with count > 0 means "until count"
	count    uint64        // stop after this many requests; 0 = no limit
	timeout  time.Duration // per request
}

// round is what one attack measured.
type round struct {
	requests, ok uint64
	elapsed      time.Duration
	latencies    vegeta.LatencyMetrics // of every request, failed or not
	firstError   string
	serverCPU    time.Duration // CPU time the server process used
	clientCPU    time.Duration // CPU time this process (the load generator) used
}

// throughput is successful requests per second.
func (r round) throughput() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// attack drives sc with l: l.workers requests in flight at all times, as
// fast as the target answers, until l.duration or l.count is reached. Each
// latency is also added to agg when it is not nil.
func attack(sc scenario, l load, agg *vegeta.LatencyMetrics) round {
	a := vegeta.NewAttacker(
		vegeta.Workers(l.workers),
		vegeta.MaxWorkers(l.workers),
		vegeta.Connections(int(l.workers)),
		vegeta.KeepAlive(true),
		vegeta.Timeout(l.timeout),
		vegeta.Proxy(func(*http.Request) (*url.URL, error) { return nil, nil }),
		vegeta.Redirects(vegeta.NoFollow),
	)
	pacer := maxPacer{count: l.count}
	var rd round
	srv0, _ := sc.server.cpuTime()
	cli0 := selfCPU()
	start := time.Now()
	for res := range a.Attack(sc.targeter, pacer, l.duration, sc.name) {
		rd.requests++
		rd.latencies.Add(res.Latency)
		if agg != nil {
			agg.Add(res.Latency)
		}
		if sc.ok(res) {
			rd.ok++
		} else if rd.firstError == "" {
			rd.firstError = describe(res)
		}
	}
	rd.elapsed = time.Since(start)
	srv1, _ := sc.server.cpuTime()
	rd.serverCPU, rd.clientCPU = srv1-srv0, selfCPU()-cli0
	return rd
}

// selfCPU is the CPU time this process has used (user + system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// maxPacer sends as fast as the workers free up (a closed loop), and stops
// after count hits when count is set.
type maxPacer struct{ count uint64 }

// Pace never waits; it stops once count hits were sent.
func (p maxPacer) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	return 0, p.count > 0 && hits >= p.count
}

// Rate is unbounded: the target's speed sets it.
func (maxPacer) Rate(time.Duration) float64 { return 0 }

// describe says why a result was not a success, for the report.
func describe(r *vegeta.Result) string {
	if r.Error != "" {
		return r.Error
	}
	body := r.Body
	if len(body) > 200 {
		body = body[:200]
	}
	return http.StatusText(int(r.Code)) + ": " + string(body)
}
