// In-process delivery (Config.Local): a send to this process's own fake
// robot is handed to the listener's handler instead of crossing loopback
// TCP. The handler gets the request net/http's server would parse from the
// bytes net/http's client writes — the same method, request URI, Host and
// headers (User-Agent, Content-Type, Content-Length, Accept-Encoding) and
// body — from the loopback address the webhook URL names, under the same
// host guard; the sender gets what it would read: the status and body, EOF
// for a dropped connection, the timeout for a request that never answers.
//
// The request is built field by field rather than written out and parsed
// back (which cost a third of an in-process call: the client writer, the
// server's parser and their copies of the headers); a spec compares what a
// handler sees from an in-process and a TCP send, field by field.

package webhook

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Local names the sends a Sender delivers in-process: plain-http URLs whose
// host:port is one of Addrs and whose path is one of Paths. Everything else
// goes over the network as usual.
type Local struct {
	// Addrs are the host:port forms of the listener, IP literals as a
	// webhook URL writes them ("127.0.0.1:8090", "[::1]:8090"). Names
	// ("localhost:8090") are not matched: what they resolve to is the
	// resolver's business, so they go over TCP.
	Addrs []string
	// Paths are the URL paths delivered in-process (the fake robot's
	// /robot/send); other paths on Addrs go over TCP.
	Paths []string
	// Handler is the listener's handler, the one its http.Server runs.
	Handler http.Handler
}

// LocalRemotePort is the port of the remote address the handler sees for
// an in-process send ("127.0.0.1:0"): the IP is the one a TCP send from
// this process would come from, and port 0, which no TCP connection has,
// tells the two apart in the fake's journal.
const LocalRemotePort = "0"

// matches reports whether u is delivered in-process. A host that net/http
// would rewrite on the way out (an empty port "host:", an IPv6 zone) goes
// over TCP, so that u.Host is exactly the Host header a TCP send carries.
func (l *Local) matches(u *url.URL) bool {
	if l == nil || l.Handler == nil || u.Scheme != "http" || u.User != nil ||
		strings.HasSuffix(u.Host, ":") || strings.Contains(u.Host, "%") {
		return false
	}
	hostport := u.Host
	if u.Port() == "" {
		hostport = net.JoinHostPort(u.Hostname(), "80")
	}
	found := false
	for _, a := range l.Addrs {
		if strings.EqualFold(a, hostport) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	for _, p := range l.Paths {
		if u.Path == p && u.RawPath == "" {
			return true
		}
	}
	return false
}

// localSender delivers the sends Local names to its handler.
type localSender struct {
	handler http.Handler
	// control is the host guard's dial-time check (by whether the allow
	// list named the host), run on the address the URL names as a dial
	// would run it on the address it connects to.
	control [2]func(network, address string, c syscall.RawConn) error
	log     *slog.Logger
}

// post serves a POST of body to u (already signed) in-process and returns
// the answer's status and body (a gzip body decompressed to at most
// limit+1 bytes). The handler runs on the caller's goroutine; when ctx
// ends, the handler sees its request's context end (as when a client
// closes its connection) and post returns ctx's error. The fake's send
// handler returns then even when a delay or hang fault holds it. Errors
// are those a TCP exchange would give for the same outcome.
func (l *localSender) post(ctx context.Context, u *url.URL, nameAllowed bool, body []byte, limit int64) (status int, data []byte, err error) {
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	allowed := 0
	if nameAllowed {
		allowed = 1
	}
	if err := l.control[allowed]("tcp", addr, nil); err != nil {
		return 0, nil, err
	}
	req, err := serverRequest(ctx, u, body)
	if err != nil {
		return 0, nil, err
	}
	w := &localResponse{header: http.Header{}}
	w.body = *bytes.NewBuffer(w.small[:0])
	l.serve(w, req)
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if w.broken || !w.wroteHeader && w.hijacked {
		return 0, nil, io.EOF
	}
	return w.answer(limit)
}

// serverRequest is the request net/http's server parses from what
// net/http's client and Transport write for a POST of body to u, with the
// sender's headers (Request.Write, then the Transport's Accept-Encoding:
// gzip): the request line's URI and the Host header from u, the headers in
// canonical form (Host moved to Request.Host), Content-Length from the
// body, HTTP/1.1 with keep-alive. The remote address is the URL's host with
// LocalRemotePort.
func serverRequest(ctx context.Context, u *url.URL, body []byte) (*http.Request, error) {
	uri := u.RequestURI()
	parsed, err := url.ParseRequestURI(uri) // as the server reads a request line
	if err != nil {
		return nil, err
	}
	// One backing array for the four header values.
	values := [...]string{userAgent, ContentType, strconv.Itoa(len(body)), "gzip"}
	req := &http.Request{
		Method:     http.MethodPost,
		URL:        parsed,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header: http.Header{
			"User-Agent":      values[0:1:1],
			"Content-Type":    values[1:2:2],
			"Content-Length":  values[2:3:3],
			"Accept-Encoding": values[3:4:4],
		},
		Body:          &localBody{Reader: *bytes.NewReader(body)},
		ContentLength: int64(len(body)),
		Host:          u.Host,
		RemoteAddr:    remoteAddr(u.Hostname()),
		RequestURI:    uri,
	}
	return req.WithContext(ctx), nil
}

// serve runs the handler; a panic breaks the exchange, as net/http closes
// the connection (and logs, unless it is http.ErrAbortHandler).
func (l *localSender) serve(w *localResponse, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			w.broken = true
			if v != http.ErrAbortHandler {
				l.log.Error("http: panic serving an in-process webhook request", "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			}
		}
	}()
	l.handler.ServeHTTP(w, r)
}

// localResponse is the http.ResponseWriter of an in-process send: it keeps
// the status, headers and body the handler writes.
type localResponse struct {
	header      http.Header
	status      int
	wroteHeader bool
	hijacked    bool
	broken      bool
	body        bytes.Buffer
	// small holds the body while it fits, which a DingTalk answer does:
	// no allocation of its own.
	small [128]byte
}

func (w *localResponse) Header() http.Header { return w.header }

func (w *localResponse) WriteHeader(code int) {
	if w.wroteHeader || w.hijacked {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		return // an interim answer: the client skips it
	}
	w.status, w.wroteHeader = code, true
}

func (w *localResponse) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.body.Write(p)
}

// Flush does nothing: the answer is handed over whole.
func (w *localResponse) Flush() {}

// Hijack takes the "connection" over; closing it drops the request, which
// the client sees as EOF (or as the answer written before, if any).
func (w *localResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	w.hijacked = true
	c := &localConn{}
	return c, bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c)), nil
}

// answer is the status and body net/http's client would read: a handler
// that writes nothing answers 200, and a gzip body (which the client asked
// for) is decompressed, at most limit+1 bytes of it as the sender reads an
// answer over TCP; a body that cannot be decompressed is a *bodyError.
func (w *localResponse) answer(limit int64) (status int, data []byte, err error) {
	status = w.status
	if !w.wroteHeader {
		status = http.StatusOK
	}
	data = w.body.Bytes()
	if strings.EqualFold(w.header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return 0, nil, err // as net/http's Transport reports it
		}
		if data, err = io.ReadAll(io.LimitReader(zr, limit+1)); err != nil {
			return 0, nil, &bodyError{statusLine(status), err}
		}
	}
	return status, data, nil
}

// loopbackRemote is the remote address of an in-process send to the
// usual host, made once.
var loopbackRemote = net.JoinHostPort("127.0.0.1", LocalRemotePort)

// remoteAddr is the remote address the handler sees for a send to host:
// host with LocalRemotePort.
func remoteAddr(host string) string {
	if host == "127.0.0.1" {
		return loopbackRemote
	}
	return net.JoinHostPort(host, LocalRemotePort)
}

// localBody is an in-process request's body (one allocation where
// io.NopCloser over a bytes.Reader takes two).
type localBody struct{ bytes.Reader }

func (*localBody) Close() error { return nil }

// statusLine is the Status net/http's client gives an answer with this
// code from a net/http server ("200 OK", "599 status code 599").
func statusLine(code int) string {
	text := http.StatusText(code)
	if text == "" {
		text = "status code " + strconv.Itoa(code)
	}
	return strconv.Itoa(code) + " " + text
}

// localConn is the net.Conn a hijacking handler gets: reads see the end of
// the request, writes are discarded (the client reads no answer).
type localConn struct{}

func (c *localConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (c *localConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *localConn) Close() error                     { return nil }
func (c *localConn) LocalAddr() net.Addr              { return localAddr{} }
func (c *localConn) RemoteAddr() net.Addr             { return localAddr{} }
func (c *localConn) SetDeadline(time.Time) error      { return nil }
func (c *localConn) SetReadDeadline(time.Time) error  { return nil }
func (c *localConn) SetWriteDeadline(time.Time) error { return nil }

type localAddr struct{}

func (localAddr) Network() string { return "in-process" }
func (localAddr) String() string  { return "in-process" }
