// Benchmarks for the journal: appends from many goroutines at once (the
// fake under parallel test load), appends once the cap is reached (every
// append drops the oldest entry), and the reads the admin API makes.
// go test -run='^$' -bench=. -benchmem ./mockdingtalk/journal/

package journal_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// benchEntry is shaped like what the fake records for one delivered,
// signed text message.
func benchEntry() journal.Entry {
	body := []byte(`{"msgtype":"text","text":{"content":"alert: disk /var is 91% full on host-17"}}`)
	m, _ := dingtalk.ParseMessage(body)
	return journal.Entry{
		Time:        time.Now(),
		AccessToken: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		Method:      http.MethodPost,
		Path:        "/robot/send",
		RawQuery:    "access_token=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef&timestamp=1700000000000&sign=abc",
		Header:      http.Header{"Content-Type": {"application/json"}, "User-Agent": {"bench"}},
		Body:        body,
		RemoteAddr:  "127.0.0.1:50000",
		Message:     m,
		Accepted:    true,
		Delivered:   true,
		Reason:      dingtalk.ReasonOK,
		Response:    journal.Response{Status: 200, ErrMsg: "ok", Body: []byte(`{"errcode":0,"errmsg":"ok"}`)},
		Checks:      []journal.Check{{Name: "sign", Passed: true}},
	}
}

func BenchmarkAppend(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		j := journal.New(journal.Config{})
		e := benchEntry()
		for b.Loop() {
			j.Append(e)
		}
	})
	// Parallel appends into a journal that is already full, so every
	// append also drops the oldest entry: the steady state of a long run.
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		j := journal.New(journal.Config{})
		e := benchEntry()
		for range journal.DefaultCap {
			j.Append(e)
		}
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				j.Append(e)
			}
		})
		if j.Len() != journal.DefaultCap {
			b.Fatalf("journal holds %d, want the cap %d", j.Len(), journal.DefaultCap)
		}
	})
	// The same with a reader waiting on Changed, as the inbox's live view
	// does: every append wakes it.
	b.Run("parallelWithWatcher", func(b *testing.B) {
		b.ReportAllocs()
		j := journal.New(journal.Config{})
		e := benchEntry()
		done := make(chan struct{})
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			for {
				select {
				case <-done:
					return
				case <-j.Changed():
				}
			}
		}()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				j.Append(e)
			}
		})
		b.StopTimer()
		close(done)
		<-stopped
	})
}

func BenchmarkList(b *testing.B) {
	j := journal.New(journal.Config{})
	e := benchEntry()
	for range journal.DefaultCap {
		j.Append(e)
	}
	b.Run("since", func(b *testing.B) {
		b.ReportAllocs()
		f := journal.Filter{Since: j.LastSeq() - 10}
		for b.Loop() {
			if got := j.List(f); len(got) != 10 {
				b.Fatalf("got %d entries", len(got))
			}
		}
	})
	b.Run("limit100", func(b *testing.B) {
		b.ReportAllocs()
		f := journal.Filter{Limit: 100}
		for b.Loop() {
			if got := j.List(f); len(got) != 100 {
				b.Fatalf("got %d entries", len(got))
			}
		}
	})
}

func BenchmarkMarshalEntry(b *testing.B) {
	b.ReportAllocs()
	e := benchEntry()
	for b.Loop() {
		if _, err := e.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendFromEmpty fills a journal from empty to its cap, as a
// freshly started fake does: growing the ring must stay amortized O(1).
func BenchmarkAppendFromEmpty(b *testing.B) {
	b.ReportAllocs()
	e := benchEntry()
	for b.Loop() {
		j := journal.New(journal.Config{})
		for range journal.DefaultCap {
			j.Append(e)
		}
	}
}
