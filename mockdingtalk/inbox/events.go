// The inbox's live updates: a server-sent-event stream that says "change"
// whenever the journal changes and "robots" when the robot list does. The
// page answers each event by fetching the rendered entries it lacks, so
// events carry only sequence numbers, never message content.
package inbox

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"time"
)

// How often a stream looks for robot-list changes (robots are not in the
// journal, so nothing signals them) and sends a keep-alive comment.
const (
	robotPollInterval = 2 * time.Second
	keepAliveInterval = 20 * time.Second
)

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
	robotsTick := time.NewTicker(robotPollInterval)
	defer robotsTick.Stop()
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
	fingerprint := in.robotsFingerprint()
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
		case <-robotsTick.C:
			if f := in.robotsFingerprint(); f != fingerprint {
				fingerprint = f
				if !send("event: robots\ndata: %s\n\n", strconv.FormatUint(f, 16)) {
					return
				}
			}
		case <-keepAlive.C:
			if !send(": keep-alive\n\n") {
				return
			}
		}
	}
}

// robotsFingerprint changes whenever anything the page shows of the robot
// list changes.
func (in *Inbox) robotsFingerprint() uint64 {
	h := fnv.New64a()
	for _, r := range in.robots() {
		for _, s := range []string{r.AccessToken, r.Name, r.WebhookURL, r.Secret} {
			_, _ = h.Write([]byte(s))
			_, _ = h.Write([]byte{0})
		}
		_, _ = h.Write([]byte{1})
	}
	return h.Sum64()
}
