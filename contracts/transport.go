// The client side: an http.RoundTripper that checks every request it sends
// and every response it receives, an *http.Client for specs built on it, and
// the context marks for requests that break the contract on purpose.

package contracts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync"
)

type markKey struct{}

type mark int

const (
	markNegative mark = iota + 1
	markUnchecked
)

// Negative marks ctx for requests that break the contract on purpose (a
// missing access_token, a sign left unencoded, a body without msgtype). Their
// request is not checked; their response still is, so a server's refusal
// must be a documented one. An unknown path skips the response check too.
func Negative(ctx context.Context) context.Context {
	return context.WithValue(ctx, markKey{}, markNegative)
}

// Unchecked marks ctx for requests neither side of which should be checked
// (raw garbage, paths outside every API).
func Unchecked(ctx context.Context) context.Context {
	return context.WithValue(ctx, markKey{}, markUnchecked)
}

// IsNegative reports whether ctx was marked by Negative.
func IsNegative(ctx context.Context) bool { return ctx.Value(markKey{}) == markNegative }

func isUnchecked(ctx context.Context) bool { return ctx.Value(markKey{}) == markUnchecked }

// RoundTripper wraps next (http.DefaultTransport when nil) so that every
// request it sends and every response it receives is checked against the
// contract. Bodies are read in full and put back, so callers see them
// unchanged; responses of type text/event-stream are not buffered.
//
// A mismatch is passed to onErr and the exchange goes on. With a nil onErr
// the mismatch is returned from RoundTrip instead: a bad request is not
// sent, and a bad response is closed and replaced by the error.
func (v *Validator) RoundTripper(next http.RoundTripper, onErr func(error)) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{v: v, next: next, onErr: onErr}
}

type transport struct {
	v     *Validator
	next  http.RoundTripper
	onErr func(error)
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if isUnchecked(ctx) {
		return t.next.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("contracts: read the request body: %w", err)
		}
	}
	out := req.Clone(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}

	negative := IsNegative(ctx)
	x := t.v.find(req)
	switch {
	case x.err != nil && !negative:
		if err := t.report(x.routeMismatch()); err != nil {
			return nil, err
		}
	case x.err == nil && !negative:
		if err := t.report(t.v.validateRequest(ctx, x, body)); err != nil {
			return nil, err
		}
	}

	resp, err := t.next.RoundTrip(out)
	if err != nil || x.err != nil {
		return resp, err
	}
	var respBody []byte
	if !isEventStream(resp.Header) {
		respBody, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("contracts: read the response body: %w", err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(respBody))
	}
	if err := t.report(t.v.validateResponse(x, resp.StatusCode, resp.Header, respBody)); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// report hands a mismatch to onErr, or returns it when there is none.
func (t *transport) report(err error) error {
	if err == nil {
		return nil
	}
	if t.onErr == nil {
		return err
	}
	t.onErr(err)
	return nil
}

// NewHTTPClient returns a client whose every exchange is checked against the
// module's openapi.yaml (Default), failing through fail on a mismatch. Pass
// Ginkgo's Fail (or Gomega's fail handler):
//
//	client := contracts.NewHTTPClient(Fail)
//	DeferCleanup(client.CloseIdleConnections)
//
// fail is called on the goroutine that sent the request, with a callerSkip
// that points at the code that made the request (see FailAtCaller), so
// Ginkgo reports the spec's line; a client used by a server's goroutines
// should rather report to a Recorder. The client has its own connection
// pool, no timeout and follows no redirects (a redirect is an answer to
// check, not to follow).
func NewHTTPClient(fail func(message string, callerSkip ...int)) *http.Client {
	return &http.Client{
		Transport: Default().RoundTripper(http.DefaultTransport.(*http.Transport).Clone(), FailAtCaller(fail)),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// FailAtCaller turns a fail handler (Ginkgo's Fail, Gomega's fail
// handler) into an onErr for RoundTripper. The mismatch is reported at the
// code that sent the request, not inside this package: the callerSkip
// passed to fail skips every frame of net/http and of this package, so it
// names the first frame outside them (client.Do's caller; Ginkgo goes on
// past functions marked with GinkgoHelper). Call the result on the
// goroutine that sent the request, which RoundTripper does.
func FailAtCaller(fail func(message string, callerSkip ...int)) func(error) {
	return func(err error) {
		fail(err.Error(), requestCallerSkip())
	}
}

// ownPackage is this package's import path.
var ownPackage = reflect.TypeFor[transport]().PkgPath()

// requestCallerSkip counts the frames between the function that calls it
// (skip 0, the onErr of FailAtCaller) and the first frame outside net/http
// and this package: the callerSkip that makes a fail handler name that
// frame. It is 1 (onErr's caller) when no such frame is found.
func requestCallerSkip() int {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs) // 0 = runtime.Callers, 1 = this function
	frames := runtime.CallersFrames(pcs[:n])
	for i := 0; ; i++ {
		f, more := frames.Next()
		if !inTransportStack(f.Function) {
			return i
		}
		if !more {
			return 1
		}
	}
}

// inTransportStack reports whether a function (as runtime names it) belongs
// to net/http or this package, the frames between a request's sender and
// the check.
func inTransportStack(function string) bool {
	for _, pkg := range []string{"net/http", ownPackage} {
		if rest, ok := strings.CutPrefix(function, pkg); ok && strings.HasPrefix(rest, ".") {
			return true
		}
	}
	return false
}

// Recorder collects mismatches from any goroutine, for a spec to check at
// its end:
//
//	rec := &contracts.Recorder{}
//	handler := contracts.Default().Middleware(h, rec.Record)
//	DeferCleanup(func() { Expect(rec.Err()).NotTo(HaveOccurred()) })
type Recorder struct {
	mu   sync.Mutex
	errs []error
}

// Record keeps err; it is safe to call from several goroutines.
func (r *Recorder) Record(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

// Errors returns every mismatch recorded so far.
func (r *Recorder) Errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// Err joins every mismatch recorded so far (nil when there is none).
func (r *Recorder) Err() error { return errors.Join(r.Errors()...) }
