// The benchmarks' response writer: reused from one request to the next, so
// a benchmark counts the handler's allocations, not a recorder's.

package testhttp

import "net/http"

// ReusedWriter is an http.ResponseWriter that keeps the last answer's
// status and body; Reset readies it for the next request.
type ReusedWriter struct {
	header http.Header
	Code   int
	Body   []byte
}

// Reset forgets the last answer, keeping the memory it used.
func (w *ReusedWriter) Reset() {
	clear(w.header)
	w.Code, w.Body = 0, w.Body[:0]
}

// Header returns the answer's header map.
func (w *ReusedWriter) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}

// WriteHeader records the first status written.
func (w *ReusedWriter) WriteHeader(code int) {
	if w.Code == 0 {
		w.Code = code
	}
}

// Write appends p to Body (status 200 unless one was written).
func (w *ReusedWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.Body = append(w.Body, p...)
	return len(p), nil
}
