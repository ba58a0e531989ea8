// Sessions as ZStack does them: login by account with a SHA-512 hex
// password, "Authorization: OAuth <session>" on every other call, expiry
// after the session TTL, logout. Sessions live in memory only.
package sns

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
)

type session struct {
	uuid        string
	accountUUID string
	created     time.Time
	expires     time.Time
}

type sessions struct {
	mu       sync.Mutex
	accounts []Account
	ttl      time.Duration
	now      func() time.Time
	m        map[string]*session
}

func newSessions(accounts []Account, ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{accounts: accounts, ttl: ttl, now: now, m: map[string]*session{}}
}

// checkAccounts fills in account uuids and rejects unusable accounts.
func checkAccounts(in []Account) ([]Account, error) {
	out := make([]Account, len(in))
	seen := map[string]bool{}
	for i, a := range in {
		if a.Name == "" {
			return nil, errors.New("sns: an account has no name")
		}
		if seen[a.Name] {
			return nil, fmt.Errorf("sns: account %q is configured twice", a.Name)
		}
		seen[a.Name] = true
		a.PasswordSHA512 = strings.ToLower(strings.TrimSpace(a.PasswordSHA512))
		if len(a.PasswordSHA512) != 128 || strings.Trim(a.PasswordSHA512, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("sns: account %q: PasswordSHA512 must be 128 hex digits (use SHA512Hex)", a.Name)
		}
		if a.UUID == "" {
			if a.Name == "admin" {
				a.UUID = AdminAccountUUID
			} else {
				a.UUID = nameUUID(a.Name)
			}
		}
		out[i] = a
	}
	return out, nil
}

// nameUUID derives a stable ZStack-style uuid from an account name.
func nameUUID(name string) string {
	h := SHA512Hex("sns-account:" + name)
	b := []byte(h[:32])
	b[12] = '4'
	b[16] = "89ab"[strings.IndexByte("0123456789abcdef", b[16])%4]
	return string(b)
}

// login checks the credentials in constant time over every account and
// creates a session.
func (ss *sessions) login(name, passwordHex string) (*session, bool) {
	pw := []byte(strings.ToLower(strings.TrimSpace(passwordHex)))
	var match *Account
	for i := range ss.accounts {
		a := &ss.accounts[i]
		nameOK := subtle.ConstantTimeCompare([]byte(a.Name), []byte(name))
		pwOK := subtle.ConstantTimeCompare([]byte(a.PasswordSHA512), pw)
		if nameOK&pwOK == 1 {
			match = a
		}
	}
	if match == nil {
		return nil, false
	}
	now := ss.now()
	sess := &session{uuid: newUUID(), accountUUID: match.UUID, created: now, expires: now.Add(ss.ttl)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for k, v := range ss.m { // drop expired sessions so the map stays small
		if !now.Before(v.expires) {
			delete(ss.m, k)
		}
	}
	ss.m[sess.uuid] = sess
	return sess, true
}

// valid returns the live session with this uuid.
func (ss *sessions) valid(uuid string) (*session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sess, ok := ss.m[uuid]
	if !ok {
		return nil, false
	}
	if !ss.now().Before(sess.expires) {
		delete(ss.m, uuid)
		return nil, false
	}
	return sess, true
}

func (ss *sessions) logout(uuid string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, uuid)
}

type loginParams struct {
	AccountName *string `json:"accountName"`
	Password    *string `json:"password"`
}

type loginRequest struct {
	LogInByAccount *loginParams `json:"logInByAccount"`
}

// SessionInventory is the answer to a login.
type SessionInventory struct {
	UUID        string `json:"uuid"`
	AccountUUID string `json:"accountUuid"`
	UserUUID    string `json:"userUuid"`
	ExpiredDate string `json:"expiredDate"`
	CreateDate  string `json:"createDate"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	p := decodeWrapped(w, r, "logInByAccount", func(q *loginRequest) *loginParams { return q.LogInByAccount })
	if p == nil {
		return
	}
	trimPtr(p.AccountName, p.Password)
	if e := firstErr(mandatory(msgLogin, "accountName", p.AccountName != nil), mandatory(msgLogin, "password", p.Password != nil)); e != nil {
		writeError(w, e)
		return
	}
	sess, ok := s.sessions.login(*p.AccountName, *p.Password)
	if !ok {
		s.log.Warn("sns: login refused", "accountName", *p.AccountName, "remote", r.RemoteAddr)
		writeError(w, newErr(http.StatusServiceUnavailable, CodeAuthFailure, "wrong account name or password"))
		return
	}
	s.log.Info("sns: login", "accountName", *p.AccountName, "session", maskSession(sess.uuid))
	writeInventory(w, SessionInventory{
		UUID: sess.uuid, AccountUUID: sess.accountUUID, UserUUID: sess.accountUUID,
		ExpiredDate: s.zstackDate(sess.expires), CreateDate: s.zstackDate(sess.created),
	})
}

// handleLogout is APILogOutMsg: no credentials needed, unknown sessions are
// fine, the answer is {}.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	s.sessions.logout(mux.Vars(r)["uuid"])
	writeJSON(w, http.StatusOK, struct{}{})
}

// handleValidateSession is APIValidateSessionMsg: {"valid":bool}.
func (s *Server) handleValidateSession(w http.ResponseWriter, r *http.Request) {
	_, ok := s.sessions.valid(mux.Vars(r)["uuid"])
	writeJSON(w, http.StatusOK, map[string]bool{"valid": ok})
}

// sessionToken parses "Authorization: OAuth <uuid>". A missing header or
// another scheme is a plain-text 400, as ZStack's RestServer answers.
func sessionToken(r *http.Request) (string, string) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", "missing header 'Authorization'"
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "OAuth") {
		return "", "Authorization type must be 'OAuth'"
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", "missing session uuid after 'OAuth' in header 'Authorization'"
	}
	return token, ""
}

// authed wraps a handler that needs a session. The header is always
// checked first (400 text/plain). The session itself is checked here
// (503 ID.1001), except for an async-capable API when Config.Async is on:
// ZStack answers 202 first and fails the job, so the handler checks it.
func (s *Server) authed(h http.HandlerFunc, asyncCapable bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, problem := sessionToken(r)
		if problem != "" {
			writeText(w, http.StatusBadRequest, problem)
			return
		}
		if !(asyncCapable && s.cfg.Async) {
			if _, ok := s.sessions.valid(token); !ok {
				writeError(w, sessionErr())
				return
			}
		}
		h(w, r)
	}
}

// maskSession shortens a session uuid for logs.
func maskSession(uuid string) string {
	if len(uuid) <= 8 {
		return "…"
	}
	return uuid[:8] + "…"
}
