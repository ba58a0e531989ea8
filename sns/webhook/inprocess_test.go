// Specs for in-process delivery (Config.Local): one handler served both
// over loopback TCP and in-process, the same URL and clock, and what the
// handler sees of each request and what the sender reports of each answer
// must be the same, field by field.

package webhook_test

import (
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

// requestView is everything of a request a handler can read, the remote
// port left out (an in-process send shows port 0).
type requestView struct {
	Method, RequestURI, Proto   string
	ProtoMajor, ProtoMinor      int
	URL                         url.URL
	Header                      http.Header
	Host                        string
	ContentLength               int64
	TransferEncoding            []string
	Close                       bool
	Trailer                     http.Header
	Body                        string
	RemoteHost, Pattern         string
	TLS, Form, PostForm, Cancel bool // whether each is set
	GetBody, Response           bool
}

func viewOf(r *http.Request) requestView {
	body, _ := io.ReadAll(r.Body)
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return requestView{
		Method: r.Method, RequestURI: r.RequestURI, Proto: r.Proto, ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor,
		URL: *r.URL, Header: r.Header, Host: r.Host, ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding,
		Close: r.Close, Trailer: r.Trailer, Body: string(body), RemoteHost: host, Pattern: r.Pattern,
		TLS: r.TLS != nil, Form: r.Form != nil, PostForm: r.PostForm != nil, Cancel: r.Cancel != nil,
		GetBody: r.GetBody != nil, Response: r.Response != nil,
	}
}

var _ = Describe("In-process delivery", func() {
	var (
		srv          *httptest.Server
		mu           sync.Mutex
		views        []requestView
		answer       http.HandlerFunc
		tcp, inProc  *webhook.Sender
		fixedNow     = time.UnixMilli(1_700_000_000_123)
		sendPath     = "/robot/send"
		quiet        = slog.New(slog.DiscardHandler)
		sendBoth     func(rawURL, secret string) [2]requestView
		resultOfBoth func(rawURL string) [2]any
	)

	BeforeEach(func() {
		views, answer = nil, nil
		handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := viewOf(r)
			mu.Lock()
			views = append(views, v)
			mu.Unlock()
			if answer != nil {
				answer(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
		})
		srv = httptest.NewServer(handler)
		DeferCleanup(srv.Close)
		now := func() time.Time { return fixedNow }
		var err error
		tcp, err = webhook.New(webhook.Config{Now: now, Logger: quiet, Timeout: time.Second})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(tcp.Close)
		host := srv.Listener.Addr().String()
		inProc, err = webhook.New(webhook.Config{Now: now, Logger: quiet, Timeout: time.Second,
			Local: &webhook.Local{Addrs: []string{host}, Paths: []string{sendPath}, Handler: handler}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(inProc.Close)

		sendBoth = func(rawURL, secret string) [2]requestView {
			views = nil
			for _, s := range []*webhook.Sender{tcp, inProc} {
				_, err := s.SendRaw(context.Background(), rawURL, secret, []byte(`{"msgtype":"text","text":{"content":"<a&b>"}}`))
				Expect(err).NotTo(HaveOccurred())
			}
			Expect(views).To(HaveLen(2))
			return [2]requestView{views[0], views[1]}
		}
		// resultOfBoth sends with each sender and returns each outcome:
		// the *Result or the *Error.
		resultOfBoth = func(rawURL string) [2]any {
			var out [2]any
			for i, s := range []*webhook.Sender{tcp, inProc} {
				res, err := s.SendRaw(context.Background(), rawURL, secret, []byte(`{}`))
				if err != nil {
					out[i] = err
				} else {
					out[i] = res
				}
			}
			return out
		}
	})

	DescribeTable("hands the handler the request a TCP send gives it",
		func(query, secret string) {
			both := sendBoth(srv.URL+sendPath+query, secret)
			Expect(both[1]).To(Equal(both[0]))
			Expect(both[1].Header).To(HaveKey("Accept-Encoding"))
		},
		Entry("signed, with an access token", "?access_token="+token, secret),
		Entry("unsigned", "?access_token="+token, ""),
		Entry("no query, signed", "", secret),
		Entry("an empty query (a lone ?), unsigned", "?", ""),
		Entry("stale timestamp and sign replaced", "?timestamp=1&access_token=x&sign=old", secret),
		Entry("a query that needs percent-encoding", "?access_token=a b\"é", secret),
		Entry("escapes kept as they are", "?access_token=%41%2f&x=+", ""),
		Entry("a fragment, which no request carries", "?access_token=x#frag", secret),
	)

	It("goes over TCP for other paths, so their requests are the network's", func() {
		both := sendBoth(srv.URL+"/robot/other?access_token=x", secret)
		Expect(both[1]).To(Equal(both[0]))
	})

	DescribeTable("reports each answer as the TCP send does",
		func(h http.HandlerFunc) {
			answer = h
			both := resultOfBoth(srv.URL + sendPath + "?access_token=x")
			Expect(both[1]).To(Equal(both[0]))
		},
		Entry("a JSON answer", nil),
		Entry("an empty 200", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})),
		Entry("a 302 with a JSON body", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "/elsewhere")
			w.WriteHeader(http.StatusFound)
			_, _ = io.WriteString(w, `{"moved":true}`)
		})),
		Entry("a 500 with text", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "upstream broke", http.StatusInternalServerError)
		})),
		Entry("a 2xx that is not JSON", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, "<html>")
		})),
		Entry("a gzip answer", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = io.WriteString(zw, `{"errcode":0,"errmsg":"zipped"}`)
			_ = zw.Close()
		})),
		Entry("an unusual status", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(599)
		})),
		Entry("a dropped connection", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic(http.ErrAbortHandler)
		})),
		Entry("a handler that holds the request until it ends (the timeout)", http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		})),
		Entry("a handler that waits on a context derived from the request's", http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithCancel(r.Context())
			defer cancel()
			<-ctx.Done()
		})),
	)

	It("ends the handler's request and reports a cancel when the caller gives up, as over TCP", func() {
		started := make(chan struct{}, 1)
		answer = func(_ http.ResponseWriter, r *http.Request) {
			started <- struct{}{}
			<-r.Context().Done()
		}
		var errs [2]error
		for i, s := range []*webhook.Sender{tcp, inProc} {
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-started
				cancel()
			}()
			_, errs[i] = s.SendRaw(ctx, srv.URL+sendPath+"?access_token=x", secret, []byte(`{}`))
		}
		Expect(errs[0]).To(MatchError(ContainSubstring("canceled")))
		Expect(errs[1]).To(Equal(errs[0]))
	})
})
