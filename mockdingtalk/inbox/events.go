// The inbox's live updates: a server-sent-event stream that says "change"
// whenever the journal or the app robots' conversations, apps or groups
// change, and "robots" when the robot list does. The
// page answers each event by fetching the rendered entries it lacks, so
// events carry only sequence numbers, never message content. Streams wait
// on change signals; none of them polls or re-reads the robot list, so an
// idle stream costs nothing however many robots there are.

package inbox

import (
	"fmt"
	"net/http"
	"time"
)

// keepAliveInterval is how often a stream sends a keep-alive comment.
const keepAliveInterval = 20 * time.Second

// DefaultMaxStreams is how many live-event streams an inbox serves at once
// unless Config.MaxStreams says otherwise; one more is answered 503.
const DefaultMaxStreams = 100

// RefusedStreams is how many live-event streams were refused because the
// limit was reached.
func (in *Inbox) RefusedStreams() uint64 { return in.refusedStreams.Load() }

// serveEvents streams events until the client goes away or the inbox is
// closed. It never outlives the request.
func (in *Inbox) serveEvents(w http.ResponseWriter, r *http.Request) {
	select {
	case <-in.closing:
		// 204 tells EventSource not to reconnect.
		w.WriteHeader(http.StatusNoContent)
		return
	default:
	}
	if in.streams.Add(1) > in.maxStreams {
		in.streams.Add(-1)
		in.refusedStreams.Add(1)
		w.Header().Set("Retry-After", "60")
		plainError(w, http.StatusServiceUnavailable, fmt.Sprintf(
			"inbox: %d live streams are open, the limit; close some inbox tabs (the page still works on reload)", in.maxStreams))
		return
	}
	defer in.streams.Add(-1)
	rc := http.NewResponseController(w)
	// A server-wide WriteTimeout would cut the stream; lift it for this
	// response (ErrNotSupported is fine: then there is none to lift).
	_ = rc.SetWriteDeadline(time.Time{})

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	ctx := r.Context()
	keepAlive := time.NewTicker(keepAliveInterval)
	defer keepAlive.Stop()

	send := func(format string, args ...any) bool {
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}

	// Take the change channel before reporting the state, so no change
	// between the two is missed. The first event lets a reconnecting page
	// catch up on what it missed.
	changed := in.journal.Changed()
	var robots <-chan struct{} // nil: never ready
	if in.robotsChanged != nil {
		robots = in.robotsChanged()
	}
	var apps <-chan struct{} // nil: never ready
	if in.apps != nil {
		apps = in.apps.Changed()
	}
	gen := 0
	if !send("retry: 2000\nevent: change\ndata: %d\n\n", in.journal.LastSeq()) {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-in.closing:
			return
		case <-changed:
			changed = in.journal.Changed()
			if !send("event: change\ndata: %d\n\n", in.journal.LastSeq()) {
				return
			}
		case <-apps:
			// A conversation, a callback's answer, an app or a group.
			apps = in.apps.Changed()
			if !send("event: change\ndata: %d\n\n", in.journal.LastSeq()) {
				return
			}
		case <-robots:
			robots = in.robotsChanged()
			gen++
			if !send("event: robots\ndata: %d\n\n", gen) {
				return
			}
		case <-keepAlive.C:
			if !send(": keep-alive\n\n") {
				return
			}
		}
	}
}
