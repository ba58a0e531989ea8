// Package deadline wraps a net.Listener so that the read and write
// deadlines set on its connections cost no runtime timer: a connection
// keeps the deadline it was given, and one sweeper goroutine per listener
// applies each deadline to the connection once it has passed.
//
// net/http moves a connection's deadlines five times per request when an
// http.Server has ReadHeaderTimeout, ReadTimeout, WriteTimeout and
// IdleTimeout (idle, header, whole request, write, clear), and each move
// re-arms a runtime timer in the network poller: about 1 µs of CPU per
// request in a profile of the mockdingtalk binary, 5% of what a send costs
// it. Behind this listener the server keeps exactly the same timeouts, and
// so the same protection against slow and stalled clients, with one
// difference: a deadline in the future takes effect at the first sweep
// after it passes, up to one tick late (a deadline already passed when it
// is set, as net/http sets to abort a read, takes effect at once).
package deadline

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Listener is a net.Listener whose connections enforce their deadlines
// through its sweeper. Close the connections (or the server that accepted
// them) as usual: the sweeper stops when none is left open.
type Listener struct {
	net.Listener
	tick time.Duration

	swept atomic.Int64 // when the sweeper last ran (or started), Unix ns

	mu       sync.Mutex
	conns    map[*conn]struct{}
	sweeping bool
	scratch  []*conn // the sweeper's copy of conns
}

// NewListener wraps ln; deadlines take effect at most tick after they pass.
func NewListener(ln net.Listener, tick time.Duration) *Listener {
	return &Listener{Listener: ln, tick: tick, conns: map[*conn]struct{}{}}
}

// Accept waits for the next connection and returns it wrapped.
func (l *Listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &conn{Conn: nc, l: l}
	l.mu.Lock()
	l.conns[c] = struct{}{}
	if !l.sweeping {
		l.sweeping = true
		l.swept.Store(time.Now().UnixNano())
		go l.sweep()
	}
	l.mu.Unlock()
	return c, nil
}

// Open is how many accepted connections are not closed yet.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// sweep applies passed deadlines every tick while connections are open.
func (l *Listener) sweep() {
	t := time.NewTicker(l.tick)
	defer t.Stop()
	for range t.C {
		now := time.Now()
		l.swept.Store(now.UnixNano())
		l.mu.Lock()
		if len(l.conns) == 0 {
			l.sweeping = false
			l.mu.Unlock()
			return
		}
		open := l.scratch[:0]
		for c := range l.conns {
			open = append(open, c)
		}
		l.mu.Unlock()
		for _, c := range open {
			c.expire(now)
		}
		clear(open)
		l.mu.Lock()
		l.scratch = open[:0]
		l.mu.Unlock()
	}
}

// passed reports whether deadline t has passed. A time before the last
// sweep has (net/http aborts a read with one in 1970); one within two
// ticks of it asks the clock; a later one is left to the sweeper, which
// keeps reading the clock, 75 ns on a VM, off the five deadlines of every
// request.
func (l *Listener) passed(t time.Time) bool {
	n, swept := t.UnixNano(), l.swept.Load()
	switch {
	case n <= swept:
		return true
	case n-swept > 2*int64(l.tick):
		return false
	}
	return !t.After(time.Now())
}

func (l *Listener) forget(c *conn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

const (
	reading = iota
	writing
)

// conn is an accepted connection; the deadlines set on it wait in d until
// they pass.
type conn struct {
	net.Conn
	l    *Listener
	mu   sync.Mutex
	d    [2]deadline // reading, writing
	once sync.Once
}

type deadline struct {
	at      time.Time // as set; zero for none
	applied bool      // at has passed and is set on the connection itself
}

func (c *conn) SetDeadline(t time.Time) error {
	err := c.set(reading, t)
	if werr := c.set(writing, t); err == nil {
		err = werr
	}
	return err
}

func (c *conn) SetReadDeadline(t time.Time) error  { return c.set(reading, t) }
func (c *conn) SetWriteDeadline(t time.Time) error { return c.set(writing, t) }

// set records t as the deadline of one direction. A deadline already
// passed goes on the connection at once; a later one lifts a passed
// deadline from it and waits for the sweeper.
func (c *conn) set(dir int, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := &c.d[dir]
	d.at = t
	if !t.IsZero() && c.l.passed(t) {
		d.applied = true
		return c.apply(dir, t)
	}
	if d.applied {
		d.applied = false
		return c.apply(dir, time.Time{})
	}
	return nil
}

// expire puts the deadlines that passed by now on the connection, which
// fails the reads and writes blocked on it as the deadline itself would.
func (c *conn) expire(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for dir := range c.d {
		if d := &c.d[dir]; !d.applied && !d.at.IsZero() && !now.Before(d.at) {
			d.applied = true
			_ = c.apply(dir, d.at)
		}
	}
}

func (c *conn) apply(dir int, t time.Time) error {
	if dir == reading {
		return c.Conn.SetReadDeadline(t)
	}
	return c.Conn.SetWriteDeadline(t)
}

func (c *conn) Close() error {
	c.once.Do(func() { c.l.forget(c) })
	return c.Conn.Close()
}

// CloseWrite shuts down the writing side, as net.TCPConn does (net/http
// uses it to close a connection gracefully).
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// ReadFrom lets net/http send files with sendfile, as over a net.TCPConn.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}
