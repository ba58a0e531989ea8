// Benchmarks for one robot send through the fake's handler, with no
// network: every check (sign included), the journal on at its default cap,
// the answer written to an httptest.ResponseRecorder. Compare runs with
// benchstat: go test -run='^$' -bench=. -benchmem ./mockdingtalk/
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
	benchToken  = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	benchSecret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"
)

var benchText = []byte(`{"msgtype":"text","text":{"content":"alert: disk /var is 91% full on host-17"},"at":{"isAtAll":false}}`)

// benchServer returns a fake with one signed robot and no rate limit, so
// every send is delivered and journaled.
func benchServer(b *testing.B) *mockdingtalk.Server {
	b.Helper()
	off := 0
	s, err := mockdingtalk.New(mockdingtalk.Config{Robots: []mockdingtalk.Robot{{
		AccessToken: benchToken, Name: "bench", Secret: benchSecret, RateLimitPerMinute: &off,
	}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s
}

// signedTarget is the request URI of a send signed at now.
func signedTarget(b *testing.B, now time.Time) string {
	u, err := dingtalk.SignURL("http://127.0.0.1/robot/send?access_token="+benchToken, benchSecret, now)
	if err != nil {
		b.Fatal(err)
	}
	return strings.TrimPrefix(u, "http://127.0.0.1")
}

func send(b *testing.B, s http.Handler, target string, body []byte) {
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bench")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.String() != `{"errcode":0,"errmsg":"ok"}` {
		b.Fatalf("send answered %d %s", rec.Code, rec.Body)
	}
}

// BenchmarkSend is one delivered, signed text message through the whole
// handler (router, checks, journal, answer). The URL is signed once: what
// the fake costs, not what the client costs.
func BenchmarkSend(b *testing.B) {
	s := benchServer(b)
	target := signedTarget(b, time.Now())
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchText)))
		for b.Loop() {
			send(b, s, target, benchText)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchText)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				send(b, s, target, benchText)
			}
		})
	})
}

// BenchmarkSendRejected is a send rejected for a wrong sign: the path that
// also builds the diagnosis hint.
func BenchmarkSendRejected(b *testing.B) {
	s := benchServer(b)
	target := strings.Replace(signedTarget(b, time.Now()), "sign=", "sign=x", 1)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(benchText))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"errcode":310000`) {
			b.Fatalf("send answered %d %s", rec.Code, rec.Body)
		}
	}
}
