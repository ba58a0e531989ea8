// The admin token: when Config.AdminToken is set, the admin API (but its
// health check) and the inbox answer 401 unless the request carries the
// token, so a fake reachable beyond loopback cannot be reconfigured, read
// or cleared by anyone who can reach it. The send API stays open, as
// DingTalk's is.
package mockdingtalk

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// AdminTokenHeader is the header that may carry Config.AdminToken (as may
// "Authorization: Bearer <token>" and HTTP Basic's password).
const AdminTokenHeader = "X-Mock-Admin-Token"

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
		writeError(w, http.StatusUnauthorized, "this fake requires its admin token: send \"Authorization: Bearer <token>\" or %q (in a browser, any user name with the token as password)", AdminTokenHeader)
	})
}

// hasToken reports whether r carries want in any accepted form, comparing
// in constant time.
func hasToken(r *http.Request, want []byte) bool {
	match := func(got string) bool { return subtle.ConstantTimeCompare([]byte(got), want) == 1 }
	if v := r.Header.Get(AdminTokenHeader); v != "" && match(v) {
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
