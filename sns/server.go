// The Server: construction, routing under /zstack/v1/, panic recovery, the
// ZStack 404 for unknown paths, and shutdown.

package sns

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/sns/store"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

// Prefix is the path every route of the API starts with.
const Prefix = "/zstack/v1"

// Server serves ZStack's SNS DingTalk API. It is an http.Handler; create it
// with New and release it with Close.
type Server struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	loc      *time.Location
	store    store.Store
	sender   *webhook.Sender
	sessions *sessions
	jobs     *jobs
	router   *mux.Router
	// testConn is the test-connection route's handler, which ServeHTTP
	// also calls without the router (see testConnectionPath).
	testConn http.HandlerFunc

	// writeMu serialises read-check-write sequences on the store (duplicate
	// checks, updates), so concurrent requests cannot interleave them.
	writeMu sync.Mutex
	// storeFull counts creates refused at the store's bounds.
	storeFull atomic.Uint64

	ctx       context.Context // ends on Close; async jobs run under it
	cancel    context.CancelFunc
	lifeMu    sync.Mutex // guards closed and wg.Add against Close
	closed    bool
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// New checks cfg, opens the store and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.SessionTTL < 0 || cfg.JobTTL < 0 || cfg.MaxSessionsPerAccount < 0 || cfg.MaxJobs < 0 {
		return nil, errors.New("sns: SessionTTL, JobTTL, MaxSessionsPerAccount and MaxJobs must not be negative")
	}
	cfg.MaxSessionsPerAccount = cmp.Or(cfg.MaxSessionsPerAccount, DefaultMaxSessionsPerAccount)
	cfg.MaxJobs = cmp.Or(cfg.MaxJobs, DefaultMaxJobs)
	if cfg.MaxEndpoints <= 0 {
		cfg.MaxEndpoints = DefaultMaxEndpoints
	}
	if cfg.MaxAtPersons <= 0 {
		cfg.MaxAtPersons = DefaultMaxAtPersons
	}
	cfg.SessionTTL = cmp.Or(cfg.SessionTTL, DefaultSessionTTL)
	cfg.JobTTL = cmp.Or(cfg.JobTTL, DefaultJobTTL)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Location = cmp.Or(cfg.Location, time.Local)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	if cfg.PublicURL != "" {
		cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
		if !strings.HasPrefix(cfg.PublicURL, "http://") && !strings.HasPrefix(cfg.PublicURL, "https://") {
			return nil, fmt.Errorf("sns: PublicURL %q must start with http:// or https://", cfg.PublicURL)
		}
	}
	defaultAccounts := len(cfg.Accounts) == 0
	if defaultAccounts {
		cfg.Accounts = DefaultAccounts()
	}
	accounts, err := checkAccounts(cfg.Accounts)
	if err != nil {
		return nil, err
	}
	outbound := cfg.Outbound
	if outbound.Logger == nil {
		outbound.Logger = cfg.Logger
	}
	sender, err := webhook.New(outbound)
	if err != nil {
		return nil, fmt.Errorf("sns: %w", err)
	}
	var st store.Store
	if cfg.DataDir != "" {
		if st, err = store.OpenBolt(cfg.DataDir, cfg.Logger); err != nil {
			return nil, err // "store: …" says where it comes from
		}
	} else {
		st = store.NewMemory()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		now:      cfg.Now,
		loc:      cfg.Location,
		store:    st,
		sender:   sender,
		sessions: newSessions(accounts, cfg.SessionTTL, cfg.Now, cfg.MaxSessionsPerAccount),
		jobs:     newJobs(cfg.JobTTL, cfg.Now, cfg.MaxJobs),
		ctx:      ctx,
		cancel:   cancel,
	}
	s.testConn = s.authed(s.handleTestConnection, true)
	s.router = s.routes()
	names := make([]string, len(accounts))
	for i, a := range accounts {
		names[i] = a.Name
	}
	s.log.Info("sns: ready", "accounts", names, "sessionTTL", cfg.SessionTTL.String(), "async", cfg.Async,
		"dataDir", cfg.DataDir, "webhookTimeout", sender.Timeout().String())
	if defaultAccounts {
		s.log.Info(`sns: log in as ZStack's initial account: accountName "admin", password "password" (send its SHA-512 hex)`,
			"passwordSHA512", SHA512Hex(DefaultAdminPassword))
	}
	return s, nil
}

// ServeHTTP serves the API. Paths outside /zstack/ are answered like
// unknown API paths; mount the Server at /zstack/ in a larger mux.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("sns: panic while serving a request", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			writeError(w, internalErr("unexpected error while handling %s %s: %v", r.Method, r.URL.Path, v))
		}
	}()
	if r.URL.Path == Prefix+testConnectionPath && r.Method == http.MethodPost {
		// The API's hot path skips the router, where it would land all the
		// same (the path is clean and exact, the method the route's):
		// matching it there costs gorilla/mux's path regexps over the
		// routes before it and two copies of the request to store the route
		// in its context, about 2.5 µs and 8 allocations per call.
		s.testConn(w, r)
		return
	}
	s.router.ServeHTTP(w, r)
}

// Stats counts what the server refused or dropped to stay within its
// bounds since it started.
type Stats struct {
	// LoginsLocked counts logins refused while locked after failed attempts.
	LoginsLocked uint64 `json:"loginsLocked"`
	// SessionLimit counts logins refused at an account's session limit.
	SessionLimit uint64 `json:"sessionLimit"`
	// JobsRefused counts async jobs refused because MaxJobs were running.
	JobsRefused uint64 `json:"jobsRefused"`
	// JobResultsExpiredEarly counts job results expired before their TTL
	// because the table was full (count or bytes).
	JobResultsExpiredEarly uint64 `json:"jobResultsExpiredEarly"`
	// StoreFull counts creates refused at MaxEndpoints or MaxAtPersons.
	StoreFull uint64 `json:"storeFull"`
}

// Stats reports the refusals and drops so far.
func (s *Server) Stats() Stats {
	return Stats{
		LoginsLocked: s.sessions.throttled.Load(), SessionLimit: s.sessions.refused.Load(),
		JobsRefused: s.jobs.refused.Load(), JobResultsExpiredEarly: s.jobs.expiredEarly.Load(),
		StoreFull: s.storeFull.Load(),
	}
}

// Close stops async jobs, waits for them, closes the webhook connections
// kept alive and closes the store. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.lifeMu.Lock()
		s.closed = true
		s.lifeMu.Unlock()
		s.cancel()
		s.wg.Wait()
		s.sender.Close()
		s.closeErr = s.store.Close()
	})
	return s.closeErr
}

func (s *Server) routes() *mux.Router {
	r := mux.NewRouter()
	// Full paths on one router, not a PathPrefix subrouter: in gorilla/mux
	// v1.8.1 a subrouter's later route whose prefix matches clears the
	// method mismatch an earlier route found, so a wrong method got 404.
	v1 := prefixed{r}

	v1.HandleFunc("/accounts/login", s.handleLogin).Methods(http.MethodPut)
	v1.HandleFunc("/accounts/sessions/{uuid}", s.handleLogout).Methods(http.MethodDelete)
	v1.HandleFunc("/accounts/sessions/{uuid}/valid", s.handleValidateSession).Methods(http.MethodGet)

	v1.HandleFunc("/api-jobs/{id}", s.handleJob).Methods(http.MethodGet)

	const dt = dingTalkPath
	v1.HandleFunc(testConnectionPath, s.testConn).Methods(http.MethodPost)
	v1.HandleFunc(dt+"/at-persons", s.authed(s.handleAddAtPerson, false)).Methods(http.MethodPost)
	v1.HandleFunc(dt+"/at-persons", s.authed(s.handleQueryAtPersons, false)).Methods(http.MethodGet)
	v1.HandleFunc(dt+"/at-persons/{uuid}", s.authed(s.handleQueryAtPersons, false)).Methods(http.MethodGet)
	v1.HandleFunc(dt+"/at-persons/{uuid}/actions", s.authed(s.handleUpdateAtPerson, false)).Methods(http.MethodPut)
	v1.HandleFunc(dt+"/{endpointUuid}/at-persons/{phoneNumber}", s.authed(s.handleRemoveAtPerson, false)).Methods(http.MethodDelete)
	v1.HandleFunc(dt, s.authed(s.handleCreateEndpoint, false)).Methods(http.MethodPost)
	v1.HandleFunc(dt, s.authed(s.handleQueryEndpoints, false)).Methods(http.MethodGet)
	v1.HandleFunc(dt+"/{uuid}", s.authed(s.handleQueryEndpoints, false)).Methods(http.MethodGet)
	v1.HandleFunc(dt+"/{uuid}/actions", s.authed(s.handleUpdateEndpoint, false)).Methods(http.MethodPut)

	const ep = "/sns/application-endpoints"
	v1.HandleFunc(ep, s.authed(s.handleQueryApplicationEndpoints, false)).Methods(http.MethodGet)
	v1.HandleFunc(ep+"/{uuid}", s.authed(s.handleQueryApplicationEndpoints, false)).Methods(http.MethodGet)
	v1.HandleFunc(ep+"/{uuid}", s.authed(s.handleDeleteEndpoint, false)).Methods(http.MethodDelete)
	v1.HandleFunc(ep+"/{uuid}/actions", s.authed(s.handleApplicationEndpointAction, false)).Methods(http.MethodPut)

	// The API's one 404 and one 405.
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeText(w, http.StatusNotFound, "no api mapping to "+req.URL.Path)
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		allow := allowedMethods(r, req)
		w.Header().Set("Allow", allow)
		writeText(w, http.StatusMethodNotAllowed, fmt.Sprintf("no api mapping to %s %s: only %s is allowed on this path", req.Method, req.URL.Path, allow))
	})
	return r
}

// The paths of the DingTalk endpoint APIs, under Prefix.
const (
	dingTalkPath       = "/sns/application-endpoints/ding-talk"
	testConnectionPath = dingTalkPath + "/test-connection"
)

// prefixed registers routes under Prefix.
type prefixed struct{ r *mux.Router }

func (p prefixed) HandleFunc(path string, h http.HandlerFunc) *mux.Route {
	return p.r.HandleFunc(Prefix+path, h)
}

// allowedMethods lists the methods r routes on req's path, for a 405's
// Allow header.
func allowedMethods(r *mux.Router, req *http.Request) string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := *req
		probe.Method = m
		var match mux.RouteMatch
		if r.Match(&probe, &match) && match.MatchErr == nil {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// newUUID returns a ZStack-style uuid: 32 lower-case hex digits of a
// version-4 UUID, which passes ZStack's resource uuid pattern.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("sns: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// zstackDate writes t as ZStack's REST layer does ("Jan 2, 2006 3:04:05 PM").
func (s *Server) zstackDate(t time.Time) string {
	return t.In(s.loc).Format(DateLayout)
}

// DateLayout is the time layout of every date the API writes, as ZStack's
// Gson writes java.sql.Timestamp.
const DateLayout = "Jan 2, 2006 3:04:05 PM"
