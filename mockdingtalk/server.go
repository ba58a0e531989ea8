// The Server: New and Start, its routes (the send API, the admin API and the
// inbox on one router), the journal reads and waits, the clock controls,
// Reset and Close.

package mockdingtalk

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/internal/clock"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/guard"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/inbox"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Server is the fake robot: robots, journal, faults and clock behind one
// http.Handler. All methods are safe for concurrent use.
type Server struct {
	cfg         Config
	log         *slog.Logger
	startRobots []robotEntry // normalized start-up robots (settings only)
	journal     *journal.Journal
	clock       clock.Clock
	faults      *faultSet
	inbox       *inbox.Inbox
	guard       *guard.Policy
	apps        *approbot.Service // the app robot API
	handler     http.Handler

	mu     sync.RWMutex
	robots map[string]*robotEntry
	order  []string
	// robotsChanged is closed and replaced whenever the robot list
	// changes (guarded by mu), so the inbox's streams need not poll it.
	robotsChanged chan struct{}

	remembered    budget // msgUuids and signs remembered by all robots
	refusedRobots atomic.Uint64
	refusedFaults atomic.Uint64
	waits         atomic.Int64 // /_mock/messages/wait requests held now
	refusedWaits  atomic.Uint64

	life      context.Context // ends at Close: releases hung and waiting handlers
	stop      context.CancelFunc
	done      <-chan struct{} // life.Done()
	closeOnce sync.Once
	httpSrv   *http.Server
	serveDone chan struct{}
	listenURL string
}

// New returns a Server for cfg with no listener; serve it with your own
// http.Server or call its ServeHTTP. Invalid settings give a
// *ValidationError. Call Close when done to release blocked requests.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.Robots = append([]Robot(nil), cfg.Robots...)
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		journal: journal.New(journal.Config{Cap: cfg.JournalCap, MaxBytes: cfg.JournalMaxBytes, Expand: expandEntry}),
		faults:  &faultSet{},
	}
	s.remembered.max = maxRememberedTotal
	s.robotsChanged = make(chan struct{})
	s.life, s.stop = context.WithCancel(context.Background())
	s.done = s.life.Done()
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	seen := make(map[string]bool, len(cfg.Robots))
	for i, r := range cfg.Robots {
		nr, allow, err := r.normalize(robotField(i))
		if err != nil {
			return nil, err
		}
		if seen[nr.AccessToken] {
			return nil, invalid(robotField(i)+".accessToken", "%q is used by an earlier robot", nr.AccessToken)
		}
		seen[nr.AccessToken] = true
		s.startRobots = append(s.startRobots, robotEntry{robot: nr, allow: allow})
	}
	s.resetRobots()
	s.startClock()
	if err := s.newAppRobots(cfg); err != nil {
		return nil, err
	}
	hosts := append([]string{}, cfg.AllowedHosts...)
	if cfg.PublicURL != "" {
		hosts = append(hosts, cfg.PublicURL)
	}
	if s.guard, err = guard.New(hosts...); err != nil {
		return nil, invalid("allowedHosts", "%s", err)
	}
	s.inbox = inbox.New(inbox.Config{Journal: s.journal, Robots: s.inboxRobots, RobotsChanged: s.robotsChangeSignal,
		Apps: s.apps, Logger: s.log, Guard: s.guard})
	s.handler = s.routes()
	return s, nil
}

func robotField(i int) string { return "robots[" + strconv.Itoa(i) + "]" }

// Start returns a Server for cfg listening on a free port of 127.0.0.1.
// URL gives its address. Call Close to stop it.
func Start(cfg Config) (*Server, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.listenURL = "http://" + ln.Addr().String()
	s.httpSrv = NewHTTPServer(s)
	s.httpSrv.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)
	s.serveDone = make(chan struct{})
	go func() {
		defer close(s.serveDone)
		_ = s.httpSrv.Serve(ln)
	}()
	return s, nil
}

// Limits of the HTTP server Start runs and NewHTTPServer returns. A slow
// or stalled client is cut off, and writeTimeout leaves room for the
// longest legitimate answer, a 10-minute wait (/_mock/messages/wait) or
// delay fault.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	writeTimeout      = maxWaitTimeout + time.Minute
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 256 << 10
)

// NewHTTPServer returns an http.Server for h with the limits Start's own
// server has: read-header 10 s, read 1 min, write 11 min (room for the
// longest wait or delay fault), idle 2 min, 256 KiB of headers. Use it
// when you serve the fake (alone or mounted beside other handlers) on a
// listener of your own; set ErrorLog, BaseContext and the like as needed.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// routes builds the router: the send API, the admin API and the inbox
// (the last two behind the guard against cross-site use and the admin
// token, when one is configured; the inbox applies the guard itself).
func (s *Server) routes() http.Handler {
	// SkipClean: gorilla/mux would answer "//robot/send" (a base URL
	// ending in '/') with a 301 to the clean path, which clients follow as
	// a GET. DingTalk answers every path in its own shape, so the send API
	// classifies the path itself (paths.go); the exact /robot/send never
	// gets here (see ServeHTTP).
	r := mux.NewRouter().SkipClean(true)
	s.apps.Routes(r) // first: its sessionWebhook path is under /robot
	r.MatcherFunc(isRobotPath).HandlerFunc(s.handleSend)
	admin := r.PathPrefix(AdminPrefix).Subrouter()
	s.adminRoutes(admin)
	admin.Use(s.guardAdmin, s.requireAdminToken, parsableQuery)
	r.PathPrefix("/").Handler(s.requireAdminToken(s.inbox))
	return r
}

// ServeHTTP serves the send API at /robot/send, the admin API under
// /_mock/ and the inbox page at / (and /_inbox/).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == SendPath {
		// The hot path skips the router: matching through gorilla/mux
		// copies the request twice to store the route in its context: +7
		// allocations and +848 B per send (a signed send wrapped in a mux
		// route: 4 → 11 allocations, 928 → 1,776 B; the binary's
		// BenchmarkListenerSend measures the same router cost).
		s.handleSend(w, r)
		return
	}
	s.handler.ServeHTTP(w, r)
}

// URL is the base URL clients reach the server at: Config.PublicURL if set,
// else the listener's "http://127.0.0.1:port" (Start), else "".
func (s *Server) URL() string {
	if s.cfg.PublicURL != "" {
		return trimSlash(s.cfg.PublicURL)
	}
	return s.listenURL
}

// Entries returns the journal entries matching f, oldest first: the one
// way to read the journal from Go (package match's matchers take its
// result). What the journal holds and dropped is in GET /_mock/health.
func (s *Server) Entries(f journal.Filter) []journal.Entry { return s.journal.List(f) }

// WaitForEntries blocks until at least n entries match f and returns them
// (f.Limit is ignored), or returns ctx's error with the entries so far. It
// also gives up when the server closes.
func (s *Server) WaitForEntries(ctx context.Context, f journal.Filter, n int) ([]journal.Entry, error) {
	got, err := s.waitSnapshot(ctx, f, n)
	return got.Entries(), err
}

// waitSnapshot is WaitForEntries returning a journal.Snapshot.
func (s *Server) waitSnapshot(ctx context.Context, f journal.Filter, n int) (*journal.Snapshot, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(s.life, func() { cancel(ErrClosed) })
	defer stop()
	got, err := s.journal.WaitSnapshot(ctx, f, n)
	if err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, ErrClosed) {
			return got, ErrClosed
		}
	}
	return got, err
}

// ErrClosed is returned by WaitForEntries when the server closes first.
var ErrClosed = errors.New("mockdingtalk: server closed")

// ClearEntries empties the journal (sequence numbers keep counting).
func (s *Server) ClearEntries() { s.journal.Clear() }

// Now is the fake's current time. It drives signature timestamp checks,
// journal times, rate-limit windows and app robot tokens; s.Now has the
// shape of every clock hook in the project (sns.Config.Now,
// webhook.Config.Now), so other parts of a test can run on the fake's time.
func (s *Server) Now() time.Time { return s.clock.Now() }

// SetNow freezes the fake's clock at t; it stays there until moved. Reset
// returns it to the Config's clock (FreezeAt, ClockOffset or real time);
// the admin API's PUT /_mock/clock also offers an offset and real time.
func (s *Server) SetNow(t time.Time) { s.clock.Set(t, true) }

// Advance moves the fake's clock by d (back if negative), frozen or not,
// so a test crosses an hour or a lockout without sleeping.
func (s *Server) Advance(d time.Duration) { s.clock.Advance(d) }

// startClock applies the Config's clock settings (FreezeAt, ClockOffset).
func (s *Server) startClock() {
	if !s.cfg.FreezeAt.IsZero() {
		s.clock.Set(s.cfg.FreezeAt, true)
		return
	}
	s.clock.SetOffset(s.cfg.ClockOffset)
}

// Reset puts the server back to its start-up configuration: the Config's
// robots (with their original tokens and fresh rate-limit state), an empty
// journal, no faults and the Config's clock.
func (s *Server) Reset() {
	s.resetRobots()
	s.journal.Clear()
	s.faults.clear()
	s.startClock()
	s.apps.Reset()
}

// Close stops the listener (if any), closes open connections and releases
// every request held by a hang or delay fault or a wait. It does not wait
// for handlers to finish. Safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.stop()
		s.inbox.Close()
		if s.httpSrv != nil {
			_ = s.httpSrv.Close()
			<-s.serveDone
		}
	})
}

// isRobotPath is the router's matcher for the send API's path variants.
func isRobotPath(r *http.Request, _ *mux.RouteMatch) bool {
	return classifyPath(r.URL.Path) != pathOther
}

func trimSlash(u string) string {
	for len(u) > 0 && u[len(u)-1] == '/' {
		u = u[:len(u)-1]
	}
	return u
}

// inboxRobots lists the robots for the inbox page.
func (s *Server) inboxRobots() []inbox.Robot {
	robots := s.Robots()
	out := make([]inbox.Robot, 0, len(robots))
	for _, r := range robots {
		out = append(out, inbox.Robot{AccessToken: r.AccessToken, Name: r.Name, WebhookURL: s.WebhookURL(r.AccessToken), Secret: r.Secret})
	}
	return out
}
