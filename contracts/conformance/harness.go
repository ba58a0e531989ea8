// The Harness: its Config (from flags or the environment), the fake robot
// and the target it drives (a URL, or the in-repo SNS API in process), its
// session, and Call with the answer every rule judges.

package conformance

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/internal/clock"
	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
	"github.com/dingtalk-mock/mockdingtalk/sns"
)

// Environment variables ConfigFromEnv reads.
const (
	EnvTargetURL     = "SNS_TARGET_URL"         // base URL of the target, e.g. http://10.0.0.5:8080
	EnvAccount       = "SNS_TARGET_ACCOUNT"     // account name to log in with (default admin)
	EnvPassword      = "SNS_TARGET_PASSWORD"    // its plain password; the harness sends its SHA-512 hex
	EnvSession       = "SNS_TARGET_SESSION"     // an existing session uuid instead of logging in
	EnvMockListen    = "MOCK_LISTEN"            // where the fake robot listens (default 127.0.0.1:0)
	EnvMockPublicURL = "MOCK_PUBLIC_URL"        // the fake's base URL as the target reaches it
	EnvCallTimeout   = "SNS_CALL_TIMEOUT"       // a Go duration bounding each call, job polling included (default 60s)
	EnvSessionTTL    = "SNS_TARGET_SESSION_TTL" // the target's session timeout; set it to check expiry (the rule waits that long)
	EnvLabelFilter   = "SNS_LABEL_FILTER"       // which rules to run, in Ginkgo's label-filter syntax (default all)
	EnvStrict        = "SNS_STRICT"             // "true": a should rule that fails fails the run too
)

// DefaultCallTimeout bounds one API call, async job polling included.
const DefaultCallTimeout = 60 * time.Second

// DefaultWebhookWait is how long a target should wait at most for a silent
// webhook before it answers (ZStack's own read timeout is 300 s).
const DefaultWebhookWait = 30 * time.Second

// InProcessWebhookTimeout is the outbound timeout of the in-process SNS
// API, short so the slow-webhook check ends quickly.
const InProcessWebhookTimeout = 2 * time.Second

// Config says which implementation to check and how to reach it.
type Config struct {
	// TargetURL is the target's base URL (the part before /zstack/v1).
	// Empty means the in-repo implementation, started in-process.
	TargetURL string
	// Account and Password log in (Password in clear; the harness hashes
	// it as ZStack expects). Default admin / password.
	Account, Password string
	// Session, when set, is used instead of logging in.
	Session string
	// MockListen is the address the fake robot listens on (default
	// 127.0.0.1:0, a free loopback port).
	MockListen string
	// MockPublicURL is the fake robot's base URL as the target reaches it
	// (default http://<MockListen's address>).
	MockPublicURL string
	// CallTimeout bounds each call, job polling included (default 60s).
	CallTimeout time.Duration
	// SessionTTL is the target's session timeout. For a remote target the
	// rule auth.expired-session waits that long (plus a second) to see a
	// session expire; zero skips that rule. In-process it is the TTL the
	// in-repo implementation runs with (default sns.DefaultSessionTTL), and
	// the rule moves the target's clock instead of waiting.
	SessionTTL time.Duration
	// LabelFilter picks rules by label, in Ginkgo's label-filter syntax
	// ("signing || mentions", "must && !slow"); empty runs every rule.
	LabelFilter string
	// Strict makes a failed should rule fail the run (it is a warning
	// otherwise).
	Strict bool
	// WebhookWait is how long the target should take at most to give up on
	// a webhook that never answers (the should rule
	// errors.webhook-timeout-bounded); zero means DefaultWebhookWait.
	WebhookWait time.Duration
	// InProcess builds the in-process target when TargetURL is empty; nil
	// means the in-repo sns.Server (synchronous, 2 s webhook timeout). The
	// harness closes what it returns when it closes.
	InProcess func(env InProcessEnv) (http.Handler, io.Closer, error)
	// ZStackRefusal decides whether an answer of the target refuses a
	// request; nil means RefusedByZStack.
	ZStackRefusal Refusal
	// Logger receives the harness's logs (nil discards them).
	Logger *slog.Logger

	// BotURL is the callback URL of the bot NewBot checks (empty: the
	// reference bot, in-process); BotSecret the app secret it verifies
	// signs with.
	BotURL, BotSecret string
	// BotCallbackTimeout is how long the bot may take to answer a
	// callback (default approbot.DefaultCallbackTimeout).
	BotCallbackTimeout time.Duration
	// BotReplyWait is how long, after the bot answered, the harness waits
	// for replies it posts to the sessionWebhook (default
	// DefaultBotReplyWait).
	BotReplyWait time.Duration
}

// ConfigFromEnv reads the environment variables above and validates the
// result.
func ConfigFromEnv() (Config, error) {
	cfg, err := ConfigFromLookup(os.LookupEnv)
	if err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// ConfigFromLookup reads the environment variables above through lookup
// (os.LookupEnv, or a map in tests). It fails only on values that do not
// parse; call Validate once every setting is in.
func ConfigFromLookup(lookup func(string) (string, bool)) (Config, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return v
	}
	cfg := Config{
		TargetURL:     strings.TrimRight(get(EnvTargetURL), "/"),
		Account:       get(EnvAccount),
		Password:      get(EnvPassword),
		Session:       get(EnvSession),
		MockListen:    get(EnvMockListen),
		MockPublicURL: strings.TrimRight(get(EnvMockPublicURL), "/"),
	}
	for name, dst := range map[string]*time.Duration{EnvCallTimeout: &cfg.CallTimeout, EnvSessionTTL: &cfg.SessionTTL} {
		if v := get(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return cfg, fmt.Errorf("conformance: %s=%q: want a positive Go duration like 90s", name, v)
			}
			*dst = d
		}
	}
	if err := botFromLookup(&cfg, get); err != nil {
		return cfg, err
	}
	cfg.LabelFilter = get(EnvLabelFilter)
	if v := get(EnvStrict); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, fmt.Errorf("conformance: %s=%q: want true or false", EnvStrict, v)
		}
		cfg.Strict = b
	}
	return cfg, nil
}

// Validate checks a Config the way ConfigFromEnv and the conform command
// need: a base URL, and a fake robot the target can reach.
func (cfg Config) Validate() error {
	if err := cfg.validateBot(); err != nil {
		return err
	}
	if cfg.TargetURL != "" {
		if u, err := url.Parse(cfg.TargetURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("conformance: %s=%q: want a base URL like http://host:8080", EnvTargetURL, cfg.TargetURL)
		}
		if cfg.MockPublicURL == "" && !isLoopback(cfg.TargetURL) && (cfg.MockListen == "" || strings.HasPrefix(cfg.MockListen, "127.")) {
			return fmt.Errorf("conformance: %s is set, so the target must reach the fake robot: set %s (e.g. 0.0.0.0:8091) and %s (e.g. http://<this machine>:8091)",
				EnvTargetURL, EnvMockListen, EnvMockPublicURL)
		}
	}
	if cfg.LabelFilter != "" {
		if _, err := types.ParseLabelFilter(cfg.LabelFilter); err != nil {
			return fmt.Errorf("conformance: label filter %q: %w", cfg.LabelFilter, err)
		}
	}
	return nil
}

// isLoopback reports whether a URL's host is this machine.
func isLoopback(u string) bool {
	parsed, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := parsed.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Harness is a fake robot plus a validating client aimed at one target.
type Harness struct {
	cfg     Config
	fake    *mockdingtalk.Server
	fakeSrv *http.Server
	fakeURL string // as the target reaches it
	fakeLoc string // as the harness reaches it
	target  string
	closers []func()
	client  *http.Client
	session string
	loginAt time.Time // when session was logged in (zero: given by the user)
	// clock is the in-process target's clock (nil for a remote target):
	// auth.expired-session moves it instead of waiting.
	clock *clock.Clock
	// bot is the bot under check (NewBot), nil for an SNS target.
	bot *botTarget

	mu        sync.Mutex
	rec       *contracts.Recorder // mismatches of the rule running now
	ev        *evidence           // what the rule running now sent, saw and got
	scenarios map[string]*scenario
}

func newHarness(cfg Config) *Harness {
	return &Harness{cfg: cfg, rec: &contracts.Recorder{}, ev: &evidence{}, scenarios: map[string]*scenario{}}
}

// InProcessEnv is what a Config.InProcess builder gets: the fake robot and
// the clock the target should run on (the harness moves it to expire
// sessions).
type InProcessEnv struct {
	Fake *mockdingtalk.Server
	Now  func() time.Time
}

// New starts the fake robot, the in-process target when none is
// configured, and logs in.
func New(ctx context.Context, cfg Config) (h *Harness, err error) {
	cfg.CallTimeout = cmp.Or(cfg.CallTimeout, DefaultCallTimeout)
	cfg.WebhookWait = cmp.Or(cfg.WebhookWait, DefaultWebhookWait)
	if cfg.Account == "" {
		cfg.Account = "admin"
	}
	if cfg.Password == "" {
		cfg.Password = sns.DefaultAdminPassword
	}
	if cfg.MockListen == "" {
		cfg.MockListen = "127.0.0.1:0"
	}
	if cfg.ZStackRefusal == nil {
		cfg.ZStackRefusal = RefusedByZStack
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h = newHarness(cfg)
	started := h
	defer func() {
		if err != nil {
			started.Close()
		}
	}()
	if err := h.startFake(); err != nil {
		return nil, err
	}
	h.client = &http.Client{
		Transport: contracts.Default().RoundTripper(http.DefaultTransport.(*http.Transport).Clone(), h.record),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	h.closers = append(h.closers, h.client.CloseIdleConnections)
	h.target = cfg.TargetURL
	if h.target == "" {
		if err := h.startInProcess(); err != nil {
			return nil, err
		}
	}
	h.session = cfg.Session
	if h.session == "" {
		if err := h.relogin(ctx); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func (h *Harness) startFake() error {
	ln, err := net.Listen("tcp", h.cfg.MockListen)
	if err != nil {
		return fmt.Errorf("conformance: the fake robot cannot listen on %s: %w", h.cfg.MockListen, err)
	}
	public := h.cfg.MockPublicURL
	if public == "" {
		public = "http://" + ln.Addr().String()
	}
	fake, err := mockdingtalk.New(mockdingtalk.Config{PublicURL: public, Logger: h.cfg.Logger})
	if err != nil {
		ln.Close()
		return fmt.Errorf("conformance: start the fake robot: %w", err)
	}
	h.fake, h.fakeURL = fake, public
	h.fakeLoc = "http://" + ln.Addr().String()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		h.fakeLoc = fmt.Sprintf("http://127.0.0.1:%d", tcp.Port)
	}
	// The limits mockdingtalk.Start gives its own listener: this one may
	// listen beyond loopback (MOCK_LISTEN) for a remote target.
	h.fakeSrv = mockdingtalk.NewHTTPServer(front(fake))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = h.fakeSrv.Serve(ln)
	}()
	h.closers = append(h.closers, func() {
		fake.Close() // ends hung requests
		_ = h.fakeSrv.Close()
		<-done
	})
	return nil
}

func (h *Harness) startInProcess() error {
	build := h.cfg.InProcess
	if build == nil {
		build = DefaultInProcess(false)
	}
	h.clock = &clock.Clock{} // real time until a rule advances it
	if h.cfg.SessionTTL == 0 {
		h.cfg.SessionTTL = sns.DefaultSessionTTL
	}
	handler, closer, err := build(InProcessEnv{Fake: h.fake, Now: h.clock.Now})
	if err != nil {
		return fmt.Errorf("conformance: start the in-process target: %w", err)
	}
	srv := httptest.NewServer(handler)
	h.target = srv.URL
	h.closers = append(h.closers, func() {
		srv.Close()
		if closer != nil {
			_ = closer.Close()
		}
	})
	return nil
}

// DefaultInProcess builds the in-repo SNS API with a short webhook timeout,
// synchronous or with ZStack's async job protocol.
func DefaultInProcess(async bool) func(InProcessEnv) (http.Handler, io.Closer, error) {
	return InProcessWith(sns.Config{Async: async})
}

// InProcessWith builds the in-repo SNS API with cfg, on the harness's clock
// and with a short webhook timeout unless cfg sets one.
func InProcessWith(cfg sns.Config) func(InProcessEnv) (http.Handler, io.Closer, error) {
	return func(env InProcessEnv) (http.Handler, io.Closer, error) {
		if cfg.Outbound.Timeout == 0 {
			cfg.Outbound.Timeout = InProcessWebhookTimeout
		}
		if cfg.Now == nil {
			cfg.Now = env.Now
		}
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		srv, err := sns.New(cfg)
		if err != nil {
			return nil, nil, err
		}
		return srv, srv, nil
	}
}

// Close stops everything the harness started.
func (h *Harness) Close() {
	for i := len(h.closers) - 1; i >= 0; i-- {
		h.closers[i]()
	}
	h.closers = nil
}

// Fake is the fake robot the target calls.
func (h *Harness) Fake() *mockdingtalk.Server { return h.fake }

// FakeURL is the fake robot's base URL as the target reaches it.
func (h *Harness) FakeURL() string { return h.fakeURL }

// local turns a URL of the fake as the target reaches it into one the
// harness reaches.
func (h *Harness) local(u string) string {
	if rest, ok := strings.CutPrefix(u, h.fakeURL); ok {
		return h.fakeLoc + rest
	}
	return u
}

// Target is the base URL of the implementation under check.
func (h *Harness) Target() string { return h.target }

// Session is the session uuid the harness calls with.
func (h *Harness) Session() string { return h.session }

func (h *Harness) record(err error) { h.recorder().Record(err) }

func (h *Harness) recorder() *contracts.Recorder {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rec
}

func (h *Harness) evidence() *evidence {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ev
}

// Answer is the final answer to a call: for an async API, the finished
// job's answer.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
	// Job is the job location followed, "" for a synchronous answer.
	Job string
}

// JSON decodes the body into v.
func (a *Answer) JSON(v any) error {
	if err := json.Unmarshal(a.Body, v); err != nil {
		return fmt.Errorf("the answer (HTTP %d) is not JSON: %s", a.Status, snippet(a.Body))
	}
	return nil
}

// Describe is the answer in one line, for failure messages.
func (a *Answer) Describe() string {
	s := fmt.Sprintf("HTTP %d %s", a.Status, snippet(a.Body))
	if a.Job != "" {
		s += " (async job " + a.Job + ")"
	}
	return s
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// callOptions tune one call.
type callOptions struct {
	auth     *string // nil: the harness's session
	negative bool
	raw      []byte
}

// CallOption tunes Call.
type CallOption func(*callOptions)

// WithAuthorization sends this Authorization header ("" sends none).
func WithAuthorization(v string) CallOption { return func(o *callOptions) { o.auth = &v } }

// AsNegative marks a request that breaks the contract on purpose: it is not
// checked against openapi.yaml; its answer is.
func AsNegative() CallOption { return func(o *callOptions) { o.negative = true } }

// WithRawBody sends these bytes instead of encoding the body argument.
func WithRawBody(b []byte) CallOption { return func(o *callOptions) { o.raw = b } }

// Call sends a request to the target (path starts with /zstack/v1) and
// returns the final answer: a 202 with a location is followed by polling
// the job until it is done.
func (h *Harness) Call(ctx context.Context, method, path string, body any, opts ...CallOption) (*Answer, error) {
	var o callOptions
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.CallTimeout)
	defer cancel()
	if o.negative {
		ctx = contracts.Negative(ctx)
	}
	data := o.raw
	if data == nil && body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("encode the request: %w", err)
		}
	}
	if o.auth == nil {
		if err := h.freshSession(ctx); err != nil {
			return nil, err
		}
	}
	auth := "OAuth " + h.session
	if o.auth != nil {
		auth = *o.auth
	}
	a, err := h.do(ctx, method, h.target+path, data, auth)
	if err != nil {
		return nil, err
	}
	if a.Status != http.StatusAccepted {
		return a, nil
	}
	var job struct {
		Location string `json:"location"`
	}
	if err := a.JSON(&job); err != nil || job.Location == "" {
		return nil, fmt.Errorf("%s %s answered 202 without a location to poll: %s", method, path, a.Describe())
	}
	return h.follow(ctx, job.Location, auth)
}

// follow polls a job until it is done. The location's path is joined to
// the target's base URL, so a node that names itself by an internal
// address can still be polled.
func (h *Harness) follow(ctx context.Context, location, auth string) (*Answer, error) {
	u, err := url.Parse(location)
	if err != nil {
		return nil, fmt.Errorf("the job location %q is not a URL", location)
	}
	poll := h.target + u.EscapedPath()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		a, err := h.do(ctx, http.MethodGet, poll, nil, auth)
		if err != nil {
			return nil, fmt.Errorf("poll job %s: %w", location, err)
		}
		if a.Status != http.StatusAccepted {
			a.Job = location
			return a, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("job %s was still running after %s: %w", location, h.cfg.CallTimeout, ErrNoAnswer)
		case <-tick.C:
		}
	}
}

func (h *Harness) do(ctx context.Context, method, target string, body []byte, auth string) (*Answer, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	h.evidence().sent(method, target, body, auth)
	resp, err := h.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL, query (tokens) included
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w within %s", ErrNoAnswer, h.cfg.CallTimeout)
		}
		h.evidence().add("← %v", err)
		return nil, fmt.Errorf("%s %s: %w", method, redact.URL(target), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read the answer: %w", method, redact.URL(target), err)
	}
	a := &Answer{Status: resp.StatusCode, Header: resp.Header, Body: data}
	h.evidence().add("← %s", a.Describe())
	return a, nil
}

// ErrNoAnswer is wrapped by a call's error when the target gave no final
// answer within Config.CallTimeout.
var ErrNoAnswer = errors.New("no answer")

// freshSession logs in again when the harness's own session is about to
// expire: against a remote target with Config.SessionTTL set (a short
// timeout configured to check expiry), once three quarters of it passed.
func (h *Harness) freshSession(ctx context.Context) error {
	if h.loginAt.IsZero() || h.clock != nil || h.cfg.SessionTTL == 0 || time.Since(h.loginAt) < h.cfg.SessionTTL*3/4 {
		return nil
	}
	return h.relogin(ctx)
}

// LogIn logs in with the configured account and returns a new session.
func (h *Harness) LogIn(ctx context.Context) (string, error) { return h.login(ctx) }

func (h *Harness) login(ctx context.Context) (string, error) {
	body := map[string]any{"logInByAccount": map[string]any{
		"accountName": h.cfg.Account, "password": sns.SHA512Hex(h.cfg.Password)}}
	a, err := h.Call(ctx, http.MethodPut, "/zstack/v1/accounts/login", body, WithAuthorization(""))
	if err != nil {
		return "", fmt.Errorf("conformance: log in to %s: %w", h.target, err)
	}
	var out struct {
		Inventory struct {
			UUID string `json:"uuid"`
		} `json:"inventory"`
	}
	if a.Status != http.StatusOK || a.JSON(&out) != nil || out.Inventory.UUID == "" {
		return "", fmt.Errorf("conformance: log in to %s as %q: %s (set %s and %s, or %s)",
			h.target, h.cfg.Account, a.Describe(), EnvAccount, EnvPassword, EnvSession)
	}
	if err := h.recorder().Err(); err != nil {
		return "", fmt.Errorf("conformance: the login answer breaks openapi.yaml: %w", err)
	}
	return out.Inventory.UUID, nil
}

// relogin replaces the harness's own session with a new one.
func (h *Harness) relogin(ctx context.Context) error {
	s, err := h.login(ctx)
	if err != nil {
		return err
	}
	h.session, h.loginAt = s, time.Now()
	return nil
}

// Robot is a robot the harness created on the fake for one check.
type Robot struct {
	Token, Secret string
	// Webhook is its send URL as the target reaches it.
	Webhook string
}

// NewRobot adds a robot with a fresh token (and a fresh SEC… secret when
// signed), so each check sees only its own traffic.
func (h *Harness) NewRobot(signed bool) (Robot, error) {
	r := mockdingtalk.Robot{Name: "conformance"}
	if signed {
		r.Secret = "SEC" + randomHex(32)
	}
	off := 0
	r.RateLimitPerMinute = &off
	got, err := h.fake.AddRobot(r)
	if err != nil {
		return Robot{}, fmt.Errorf("add a robot to the fake: %w", err)
	}
	h.evidence().robot(got.AccessToken)
	return Robot{Token: got.AccessToken, Secret: got.Secret, Webhook: h.fake.WebhookURL(got.AccessToken)}, nil
}

// RedirectURL is a URL on the fake's listener that answers 307 with the
// robot's webhook URL (its query, timestamp and sign included, carried
// over): a client that follows it reaches the robot.
func (r Robot) RedirectURL() string {
	return strings.Replace(r.Webhook, mockdingtalk.SendPath, redirectPath, 1)
}

// redirectPath answers 307 to /robot/send with the same query.
const redirectPath = "/_conformance/redirect"

// front serves the fake robot, plus redirectPath.
func front(fake http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == redirectPath {
			loc := mockdingtalk.SendPath
			if r.URL.RawQuery != "" {
				loc += "?" + r.URL.RawQuery
			}
			w.Header().Set("Location", loc)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTemporaryRedirect)
			_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"moved"}`)
			return
		}
		fake.ServeHTTP(w, r)
	})
}

// Entries returns what the fake robot received for a token.
func (h *Harness) Entries(token string) []journal.Entry {
	return h.fake.Entries(journal.Filter{AccessToken: token})
}

// AddFault injects a fault for one robot.
func (h *Harness) AddFault(f mockdingtalk.Fault) error {
	_, err := h.fake.AddFault(f)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
