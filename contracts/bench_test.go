// Benchmarks of the validator: one robot-send response (target: under
// 50 µs with the document loaded and the router built once), one request,
// and a full exchange through the RoundTripper.

package contracts_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
)

func BenchmarkValidateResponse(b *testing.B) {
	v := contracts.Default()
	req := httptest.NewRequest(http.MethodPost, sendURL, nil)
	header := http.Header{"Content-Type": {"application/json"}}
	body := []byte(`{"errcode":0,"errmsg":"ok"}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateResponse(req, http.StatusOK, header, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateRequest(b *testing.B) {
	v := contracts.Default()
	body := []byte(`{"msgtype":"markdown","markdown":{"title":"test connected","text":"hello"},"at":{"isAtAll":true}}`)
	target := sendURL + "&timestamp=1600000000000&sign=379i51ZpQAvxLHDd%2Ffi11xXbk9pkmRZseEY7prOyuSo%3D"
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if err := v.ValidateRequest(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTripper measures the validator's cost on a whole exchange
// with an in-memory transport (no network).
func BenchmarkRoundTripper(b *testing.B) {
	answer := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		return &http.Response{
			StatusCode: 200, Request: r,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   io.NopCloser(strings.NewReader(`{"errcode":0,"errmsg":"ok"}`)),
		}, nil
	})
	client := &http.Client{Transport: contracts.Default().RoundTripper(answer, nil)}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Post(sendURL, "application/json", strings.NewReader(textBody))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
