// The Inbox handler: its routes, the embedded assets, the query of each
// request, and the page, fragment and clear handlers (page models in
// render.go, messages in message.go, live updates in events.go).

package inbox

import (
	"bytes"
	"cmp"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/guard"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Robot is what the inbox shows of one configured robot.
type Robot struct {
	// AccessToken identifies the robot; journal entries carry the same token.
	AccessToken string
	// Name is shown as the sender of the robot's messages ("" shows a
	// short form of the token).
	Name string
	// WebhookURL is the full send URL, offered for copying.
	WebhookURL string
	// Secret is the 加签 secret ("" when signing is off), hidden on the
	// page until revealed, and offered for copying.
	Secret string
}

// pageSize is how many of the newest matching entries the page and each
// fragment render at most; the rest stay in the journal (/_mock/messages).
const pageSize = 200

//go:embed templates/*.html
var templateFS embed.FS

// templates are the page templates, parsed when a page is first rendered
// (about 1.3 ms, which neither a server's start nor a fake that no browser
// opens should pay) and shared: they hold no per-inbox state.
var templates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("inbox").ParseFS(templateFS, "templates/*.html"))
})

//go:embed static
var staticFS embed.FS

// Inbox is the inbox's http.Handler. Make one with New.
type Inbox struct {
	journal *journal.Journal
	robots  func() []Robot
	router  *mux.Router
	render  *renderer
	log     *slog.Logger
	guard   *guard.Policy
	apps    *approbot.Service // nil: no app robots shown

	robotsChanged  func() <-chan struct{}
	maxStreams     int64
	streams        atomic.Int64
	refusedStreams atomic.Uint64

	closeOnce sync.Once
	closing   chan struct{}
}

// Config is what an inbox shows and how it serves; only Journal is
// required.
type Config struct {
	// Journal holds the messages the inbox shows.
	Journal *journal.Journal
	// Robots is called on each render to list the configured robots (nil:
	// none). It must be safe to call from several goroutines.
	Robots func() []Robot
	// RobotsChanged returns a channel that is closed at the robot list's
	// next change. Nil: streams send no "robots" events (the page shows
	// new robots on reload).
	RobotsChanged func() <-chan struct{}
	// Apps, when set, makes the inbox show the app robot API's groups and
	// one-to-one chats, wake its live streams on Apps.Changed, and let a
	// person type in a group as a member (Apps.Say).
	Apps *approbot.Service
	// Logger receives the inbox's logs, tagged component=inbox. Nil means
	// slog.Default().
	Logger *slog.Logger
	// Guard decides which requests the inbox refuses (a foreign Host on
	// every request, a cross-site clear). Nil means guard's defaults.
	Guard *guard.Policy
	// MaxStreams is how many live-event streams may be open at once
	// (DefaultMaxStreams when not positive); one more is answered 503.
	MaxStreams int
}

// New returns the inbox for cfg. The handler serves "/" and everything
// under "/_inbox/"; mount it without stripping any prefix. Call Close
// before shutting the HTTP server down so open live streams end.
func New(cfg Config) *Inbox {
	in := &Inbox{
		journal:       cfg.Journal,
		robots:        cfg.Robots,
		robotsChanged: cfg.RobotsChanged,
		apps:          cfg.Apps,
		render:        newRenderer(),
		log:           cmp.Or(cfg.Logger, slog.Default()).With("component", "inbox"),
		guard:         cfg.Guard,
		maxStreams:    int64(cfg.MaxStreams),
		closing:       make(chan struct{}),
	}
	if in.robots == nil {
		in.robots = func() []Robot { return nil }
	}
	if in.guard == nil {
		in.guard = guard.MustDefault()
	}
	if in.maxStreams < 1 {
		in.maxStreams = DefaultMaxStreams
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	r := mux.NewRouter()
	r.Path("/").Methods(http.MethodGet, http.MethodHead).HandlerFunc(in.servePage)
	r.Path("/_inbox/entries").Methods(http.MethodGet, http.MethodHead).HandlerFunc(in.serveEntries)
	r.Path("/_inbox/robots").Methods(http.MethodGet, http.MethodHead).HandlerFunc(in.serveRobots)
	r.Path("/_inbox/events").Methods(http.MethodGet).HandlerFunc(in.serveEvents)
	r.Path("/_inbox/clear").Methods(http.MethodPost).HandlerFunc(in.serveClear)
	r.Path("/_inbox/say").Methods(http.MethodPost).HandlerFunc(in.serveSay)
	r.PathPrefix("/_inbox/static/").Methods(http.MethodGet, http.MethodHead).Handler(
		http.StripPrefix("/_inbox/static/", assets(static)))
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainError(w, http.StatusNotFound, "inbox: no page at "+r.URL.Path)
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainError(w, http.StatusMethodNotAllowed, "inbox: method "+r.Method+" not allowed on "+r.URL.Path)
	})
	in.router = r
	return in
}

// ServeHTTP serves the page, its fragments, live events and assets.
func (in *Inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
		"img-src 'self' http: https: data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if ref := in.guard.Check(r); ref != nil {
		in.log.Warn("inbox request refused", "method", r.Method, "path", r.URL.Path, "host", r.Host,
			"origin", r.Header.Get("Origin"), "remote", r.RemoteAddr, "why", ref.Message)
		plainError(w, ref.Status, "inbox: "+ref.Message)
		return
	}
	in.router.ServeHTTP(w, r)
}

// Close ends every open live-event stream and makes new ones end at once
// (answering 204, which tells browsers to stop reconnecting). It does not
// wait for the streams' handlers to return. Safe to call more than once.
func (in *Inbox) Close() {
	in.closeOnce.Do(func() { close(in.closing) })
}

// assets serves the embedded files, and a plain 404 for anything else
// (directories included: there is no listing).
func assets(static fs.FS) http.Handler {
	h := http.FileServerFS(static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st, err := fs.Stat(static, r.URL.Path); err != nil || st.IsDir() {
			plainError(w, http.StatusNotFound, "inbox: no asset at /_inbox/static/"+r.URL.Path)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

func plainError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

// query holds the parsed query of the page and fragment requests: a
// webhook robot, an app robot group, or a member's one-to-one chat with an
// app's robot (app and staff); none of them is every robot.
type query struct {
	robot      string
	group      string
	app, staff string
	since      uint64
}

// all reports whether the query shows every robot's entries.
func (q query) all() bool { return q.robot == "" && q.group == "" && q.app == "" }

// encode is the query without since, for the page's script.
func (q query) encode() string {
	v := url.Values{}
	for k, s := range map[string]string{"robot": q.robot, "group": q.group, "app": q.app, "staff": q.staff} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

func parseQuery(r *http.Request) (query, error) {
	v := r.URL.Query()
	q := query{robot: v.Get("robot"), group: v.Get("group"), app: v.Get("app"), staff: v.Get("staff")}
	if (q.app == "") != (q.staff == "") {
		return q, &queryError{"app and staff go together: a member's one-to-one chat with an app's robot"}
	}
	if s := v.Get("since"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return q, &queryError{"since must be a non-negative integer (a Seq), got " + strconv.Quote(s)}
		}
		q.since = n
	}
	return q, nil
}

type queryError struct{ msg string }

func (e *queryError) Error() string { return "inbox: " + e.msg }

func (in *Inbox) execute(w http.ResponseWriter, r *http.Request, name string, data any, extra func(http.Header)) {
	var buf bytes.Buffer
	if err := templates().ExecuteTemplate(&buf, name, data); err != nil {
		in.log.Error("rendering failed", "template", name, "err", err)
		plainError(w, http.StatusInternalServerError, "inbox: rendering failed: "+err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if extra != nil {
		extra(h)
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(buf.Bytes())
}

func (in *Inbox) servePage(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r)
	if err != nil {
		plainError(w, http.StatusBadRequest, err.Error())
		return
	}
	in.execute(w, r, "page", in.pageData(q), nil)
}

func (in *Inbox) serveEntries(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r)
	if err != nil {
		plainError(w, http.StatusBadRequest, err.Error())
		return
	}
	if t := in.appTimeline(q); t != nil {
		in.execute(w, r, "timeline", t, func(h http.Header) {
			h.Set("X-Inbox-Last-Seq", strconv.FormatUint(t.LastSeq, 10))
			h.Set("X-Inbox-Oldest", strconv.FormatUint(t.Oldest, 10))
			h.Set("X-Inbox-Skipped", strconv.Itoa(t.Skipped))
		})
		return
	}
	f := in.fragment(q)
	in.execute(w, r, "entries", f, func(h http.Header) {
		h.Set("X-Inbox-Last-Seq", strconv.FormatUint(f.LastSeq, 10))
		h.Set("X-Inbox-Oldest", strconv.FormatUint(f.Oldest, 10))
		h.Set("X-Inbox-Skipped", strconv.Itoa(f.Skipped))
	})
}

func (in *Inbox) serveRobots(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r)
	if err != nil {
		plainError(w, http.StatusBadRequest, err.Error())
		return
	}
	in.execute(w, r, "robots", in.sidebar(q), nil)
}

// serveClear empties the journal. ServeHTTP has already refused a
// cross-site request (the guard), so another web page cannot wipe the
// journal of a fake running on localhost.
func (in *Inbox) serveClear(w http.ResponseWriter, r *http.Request) {
	in.journal.Clear()
	in.log.Info("journal cleared from the inbox")
	if r.Header.Get("X-Requested-With") != "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// The form posts to /_inbox/clear, so "../" is the page at "/".
	target := "../"
	if robot := r.URL.Query().Get("robot"); robot != "" {
		target += "?robot=" + url.QueryEscape(robot)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
