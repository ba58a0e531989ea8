// Who may use the admin API and the inbox. The guard (package guard)
// refuses what a web page could send: a Host that is not the server's (DNS
// rebinding), a cross-site state-changing request, and, on the admin API, a
// state-changing body that is not JSON. When Config.AdminToken is set, the
// admin API (but its health check) and the inbox also answer 401 unless the
// request carries the token, so a fake reachable beyond loopback cannot be
// reconfigured, read or cleared by anyone who can reach it. The send API
// stays open, as DingTalk's is.

package mockdingtalk

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// adminTokenHeader is the header that may carry Config.AdminToken (as may
// "Authorization: Bearer <token>" and HTTP Basic's password).
const adminTokenHeader = "X-Mock-Admin-Token"

// guardAdmin wraps the admin API in the guard: 403 for a foreign Host or a
// cross-site request, 415 for a state-changing body that is not JSON.
// /_mock/health answers anyone, as with the admin token.
func (s *Server) guardAdmin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != AdminPrefix+"/health" {
			ref := s.guard.Check(r)
			if ref == nil {
				ref = s.guard.JSONOnly(r)
			}
			if ref != nil {
				s.log.Warn("admin request refused", "method", r.Method, "path", r.URL.Path, "host", r.Host,
					"origin", r.Header.Get("Origin"), "remote", r.RemoteAddr, "why", ref.Message)
				writeError(w, ref.Status, "%s", ref.Message)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// requireAdminToken wraps h so that it runs only for requests carrying
// the admin token (every request when none is configured).
func (s *Server) requireAdminToken(h http.Handler) http.Handler {
	if s.cfg.AdminToken == "" {
		return h
	}
	want := []byte(s.cfg.AdminToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == AdminPrefix+"/health" || hasToken(r, want) {
			h.ServeHTTP(w, r)
			return
		}
		s.log.Warn("admin request refused: missing or wrong admin token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		// Basic first: browsers prompt for it, which keeps the inbox usable.
		w.Header().Add("WWW-Authenticate", `Basic realm="mockdingtalk", charset="UTF-8"`)
		w.Header().Add("WWW-Authenticate", `Bearer realm="mockdingtalk"`)
		writeError(w, http.StatusUnauthorized, "this fake requires its admin token: send \"Authorization: Bearer <token>\" or %q (in a browser, any user name with the token as password)", adminTokenHeader)
	})
}

// hasToken reports whether r carries want in any accepted form, comparing
// in constant time.
func hasToken(r *http.Request, want []byte) bool {
	match := func(got string) bool { return subtle.ConstantTimeCompare([]byte(got), want) == 1 }
	if v := r.Header.Get(adminTokenHeader); v != "" && match(v) {
		return true
	}
	auth := r.Header.Get("Authorization")
	if scheme, rest, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") && match(strings.TrimSpace(rest)) {
		return true
	}
	if _, password, ok := r.BasicAuth(); ok && match(password) {
		return true
	}
	return false
}
