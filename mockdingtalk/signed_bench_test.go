// Benchmarks for one signed robot send through the fake's handler with no
// network, as issue 6 asks: every check (the sign included), the journal on
// at its default cap (10,000, so in the steady state every append drops the
// oldest entry), the answer written to an httptest.ResponseRecorder.
// Compare runs with benchstat:
//
//	go test -run='^$' -bench=SendSigned -benchmem -count=10 ./mockdingtalk/
package mockdingtalk_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
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

func sendSigned(b *testing.B, s http.Handler, target string) {
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(signedBenchBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bench")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.String() != `{"errcode":0,"errmsg":"ok"}` {
		b.Fatalf("send answered %d %s", rec.Code, rec.Body)
	}
}

// BenchmarkSendSigned is one delivered, signed text message through the
// whole handler (router, checks, journal, answer), from one goroutine and
// from GOMAXPROCS goroutines at once.
func BenchmarkSendSigned(b *testing.B) {
	s := signedBenchServer(b)
	target := signedBenchTarget(b, time.Now())
	// Fill the journal first: the steady state of a long run.
	for range 10000 {
		sendSigned(b, s, target)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(signedBenchBody)))
		for b.Loop() {
			sendSigned(b, s, target)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(signedBenchBody)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				sendSigned(b, s, target)
			}
		})
	})
}
