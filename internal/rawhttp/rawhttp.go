// Package rawhttp sends hand-written HTTP/1.1 requests over a plain TCP
// connection, for specs that need what net/http's client will not do:
// stream a body far larger than any limit while reading the early answer,
// send headers over the server's limit, or stop in the middle of a request
// and close the connection.
//
// It is test support for the hardening specs of the fake robot and the SNS
// API; nothing in the module's packages imports it.
package rawhttp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Request is a request as written on the wire.
type Request struct {
	// Method, Target and Header make the request head; Host is added when
	// Header has none. Target is the path and query, e.g. "/robot/send?x=1".
	Method string
	Target string
	Header http.Header
	// Body is streamed after the head, when not nil. ContentLength is sent
	// as Content-Length when 0 or more; -1 sends the body chunked.
	Body          io.Reader
	ContentLength int64
}

// Result is what came back, and how much of the body the server let the
// client write before the answer or the end of the connection.
type Result struct {
	// Response is the parsed answer (nil if none arrived); its Body has
	// been read into Body.
	Response *http.Response
	Body     []byte
	// ReadErr is why no answer could be read, if so.
	ReadErr error
	// Written is how many body bytes were written; WriteErr is the error
	// that stopped the writing (nil when the whole body went out).
	Written  int64
	WriteErr error
}

// Head returns the request head as written on the wire, ending with the
// blank line, for callers that write it themselves (Abandon, Hold).
func (r Request) Head(host string) string {
	var b strings.Builder
	b.WriteString(r.Method + " " + r.Target + " HTTP/1.1\r\n")
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if h.Get("Host") == "" {
		h.Set("Host", host)
	}
	switch {
	case r.Body == nil:
	case r.ContentLength >= 0:
		h.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	default:
		h.Set("Transfer-Encoding", "chunked")
	}
	_ = h.Write(&b)
	b.WriteString("\r\n")
	return b.String()
}

// Do sends req to addr ("127.0.0.1:port") and reads the answer while the
// body is still being written, the way a server that answers early and
// closes is seen by a real client. It returns when the answer has been
// read and the writer has stopped, or when ctx ends (then the connection is
// closed and whatever was seen is returned).
func Do(ctx context.Context, addr string, req Request) Result {
	var res Result
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		res.ReadErr = err
		return res
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		res.Written, res.WriteErr = writeRequest(conn, addr, req)
	}()
	rsp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		res.ReadErr = err
	} else {
		res.Response = rsp
		res.Body, res.ReadErr = io.ReadAll(rsp.Body)
	}
	// The answer is in; a writer still blocked on a full socket buffer is
	// released by closing the connection.
	_ = conn.Close()
	<-wrote
	return res
}

func writeRequest(conn net.Conn, addr string, req Request) (int64, error) {
	w := bufio.NewWriterSize(conn, 64<<10)
	if _, err := w.WriteString(req.Head(addr)); err != nil {
		return 0, err
	}
	if req.Body == nil {
		return 0, w.Flush()
	}
	var body io.Writer = w
	var cw io.WriteCloser
	if req.ContentLength < 0 {
		cw = newChunkedWriter(w)
		body = cw
	}
	n, err := io.Copy(body, req.Body)
	if err == nil && cw != nil {
		err = cw.Close()
	}
	if err == nil {
		err = w.Flush()
	}
	return n, err
}

// chunkedWriter writes HTTP/1.1 chunked encoding.
type chunkedWriter struct{ w *bufio.Writer }

func newChunkedWriter(w *bufio.Writer) *chunkedWriter { return &chunkedWriter{w} }

func (c *chunkedWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := c.w.WriteString(strconv.FormatInt(int64(len(p)), 16) + "\r\n"); err != nil {
		return 0, err
	}
	n, err := c.w.Write(p)
	if err != nil {
		return n, err
	}
	_, err = c.w.WriteString("\r\n")
	return n, err
}

func (c *chunkedWriter) Close() error {
	_, err := c.w.WriteString("0\r\n\r\n")
	return err
}

// Abandon writes raw (a request head and perhaps part of a body) to addr
// and closes the connection at once without reading anything: a client
// that gives up in the middle of a request.
func Abandon(ctx context.Context, addr, raw string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	_, werr := io.WriteString(conn, raw)
	return errors.Join(werr, conn.Close())
}

// Hold writes raw to addr and keeps the connection open, writing nothing
// more, until release is called: a client that stalls mid-request.
// release closes the connection; it is safe to call more than once.
func Hold(ctx context.Context, addr, raw string) (release func(), err error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return func() { _ = conn.Close() }, nil
}

// Repeat returns a reader of n bytes made of pattern repeated, without
// holding n bytes in memory: a body of any size for streaming.
func Repeat(pattern string, n int64) io.Reader {
	return io.LimitReader(&repeater{p: []byte(pattern)}, n)
}

type repeater struct {
	p   []byte
	off int
}

func (r *repeater) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		c := copy(b[n:], r.p[r.off:])
		n += c
		r.off = (r.off + c) % len(r.p)
	}
	return n, nil
}
