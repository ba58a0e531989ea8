// The fake's clock: real time, real time plus an offset, or frozen at an
// instant and moved by hand. It drives signature timestamp checks, journal
// times and rate-limit windows, so tests can cross an hour or a lockout
// without sleeping.

package mockdingtalk

import (
	"sync"
	"time"
)

// ClockState describes the fake's clock.
type ClockState struct {
	// Now is the fake's current time.
	Now time.Time
	// Offset is the fake's time minus the real time.
	Offset time.Duration
	// Frozen reports whether the clock stands still until moved.
	Frozen bool
}

// clock is safe for concurrent use.
type clock struct {
	mu     sync.Mutex
	real   func() time.Time
	frozen bool
	at     time.Time     // the time while frozen
	offset time.Duration // added to real time while running
}

func newClock() *clock { return &clock{real: time.Now} }

// Now is the fake's current time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *clock) nowLocked() time.Time {
	if c.frozen {
		return c.at
	}
	return c.real().Add(c.offset)
}

// set moves the clock to t, frozen there or running on from it.
func (c *clock) set(t time.Time, frozen bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen = frozen
	if frozen {
		c.at = t
		c.offset = 0
	} else {
		c.offset = t.Sub(c.real())
	}
}

// setOffset runs the clock at real time plus d.
func (c *clock) setOffset(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen, c.offset = false, d
}

// advance moves the clock forward by d (backward if d is negative),
// frozen or not.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.at = c.at.Add(d)
	} else {
		c.offset += d
	}
}

// state reports the clock's settings and time.
func (c *clock) state() ClockState {
	c.mu.Lock()
	defer c.mu.Unlock()
	real := c.real()
	now := c.nowLocked()
	if !c.frozen {
		return ClockState{Now: now, Offset: c.offset}
	}
	return ClockState{Now: now, Offset: now.Sub(real), Frozen: true}
}

// startAt applies a Config's clock settings.
func (c *clock) startAt(cfg Config) {
	switch {
	case !cfg.FreezeAt.IsZero():
		c.set(cfg.FreezeAt, true)
	default:
		c.setOffset(cfg.ClockOffset)
	}
}
