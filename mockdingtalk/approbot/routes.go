// Where the app robot API is mounted: its paths on the fake's router, and
// the answer for any other path under /v1.0/.

package approbot

import (
	"net/http"

	"github.com/gorilla/mux"
)

// Routes registers the app robot API on r: the token endpoints, the
// message endpoints, and a DingTalk-shaped 404 for any other method or
// path under /v1.0/. Register it before any catch-all route.
func (s *Service) Routes(r *mux.Router) {
	r.Path(AccessTokenPath).Methods(http.MethodPost).HandlerFunc(s.handleAccessToken)
	r.Path(GroupSendPath).Methods(http.MethodPost).HandlerFunc(s.handleGroupSend)
	r.Path(BatchSendPath).Methods(http.MethodPost).HandlerFunc(s.handleBatchSend)
	r.Path(GetTokenPath).HandlerFunc(s.handleGetToken)
	r.Path(SessionPath).HandlerFunc(s.handleSession)
	r.PathPrefix("/v1.0/").HandlerFunc(s.handleNoAPI)
}

// handleNoAPI answers a path or method the API does not have.
func (s *Service) handleNoAPI(w http.ResponseWriter, r *http.Request) {
	body, _ := readBody(r, maxTokenBody)
	x := s.begin(r, body)
	x.reject(w, ErrNoAPI, x.fail("path", "%s %s is not an app robot API the fake serves (POST %s, %s, %s; GET %s)", r.Method, r.URL.Path, AccessTokenPath, GroupSendPath, BatchSendPath, GetTokenPath))
}
