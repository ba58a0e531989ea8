// Benchmark for the binary's routing: one delivered robot send through the
// whole listener's handler, with the send API's fast path (routes) and
// through gorilla/mux alone (router). The difference is what the fast path
// in routes saves; compare runs with benchstat:
//
//	go test -run='^$' -bench=ListenerSend -benchmem -count=10 ./cmd/mockdingtalk/

package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

func BenchmarkListenerSend(b *testing.B) {
	const token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	off := 0
	fake, err := mockdingtalk.New(mockdingtalk.Config{Robots: []mockdingtalk.Robot{{AccessToken: token, RateLimitPerMinute: &off}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(fake.Close)
	zstack := http.NotFoundHandler()
	body := []byte(`{"msgtype":"text","text":{"content":"disk 91% full"}}`)
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"fast-path", routes(fake, zstack)}, {"router", router(fake, zstack)}} {
		b.Run(h.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodPost, mockdingtalk.SendPath+"?access_token="+token, nil)
			req.Header.Set("Content-Type", "application/json")
			rd := bytes.NewReader(body)
			req.Body, req.ContentLength = io.NopCloser(rd), int64(len(body))
			var w testhttp.ReusedWriter
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(body)
				w.Reset()
				h.h.ServeHTTP(&w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("send answered %d %s", w.Code, w.Body)
				}
			}
		})
	}
}
