// Configuration of the fake robot: Config, the per-robot settings (Robot),
// and the validation that turns bad settings into clear errors before the
// server starts.

package mockdingtalk

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/guard"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Limits and defaults of a robot's security and rate settings.
const (
	// defaultRateLimitPerMinute is DingTalk's documented limit: 20 messages
	// per minute per robot.
	defaultRateLimitPerMinute = 20
	// rateLimitWindow is the sliding window the rate limit counts in.
	rateLimitWindow = time.Minute
	// rateLimitLockout is how long a robot stays throttled after going over
	// its limit ("会限流10分钟").
	rateLimitLockout = 10 * time.Minute
	// maxKeywords is how many custom keywords a robot may have.
	maxKeywords = 10
	// maxTokenLen bounds an access token's length (real ones are 64).
	maxTokenLen = 512
	// maxRobotFieldBytes bounds a robot's name, secret and each keyword.
	maxRobotFieldBytes = 1024
	// maxIPAllowlist is how many entries a robot's IP allowlist may have.
	maxIPAllowlist = 100
	// maxRateLimitPerMinute is the highest finite rate limit (0 turns the
	// limit off); the window keeps one timestamp per message.
	maxRateLimitPerMinute = 10000
	// defaultMaxRobots and defaultMaxFaults bound how many robots and
	// faults a server holds when Config.MaxRobots / MaxFaults are 0.
	defaultMaxRobots = 1000
	defaultMaxFaults = 1000
	// maxFaultBodyBytesTotal bounds the bytes of all active faults' bodies
	// and texts together.
	maxFaultBodyBytesTotal = 16 << 20
)

// maxCallbackTimeout bounds Config.CallbackTimeout.
const maxCallbackTimeout = 10 * time.Minute

// Config is how a Server starts, and what Reset returns it to.
type Config struct {
	// Dialect picks the wording era and the errcodes for an unknown token
	// and a throttled robot. The zero value is the modern default.
	Dialect dingtalk.Dialect
	// JournalCap is how many requests the journal keeps (oldest dropped
	// first); 0 means journal.DefaultCap (10,000).
	JournalCap int
	// JournalMaxBytes bounds the journal in bytes as well (oldest dropped
	// first); 0 means journal.DefaultMaxBytes (24 MiB), which keeps the
	// process under about 150 MB whatever senders send.
	JournalMaxBytes int64
	// Robots exist from the start (and again after Reset). A robot without
	// an AccessToken gets a generated one, fixed for the server's life.
	Robots []Robot
	// Apps and Groups are the app robot API's apps and groups from the
	// start (and again after Reset); see package approbot.
	Apps   []approbot.App
	Groups []approbot.Group
	// CallbackTimeout is how long the fake waits for a bot's answer to a
	// callback before it records "no answer" (0 means
	// approbot.DefaultCallbackTimeout, 10 s; at most 10 minutes).
	CallbackTimeout time.Duration
	// AppRateLimit is how many calls per second (fake clock) each app may
	// make to each robot message API before DingTalk's HTTP 403
	// Forbidden.AccessDenied.QpsLimitForAppkeyAndApi. Nil means
	// approbot.DefaultRateLimit (20, DingTalk's documented limit); 0 turns
	// the limit off; at most 100000.
	AppRateLimit *int
	// Logger receives one record per request to the robot API (Debug when
	// delivered, Info when rejected, with the hint). Nil discards logs.
	// Secrets are never logged.
	Logger *slog.Logger
	// PublicURL is the base URL clients reach the server at, such as
	// "http://127.0.0.1:8090". It is used to build webhook URLs; when empty,
	// the listener's address (Start) or the admin request's Host is used.
	PublicURL string
	// TrustForwardedFor makes the IP allowlist check the first address of
	// an X-Forwarded-For header instead of the connection's peer address.
	// Only set it behind a proxy you control.
	TrustForwardedFor bool
	// FreezeAt, when set, starts the fake's clock frozen at this instant
	// (and Reset freezes it there again). Zero means the real clock.
	FreezeAt time.Time
	// ClockOffset starts the clock running this far from real time; it is
	// ignored when FreezeAt is set.
	ClockOffset time.Duration
	// AdminToken, when set, is required on the admin API (except
	// /_mock/health) and the inbox: as "Authorization: Bearer <token>",
	// the "X-Mock-Admin-Token" header, or the password of HTTP Basic
	// authentication (which browsers prompt for, so the inbox stays
	// usable). Other requests get 401 with a JSON error. The send API never
	// needs it. Set it whenever the server is reachable beyond loopback.
	AdminToken string
	// AllowedHosts are Host names, besides the defaults, under which the
	// admin API and the inbox answer: a name ("mock.example.com"), a
	// "*.suffix" pattern, or "*" for any. The defaults are IP literals,
	// localhost and *.localhost, names without a dot (container service
	// names) and PublicURL's host. Any other Host is refused with 403, so
	// a web page cannot reach the fake through DNS rebinding (see package
	// guard). The send API answers under any Host, as DingTalk's does.
	AllowedHosts []string
	// MaxRobots bounds how many robots the server holds (0 means 1,000);
	// adding one more fails with ErrFull (admin API: 507). MaxFaults does
	// the same for active faults (0 means 1,000); their bodies together
	// are also bounded by 16 MiB. Refusals are counted in /_mock/health.
	MaxRobots int
	MaxFaults int
	// HealthExtra adds keys to GET /_mock/health: each function's result,
	// encoded as JSON, under its key (keys the fake uses itself are
	// ignored). The binary reports the SNS API's counters under "sns".
	HealthExtra map[string]func() any
}

// Robot is one custom robot and its security settings. DingTalk lets the
// settings be combined; each one that is set is checked. Its JSON keys are
// the admin API's and its YAML keys the config file's (the same names).
type Robot struct {
	// AccessToken identifies the robot in the webhook URL. When empty,
	// AddRobot generates 64 lowercase hex characters, like DingTalk's.
	AccessToken string `json:"accessToken" yaml:"accessToken"`
	// Name is a label for people (shown in the inbox); not checked. Name,
	// Secret and each keyword are at most 1 KiB.
	Name string `json:"name" yaml:"name"`
	// Secret turns on signing ("加签"): requests must carry a timestamp and
	// sign made with it. Real secrets are "SEC" + 64 hex characters, but any
	// non-empty string is accepted, as DingTalk's own rules are unknown.
	Secret string `json:"secret" yaml:"secret"`
	// Keywords (at most 10): a message passes if its visible text contains
	// any of them.
	Keywords []string `json:"keywords" yaml:"keywords"`
	// IPAllowlist holds IPv4 addresses ("1.2.3.4") and IPv4 CIDR ranges
	// ("1.2.3.0/24"), at most 100. When non-empty, only those senders
	// pass; an IPv6 sender never matches, as on the real service.
	IPAllowlist []string `json:"ipAllowlist" yaml:"ipAllowlist"`
	// RateLimitPerMinute is how many messages the robot delivers in any
	// 60-second window before it is locked for 10 minutes. Nil means 20
	// (DingTalk's documented limit); 0 turns the limit off; at most
	// 10,000. Robots returned by the Server always have it set.
	RateLimitPerMinute *int `json:"rateLimitPerMinute" yaml:"rateLimitPerMinute"`
	// Disabled robots answer every send with 400102 (机器人已停用).
	Disabled bool `json:"disabled" yaml:"disabled"`
}

// RateLimit returns the effective limit per minute (0 = unlimited).
func (r Robot) RateLimit() int {
	if r.RateLimitPerMinute == nil {
		return defaultRateLimitPerMinute
	}
	return *r.RateLimitPerMinute
}

// LogValue logs the robot with its secret masked.
func (r Robot) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("accessToken", redact.Short(r.AccessToken)),
		slog.String("name", r.Name),
		slog.String("secret", redact.Secret(r.Secret)),
		slog.Any("keywords", r.Keywords),
		slog.Any("ipAllowlist", r.IPAllowlist),
		slog.Int("rateLimitPerMinute", r.RateLimit()),
		slog.Bool("disabled", r.Disabled),
	)
}

// clone returns a deep copy, so callers never share slices with the server.
func (r Robot) clone() Robot {
	r.Keywords = append([]string{}, r.Keywords...)
	r.IPAllowlist = append([]string{}, r.IPAllowlist...)
	if r.RateLimitPerMinute != nil {
		n := *r.RateLimitPerMinute
		r.RateLimitPerMinute = &n
	}
	return r
}

// ValidationError is a setting the fake cannot use, with what is wrong.
// The admin API answers it with HTTP 400.
type ValidationError struct {
	// Field names the setting, such as "robots[1].keywords[3]" or "kind".
	Field string
	// Problem says what is wrong and what is expected.
	Problem string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "mockdingtalk: " + e.Problem
	}
	return "mockdingtalk: " + e.Field + ": " + e.Problem
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// normalize checks the robot's settings and returns the robot as the server
// stores it (token generated if absent, rate limit set, slices copied) and
// its parsed allowlist. field prefixes error field names.
func (r Robot) normalize(field string) (Robot, []netip.Prefix, error) {
	r = r.clone()
	if field != "" {
		field += "."
	}
	if r.AccessToken == "" {
		r.AccessToken = generateToken()
	} else if err := checkToken(r.AccessToken); err != nil {
		return Robot{}, nil, invalid(field+"accessToken", "%s", err)
	}
	for _, f := range []struct{ name, v string }{{"name", r.Name}, {"secret", r.Secret}} {
		if len(f.v) > maxRobotFieldBytes {
			return Robot{}, nil, invalid(field+f.name, "at most %d bytes (got %d)", maxRobotFieldBytes, len(f.v))
		}
	}
	if len(r.IPAllowlist) > maxIPAllowlist {
		return Robot{}, nil, invalid(field+"ipAllowlist", "at most %d entries are allowed (got %d)", maxIPAllowlist, len(r.IPAllowlist))
	}
	if len(r.Keywords) > maxKeywords {
		return Robot{}, nil, invalid(field+"keywords", "at most %d keywords are allowed (got %d)", maxKeywords, len(r.Keywords))
	}
	for i, k := range r.Keywords {
		if strings.TrimSpace(k) == "" {
			return Robot{}, nil, invalid(fmt.Sprintf("%skeywords[%d]", field, i), "a keyword must be a non-blank string")
		}
		if len(k) > maxRobotFieldBytes {
			return Robot{}, nil, invalid(fmt.Sprintf("%skeywords[%d]", field, i), "at most %d bytes (got %d)", maxRobotFieldBytes, len(k))
		}
	}
	allow := make([]netip.Prefix, 0, len(r.IPAllowlist))
	for i, s := range r.IPAllowlist {
		p, err := parseAllowEntry(s)
		if err != nil {
			return Robot{}, nil, invalid(fmt.Sprintf("%sipAllowlist[%d]", field, i), "%s", err)
		}
		allow = append(allow, p)
	}
	if r.RateLimitPerMinute == nil {
		n := defaultRateLimitPerMinute
		r.RateLimitPerMinute = &n
	} else if n := *r.RateLimitPerMinute; n < 0 || n > maxRateLimitPerMinute {
		return Robot{}, nil, invalid(field+"rateLimitPerMinute", "must be 0 (no limit) or from 1 to %d (got %d)", maxRateLimitPerMinute, n)
	}
	return r, allow, nil
}

// checkToken rejects tokens that cannot round-trip through a webhook URL
// and the admin API's /_mock/robots/{accessToken} path.
func checkToken(t string) error {
	if len(t) > maxTokenLen {
		return fmt.Errorf("at most %d characters (got %d)", maxTokenLen, len(t))
	}
	for _, c := range t {
		if unicode.IsSpace(c) || unicode.IsControl(c) || c == '/' || c == '?' || c == '#' || c == '%' {
			return fmt.Errorf("%q: may not contain spaces, control characters or any of / ? # %%", t)
		}
	}
	return nil
}

// parseAllowEntry reads one allowlist entry: an IPv4 address or range.
func parseAllowEntry(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 CIDR range like 1.2.3.0/24", s)
		}
		if !p.Addr().Is4() {
			return netip.Prefix{}, fmt.Errorf("%q is IPv6; DingTalk's allowlist takes IPv4 only", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 address like 1.2.3.4 or a range like 1.2.3.0/24", s)
	}
	if !a.Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is IPv6; DingTalk's allowlist takes IPv4 only", s)
	}
	return netip.PrefixFrom(a, 32), nil
}

// generateToken returns a fresh access token: 64 lowercase hex characters
// from crypto/rand, the shape of DingTalk's tokens.
func generateToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// validate checks everything but the robots, which New normalizes.
func (c Config) validate() error {
	if err := c.Dialect.Validate(); err != nil {
		return invalid("dialect", "%s", strings.TrimPrefix(err.Error(), "dingtalk: "))
	}
	if c.MaxRobots < 0 || c.MaxFaults < 0 {
		return invalid("maxRobots", "MaxRobots and MaxFaults must be 0 (the defaults) or more")
	}
	if c.CallbackTimeout < 0 || c.CallbackTimeout > maxCallbackTimeout {
		return invalid("callbackTimeout", "must be 0 (the default, %s) or up to %s (got %s)", approbot.DefaultCallbackTimeout, maxCallbackTimeout, c.CallbackTimeout)
	}
	if c.JournalCap < 0 {
		return invalid("journalCap", "must be 0 (the default, %d) or more (got %d)", journal.DefaultCap, c.JournalCap)
	}
	if c.JournalMaxBytes < 0 {
		return invalid("journalMaxBytes", "must be 0 (the default, %d) or more (got %d)", journal.DefaultMaxBytes, c.JournalMaxBytes)
	}
	for _, r := range c.AdminToken {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII {
			return invalid("adminToken", "may hold only printable ASCII without spaces, to fit in a header")
		}
	}
	if !c.FreezeAt.IsZero() {
		if err := inClockRange("freezeAt", c.FreezeAt); err != nil {
			return invalid("freezeAt", "%s", strings.TrimPrefix(err.Error(), "freezeAt: "))
		}
	}
	if c.ClockOffset > maxClockMs*time.Millisecond || c.ClockOffset < -maxClockMs*time.Millisecond {
		return invalid("clockOffset", "%s is out of range (at most ±100 years)", c.ClockOffset)
	}
	if _, err := guard.New(c.AllowedHosts...); err != nil {
		return invalid("allowedHosts", "%s", strings.TrimPrefix(err.Error(), "allowed host "))
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("publicURL", "%q is not an absolute http(s) URL like http://127.0.0.1:8090", c.PublicURL)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return invalid("publicURL", "%q must not have a query or fragment", c.PublicURL)
		}
	}
	return nil
}
