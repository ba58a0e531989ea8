// Benchmarks for one signed robot send through the fake's handler with no
// network (docs/benchmarks.md): every check (the sign included), the journal on
// at its default cap (10,000, so in the steady state every append drops the
// oldest entry), the answer written to a reused ResponseWriter.
// Compare runs with benchstat:
//
//	go test -run='^$' -bench=SendSigned -benchmem -count=10 ./mockdingtalk/

package mockdingtalk_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

const (
	signedBenchToken  = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	signedBenchSecret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"
)

var signedBenchBody = []byte(`{"msgtype":"text","text":{"content":"alert: disk /var is 91% full on host-17"},"at":{"isAtAll":false}}`)

// signedBenchServer returns a fake with one signed robot and no rate
// limit, so every send is delivered and journaled.
func signedBenchServer(b *testing.B) *mockdingtalk.Server {
	b.Helper()
	off := 0
	s, err := mockdingtalk.New(mockdingtalk.Config{Robots: []mockdingtalk.Robot{{
		AccessToken: signedBenchToken, Name: "bench", Secret: signedBenchSecret, RateLimitPerMinute: &off,
	}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s
}

// signedBenchTarget is the request URI of a send signed at now. It is
// signed once per benchmark: what the fake costs, not what a client costs.
func signedBenchTarget(b *testing.B, now time.Time) string {
	u, err := dingtalk.SignURL("http://127.0.0.1/robot/send?access_token="+signedBenchToken, signedBenchSecret, now)
	if err != nil {
		b.Fatal(err)
	}
	return strings.TrimPrefix(u, "http://127.0.0.1")
}

// signedSender sends the same signed request again and again, reusing the
// request and a minimal ResponseWriter, so that what the benchmark counts
// is the fake's own work (httptest.NewRequest and NewRecorder alone cost
// about 3 µs and 25 allocations).
type signedSender struct {
	req  *http.Request
	body *bytes.Reader
	w    testhttp.ReusedWriter
}

func newSignedSender(target string) *signedSender {
	req := httptest.NewRequest(http.MethodPost, target, nil)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bench")
	body := bytes.NewReader(signedBenchBody)
	req.Body = io.NopCloser(body)
	req.ContentLength = int64(len(signedBenchBody))
	return &signedSender{req: req, body: body}
}

func (ss *signedSender) send(b *testing.B, s http.Handler) {
	ss.body.Reset(signedBenchBody)
	ss.w.Reset()
	s.ServeHTTP(&ss.w, ss.req)
	if ss.w.Code != http.StatusOK || string(ss.w.Body) != `{"errcode":0,"errmsg":"ok"}` {
		b.Fatalf("send answered %d %s", ss.w.Code, ss.w.Body)
	}
}

// BenchmarkSendSigned is one delivered, signed text message through the
// whole handler (router, checks, journal, answer), from one goroutine and
// from GOMAXPROCS goroutines at once.
func BenchmarkSendSigned(b *testing.B) {
	s := signedBenchServer(b)
	target := signedBenchTarget(b, time.Now())
	// Fill the journal first: the steady state of a long run.
	fill := newSignedSender(target)
	for range 10000 {
		fill.send(b, s)
	}
	b.Run("serial", func(b *testing.B) {
		ss := newSignedSender(target)
		b.ReportAllocs()
		b.SetBytes(int64(len(signedBenchBody)))
		for b.Loop() {
			ss.send(b, s)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(signedBenchBody)))
		b.RunParallel(func(pb *testing.PB) {
			ss := newSignedSender(target)
			for pb.Next() {
				ss.send(b, s)
			}
		})
	})
}
