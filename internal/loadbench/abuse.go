// The hostile sends of the abuse mode: each request as large as the
// server's header limit allows in its query and one header, with a body
// of DingTalk's maximal size, sent by a few connections at once.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// Sizes of one abusive request.
const (
	hugeQuery  = 120 << 10
	hugeHeader = 120 << 10
	hugeBody   = 20000
)

// sendHuge sends n abusive requests to webhook and returns how many were
// answered.
func sendHuge(ctx context.Context, webhook string, n int) (int, error) {
	u := webhook + "&pad=" + strings.Repeat("q", hugeQuery)
	header := strings.Repeat("h", hugeHeader)
	content := strings.Repeat("x", hugeBody-len(`{"msgtype":"text","text":{"content":""}}`))
	body := []byte(`{"msgtype":"text","text":{"content":"` + content + `"}}`)
	client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 8}}
	defer client.CloseIdleConnections()
	var answered atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	next := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
				if err == nil {
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-Pad", header)
					var resp *http.Response
					if resp, err = client.Do(req); err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						answered.Add(1)
						continue
					}
				}
				once.Do(func() { firstErr = err })
			}
		}()
	}
	for range n {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return int(answered.Load()), fmt.Errorf("abusive send: %w", firstErr)
	}
	return int(answered.Load()), nil
}

// listSize reads a journal listing to the end and returns its size.
func listSize(ctx context.Context, u string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := adminClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	return io.Copy(io.Discard, resp.Body)
}
