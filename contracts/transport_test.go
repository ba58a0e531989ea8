// Specs of the RoundTripper, NewHTTPClient, Recorder and Middleware, with
// small hand-written servers on 127.0.0.1 standing in for good and bad
// implementations.

package contracts_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
)

// robotStub answers /robot/send with the given status and body, and keeps
// the last request body it received.
type robotStub struct {
	status   int
	body     string
	header   http.Header
	received atomic.Value // string
}

func (s *robotStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.received.Store(string(b))
	for k, vs := range s.header {
		w.Header()[k] = vs
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(s.status)
	_, _ = io.WriteString(w, s.body)
}

func startStub(h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	DeferCleanup(srv.Close)
	return srv
}

const textBody = `{"msgtype":"text","text":{"content":"hi"}}`

func post(client *http.Client, ctx context.Context, url, body string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/json")
	return client.Do(req)
}

var _ = Describe("RoundTripper", func() {
	v := contracts.Default()

	It("passes good exchanges through untouched, bodies included", func() {
		stub := &robotStub{status: 200, body: `{"errcode":0,"errmsg":"ok"}`}
		srv := startStub(stub)
		rec := &contracts.Recorder{}
		client := &http.Client{Transport: v.RoundTripper(nil, rec.Record)}
		resp, err := post(client, context.Background(), srv.URL+"/robot/send?access_token=abc", textBody)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		Expect(string(got)).To(Equal(`{"errcode":0,"errmsg":"ok"}`))
		Expect(stub.received.Load()).To(Equal(textBody))
		Expect(rec.Err()).NotTo(HaveOccurred())
	})

	It("reports a bad response to onErr and still hands it to the caller", func() {
		srv := startStub(&robotStub{status: 200, body: `{"errcode":"0"}`})
		rec := &contracts.Recorder{}
		client := &http.Client{Transport: v.RoundTripper(http.DefaultTransport, rec.Record)}
		resp, err := post(client, context.Background(), srv.URL+"/robot/send?access_token=abc", textBody)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(rec.Errors()).To(HaveLen(1))
		Expect(rec.Err()).To(MatchError(ContainSubstring(`body /errcode: expected type integer; got "0"`)))
	})

	It("returns the mismatch as the error when there is no onErr, and does not send a bad request", func() {
		stub := &robotStub{status: 200, body: `{"errcode":0,"errmsg":"ok"}`}
		srv := startStub(stub)
		client := &http.Client{Transport: v.RoundTripper(nil, nil)}
		_, err := post(client, context.Background(), srv.URL+"/robot/send?access_token=abc", `{"msgtype":"text"}`)
		Expect(err).To(MatchError(ContainSubstring(`body /text: expected property "text" (it is required) (as TextMessage)`)))
		Expect(stub.received.Load()).To(BeNil())

		stub.body = `{"errcode":0}`
		_, err = post(client, context.Background(), srv.URL+"/robot/send?access_token=abc", textBody)
		Expect(err).To(MatchError(ContainSubstring(`body /errmsg: expected property "errmsg" (it is required)`)))
	})

	It("skips the request check of a Negative request but still checks its response", func() {
		stub := &robotStub{status: 200, body: `{"errcode":40035,"errmsg":"缺少参数 access_token"}`}
		srv := startStub(stub)
		rec := &contracts.Recorder{}
		client := &http.Client{Transport: v.RoundTripper(nil, rec.Record)}
		resp, err := post(client, contracts.Negative(context.Background()), srv.URL+"/robot/send", `not json`)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(rec.Err()).NotTo(HaveOccurred())
		Expect(stub.received.Load()).To(Equal("not json"))

		stub.status = 500
		resp, err = post(client, contracts.Negative(context.Background()), srv.URL+"/robot/send", `not json`)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(rec.Err()).To(MatchError(ContainSubstring(`with status 500 breaks the contract`)))
	})

	It("checks nothing of an Unchecked request, and reports unknown paths otherwise", func() {
		srv := startStub(&robotStub{status: 404, body: `nope`})
		rec := &contracts.Recorder{}
		client := &http.Client{Transport: v.RoundTripper(nil, rec.Record)}
		resp, err := client.Get(srv.URL + "/nope")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(rec.Err()).To(MatchError(ContainSubstring("route: expected an operation in openapi.yaml for this path; got GET /nope")))

		rec2 := &contracts.Recorder{}
		client = &http.Client{Transport: v.RoundTripper(nil, rec2.Record)}
		req, _ := http.NewRequestWithContext(contracts.Unchecked(context.Background()), http.MethodGet, srv.URL+"/nope", nil)
		resp, err = client.Do(req)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(rec2.Errors()).To(BeEmpty())
	})

	It("keeps a request body readable for redirects and retries (GetBody)", func() {
		stub := &robotStub{status: 200, body: `{"errcode":0,"errmsg":"ok"}`}
		srv := startStub(stub)
		var sent *http.Request
		capture := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			sent = r
			return http.DefaultTransport.RoundTrip(r)
		})
		client := &http.Client{Transport: v.RoundTripper(capture, nil)}
		resp, err := post(client, context.Background(), srv.URL+"/robot/send?access_token=abc", textBody)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		again, err := sent.GetBody()
		Expect(err).NotTo(HaveOccurred())
		b, _ := io.ReadAll(again)
		Expect(string(b)).To(Equal(textBody))
	})
})

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

var _ = Describe("NewHTTPClient", func() {
	It("fails through the given fail handler with the readable message", func() {
		srv := startStub(&robotStub{status: 200, body: `{"errcode":0}`})
		var failures []string
		client := contracts.NewHTTPClient(func(msg string, _ ...int) { failures = append(failures, msg) })
		DeferCleanup(client.CloseIdleConnections)
		resp, err := post(client, context.Background(), srv.URL+"/robot/send?access_token=abc", textBody)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(failures).To(ConsistOf(ContainSubstring(`body /errmsg: expected property "errmsg"`)))
	})

	It("points the failure at the line that sent the request, not into net/http or package contracts", func() {
		srv := startStub(&robotStub{status: 200, body: `{"errcode":0}`})
		var where []string
		client := contracts.NewHTTPClient(func(_ string, callerSkip ...int) {
			Expect(callerSkip).To(HaveLen(1))
			// As Ginkgo's Fail reads it: skip 0 is the caller of fail.
			_, file, line, ok := runtime.Caller(callerSkip[0] + 1)
			Expect(ok).To(BeTrue())
			where = append(where, fmt.Sprintf("%s:%d", filepath.Base(file), line))
		})
		DeferCleanup(client.CloseIdleConnections)
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/robot/send?access_token=abc", strings.NewReader(textBody))
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Content-Type", "application/json")
		_, _, line, _ := runtime.Caller(0)
		resp, err := client.Do(req) // the failure must point here
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(where).To(Equal([]string{fmt.Sprintf("transport_test.go:%d", line+1)}))
	})

	It("does not follow redirects: a redirect is an answer to check", func() {
		srv := startStub(http.RedirectHandler("/elsewhere", http.StatusFound))
		var failures []string
		client := contracts.NewHTTPClient(func(msg string, _ ...int) { failures = append(failures, msg) })
		DeferCleanup(client.CloseIdleConnections)
		resp, err := client.Get(srv.URL + "/_mock/health")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusFound))
		Expect(failures).To(ConsistOf(ContainSubstring("got 302")))
	})
})

var _ = Describe("Middleware", func() {
	v := contracts.Default()

	It("reports a handler's bad answer and passes it on unchanged", func() {
		rec := &contracts.Recorder{}
		srv := startStub(v.Middleware(&robotStub{status: 200, body: `{"errcode":0}`}, rec.Record))
		resp, err := post(http.DefaultClient, context.Background(), srv.URL+"/robot/send?access_token=abc", textBody)
		Expect(err).NotTo(HaveOccurred())
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		Expect(string(got)).To(Equal(`{"errcode":0}`))
		Expect(rec.Err()).To(MatchError(ContainSubstring(`the response to robotSend (POST /robot/send) with status 200 breaks the contract`)))
	})

	It("treats a handler that never writes a status as 200, and accepts a good answer", func() {
		rec := &contracts.Recorder{}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"status":"ok"}`)
		})
		srv := startStub(v.Middleware(h, rec.Record))
		resp, err := http.Get(srv.URL + "/_mock/health")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(rec.Errors()).To(BeEmpty())
	})

	It("checks requests only when asked, and puts their bodies back for the handler", func() {
		stub := &robotStub{status: 200, body: `{"errcode":400202,"errmsg":"miss param : text-\u003Econtent"}`}
		rec := &contracts.Recorder{}
		srv := startStub(v.Middleware(stub, rec.Record, contracts.CheckRequests()))
		resp, err := post(http.DefaultClient, context.Background(), srv.URL+"/robot/send?access_token=abc", `{"msgtype":"text","text":{}}`)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(stub.received.Load()).To(Equal(`{"msgtype":"text","text":{}}`))
		Expect(rec.Err()).To(MatchError(ContainSubstring(`body /text/content: expected property "content" (it is required) (as TextMessage)`)))

		rec2 := &contracts.Recorder{}
		srv = startStub(v.Middleware(stub, rec2.Record))
		resp, err = post(http.DefaultClient, context.Background(), srv.URL+"/robot/send?access_token=abc", `{"msgtype":"text","text":{}}`)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(rec2.Errors()).To(BeEmpty())
	})

	It("treats a Negative request as the client does: no request or route check, the answer still checked", func() {
		serve := func(h http.Handler, req *http.Request) []error {
			rec := &contracts.Recorder{}
			v.Middleware(h, rec.Record, contracts.CheckRequests()).ServeHTTP(httptest.NewRecorder(), req)
			return rec.Errors()
		}
		negative := func(method, target, body string) *http.Request {
			req := httptest.NewRequest(method, target, strings.NewReader(body))
			return req.WithContext(contracts.Negative(req.Context()))
		}
		notFound := http.NotFoundHandler()
		Expect(serve(notFound, httptest.NewRequest(http.MethodGet, "/nope", nil))).To(ConsistOf(
			MatchError(ContainSubstring("route: expected an operation in openapi.yaml for this path; got GET /nope"))))
		Expect(serve(notFound, negative(http.MethodGet, "/nope", ""))).To(BeEmpty())

		good := &robotStub{status: 200, body: `{"errcode":40035,"errmsg":"缺少参数 json"}`}
		Expect(serve(good, negative(http.MethodPost, "/robot/send?access_token=abc", "not json"))).To(BeEmpty())
		bad := &robotStub{status: 200, body: `{"errcode":"40035"}`}
		Expect(serve(bad, negative(http.MethodPost, "/robot/send?access_token=abc", "not json"))).To(ConsistOf(
			MatchError(ContainSubstring("the response to robotSend"))))
	})

	It("leaves hijacked connections (dropped answers) unchecked", func() {
		rec := &contracts.Recorder{}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		})
		srv := startStub(v.Middleware(h, rec.Record))
		_, err := post(http.DefaultClient, context.Background(), srv.URL+"/robot/send?access_token=abc", textBody)
		Expect(err).To(HaveOccurred())
		Expect(rec.Errors()).To(BeEmpty())
	})

	It("passes flushes on to streaming handlers", func() {
		rec := &contracts.Recorder{}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"status":`)
			_ = http.NewResponseController(w).Flush()
			_, _ = fmt.Fprint(w, `"ok"}`)
		})
		srv := startStub(v.Middleware(h, rec.Record))
		resp, err := http.Get(srv.URL + "/_mock/health")
		Expect(err).NotTo(HaveOccurred())
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		Expect(string(got)).To(Equal(`{"status":"ok"}`))
		Expect(rec.Errors()).To(BeEmpty())
	})
})
