// The hostile sends of the abuse mode: each request as large as the
// server's header limit allows in its query and one header, with a body
// of DingTalk's maximal size, sent by a few connections at once.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
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

// listSize reads a whole journal listing, page after page (an answer stops
// at 32 MiB of entries with "more" and "nextSince"), and returns its size
// and how many pages it took.
func listSize(ctx context.Context, base string) (size int64, pages int, err error) {
	since := uint64(0)
	for {
		u := base + "/_mock/messages?since=" + strconv.FormatUint(since, 10)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return size, pages, err
		}
		resp, err := adminClient.Do(req)
		if err != nil {
			return size, pages, err
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return size, pages, err
		}
		if resp.StatusCode != http.StatusOK {
			return size, pages, fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
		}
		size += int64(len(data))
		pages++
		var page struct {
			More      bool   `json:"more"`
			NextSince uint64 `json:"nextSince"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return size, pages, err
		}
		if !page.More {
			return size, pages, nil
		}
		since = page.NextSince
	}
}
