// The admin API under /_mock/: robots, the journal (list and wait), faults,
// the clock, reset and health, as JSON over HTTP, so that tests in other
// processes (ginkgo -p) can do everything the Go API can.

package mockdingtalk

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/internal/jsonbody"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/guard"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// AdminPrefix is the path prefix of the admin API.
const AdminPrefix = "/_mock"

// Admin API limits and defaults.
const (
	maxAdminBody       = 1 << 20 // bytes of a request body
	defaultWaitTimeout = 10 * time.Second
	maxWaitTimeout     = 10 * time.Minute
)

// adminRoutes registers the admin API on r (a subrouter for AdminPrefix).
func (s *Server) adminRoutes(r *mux.Router) {
	handle(r, "/health", anyQuery, get(s.adminHealth))
	handle(r, "/robots", noQuery, get(s.adminListRobots), post(s.adminAddRobot))
	handle(r, "/robots/{accessToken}", noQuery, get(s.adminGetRobot), put(s.adminPutRobot), del(s.adminDeleteRobot))
	handle(r, "/messages", anyQuery, get(s.adminListMessages), del(noContent(s.ClearEntries)))
	handle(r, "/messages/wait", anyQuery, get(s.adminWaitMessages))
	handle(r, "/faults", noQuery, get(s.adminListFaults), post(s.adminAddFault), del(noContent(s.ClearFaults)))
	handle(r, "/faults/{id}", noQuery, get(s.adminGetFault), del(adminRemove("id", s.RemoveFault)))
	handle(r, "/clock", noQuery, get(s.adminGetClock), put(s.adminPutClock))
	handle(r, "/reset", noQuery, post(noContent(s.Reset)))
	s.appAdminRoutes(r)
	// The admin API's one 404: a route rather than the router's
	// NotFoundHandler, which gorilla/mux serves without the middleware, so
	// the guard and the admin token still come first (as for handle's 405).
	r.PathPrefix("/").HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no admin endpoint at %s", r.URL.Path)
	})
}

// noContent answers 204 after do (clearing or resetting something).
func noContent(do func()) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		do()
		w.WriteHeader(http.StatusNoContent)
	}
}

// parsableQuery answers 400 for a query Go cannot parse whole (a broken
// %-escape, a ';' separator, more than 10,000 parameters) instead of
// letting the handler see an empty one.
func parsableQuery(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			writeError(w, http.StatusBadRequest, "the query cannot be parsed (%v); nothing was done", err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// noQuery wraps an endpoint that takes no query parameters: any is a 400.
func noQuery(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k := range r.URL.Query() {
			writeError(w, http.StatusBadRequest, "unknown query parameter %q: %s takes none", k, r.URL.Path)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// anyQuery wraps an endpoint whose handler reads the query itself.
func anyQuery(h http.Handler) http.Handler { return h }

// methodHandler is the handler of one method on an admin path.
type methodHandler struct {
	method string
	fn     http.HandlerFunc
}

func get(fn http.HandlerFunc) methodHandler  { return methodHandler{http.MethodGet, fn} }
func post(fn http.HandlerFunc) methodHandler { return methodHandler{http.MethodPost, fn} }
func put(fn http.HandlerFunc) methodHandler  { return methodHandler{http.MethodPut, fn} }
func del(fn http.HandlerFunc) methodHandler  { return methodHandler{http.MethodDelete, fn} }

// handle registers an admin path: one gorilla/mux route per method
// (.Methods), then a route for the path's other methods that answers 405
// with Allow. A route of the router (not its MethodNotAllowedHandler) is
// what keeps the admin middleware (guard, token) in front of a 405 and
// the catch-all 404 behind it. wrap (noQuery or anyQuery) applies to every
// route, so a query is refused before a method.
func handle(r *mux.Router, path string, wrap func(http.Handler) http.Handler, hs ...methodHandler) {
	allow := make([]string, 0, len(hs))
	for _, h := range hs {
		r.Path(path).Methods(h.method).Handler(wrap(h.fn))
		allow = append(allow, h.method)
	}
	sort.Strings(allow)
	r.Path(path).Handler(wrap(methodNotAllowed(strings.Join(allow, ", "))))
}

// methodNotAllowed is the admin API's one 405 answer.
func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encode answer: %v", err)
		return
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// adminError is the body of every admin API error.
type adminError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, adminError{Error: fmt.Sprintf(format, args...)})
}

// writeErr answers an error of the Go API (this package's or approbot's,
// for the app robot routes) with the matching status, without the
// package prefix.
func writeErr(w http.ResponseWriter, err error) {
	msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "mockdingtalk: "), "approbot: ")
	var ve *ValidationError
	var appVE *approbot.ValidationError
	switch {
	case errors.As(err, &ve), errors.As(err, &appVE):
		writeError(w, http.StatusBadRequest, "%s", msg)
	case errors.Is(err, ErrRobotNotFound), errors.Is(err, ErrFaultNotFound), errors.Is(err, approbot.ErrNotFound):
		writeError(w, http.StatusNotFound, "%s", msg)
	case errors.Is(err, ErrRobotExists), errors.Is(err, approbot.ErrExists):
		writeError(w, http.StatusConflict, "%s", msg)
	case errors.Is(err, ErrFull), errors.Is(err, approbot.ErrFull):
		writeError(w, http.StatusInsufficientStorage, "%s", msg)
	default:
		writeError(w, http.StatusInternalServerError, "%s", msg)
	}
}

// decodeBody reads one JSON object of at most 1 MiB into v, rejecting
// unknown fields and trailing data. It answers the error itself and
// returns false on failure. An empty body decodes as {} when emptyOK.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, emptyOK bool) bool {
	e := jsonbody.Decode(w, r, v, jsonbody.Options{Limit: maxAdminBody, DisallowUnknownFields: true, AllowEmpty: emptyOK})
	if e == nil {
		return true
	}
	status := http.StatusBadRequest
	if e.Kind == jsonbody.TooLarge {
		status = http.StatusRequestEntityTooLarge
	}
	writeError(w, status, "%s", bodyWording.Describe(e))
	return false
}

// bodyWording says in plain words what is wrong with a JSON body.
var bodyWording = jsonbody.Wording{
	TooLarge:   "request body is over %d bytes",
	Unreadable: "read request body: %v",
	Empty:      "request body is empty; want a JSON object",
	Syntax:     "request body is not valid JSON (at byte %d): %v",
	NotObject:  "request body must be a JSON object, not a %s",
	WrongField: "field %[1]q: got a JSON %[3]s, want %[2]s",
	Truncated:  "request body is truncated JSON",
	Trailing:   "request body has data after the JSON object",
	Invalid: func(err error) string {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		if strings.HasPrefix(msg, "unknown field ") {
			return msg + " in request body"
		}
		return "request body: " + msg
	},
	Want: func(t reflect.Type) string { return jsonKind(t.String()) },
	Got:  func(value string) string { return value },
}

// jsonKind names a Go type as the JSON it expects.
func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array of " + jsonKind(goType[2:])
	case goType == "string", goType == "mockdingtalk.FaultKind":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	}
	return goType
}

// baseURL is the URL webhook URLs start with for an admin answer: the
// server's URL, or else the admin request's own host.
func (s *Server) baseURL(r *http.Request) string {
	if u := s.URL(); u != "" {
		return u
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// checkQuery rejects query parameters the endpoint does not know.
func checkQuery(w http.ResponseWriter, q url.Values, known ...string) bool {
	for k := range q {
		found := false
		for _, want := range known {
			found = found || k == want
		}
		if !found {
			writeError(w, http.StatusBadRequest, "unknown query parameter %q (known: %s)", k, strings.Join(known, ", "))
			return false
		}
	}
	return true
}

// healthJSON is the answer of GET /_mock/health: liveness, and what the
// fake refused to stay within its bounds and keep to its user's tools.
type healthJSON struct {
	Status  string      `json:"status"`
	Refused refusedJSON `json:"refused"`
	// Forgotten counts msgUuids and signs a robot forgot early (or never
	// remembered) because all robots together remember at most 250,000.
	Forgotten uint64 `json:"forgotten"`
	// Journal is what the journal holds and what it dropped or cut to
	// stay within its bounds.
	Journal journal.Stats `json:"journal"`
	// Apps counts the app robot API's apps, groups, valid tokens,
	// delivered messages, throttled calls and callbacks.
	Apps approbot.Stats `json:"apps"`
}

// refusedJSON counts refusals since start: requests the guard refused
// (host, crossSite, contentType), robots and faults over their bounds,
// and inbox streams and message waits over theirs.
type refusedJSON struct {
	guard.Counts
	Robots  uint64 `json:"robots"`
	Faults  uint64 `json:"faults"`
	Streams uint64 `json:"streams"`
	Waits   uint64 `json:"waits"`
}

func (s *Server) adminHealth(w http.ResponseWriter, r *http.Request) {
	h := healthJSON{Status: "ok", Refused: refusedJSON{
		Counts: s.guard.Counts(), Robots: s.refusedRobots.Load(), Faults: s.refusedFaults.Load(),
		Streams: s.inbox.RefusedStreams(), Waits: s.refusedWaits.Load(),
	}, Forgotten: s.remembered.forgotten.Load(), Journal: s.journal.Stats(), Apps: s.apps.Stats()}
	if len(s.cfg.HealthExtra) == 0 {
		writeJSON(w, http.StatusOK, h)
		return
	}
	out := map[string]any{"status": h.Status, "refused": h.Refused, "forgotten": h.Forgotten, "journal": h.Journal, "apps": h.Apps}
	for k, f := range s.cfg.HealthExtra {
		if _, taken := out[k]; !taken {
			out[k] = f()
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// robotJSON is a robot on the wire: its fields, and the webhook URL. The
// URL is output only; on input it is accepted (so a GET answer can be PUT
// back) and ignored.
type robotJSON struct {
	Robot
	WebhookURL string `json:"webhookUrl"`
}

func (s *Server) robotOut(r *http.Request, rb Robot) robotJSON {
	rb = rb.clone()
	limit := rb.RateLimit()
	rb.RateLimitPerMinute = &limit
	return robotJSON{Robot: rb, WebhookURL: webhookURL(s.baseURL(r), rb.AccessToken)}
}

func (s *Server) adminListRobots(w http.ResponseWriter, r *http.Request) {
	robots := s.Robots()
	out := make([]robotJSON, 0, len(robots))
	for _, rb := range robots {
		out = append(out, s.robotOut(r, rb))
	}
	writeJSON(w, http.StatusOK, map[string][]robotJSON{"robots": out})
}

func (s *Server) adminAddRobot(w http.ResponseWriter, r *http.Request) {
	var in robotJSON
	if !decodeBody(w, r, &in, true) {
		return
	}
	rb, err := s.AddRobot(in.Robot)
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Location", AdminPrefix+"/robots/"+url.PathEscape(rb.AccessToken))
	writeJSON(w, http.StatusCreated, s.robotOut(r, rb))
}

func (s *Server) adminGetRobot(w http.ResponseWriter, r *http.Request) {
	token := mux.Vars(r)["accessToken"]
	rb, ok := s.Robot(token)
	if !ok {
		writeErr(w, fmt.Errorf("%w: %q", ErrRobotNotFound, token))
		return
	}
	writeJSON(w, http.StatusOK, s.robotOut(r, rb))
}

func (s *Server) adminPutRobot(w http.ResponseWriter, r *http.Request) {
	token := mux.Vars(r)["accessToken"]
	var in robotJSON
	if !decodeBody(w, r, &in, false) {
		return
	}
	rb, err := s.UpdateRobot(token, in.Robot)
	if err != nil {
		if errors.Is(err, ErrRobotNotFound) {
			err = fmt.Errorf("%w: %q", err, token)
		}
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.robotOut(r, rb))
}

func (s *Server) adminDeleteRobot(w http.ResponseWriter, r *http.Request) {
	token := mux.Vars(r)["accessToken"]
	if err := s.RemoveRobot(token); err != nil {
		writeErr(w, fmt.Errorf("%w: %q", err, token))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// maxPageBytes bounds the entries of one answer of the message endpoints:
// past it the answer ends at an entry boundary with "more": true and the
// "nextSince" to ask for the rest with.
const maxPageBytes = 32 << 20

// writeEntries streams a snapshot as {"entries":[…],"dropped":N,"lastSeq":N},
// building and encoding one entry at a time, so a full journal never
// becomes one large value in memory.
func writeEntries(w http.ResponseWriter, status int, snap *journal.Snapshot) {
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	bw := bufio.NewWriterSize(w, 32<<10)
	_, _ = bw.WriteString(`{"entries":[`)
	size, next, more := 0, uint64(0), false
	for i := range snap.Len() {
		e := snap.Entry(i)
		b, err := json.Marshal(e)
		if err != nil {
			continue // an Entry always encodes; never write half of one
		}
		if size > 0 && size+len(b) > maxPageBytes {
			more = true
			break
		}
		if size > 0 {
			_ = bw.WriteByte(',')
		}
		_, _ = bw.Write(b)
		size += len(b) + 1
		next = e.Seq
	}
	tail := strconv.AppendUint([]byte(`],"dropped":`), snap.Dropped, 10)
	tail = strconv.AppendUint(append(tail, `,"lastSeq":`...), snap.LastSeq, 10)
	if more {
		tail = strconv.AppendUint(append(tail, `,"more":true,"nextSince":`...), next, 10)
	}
	_, _ = bw.Write(append(tail, "}\n"...))
	_ = bw.Flush()
}

// parseFilter reads accessToken, appKey, openConversationId, since, limit
// and delivered.
func parseFilter(q url.Values) (journal.Filter, error) {
	f := journal.Filter{AccessToken: q.Get("accessToken"), AppKey: q.Get("appKey"), Conversation: q.Get("openConversationId")}
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return f, fmt.Errorf("since=%q: want a sequence number (0 or more)", v)
		}
		f.Since = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, fmt.Errorf("limit=%q: want a count (0 or more; 0 = no limit)", v)
		}
		f.Limit = n
	}
	if v := q.Get("delivered"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, fmt.Errorf("delivered=%q: want true or false", v)
		}
		f.Delivered = &b
	}
	return f, nil
}

func (s *Server) adminListMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !checkQuery(w, q, "accessToken", "appKey", "openConversationId", "since", "limit", "delivered") {
		return
	}
	f, err := parseFilter(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	writeEntries(w, http.StatusOK, s.journal.Snapshot(f))
}

// maxWaits is how many /_mock/messages/wait long-polls may be held at once;
// one more is answered 503 with Retry-After (and counted in /_mock/health).
const maxWaits = 256

func (s *Server) adminWaitMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !checkQuery(w, q, "accessToken", "appKey", "openConversationId", "since", "delivered", "count", "timeout") {
		return
	}
	f, err := parseFilter(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	ctx, count, done, ok := s.startWait(w, r, q)
	if !ok {
		return
	}
	defer done()
	got, err := s.waitSnapshot(ctx, f, count)
	switch {
	case err == nil:
		writeEntries(w, http.StatusOK, got)
	case errors.Is(err, context.DeadlineExceeded):
		writeEntries(w, http.StatusRequestTimeout, got)
	case errors.Is(err, ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "the server is closing")
	}
	// Otherwise the client went away; there is no one to answer.
}

// startWait begins a long poll whose query is checked: it reads count
// and timeout (waitParams), takes a wait slot (holdWait) and returns a
// context that ends at the timeout. It answers and returns false on
// failure; otherwise call done when the wait ends.
func (s *Server) startWait(w http.ResponseWriter, r *http.Request, q url.Values) (ctx context.Context, count int, done func(), ok bool) {
	count, timeout, ok := waitParams(w, q)
	if !ok {
		return nil, 0, nil, false
	}
	release, ok := s.holdWait(w)
	if !ok {
		return nil, 0, nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	return ctx, count, func() { cancel(); release() }, true
}

// holdWait takes one of the maxWaits long-poll slots, or answers 503 with
// Retry-After when none is left. Call release when the wait ends.
func (s *Server) holdWait(w http.ResponseWriter) (release func(), ok bool) {
	if s.waits.Add(1) > maxWaits {
		s.waits.Add(-1)
		s.refusedWaits.Add(1)
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "%d waits are already held, the limit; retry, or poll GET %s/messages?since=N", maxWaits, AdminPrefix)
		return nil, false
	}
	return func() { s.waits.Add(-1) }, true
}

// waitParams reads a wait's count (default 1) and timeout (default 10 s,
// at most 10 min), answering 400 when either is bad.
func waitParams(w http.ResponseWriter, q url.Values) (count int, timeout time.Duration, ok bool) {
	count, timeout = 1, defaultWaitTimeout
	var err error
	if v := q.Get("count"); v != "" {
		if count, err = strconv.Atoi(v); err != nil || count < 1 {
			writeError(w, http.StatusBadRequest, "count=%q: want how many to wait for (1 or more)", v)
			return 0, 0, false
		}
	}
	if v := q.Get("timeout"); v != "" {
		if timeout, err = time.ParseDuration(v); err != nil || timeout <= 0 || timeout > maxWaitTimeout {
			writeError(w, http.StatusBadRequest, "timeout=%q: want a Go duration like 5s, more than 0 and at most %s", v, maxWaitTimeout)
			return 0, 0, false
		}
	}
	return count, timeout, true
}

// faultIn is a fault as POSTed; faultJSON adds what the server sets.
type faultIn struct {
	AccessToken string    `json:"accessToken"`
	Kind        FaultKind `json:"kind"`
	ErrCode     int       `json:"errcode"`
	ErrMsg      string    `json:"errmsg"`
	Status      int       `json:"status"`
	Body        string    `json:"body"`
	ContentType string    `json:"contentType"`
	DelayMs     int64     `json:"delayMs"`
	Times       int       `json:"times"`
	Probability float64   `json:"probability"`
	Seed        uint64    `json:"seed"`
}

type faultJSON struct {
	ID string `json:"id"`
	faultIn
	Remaining int `json:"remaining"`
}

func (in faultIn) fault() Fault {
	delay := time.Duration(in.DelayMs) * time.Millisecond
	if in.DelayMs > maxFaultDelay.Milliseconds() {
		delay = maxFaultDelay + time.Millisecond // out of range, without overflow
	}
	return Fault{
		AccessToken: in.AccessToken, Kind: in.Kind, ErrCode: in.ErrCode, ErrMsg: in.ErrMsg,
		Status: in.Status, Body: in.Body, ContentType: in.ContentType, Delay: delay,
		Times: in.Times, Probability: in.Probability, Seed: in.Seed,
	}
}

func faultOut(f Fault) faultJSON {
	return faultJSON{ID: f.ID, Remaining: f.Remaining, faultIn: faultIn{
		AccessToken: f.AccessToken, Kind: f.Kind, ErrCode: f.ErrCode, ErrMsg: f.ErrMsg,
		Status: f.Status, Body: f.Body, ContentType: f.ContentType, DelayMs: f.Delay.Milliseconds(),
		Times: f.Times, Probability: f.Probability, Seed: f.Seed,
	}}
}

func (s *Server) adminListFaults(w http.ResponseWriter, r *http.Request) {
	faults := s.Faults()
	out := make([]faultJSON, 0, len(faults))
	for _, f := range faults {
		out = append(out, faultOut(f))
	}
	writeJSON(w, http.StatusOK, map[string][]faultJSON{"faults": out})
}

func (s *Server) adminAddFault(w http.ResponseWriter, r *http.Request) {
	var in faultIn
	if !decodeBody(w, r, &in, false) {
		return
	}
	if in.DelayMs < 0 {
		writeError(w, http.StatusBadRequest, "delayMs: must be more than 0 (got %d)", in.DelayMs)
		return
	}
	f, err := s.AddFault(in.fault())
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Location", AdminPrefix+"/faults/"+f.ID)
	writeJSON(w, http.StatusCreated, faultOut(f))
}

func (s *Server) adminGetFault(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	f, ok := s.faults.get(id)
	if !ok {
		writeErr(w, fmt.Errorf("%w: %q", ErrFaultNotFound, id))
		return
	}
	writeJSON(w, http.StatusOK, faultOut(f))
}

// clockJSON is the clock on the wire.
type clockJSON struct {
	Now       string `json:"now"`
	NowMillis int64  `json:"nowMillis"`
	OffsetMs  int64  `json:"offsetMs"`
	Frozen    bool   `json:"frozen"`
}

// clockPut is a PUT /_mock/clock body: exactly one of now/nowMillis (with
// optional frozen, default true), offsetMs, advanceMs or real:true.
type clockPut struct {
	Now       *string `json:"now"`
	NowMillis *int64  `json:"nowMillis"`
	Frozen    *bool   `json:"frozen"`
	OffsetMs  *int64  `json:"offsetMs"`
	AdvanceMs *int64  `json:"advanceMs"`
	Real      *bool   `json:"real"`
}

func (s *Server) clockOut() clockJSON {
	st := s.clock.State()
	return clockJSON{
		Now:       st.Now.UTC().Format(time.RFC3339Nano),
		NowMillis: st.Now.UnixMilli(),
		OffsetMs:  st.Offset.Milliseconds(),
		Frozen:    st.Frozen,
	}
}

func (s *Server) adminGetClock(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.clockOut())
}

// maxClockMs bounds how far the fake's clock may be from real time (about
// 100 years), so no duration overflows: Go's time.Duration saturates at
// about 292 years, which would silently put the clock somewhere else.
const maxClockMs = 100 * 366 * 24 * 3600 * 1000

func (s *Server) adminPutClock(w http.ResponseWriter, r *http.Request) {
	var in clockPut
	if !decodeBody(w, r, &in, false) {
		return
	}
	if err := s.applyClock(in); err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, s.clockOut())
}

// inClockRange reports an error when t is more than maxClockMs from the
// real time.
func inClockRange(field string, t time.Time) error {
	real := time.Now()
	lo, hi := real.Add(-maxClockMs*time.Millisecond), real.Add(maxClockMs*time.Millisecond)
	if t.Before(lo) || t.After(hi) {
		return fmt.Errorf("%s: %s is more than 100 years from now; the fake's clock stays between %s and %s",
			field, t.UTC().Format(time.RFC3339), lo.UTC().Format("2006-01-02"), hi.UTC().Format("2006-01-02"))
	}
	return nil
}

func (s *Server) applyClock(in clockPut) error {
	forms := 0
	for _, given := range []bool{in.Now != nil || in.NowMillis != nil, in.OffsetMs != nil, in.AdvanceMs != nil, in.Real != nil} {
		if given {
			forms++
		}
	}
	const want = `give exactly one of {"now":RFC3339} or {"nowMillis":N} (each with optional "frozen", default true), {"offsetMs":N}, {"advanceMs":N}, {"real":true}`
	switch {
	case forms != 1:
		return errors.New(want)
	case in.Frozen != nil && in.Now == nil && in.NowMillis == nil:
		return errors.New(`"frozen" goes only with "now" or "nowMillis"; ` + want)
	case in.Now != nil && in.NowMillis != nil:
		return errors.New(`give "now" or "nowMillis", not both`)
	case in.Now != nil:
		t, err := time.Parse(time.RFC3339Nano, *in.Now)
		if err != nil {
			return fmt.Errorf("now=%q: want an RFC 3339 time like 2024-05-01T12:00:00Z", *in.Now)
		}
		if err := inClockRange("now", t); err != nil {
			return err
		}
		s.clock.Set(t, in.Frozen == nil || *in.Frozen)
	case in.NowMillis != nil:
		if *in.NowMillis < 0 {
			return fmt.Errorf("nowMillis=%d: want milliseconds since 1970 (0 or more)", *in.NowMillis)
		}
		if err := inClockRange("nowMillis", time.UnixMilli(*in.NowMillis)); err != nil {
			return err
		}
		s.clock.Set(time.UnixMilli(*in.NowMillis), in.Frozen == nil || *in.Frozen)
	case in.OffsetMs != nil:
		if *in.OffsetMs > maxClockMs || *in.OffsetMs < -maxClockMs {
			return fmt.Errorf("offsetMs=%d: out of range (at most ±100 years)", *in.OffsetMs)
		}
		s.clock.SetOffset(time.Duration(*in.OffsetMs) * time.Millisecond)
	case in.AdvanceMs != nil:
		if *in.AdvanceMs > maxClockMs || *in.AdvanceMs < -maxClockMs {
			return fmt.Errorf("advanceMs=%d: out of range (at most ±100 years)", *in.AdvanceMs)
		}
		if err := inClockRange("advanceMs", s.Now().Add(time.Duration(*in.AdvanceMs)*time.Millisecond)); err != nil {
			return err
		}
		s.Advance(time.Duration(*in.AdvanceMs) * time.Millisecond)
	case !*in.Real:
		return errors.New(`"real" can only be true (back to the real clock)`)
	default:
		s.clock.SetOffset(0)
	}
	return nil
}
