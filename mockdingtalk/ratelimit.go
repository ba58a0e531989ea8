// The per-robot rate limit: a sliding 60-second window of delivered
// messages on the fake's clock, and the 10-minute lockout that follows the
// first message over the limit.

package mockdingtalk

import "time"

// limiter is one robot's rate-limit state. It is not safe for concurrent
// use; the robot's mutex guards it.
//
// Semantics (DingTalk's are unconfirmed; these are our documented choice):
//   - the window is sliding: a message delivered at t counts against every
//     send in (t, t+60s), and no longer at t+60s exactly;
//   - only delivered messages count (rejections and msgUuid repeats don't);
//   - the first send over the limit is refused and locks the robot until
//     that moment + 10 minutes; sends during the lock are refused too, do
//     not count, and do NOT extend the lock.
type limiter struct {
	sent        []time.Time // delivery times in the window, oldest first
	lockedUntil time.Time
}

// admit decides whether a send at now may be delivered under limit
// messages per window (0 = unlimited) and records it if so. When it is
// refused, lockedUntil says when the robot may send again.
func (l *limiter) admit(now time.Time, limit int) (ok bool, lockedUntil time.Time) {
	if now.Before(l.lockedUntil) {
		return false, l.lockedUntil
	}
	if limit <= 0 {
		l.sent = l.sent[:0]
		return true, time.Time{}
	}
	cutoff := now.Add(-rateLimitWindow)
	i := 0
	for i < len(l.sent) && !l.sent[i].After(cutoff) {
		i++
	}
	l.sent = append(l.sent[:0], l.sent[i:]...)
	if len(l.sent) >= limit {
		l.lockedUntil = now.Add(rateLimitLockout)
		return false, l.lockedUntil
	}
	l.sent = append(l.sent, now)
	return true, time.Time{}
}
