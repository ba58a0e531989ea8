// The timeout of an in-process send: context.WithTimeout's meaning, paid
// for only by a handler that waits on it.

package webhook

import (
	"context"
	"sync"
	"time"
)

// lazyTimeout is a context with its parent's values and cancellation and
// a deadline, as context.WithTimeout makes, except that it arms its timer
// and joins its parent's children only when a handler first calls Done.
// An in-process send runs the handler on the caller's goroutine, and the
// fake robot calls Done only to wait out a delay or hang fault; until then
// Err reads the parent and the clock. context.WithTimeout did both on
// every send: about 2 µs of a test-connection's server CPU under load,
// most of it growing the request context's map of children.
type lazyTimeout struct {
	parent   context.Context
	deadline time.Time

	mu       sync.Mutex
	real     context.Context // context.WithDeadline's, made by Done
	stop     context.CancelFunc
	canceled bool // cancel was called
}

// newLazyTimeout returns a lazyTimeout ending timeout from now, or when
// parent ends, whichever is first.
func newLazyTimeout(parent context.Context, timeout time.Duration) *lazyTimeout {
	c := &lazyTimeout{parent: parent, deadline: time.Now().Add(timeout)}
	if d, ok := parent.Deadline(); ok && d.Before(c.deadline) {
		c.deadline = d
	}
	return c
}

func (c *lazyTimeout) Deadline() (time.Time, bool) { return c.deadline, true }

// Done makes the context.WithDeadline this context stands for, once.
func (c *lazyTimeout) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real == nil {
		c.real, c.stop = context.WithDeadline(c.parent, c.deadline)
		if c.canceled {
			c.stop()
		}
	}
	return c.real.Done()
}

func (c *lazyTimeout) Err() error {
	c.mu.Lock()
	real, canceled := c.real, c.canceled
	c.mu.Unlock()
	switch {
	case real != nil:
		return real.Err()
	case canceled:
		return context.Canceled
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value is the parent's, or once Done was called the real context's, so
// that contexts derived from this one find its cancellation.
func (c *lazyTimeout) Value(key any) any {
	c.mu.Lock()
	real := c.real
	c.mu.Unlock()
	if real != nil {
		return real.Value(key)
	}
	return c.parent.Value(key)
}

// cancel ends the context, as the CancelFunc of context.WithTimeout does.
func (c *lazyTimeout) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.canceled = true
	if c.stop != nil {
		c.stop()
	}
}
