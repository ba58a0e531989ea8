// The message APIs' rate limit (DingTalk's per-app, per-API QPS limit:
// HTTP 403 Forbidden.AccessDenied.QpsLimitForAppkeyAndApi beyond 20 calls
// in one second) and the Service's counters for /_mock/health.

package approbot

import (
	"net/http"
	"sync"
	"time"
)

// DefaultRateLimit is DingTalk's documented limit for a standard
// organization: each app may call each API at most 20 times per second.
const DefaultRateLimit = 20

// maxRateLimit is the highest finite limit SetRateLimit takes.
const maxRateLimit = 100000

// ErrThrottled answers a call over the app's per-API limit. The code and
// the HTTP status are DingTalk's; the message is ours (no public paste
// shows it).
var ErrThrottled = APIError{http.StatusForbidden, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "调用频率超过应用维度的接口QPS限制，请稍后重试", "throttled"}

// limiter counts each app's calls to each API in the current second of the
// fake's clock.
type limiter struct {
	mu     sync.Mutex
	perSec int // 0: no limit
	calls  map[limitKey]window
}

type limitKey struct{ appKey, api string }

type window struct {
	second int64
	n      int
}

// allow counts one call and reports whether it is within the limit.
func (l *limiter) allow(appKey, api string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perSec <= 0 {
		return true
	}
	sec := now.Unix()
	if len(l.calls) > 4*MaxApps { // keys of removed apps: keep the map bounded
		for k, w := range l.calls {
			if w.second != sec {
				delete(l.calls, k)
			}
		}
	}
	k := limitKey{appKey, api}
	w := l.calls[k]
	if w.second != sec {
		w = window{second: sec}
	}
	w.n++
	l.calls[k] = w
	return w.n <= l.perSec
}

func (l *limiter) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = map[limitKey]window{}
}

// SetRateLimit sets how many calls per second of the fake's clock each app
// may make to each message API (groupMessages/send, oToMessages/batchSend);
// 0 turns the limit off. The default is DefaultRateLimit. Values outside
// 0…100000 (maxRateLimit) are an error.
func (s *Service) SetRateLimit(perSecond int) error {
	if perSecond < 0 || perSecond > maxRateLimit {
		return invalid("appRateLimit", "must be 0 (no limit) or from 1 to %d (got %d)", maxRateLimit, perSecond)
	}
	s.limits.mu.Lock()
	defer s.limits.mu.Unlock()
	s.limits.perSec = perSecond
	return nil
}

// throttle refuses a call over the app's limit for this API.
func (x *exchange) throttle(w http.ResponseWriter, app App) bool {
	if x.s.limits.allow(app.AppKey, x.r.URL.Path, x.now) {
		return true
	}
	x.s.throttled.Add(1)
	x.s.limits.mu.Lock()
	n := x.s.limits.perSec
	x.s.limits.mu.Unlock()
	x.reject(w, ErrThrottled, x.fail("rate_limit", "app %q called %s more than %d times in one second (fake clock); DingTalk refuses the rest of that second: wait a second and retry, or pace the calls", app.AppKey, x.r.URL.Path, n))
	return false
}

// Stats are the Service's counters, for /_mock/health.
type Stats struct {
	Apps   int `json:"apps"`
	Groups int `json:"groups"`
	// Tokens counts the access tokens valid now.
	Tokens int `json:"tokens"`
	// Messages counts messages delivered since start: group and
	// one-to-one sends, and replies through a sessionWebhook.
	Messages uint64 `json:"messages"`
	// Throttled counts calls refused over the rate limit.
	Throttled uint64 `json:"throttled"`
	// Callbacks counts callbacks to bots: OK when the bot answered in
	// time with HTTP 200 and an empty body or a valid message, Failed
	// otherwise (no answer, too slow, an HTTP error, not a message).
	Callbacks CallbackStats `json:"callbacks"`
}

// CallbackStats counts callbacks by outcome.
type CallbackStats struct {
	OK     uint64 `json:"ok"`
	Failed uint64 `json:"failed"`
}

// Stats returns the Service's counters.
func (s *Service) Stats() Stats {
	now := s.now()
	s.mu.RLock()
	st := Stats{Apps: len(s.apps), Groups: len(s.groups)}
	for _, t := range s.tokens {
		if now.Before(t.expires) {
			st.Tokens++
		}
	}
	s.mu.RUnlock()
	st.Messages, st.Throttled = s.messages.Load(), s.throttled.Load()
	st.Callbacks = CallbackStats{OK: s.callbacksOK.Load(), Failed: s.callbacksFailed.Load()}
	return st
}
