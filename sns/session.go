// Sessions as ZStack does them: login by account with a SHA-512 hex
// password, "Authorization: OAuth <session>" on every other call, expiry
// after the session TTL, logout, at most MaxSessionsPerAccount live
// sessions per account (ZStack's identity.session.maxConcurrent, ID.1006),
// and logins locked for a while after failed attempts (ZStack's login
// control, LOGIN_CONTROL.1002). Sessions live in memory only.

package sns

import (
	"container/heap"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
)

type session struct {
	uuid        string
	accountUUID string
	created     time.Time
	expires     time.Time
	index       int // in the expiry heap
}

// sessions holds the live sessions in a map, and in a heap ordered by
// expiry so that expired ones are dropped a few at a time on each login
// (O(log n) each), never by scanning them all under the lock.
type sessions struct {
	mu        sync.Mutex
	accounts  []Account
	ttl       time.Duration
	now       func() time.Time
	max       int // live sessions per account
	m         map[string]*session
	byExpiry  expiryHeap
	perAcct   map[string]int
	failures  *loginFailures
	refused   atomic.Uint64 // logins refused: the account's session limit
	throttled atomic.Uint64 // logins refused: locked after failed attempts
}

func newSessions(accounts []Account, ttl time.Duration, now func() time.Time, maxPerAccount int) *sessions {
	return &sessions{accounts: accounts, ttl: ttl, now: now, max: maxPerAccount,
		m: map[string]*session{}, perAcct: map[string]int{}, failures: newLoginFailures(now)}
}

// expiryHeap is a container/heap of sessions, soonest expiry first.
type expiryHeap []*session

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *expiryHeap) Push(x any) { s := x.(*session); s.index = len(*h); *h = append(*h, s) }
func (h *expiryHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return s
}

// removeLocked forgets one session.
func (ss *sessions) removeLocked(sess *session) {
	delete(ss.m, sess.uuid)
	heap.Remove(&ss.byExpiry, sess.index)
	if ss.perAcct[sess.accountUUID]--; ss.perAcct[sess.accountUUID] <= 0 {
		delete(ss.perAcct, sess.accountUUID)
	}
}

// expireLocked drops the sessions expired by now, soonest first.
func (ss *sessions) expireLocked(now time.Time) {
	for len(ss.byExpiry) > 0 && !now.Before(ss.byExpiry[0].expires) {
		ss.removeLocked(ss.byExpiry[0])
	}
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

// Why a login is refused.
var (
	errBadCredentials = errors.New("wrong account name or password")
	errSessionLimit   = errors.New("session limit")
)

// login checks the credentials in constant time over every account and
// creates a session. It refuses (errSessionLimit) when the account already
// has its maximum of live sessions, as ZStack does.
func (ss *sessions) login(name, passwordHex string) (*session, error) {
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
		return nil, errBadCredentials
	}
	now := ss.now()
	sess := &session{uuid: newUUID(), accountUUID: match.UUID, created: now, expires: now.Add(ss.ttl)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.expireLocked(now)
	if ss.perAcct[match.UUID] >= ss.max {
		ss.refused.Add(1)
		return nil, errSessionLimit
	}
	ss.m[sess.uuid] = sess
	heap.Push(&ss.byExpiry, sess)
	ss.perAcct[match.UUID]++
	return sess, nil
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
		ss.removeLocked(sess)
		return nil, false
	}
	return sess, true
}

func (ss *sessions) logout(uuid string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if sess, ok := ss.m[uuid]; ok {
		ss.removeLocked(sess)
	}
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
	remote := remoteHost(r)
	if wait := s.sessions.failures.locked(*p.AccountName, remote); wait > 0 {
		s.sessions.throttled.Add(1)
		secs := int((wait + time.Second - 1) / time.Second)
		s.log.Warn("sns: login refused while locked after failed attempts", "accountName", *p.AccountName, "remote", r.RemoteAddr, "retryAfter", secs)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, newErr(http.StatusServiceUnavailable, CodeLoginLocked,
			"retry after: %d seconds (logins are locked after %d failed attempts in a row, for the account and for the address they came from)", secs, loginFailuresAllowed))
		return
	}
	sess, err := s.sessions.login(*p.AccountName, *p.Password)
	switch {
	case errors.Is(err, errBadCredentials):
		s.sessions.failures.failed(*p.AccountName, remote)
		s.log.Warn("sns: login refused", "accountName", *p.AccountName, "remote", r.RemoteAddr)
		writeError(w, newErr(http.StatusServiceUnavailable, CodeAuthFailure, "wrong account name or password"))
		return
	case errors.Is(err, errSessionLimit):
		s.log.Warn("sns: login refused: the account has its maximum of live sessions", "accountName", *p.AccountName, "max", s.sessions.max)
		writeError(w, newErr(http.StatusServiceUnavailable, CodeMaxSessions,
			"Login sessions hit limit of max allowed concurrent login sessions, max allowed: %d", s.sessions.max))
		return
	}
	s.sessions.failures.succeeded(*p.AccountName, remote)
	s.log.Info("sns: login", "accountName", *p.AccountName, "session", redact.Short(sess.uuid))
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

// remoteHost is the address a request came from, without its port.
func remoteHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
