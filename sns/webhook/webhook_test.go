// Specs for the outbound sender against real HTTP servers on 127.0.0.1:
// signing, answers, failures and the safety rails.

package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

const secret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"
const token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// seen is one request a test server received.
type seen struct {
	method, path, rawQuery, contentType string
	query                               url.Values
	body                                []byte
}

// recorder is an http.Handler that keeps every request and answers with
// the handler set in next (default: 200 {"errcode":0,"errmsg":"ok"}).
type recorder struct {
	mu   sync.Mutex
	reqs []seen
	next http.HandlerFunc
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.URL.Query(), body})
	next := rc.next
	rc.mu.Unlock()
	if next != nil {
		next(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
}

func (rc *recorder) requests() []seen {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]seen(nil), rc.reqs...)
}

func startRecorder(next http.HandlerFunc) (*recorder, *httptest.Server) {
	rc := &recorder{next: next}
	srv := httptest.NewServer(rc)
	DeferCleanup(srv.Close)
	return rc, srv
}

func newSender(cfg webhook.Config) *webhook.Sender {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(GinkgoWriter, nil))
	}
	s, err := webhook.New(cfg)
	Expect(err).NotTo(HaveOccurred())
	return s
}

func markdown(text string) *dingtalk.Message {
	return &dingtalk.Message{MsgType: dingtalk.MsgMarkdown, Markdown: &dingtalk.Markdown{Title: "t", Text: text}}
}

func sendErr(err error) *webhook.Error {
	var we *webhook.Error
	ExpectWithOffset(1, err).To(BeAssignableToTypeOf(we))
	we = err.(*webhook.Error)
	ExpectWithOffset(1, we.Detail).NotTo(ContainSubstring(token), "details must not leak the access token")
	ExpectWithOffset(1, we.Detail).NotTo(ContainSubstring(secret[:20]), "details must not leak the secret")
	ExpectWithOffset(1, we.Detail).NotTo(ContainSubstring("sign="), "details must not leak the signed url")
	return we
}

var _ = Describe("Sender", func() {
	ctx := context.Background()

	Describe("signing and the request", func() {
		It("posts the message unsigned with ZStack's Content-Type when there is no secret", func() {
			rc, srv := startRecorder(nil)
			res, err := newSender(webhook.Config{}).Send(ctx, srv.URL+"/robot/send?access_token="+token, "", markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Connected).To(BeTrue())
			reqs := rc.requests()
			Expect(reqs).To(HaveLen(1))
			Expect(reqs[0].method).To(Equal(http.MethodPost))
			Expect(reqs[0].contentType).To(Equal("application/json;charset=utf-8"))
			Expect(reqs[0].rawQuery).To(Equal("access_token=" + token))
			Expect(reqs[0].body).To(MatchJSON(`{"msgtype":"markdown","markdown":{"title":"t","text":"hi"}}`))
		})

		It("signs with a fresh millisecond timestamp and a sign encoded exactly once", func() {
			rc, srv := startRecorder(nil)
			now := time.UnixMilli(1600000000000)
			s := newSender(webhook.Config{Now: func() time.Time { return now }})
			_, err := s.Send(ctx, srv.URL+"/robot/send?access_token="+token, secret, markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			q := rc.requests()[0]
			Expect(q.query.Get("access_token")).To(Equal(token))
			Expect(q.query.Get("timestamp")).To(Equal("1600000000000"))
			Expect(q.query.Get("sign")).To(Equal("379i51ZpQAvxLHDd/fi11xXbk9pkmRZseEY7prOyuSo="))
			Expect(q.rawQuery).To(ContainSubstring("sign=379i51ZpQAvxLHDd%2Ffi11xXbk9pkmRZseEY7prOyuSo%3D"))
			Expect(dingtalk.Verify(secret, q.query.Get("timestamp"), q.query.Get("sign"), now)).To(Succeed())
		})

		It("percent-encodes a raw space (and other characters a request line cannot carry) in the query, as ZStack's RestTemplate does", func() {
			rc, srv := startRecorder(nil)
			res, err := newSender(webhook.Config{}).Send(ctx, srv.URL+`/robot/send?access_token=`+token+`&note=two words"<é>&ok=%2B`, secret, markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Connected).To(BeTrue())
			q := rc.requests()[0]
			Expect(q.rawQuery).To(HavePrefix("access_token=" + token + "&note=two%20words%22%3C%C3%A9%3E&ok=%2B&timestamp="))
			Expect(q.query.Get("note")).To(Equal(`two words"<é>`))
			Expect(q.query.Get("ok")).To(Equal("+"), "a valid escape is kept as it is")
			Expect(dingtalk.Verify(secret, q.query.Get("timestamp"), q.query.Get("sign"), time.Now())).To(Succeed())
		})

		It("adds the signature to a url that has no query", func() {
			rc, srv := startRecorder(nil)
			_, err := newSender(webhook.Config{}).Send(ctx, srv.URL+"/robot/send", secret, markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			q := rc.requests()[0]
			Expect(q.rawQuery).To(MatchRegexp(`^timestamp=\d{13}&sign=[^&]+$`))
			Expect(dingtalk.Verify(secret, q.query.Get("timestamp"), q.query.Get("sign"), time.Now())).To(Succeed())
		})

		It("replaces stale timestamp and sign parameters instead of adding a second pair", func() {
			rc, srv := startRecorder(nil)
			stale := srv.URL + "/robot/send?access_token=" + token + "&timestamp=1577262236757&sign=old%2Bsign"
			_, err := newSender(webhook.Config{}).Send(ctx, stale, secret, markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			q := rc.requests()[0]
			Expect(q.query["timestamp"]).To(HaveLen(1))
			Expect(q.query["sign"]).To(HaveLen(1))
			Expect(q.query.Get("timestamp")).NotTo(Equal("1577262236757"))
			Expect(dingtalk.Verify(secret, q.query.Get("timestamp"), q.query.Get("sign"), time.Now())).To(Succeed())
		})

		It("sends what DingTalk expects: POST, the path and query as given, the JSON header and body", func() {
			rc, srv := startRecorder(nil)
			res, err := newSender(webhook.Config{}).Send(ctx, srv.URL+"/robot/send?access_token="+token, "", markdown("plain"))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Resp).To(HaveKeyWithValue("errmsg", "ok"))
			Expect(rc.requests()).To(HaveLen(1))
			q := rc.requests()[0]
			Expect(q.method).To(Equal(http.MethodPost))
			Expect(q.path).To(Equal("/robot/send"))
			Expect(q.rawQuery).To(Equal("access_token=" + token))
			Expect(q.contentType).To(Equal("application/json;charset=utf-8"))
			Expect(q.body).To(MatchJSON(`{"msgtype":"markdown","markdown":{"title":"t","text":"plain"}}`))
		})
	})

	Describe("answers it reports", func() {
		It("passes a non-zero errcode through as an integer with connected true", func() {
			_, srv := startRecorder(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, `{"errcode":310000,"errmsg":"sign not match"}`)
			})
			res, err := newSender(webhook.Config{}).Send(ctx, srv.URL+"/robot/send", "", markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Connected).To(BeTrue())
			Expect(res.ErrCode()).To(Equal(int64(310000)))
			out, _ := json.Marshal(res.Resp)
			Expect(string(out)).To(ContainSubstring(`"errcode":310000`))
		})

		It("answers an empty 2xx body with an empty webhookResp", func() {
			_, srv := startRecorder(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
			res, err := newSender(webhook.Config{}).Send(ctx, srv.URL, "", markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Connected).To(BeTrue())
			Expect(res.Resp).To(BeEmpty())
		})

		It("does not follow a redirect: connected false, webhookResp the body's JSON", func() {
			other, otherSrv := startRecorder(nil)
			_, srv := startRecorder(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", otherSrv.URL+"/robot/send")
				w.WriteHeader(http.StatusFound)
				_, _ = io.WriteString(w, `{"moved":true}`)
			})
			res, err := newSender(webhook.Config{}).Send(ctx, srv.URL, "", markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Connected).To(BeFalse())
			Expect(res.Status).To(Equal(http.StatusFound))
			Expect(res.Resp).To(HaveKeyWithValue("moved", true))
			Expect(other.requests()).To(BeEmpty())
		})

		It("gives {} for a 3xx whose body is not JSON", func() {
			_, srv := startRecorder(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/elsewhere", http.StatusMovedPermanently)
			})
			res, err := newSender(webhook.Config{}).Send(ctx, srv.URL, "", markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Connected).To(BeFalse())
			Expect(res.Resp).To(BeEmpty())
		})
	})

	Describe("failures, with details that say what happened", func() {
		It("reports HTTP 500", func() {
			_, srv := startRecorder(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "boom", http.StatusInternalServerError)
			})
			_, err := newSender(webhook.Config{}).Send(ctx, srv.URL+"/robot/send?access_token="+token, secret, markdown("hi"))
			we := sendErr(err)
			Expect(we.Kind).To(Equal(webhook.KindHTTPStatus))
			Expect(we.Detail).To(Equal("webhook answered HTTP 500 Internal Server Error: boom"))
		})

		It("reports a 2xx body that is not JSON, with its first 200 bytes", func() {
			_, srv := startRecorder(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, "<html>"+strings.Repeat("x", 300)+"</html>")
			})
			_, err := newSender(webhook.Config{}).Send(ctx, srv.URL, "", markdown("hi"))
			we := sendErr(err)
			Expect(we.Kind).To(Equal(webhook.KindNotJSON))
			Expect(we.Detail).To(HavePrefix("webhook answered HTTP 200 OK with a body that is not JSON: <html>xxx"))
			Expect(we.Detail).To(HaveSuffix("x…"))
			Expect(len(we.Detail)).To(BeNumerically("<", 300))
		})

		It("reports a timeout when the webhook holds the request (slow handler, small timeout)", func() {
			_, srv := startRecorder(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
			_, err := newSender(webhook.Config{Timeout: 50 * time.Millisecond}).Send(ctx, srv.URL+"/robot/send?access_token="+token, secret, markdown("hi"))
			we := sendErr(err)
			Expect(we.Kind).To(Equal(webhook.KindTimeout))
			Expect(we.Detail).To(Equal("webhook did not answer within 50ms"))
		})

		It("reports a connection dropped without an answer", func() {
			_, srv := startRecorder(func(w http.ResponseWriter, _ *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				Expect(err).NotTo(HaveOccurred())
				conn.Close()
			})
			_, err := newSender(webhook.Config{}).Send(ctx, srv.URL+"/robot/send?access_token="+token, "", markdown("hi"))
			we := sendErr(err)
			Expect(we.Kind).To(Equal(webhook.KindUnreachable))
			Expect(we.Detail).To(Equal("webhook " + srv.URL + "/robot/send closed the connection without answering"))
		})

		It("reports a refused connection with the address", func() {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			Expect(err).NotTo(HaveOccurred())
			addr := ln.Addr().String()
			ln.Close()
			_, err = newSender(webhook.Config{}).Send(ctx, "http://"+addr+"/robot/send?access_token="+token, "", markdown("hi"))
			we := sendErr(err)
			Expect(we.Kind).To(Equal(webhook.KindRefused))
			Expect(we.Detail).To(Equal("connection refused by " + addr))
		})

		It("reports a TLS failure for a certificate it does not trust, and succeeds with the right roots", func() {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
			}))
			srv.Config.ErrorLog = log.New(GinkgoWriter, "", 0) // the refused handshake is expected
			srv.StartTLS()
			DeferCleanup(srv.Close)
			_, err := newSender(webhook.Config{}).Send(ctx, srv.URL+"/robot/send?access_token="+token, "", markdown("hi"))
			we := sendErr(err)
			Expect(we.Kind).To(Equal(webhook.KindTLS))
			Expect(we.Detail).To(HavePrefix("TLS handshake with 127.0.0.1 failed: "))

			pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
			res, err := newSender(webhook.Config{RootCAs: pool}).Send(ctx, srv.URL+"/robot/send", "", markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Connected).To(BeTrue())
		})

		It("refuses a url that is not http or https", func() {
			_, err := newSender(webhook.Config{}).Send(ctx, "ftp://example.com/robot/send", "", markdown("hi"))
			Expect(sendErr(err).Kind).To(Equal(webhook.KindInvalidURL))
		})
	})

	Describe("the 1 MiB answer cap", func() {
		It("fails an answer larger than the cap", func() {
			_, srv := startRecorder(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, `{"pad":"`+strings.Repeat("a", 1<<20)+`"}`)
			})
			_, err := newSender(webhook.Config{}).Send(ctx, srv.URL, "", markdown("hi"))
			we := sendErr(err)
			Expect(we.Kind).To(Equal(webhook.KindTooLarge))
			Expect(we.Detail).To(ContainSubstring("larger than 1048576 bytes"))
		})

		It("accepts an answer of exactly the cap", func() {
			body := `{"pad":"` + strings.Repeat("a", 64-10) + `"}`
			Expect(body).To(HaveLen(64))
			_, srv := startRecorder(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) })
			res, err := newSender(webhook.Config{MaxResponseBytes: 64}).Send(ctx, srv.URL, "", markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Resp).To(HaveKey("pad"))
		})
	})

	Describe("allow and deny lists", func() {
		It("refuses a DNS name that resolves into a denied range, before anything is sent", func() {
			rc, srv := startRecorder(nil)
			_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
			s := newSender(webhook.Config{DenyHosts: []string{"127.0.0.0/8", "::1/128"}})
			_, err := s.Send(ctx, "http://localhost:"+port+"/robot/send?access_token="+token, "", markdown("hi"))
			we := sendErr(err)
			Expect(we.Kind).To(Equal(webhook.KindBlocked))
			Expect(we.Detail).To(ContainSubstring("deny list"))
			Expect(rc.requests()).To(BeEmpty())
		})

		It("refuses a denied host name", func() {
			_, err := newSender(webhook.Config{DenyHosts: []string{"*.internal.example"}}).Send(ctx, "http://robot.internal.example/robot/send", "", markdown("hi"))
			Expect(sendErr(err).Kind).To(Equal(webhook.KindBlocked))
		})

		It("with an allow list, reaches only listed destinations", func() {
			rc, srv := startRecorder(nil)
			_, err := newSender(webhook.Config{AllowHosts: []string{"10.0.0.0/8"}}).Send(ctx, srv.URL, "", markdown("hi"))
			Expect(sendErr(err).Kind).To(Equal(webhook.KindBlocked))
			Expect(rc.requests()).To(BeEmpty())

			_, err = newSender(webhook.Config{AllowHosts: []string{"127.0.0.1"}}).Send(ctx, srv.URL, "", markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			Expect(rc.requests()).To(HaveLen(1))
		})

		It("rejects a malformed list entry at construction", func() {
			_, err := webhook.New(webhook.Config{DenyHosts: []string{"10.0.0.0/99"}})
			Expect(err).To(MatchError(ContainSubstring("not a valid CIDR range")))
		})
	})

	Describe("retries", func() {
		It("makes one attempt by default", func() {
			rc, srv := startRecorder(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) })
			_, err := newSender(webhook.Config{}).Send(ctx, srv.URL, "", markdown("hi"))
			Expect(sendErr(err).Attempts).To(Equal(1))
			Expect(rc.requests()).To(HaveLen(1))
		})

		It("retries 5xx answers, re-signing each attempt, until one succeeds", func() {
			var mu sync.Mutex
			n := 0
			rc, srv := startRecorder(func(w http.ResponseWriter, _ *http.Request) {
				mu.Lock()
				n++
				k := n
				mu.Unlock()
				if k < 3 {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
			})
			res, err := newSender(webhook.Config{Retries: 2, RetryBackoff: time.Millisecond}).Send(ctx, srv.URL+"/robot/send", secret, markdown("hi"))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Attempts).To(Equal(3))
			for _, q := range rc.requests() {
				Expect(q.query["sign"]).To(HaveLen(1))
			}
		})

		It("does not retry a 4xx answer", func() {
			rc, srv := startRecorder(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) })
			_, err := newSender(webhook.Config{Retries: 3, RetryBackoff: time.Millisecond}).Send(ctx, srv.URL, "", markdown("hi"))
			we := sendErr(err)
			Expect(we.Detail).To(Equal("webhook answered HTTP 403 Forbidden"))
			Expect(rc.requests()).To(HaveLen(1))
		})
	})

	It("never logs the secret or the access token", func() {
		var buf bytes.Buffer
		_, srv := startRecorder(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"errcode":310000,"errmsg":"sign not match"}`)
		})
		s := newSender(webhook.Config{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		_, err := s.Send(ctx, srv.URL+"/robot/send?access_token="+token, secret, markdown("hi"))
		Expect(err).NotTo(HaveOccurred())
		Expect(buf.String()).To(ContainSubstring("errcode=310000"))
		Expect(buf.String()).NotTo(ContainSubstring(token))
		Expect(buf.String()).NotTo(ContainSubstring(secret[:12]))
	})
})
