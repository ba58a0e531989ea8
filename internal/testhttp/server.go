// Requests as a server receives them, for specs that call a handler
// in-process instead of over a connection.

package testhttp

import (
	"net/http"
	"net/http/httptest"
)

// NewServerRequest builds r as a server receives it, for a handler called
// in-process (httptest.NewRequest: RemoteAddr 192.0.2.1:1234, and Host
// example.com when r.URL is only a path).
func NewServerRequest(r Request) *http.Request {
	ctx, method, body := r.parts()
	req := httptest.NewRequestWithContext(ctx, method, r.URL, body)
	r.setHeader(req)
	return req
}
