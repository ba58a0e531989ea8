// In-process delivery (Config.Local): a send to this process's own fake
// robot is handed to the listener's handler instead of crossing loopback
// TCP. The handler gets the request net/http's server would parse from the
// bytes net/http's client writes — the same method, URI, Host and headers
// (User-Agent, Content-Type, Content-Length, Accept-Encoding) and body —
// from the loopback address the webhook URL names, under the same host
// guard; the client side gets what it would read: the status and body, EOF
// for a dropped connection, the timeout for a request that never answers.

package webhook

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
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

// matches reports whether u is delivered in-process.
func (l *Local) matches(u *url.URL) bool {
	if l == nil || l.Handler == nil || u.Scheme != "http" || u.User != nil {
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

// localTransport is the http.RoundTripper of in-process sends.
type localTransport struct {
	handler http.Handler
	// control is the host guard's dial-time check, run on the address the
	// URL names as a dial would run it on the address it connects to.
	control func(network, address string, c syscall.RawConn) error
	log     *slog.Logger
}

// wires holds the buffers of in-process requests: the written request and
// the reader the server's parser reads it with.
var wires = sync.Pool{New: func() any {
	w := &wire{}
	w.r = bufio.NewReaderSize(&w.buf, 4096)
	return w
}}

type wire struct {
	buf bytes.Buffer
	r   *bufio.Reader
}

// maxPooledWire is the largest request buffer kept for reuse.
const maxPooledWire = 64 << 10

// RoundTrip writes req as net/http's Transport would (req.Write, plus the
// Accept-Encoding: gzip the Transport adds), parses it back with the
// server's parser, serves it and returns the answer. The handler runs on
// the caller's goroutine; when the caller's context ends, the handler sees
// its request's context end (as when a client closes its connection) and
// the caller gets the context's error. The fake's send handler returns
// then even when a delay or hang fault holds it.
func (t *localTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	if err := t.control("tcp", addr, nil); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	wr := wires.Get().(*wire)
	defer func() {
		if wr.buf.Cap() <= maxPooledWire {
			wr.buf.Reset()
			wires.Put(wr)
		}
	}()
	if err := req.Write(&wr.buf); err != nil {
		return nil, err
	}
	wr.r.Reset(&wr.buf)
	sreq, err := http.ReadRequest(wr.r)
	if err != nil {
		return nil, err
	}
	// What net/http's Transport writes after the request's own headers
	// (persistConn.roundTrip), as the server's parser reads it.
	requestedGzip := req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == "" && req.Method != http.MethodHead
	if requestedGzip {
		sreq.Header["Accept-Encoding"] = []string{"gzip"}
	}
	sreq.RemoteAddr = net.JoinHostPort(req.URL.Hostname(), LocalRemotePort)
	sreq = sreq.WithContext(ctx)

	w := &localResponse{header: http.Header{}}
	t.serve(w, sreq)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if w.broken || !w.wroteHeader && w.hijacked {
		return nil, io.EOF
	}
	return w.response(req, requestedGzip)
}

// serve runs the handler; a panic breaks the exchange, as net/http closes
// the connection (and logs, unless it is http.ErrAbortHandler).
func (t *localTransport) serve(w *localResponse, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			w.broken = true
			if v != http.ErrAbortHandler {
				t.log.Error("http: panic serving an in-process webhook request", "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			}
		}
	}()
	t.handler.ServeHTTP(w, r)
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

// response is the answer as net/http's client would return it.
func (w *localResponse) response(req *http.Request, requestedGzip bool) (*http.Response, error) {
	status := w.status
	if !w.wroteHeader {
		status = http.StatusOK // a handler that writes nothing answers 200
	}
	text := http.StatusText(status)
	if text == "" {
		text = "status code " + fmt.Sprint(status)
	}
	h := w.header
	res := &http.Response{
		Status: fmt.Sprintf("%d %s", status, text), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Request: req,
	}
	var body io.Reader = bytes.NewReader(w.body.Bytes())
	res.ContentLength = int64(w.body.Len())
	if requestedGzip && strings.EqualFold(h.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, err
		}
		body = zr
		h.Del("Content-Encoding")
		h.Del("Content-Length")
		res.ContentLength, res.Uncompressed = -1, true
	}
	res.Body = io.NopCloser(body)
	return res, nil
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
