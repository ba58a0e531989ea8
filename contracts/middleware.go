// The server side: middleware that checks every answer a handler gives (and,
// when asked, every request it gets) against the contract.

package contracts

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// maxCheckedRequestBody is the most of a request body the middleware buffers
// to check it; a larger body is passed on unchecked.
const maxCheckedRequestBody = 4 << 20

// MiddlewareOption tunes Middleware.
type MiddlewareOption func(*middlewareConfig)

type middlewareConfig struct {
	checkRequests bool
}

// CheckRequests makes Middleware check requests too. Off by default: a
// server under test gets contract-breaking requests on purpose (negative
// specs), and cannot tell them from mistakes. A request whose context is
// marked Negative (an in-process call) is treated as the client treats
// it: its request side, route included, is not checked; its answer is,
// when the route is documented.
func CheckRequests() MiddlewareOption {
	return func(c *middlewareConfig) { c.checkRequests = true }
}

// Middleware wraps a server's handler so that every response it writes is
// checked against the contract; mismatches go to onErr (which must be safe
// for concurrent use, like Recorder.Record). Responses are passed through
// as they are written; the check runs when the handler returns. Hijacked
// connections (a dropped or hung answer) are not checked, nor are answers
// to requests outside every documented path (the request itself is
// reported as a route mismatch with CheckRequests, unless it is Negative).
func (v *Validator) Middleware(next http.Handler, onErr func(error), opts ...MiddlewareOption) http.Handler {
	var cfg middlewareConfig
	for _, o := range opts {
		o(&cfg)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := v.find(r)
		checkRequest := cfg.checkRequests && !IsNegative(r.Context())
		if x.err != nil {
			if checkRequest {
				onErr(x.routeMismatch())
			}
			next.ServeHTTP(w, r)
			return
		}
		if checkRequest {
			v.checkIncoming(x, r, onErr)
		}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.hijacked {
			return
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if err := v.validateResponse(x, rec.status, w.Header(), rec.body.Bytes()); err != nil {
			onErr(err)
		}
	})
}

// checkIncoming checks a request's body and puts it back for the handler.
func (v *Validator) checkIncoming(x exchange, r *http.Request, onErr func(error)) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxCheckedRequestBody+1))
		rest := r.Body
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), rest), rest}
		if err != nil || len(body) > maxCheckedRequestBody {
			return
		}
	}
	if err := v.validateRequest(r.Context(), x, body); err != nil {
		onErr(err)
	}
}

// recorder passes a response through while keeping its status and body.
type recorder struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if !isEventStream(r.Header()) {
		r.body.Write(p)
	}
	return r.ResponseWriter.Write(p)
}

// Flush passes a flush on, for streaming handlers.
func (r *recorder) Flush() {
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// Hijack passes a hijack on; the exchange is then left unchecked.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.hijacked = true
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
