// Package clock is the one movable clock of the project. Every package
// takes its time the same way — a `Now func() time.Time` (a Config field
// where nil means time.Now, as in sns.Config and webhook.Config) — and a
// *Clock's Now method is such a function, so one Clock can drive the fake
// robot, the SNS API and its webhook sender at once. Tests and the fake's
// admin API move it with Set, Advance and SetOffset instead of sleeping.
package clock

import (
	"sync"
	"sync/atomic"
	"time"
)

// State is a clock's settings and its time.
type State struct {
	// Now is the clock's current time.
	Now time.Time
	// Offset is the clock's time minus the real time.
	Offset time.Duration
	// Frozen reports whether the clock stands still until moved.
	Frozen bool
}

// Clock is real time, real time plus an offset, or frozen at an instant.
// The zero value runs at real time. It is safe for concurrent use; Now
// takes no lock, as it runs on every request.
type Clock struct {
	mu  sync.Mutex // serializes writers
	cur atomic.Pointer[setting]
}

// setting is one immutable clock setting; writers replace it whole.
type setting struct {
	frozen bool
	at     time.Time     // the time while frozen
	offset time.Duration // added to real time while running
}

// Frozen returns a clock that stands still at t until moved.
func Frozen(t time.Time) *Clock {
	c := &Clock{}
	c.Set(t, true)
	return c
}

// Now is the clock's current time.
func (c *Clock) Now() time.Time {
	s := c.cur.Load()
	switch {
	case s == nil:
		return time.Now()
	case s.frozen:
		return s.at
	default:
		return time.Now().Add(s.offset)
	}
}

// Set moves the clock to t, frozen there or running on from it.
func (c *Clock) Set(t time.Time, frozen bool) {
	if frozen {
		c.store(setting{frozen: true, at: t})
		return
	}
	c.store(setting{offset: time.Until(t)})
}

// SetOffset runs the clock at real time plus d (0: real time again).
func (c *Clock) SetOffset(d time.Duration) { c.store(setting{offset: d}) }

// Advance moves the clock forward by d (backward if d is negative),
// frozen or not.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.load()
	if s.frozen {
		s.at = s.at.Add(d)
	} else {
		s.offset += d
	}
	c.cur.Store(&s)
}

// State reports the clock's settings and time.
func (c *Clock) State() State {
	s := c.load()
	if !s.frozen {
		return State{Now: time.Now().Add(s.offset), Offset: s.offset}
	}
	return State{Now: s.at, Offset: time.Until(s.at), Frozen: true}
}

func (c *Clock) load() setting {
	if s := c.cur.Load(); s != nil {
		return *s
	}
	return setting{}
}

func (c *Clock) store(s setting) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur.Store(&s)
}
