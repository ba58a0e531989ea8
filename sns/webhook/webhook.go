// The sender: Config and its defaults, Send and SendRaw with signing,
// retries and backoff, one attempt's request and the reading of its answer,
// and the plain-language classification of what failed (Error and its Kind).

package webhook

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/flatjson"
	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
)

// Defaults used when the matching Config field is zero.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultRetryBackoff     = 500 * time.Millisecond
	DefaultMaxResponseBytes = 1 << 20
	// ContentType is the request header ZStack's sender uses.
	ContentType = "application/json;charset=utf-8"
)

// Config configures a Sender. The zero value is usable: 10 s per attempt, one
// attempt, 1 MiB answers, certificate checks on, no host restrictions.
type Config struct {
	// Timeout bounds each attempt, from dialing to the last byte of the
	// answer. Zero means DefaultTimeout.
	Timeout time.Duration
	// Retries is how many more attempts follow a failed one. Only transport
	// errors (refused, reset, timeout, dropped) and 5xx answers are retried;
	// a blocked destination, a 2xx, 3xx or 4xx answer never is. Default 0.
	Retries int
	// RetryBackoff is the pause before the first retry; it doubles for each
	// further one. Zero means DefaultRetryBackoff.
	RetryBackoff time.Duration
	// MaxResponseBytes caps how much of an answer is read. A larger answer
	// fails the call. Zero means DefaultMaxResponseBytes (1 MiB).
	MaxResponseBytes int64
	// AllowHosts, when not empty, is the only set of destinations the sender
	// may reach. Each entry is a host name ("oapi.dingtalk.com", or
	// "*.example.com" for any subdomain), an IP address or a CIDR range
	// ("10.0.0.0/8"). A destination passes when its host name matches a name
	// entry or the address it resolves to, checked at dial time, is inside
	// an address or range entry.
	AllowHosts []string
	// DenyHosts lists destinations the sender must never reach, in the same
	// syntax as AllowHosts. A deny match wins over an allow match. Address
	// and range entries are checked on the resolved address at dial time,
	// so a DNS name that resolves into a denied range is refused too.
	DenyHosts []string
	// DenyPrivate adds PrivateNetworks to DenyHosts: the sender then never
	// reaches loopback, private, link-local (cloud metadata), shared and
	// unique-local addresses, whatever name or redirect leads there. Turn
	// it on wherever the API is reachable by people who should not be able
	// to probe the server's own network.
	DenyPrivate bool
	// InsecureSkipVerify turns off TLS certificate checks, as ZStack's own
	// REST client does. Off by default.
	InsecureSkipVerify bool
	// RootCAs, when set, replaces the system roots for TLS (for tests and
	// private CAs).
	RootCAs *x509.CertPool
	// Now is the clock for signing (each signed URL's timestamp). Nil means
	// time.Now. DingTalk rejects a timestamp more than an hour from its own
	// clock, so a test that moves the fake robot's clock passes its Now
	// method here.
	Now func() time.Time
	// Local, when set, delivers the sends it names to a handler in this
	// process instead of over loopback TCP (see Local). The host guard
	// applies all the same.
	Local *Local
	// Logger receives a line per failed attempt (Warn), per answer with a
	// non-zero errcode (Warn) and per answer (Debug). Nil means
	// slog.Default().
	Logger *slog.Logger
}

// Sender posts messages to DingTalk webhooks. It is safe for concurrent use.
type Sender struct {
	cfg   Config
	guard hostGuard
	log   *slog.Logger
	// clients[1] sends to hosts the allow list names (or to any host when
	// there is no allow list); clients[0] to the others, dialing only
	// addresses on the allow list. Both keep connections alive between
	// sends, so a test-connection costs no TCP handshake.
	clients [2]*http.Client
	// local, when Config.Local is set, delivers in-process.
	local *localSender
}

// New checks cfg and returns a Sender. It fails on a negative number or an
// allow/deny entry that is neither a host name nor an IP or CIDR.
func New(cfg Config) (*Sender, error) {
	if cfg.Timeout < 0 || cfg.Retries < 0 || cfg.RetryBackoff < 0 || cfg.MaxResponseBytes < 0 {
		return nil, errors.New("webhook: timeout, retries, retry backoff and max response bytes must not be negative")
	}
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	cfg.RetryBackoff = cmp.Or(cfg.RetryBackoff, DefaultRetryBackoff)
	cfg.MaxResponseBytes = cmp.Or(cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Sender{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	var err error
	if s.guard, err = newHostGuard(cfg.AllowHosts, cfg.DenyHosts, cfg.DenyPrivate); err != nil {
		return nil, err
	}
	s.clients[0], s.clients[1] = s.client(false), s.client(true)
	if cfg.Local != nil && cfg.Local.Handler != nil {
		s.local = &localSender{handler: cfg.Local.Handler, control: [2]func(string, string, syscall.RawConn) error{
			s.guard.control(false), s.guard.control(true)}, log: s.log}
	}
	return s, nil
}

// Close closes the connections kept alive for later sends. The Sender
// still works afterwards (it dials again).
func (s *Sender) Close() {
	for _, c := range s.clients {
		c.CloseIdleConnections()
	}
}

// Timeout returns the per-attempt timeout in force.
func (s *Sender) Timeout() time.Duration { return s.cfg.Timeout }

// Result is what the webhook answered when it answered with a status the
// API reports rather than fails on (2xx or 3xx).
type Result struct {
	// Status is the HTTP status of the answer.
	Status int
	// Connected is true for a 2xx answer (ZStack's rule).
	Connected bool
	// Resp is the answer's JSON object, numbers kept as json.Number so an
	// errcode stays an integer. It is empty, never nil, for an empty body
	// and for a 3xx whose body is not a JSON object.
	Resp map[string]any
	// Attempts is how many requests were made.
	Attempts int
}

// ErrCode returns the errcode field of a DingTalk answer, 0 when absent or
// not an integer.
func (r *Result) ErrCode() int64 {
	if n, ok := r.Resp["errcode"].(json.Number); ok {
		v, _ := n.Int64()
		return v
	}
	return 0
}

// Error is a failed send. Its message says what happened in plain words and
// never contains the secret or the signed URL.
type Error struct {
	// Kind classifies the failure.
	Kind Kind
	// Detail is the plain-language description (also Error()).
	Detail string
	// Status is the HTTP status for KindHTTPStatus and KindTooLarge, else 0.
	Status int
	// Attempts is how many requests were made.
	Attempts int
}

func (e *Error) Error() string { return e.Detail }

// Kind classifies a failed send.
type Kind string

// Failure kinds.
const (
	KindInvalidURL  Kind = "invalid-url" // not an absolute http/https URL
	KindBlocked     Kind = "blocked"     // refused by the allow/deny lists
	KindTimeout     Kind = "timeout"     // no complete answer within the timeout
	KindRefused     Kind = "refused"     // connection refused
	KindUnreachable Kind = "unreachable" // DNS failure, no route, reset, dropped
	KindTLS         Kind = "tls"         // TLS handshake or certificate failure
	KindHTTPStatus  Kind = "http-status" // 4xx/5xx (or 1xx) answer
	KindNotJSON     Kind = "not-json"    // a 2xx answer that is not a JSON object
	KindTooLarge    Kind = "too-large"   // answer over MaxResponseBytes
	KindCanceled    Kind = "canceled"    // the caller's context ended
	KindSign        Kind = "sign"        // signing failed (kept for callers that match it: a URL that parsed always signs)
)

// escapeQuery percent-encodes the bytes of a raw query that RFC 3986 does
// not allow there, keeping valid %XX escapes and every delimiter as they
// are, so the parameters keep their meaning.
func escapeQuery(q string) string {
	const hex = "0123456789ABCDEF"
	isHex := func(c byte) bool { return strings.IndexByte("0123456789abcdefABCDEF", c) >= 0 }
	keep := func(i int) bool {
		c := q[i]
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0 ||
			c == '%' && i+2 < len(q) && isHex(q[i+1]) && isHex(q[i+2])
	}
	i := 0
	for i < len(q) && keep(i) {
		i++
	}
	if i == len(q) {
		return q // the usual case: nothing to encode, nothing allocated
	}
	var b strings.Builder
	b.WriteString(q[:i])
	for ; i < len(q); i++ {
		c := q[i]
		if keep(i) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// Send signs msg's webhook URL with secret (when not empty) and posts msg.
// It returns a Result for 2xx and 3xx answers and an *Error otherwise.
func (s *Sender) Send(ctx context.Context, webhookURL, secret string, msg *dingtalk.Message) (*Result, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return nil, &Error{Kind: KindInvalidURL, Detail: "cannot encode the message: " + err.Error()}
	}
	return s.SendRaw(ctx, webhookURL, secret, body)
}

// SendRaw is Send for a body that is already encoded.
func (s *Sender) SendRaw(ctx context.Context, webhookURL, secret string, body []byte) (*Result, error) {
	// The URL is parsed once; each attempt signs a copy of it. Its redacted
	// form is only made for an error or a log line.
	u, err := url.Parse(webhookURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, &Error{Kind: KindInvalidURL, Detail: fmt.Sprintf("webhook url %s is not an absolute http or https URL", redact.URL(webhookURL))}
	}
	// A query with characters a request line cannot carry (a raw space,
	// quotes, non-ASCII) is percent-encoded, as ZStack's RestTemplate
	// encodes its URI template, instead of going out malformed.
	u.RawQuery = escapeQuery(u.RawQuery)
	host := u.Hostname()
	nameAllowed, blocked := s.guard.checkName(host)
	if blocked != nil {
		return nil, blocked
	}
	dest := destination{url: webhookURL, host: host, nameAllowed: nameAllowed, local: s.local != nil && s.cfg.Local.matches(u)}

	var res *Result
	var sendErr *Error
	backoff := s.cfg.RetryBackoff
	for attempt := 1; ; attempt++ {
		signed := *u
		if secret != "" {
			signed.RawQuery = dingtalk.SignQuery(u.RawQuery, secret, s.cfg.Now())
			signed.ForceQuery = false
		}
		res, sendErr = s.attempt(ctx, &signed, dest, body)
		retry := sendErr != nil && retryable(sendErr) && attempt <= s.cfg.Retries && ctx.Err() == nil
		if sendErr != nil {
			sendErr.Attempts = attempt
			s.log.Warn("webhook attempt failed", "url", redact.URL(webhookURL), "attempt", attempt, "kind", string(sendErr.Kind), "detail", sendErr.Detail, "willRetry", retry)
		} else {
			res.Attempts = attempt
			// An answer is the caller's to report (the SNS API logs one
			// line per call); here it is detail, at Debug.
			if s.log.Enabled(ctx, slog.LevelDebug) {
				s.log.LogAttrs(ctx, slog.LevelDebug, "webhook answered", slog.String("url", redact.URL(webhookURL)), slog.Int("attempt", attempt),
					slog.Int("status", res.Status), slog.Bool("connected", res.Connected))
			}
			if code := res.ErrCode(); code != 0 {
				s.log.Warn("webhook answered with a non-zero errcode", "url", redact.URL(webhookURL), "errcode", code, "errmsg", res.Resp["errmsg"])
			}
		}
		if !retry {
			break
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			sendErr = &Error{Kind: KindCanceled, Detail: "the request was canceled while waiting to retry the webhook", Attempts: attempt}
			return nil, sendErr
		case <-t.C:
		}
		backoff *= 2
	}
	if sendErr != nil {
		return nil, sendErr
	}
	return res, nil
}

// destination is where a send goes, worked out once for all its attempts.
type destination struct {
	url         string // the webhook URL as given, for redacted messages
	host        string // its host name
	nameAllowed bool   // the allow list names the host (see hostGuard.checkName)
	local       bool   // delivered in-process (Config.Local)
}

func retryable(e *Error) bool {
	switch e.Kind {
	case KindTimeout, KindRefused, KindUnreachable:
		return true
	case KindHTTPStatus:
		return e.Status >= 500
	}
	return false
}

func (s *Sender) client(nameAllowed bool) *http.Client {
	dialer := &net.Dialer{
		Timeout: s.cfg.Timeout,
		Control: s.guard.control(nameAllowed),
	}
	tr := &http.Transport{
		Proxy:               nil, // a proxy would hide the real destination from the allow/deny checks
		DialContext:         dialer.DialContext,
		TLSHandshakeTimeout: s.cfg.Timeout,
		TLSClientConfig: &tls.Config{
			InsecureSkipVerify: s.cfg.InsecureSkipVerify, //nolint:gosec // opt-in, documented: ZStack's own client trusts all
			RootCAs:            s.cfg.RootCAs,
			MinVersion:         tls.VersionTLS12,
		},
		MaxIdleConnsPerHost:    64,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// userAgent is the User-Agent header of every send.
const userAgent = "mockdingtalk-sns/1"

// attempt makes one request to u (signed) and reads its answer.
func (s *Sender) attempt(ctx context.Context, u *url.URL, dest destination, body []byte) (*Result, *Error) {
	var (
		actx   context.Context // ends at the attempt's timeout
		status int
		data   []byte
		err    error
	)
	if dest.local {
		lt := newLazyTimeout(ctx, s.cfg.Timeout)
		defer lt.cancel()
		actx = lt
		status, data, err = s.local.post(actx, u, dest.nameAllowed, body, s.cfg.MaxResponseBytes)
	} else {
		tctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		defer cancel()
		actx = tctx
		status, data, err = s.post(actx, u, dest.nameAllowed, body)
	}
	switch e := err.(type) {
	case nil:
	case *Error:
		return nil, e
	case *bodyError:
		ce := s.classify(ctx, actx, e.err, dest)
		ce.Detail = fmt.Sprintf("webhook answered HTTP %s but the body could not be read: %s", e.status, ce.Detail)
		return nil, ce
	default:
		return nil, s.classify(ctx, actx, err, dest)
	}
	return s.result(status, data)
}

// bodyError is an answer whose status came but whose body could not be
// read; status is the status line's text ("200 OK").
type bodyError struct {
	status string
	err    error
}

func (e *bodyError) Error() string { return e.err.Error() }

// post makes the request over the network and reads at most
// MaxResponseBytes+1 bytes of the answer. Its errors are the client's, a
// *bodyError, or an *Error for a request that cannot be made.
func (s *Sender) post(ctx context.Context, u *url.URL, nameAllowed bool, body []byte) (status int, data []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, &Error{Kind: KindInvalidURL, Detail: fmt.Sprintf("webhook url %s cannot be requested", redact.URL(u.String()))}
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("User-Agent", userAgent)
	client := s.clients[0]
	if nameAllowed {
		client = s.clients[1]
	}
	rsp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer rsp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(rsp.Body, s.cfg.MaxResponseBytes+1))
	if err != nil {
		return 0, nil, &bodyError{rsp.Status, err}
	}
	return rsp.StatusCode, data, nil
}

// result turns an answer into a Result (2xx, 3xx) or an *Error.
func (s *Sender) result(status int, data []byte) (*Result, *Error) {
	if int64(len(data)) > s.cfg.MaxResponseBytes {
		return nil, &Error{Kind: KindTooLarge, Detail: fmt.Sprintf("webhook answered HTTP %s with a body larger than %d bytes; reading stopped there", statusText(status), s.cfg.MaxResponseBytes), Status: status}
	}
	switch {
	case status >= 200 && status < 300:
		obj, perr := decodeObject(data)
		if perr != nil {
			return nil, &Error{Kind: KindNotJSON, Detail: fmt.Sprintf("webhook answered HTTP %s with a body that is not JSON: %s", statusText(status), snippet(data))}
		}
		return &Result{Status: status, Connected: true, Resp: obj}, nil
	case status >= 300 && status < 400:
		obj, perr := decodeObject(data)
		if perr != nil {
			obj = map[string]any{}
		}
		return &Result{Status: status, Connected: false, Resp: obj}, nil
	default:
		d := fmt.Sprintf("webhook answered HTTP %s", statusText(status))
		if len(bytes.TrimSpace(data)) > 0 {
			d += ": " + snippet(data)
		}
		return nil, &Error{Kind: KindHTTPStatus, Detail: d, Status: status}
	}
}

func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return fmt.Sprintf("%d %s", status, t)
	}
	return fmt.Sprint(status)
}

// decodeObject decodes a JSON object keeping numbers as json.Number. An
// empty body is an empty object. A flat object (DingTalk's answers) is
// read without reflection; anything else by encoding/json.
func decodeObject(data []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}, nil
	}
	if obj, ok := flatjson.DecodeObject(data); ok {
		return obj, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, errors.New("null is not an object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON object")
	}
	return obj, nil
}

// snippet returns the first 200 bytes of data, trimmed, as valid UTF-8.
func snippet(data []byte) string {
	data = bytes.TrimSpace(data)
	cut := len(data) > 200
	if cut {
		data = data[:200]
	}
	s := strings.ToValidUTF8(string(data), "\uFFFD")
	if cut {
		s += "…"
	}
	return s
}

// classify turns a transport error into a plain-language *Error without
// the URL (url.Error would print the signed URL).
func (s *Sender) classify(parent, actx context.Context, err error, dest destination) *Error {
	host, redacted := dest.host, redact.URL(dest.url)
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var be *blockedError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	switch {
	case errors.As(err, &be):
		return &Error{Kind: KindBlocked, Detail: fmt.Sprintf("webhook host %s is blocked: %s", host, be.why)}
	case parent.Err() != nil:
		return &Error{Kind: KindCanceled, Detail: "the request was canceled before the webhook answered"}
	case errors.Is(err, context.DeadlineExceeded) || actx.Err() != nil || isTimeout(err):
		return &Error{Kind: KindTimeout, Detail: fmt.Sprintf("webhook did not answer within %s", s.cfg.Timeout)}
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalidCert):
		return &Error{Kind: KindTLS, Detail: fmt.Sprintf("TLS handshake with %s failed: %s", host, tlsReason(err))}
	case errors.As(err, &recErr):
		return &Error{Kind: KindTLS, Detail: fmt.Sprintf("TLS handshake with %s failed: the server did not answer with TLS (is the url http rather than https?)", host)}
	case errors.As(err, &alertErr):
		return &Error{Kind: KindTLS, Detail: fmt.Sprintf("TLS handshake with %s failed: %s", host, alertErr.Error())}
	case errors.As(err, &dnsErr):
		return &Error{Kind: KindUnreachable, Detail: fmt.Sprintf("cannot resolve webhook host %s: %s", dnsErr.Name, dnsReason(dnsErr))}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Error{Kind: KindRefused, Detail: fmt.Sprintf("connection refused by %s", opAddr(err, host))}
	case errors.Is(err, syscall.ECONNRESET):
		return &Error{Kind: KindUnreachable, Detail: fmt.Sprintf("connection reset by %s before the webhook answered", opAddr(err, host))}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Kind: KindUnreachable, Detail: fmt.Sprintf("webhook %s closed the connection without answering", redacted)}
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return &Error{Kind: KindUnreachable, Detail: fmt.Sprintf("no route to %s", opAddr(err, host))}
	case errors.As(err, &opErr):
		return &Error{Kind: KindUnreachable, Detail: fmt.Sprintf("cannot reach webhook %s: %s", redacted, opErr.Err)}
	case strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:"):
		return &Error{Kind: KindTLS, Detail: fmt.Sprintf("TLS handshake with %s failed: %s", host, tlsReason(err))}
	default:
		return &Error{Kind: KindUnreachable, Detail: fmt.Sprintf("cannot reach webhook %s: %s", redacted, err)}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func tlsReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "tls: "); i >= 0 {
		return msg[i+len("tls: "):]
	}
	if i := strings.Index(msg, "x509: "); i >= 0 {
		return msg[i:]
	}
	return msg
}

func dnsReason(e *net.DNSError) string {
	if e.IsNotFound {
		return "no such host"
	}
	if e.IsTimeout {
		return "DNS lookup timed out"
	}
	return e.Err
}

// opAddr returns the remote address of the *net.OpError inside err, or host.
func opAddr(err error, host string) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		return op.Addr.String()
	}
	return host
}
