// Package journal is the fake robot's bounded request journal: every request
// to the robot API, accepted or not, with its raw bytes, what the fake made
// of it and what it answered. The oldest entries are dropped first once the
// cap is reached, and the drops are counted. Readers can list, wait for a
// number of entries, or be told of each change (for live views).
package journal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// DefaultCap is how many entries a journal keeps unless told otherwise.
const DefaultCap = 10000

// Entry is one request to the robot API and everything the fake did with it.
type Entry struct {
	// Seq numbers entries from 1 in arrival order; it never repeats, even
	// after Clear, so a reader can ask for everything since the last Seq seen.
	Seq uint64 `json:"seq"`
	// Time is when the request arrived, on the fake's clock.
	Time        time.Time   `json:"time"`
	AccessToken string      `json:"accessToken"`
	Method      string      `json:"method"`
	Path        string      `json:"path"`
	RawQuery    string      `json:"rawQuery"`
	Header      http.Header `json:"headers"`
	// Body is the request body exactly as received (up to the read limit).
	Body       []byte `json:"-"`
	RemoteAddr string `json:"remoteAddr"`
	// Message is the parsed body, when it parsed.
	Message *dingtalk.Message `json:"message,omitempty"`
	// Accepted: the fake answered errcode 0.
	Accepted bool `json:"accepted"`
	// Delivered: the message reached the group (accepted and not a
	// repeated msgUuid).
	Delivered bool `json:"delivered"`
	// Duplicate: a repeated msgUuid, acknowledged but not delivered again.
	Duplicate bool `json:"duplicate,omitempty"`
	// Reason is why the fake answered as it did.
	Reason   dingtalk.Reason `json:"reason"`
	Response Response        `json:"response"`
	// Checks are the results of each check, in the order they ran.
	Checks []Check `json:"checks"`
	// Hint names the most likely client mistake for a rejected request.
	Hint string `json:"hint,omitempty"`
	// Warnings say what an accepted message does differently from what
	// its sender most likely meant (a mention nobody receives, markdown
	// DingTalk does not render); see package diagnose.
	Warnings []string `json:"warnings,omitempty"`
	// Fault is the id of the injected fault that shaped the answer, if any.
	Fault string `json:"fault,omitempty"`
}

// Check is the outcome of one of the robot's checks on a request.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail,omitempty"`
}

// Response is what the fake sent back.
type Response struct {
	Status int `json:"status"`
	// ErrCode and ErrMsg are the DingTalk answer, when the body was one.
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
	// Body is the exact response body; empty when the connection was
	// dropped or the request hung.
	Body []byte `json:"-"`
}

type entryJSON Entry

// MarshalJSON writes Body as a string when it is valid UTF-8, else as
// bodyBase64, so the journal reads naturally and loses no byte.
func (e Entry) MarshalJSON() ([]byte, error) {
	type out struct {
		entryJSON
		Body       *string `json:"body,omitempty"`
		BodyBase64 string  `json:"bodyBase64,omitempty"`
	}
	o := out{entryJSON: entryJSON(e)}
	o.Body, o.BodyBase64 = splitBody(e.Body)
	return json.Marshal(o)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (e *Entry) UnmarshalJSON(data []byte) error {
	var in struct {
		entryJSON
		Body       *string `json:"body"`
		BodyBase64 string  `json:"bodyBase64"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*e = Entry(in.entryJSON)
	var err error
	e.Body, err = joinBody(in.Body, in.BodyBase64)
	return err
}

type responseJSON Response

// MarshalJSON writes Body as in Entry.MarshalJSON.
func (r Response) MarshalJSON() ([]byte, error) {
	type out struct {
		responseJSON
		Body       *string `json:"body,omitempty"`
		BodyBase64 string  `json:"bodyBase64,omitempty"`
	}
	o := out{responseJSON: responseJSON(r)}
	o.Body, o.BodyBase64 = splitBody(r.Body)
	return json.Marshal(o)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (r *Response) UnmarshalJSON(data []byte) error {
	var in struct {
		responseJSON
		Body       *string `json:"body"`
		BodyBase64 string  `json:"bodyBase64"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*r = Response(in.responseJSON)
	var err error
	r.Body, err = joinBody(in.Body, in.BodyBase64)
	return err
}

func splitBody(b []byte) (*string, string) {
	if b == nil {
		return nil, ""
	}
	if utf8.Valid(b) {
		s := string(b)
		return &s, ""
	}
	return nil, base64.StdEncoding.EncodeToString(b)
}

func joinBody(s *string, b64 string) ([]byte, error) {
	if b64 != "" {
		return base64.StdEncoding.DecodeString(b64)
	}
	if s != nil {
		return []byte(*s), nil
	}
	return nil, nil
}

// Filter selects entries. The zero Filter selects all.
type Filter struct {
	// AccessToken, if set, keeps only that robot's entries.
	AccessToken string
	// Since keeps only entries with a Seq greater than it.
	Since uint64
	// Delivered, if set, keeps only delivered (true) or undelivered
	// (false) entries.
	Delivered *bool
	// Limit, if positive, caps how many entries List returns (the oldest
	// matching ones).
	Limit int
}

func (f Filter) match(e *Entry) bool {
	return e.Seq > f.Since &&
		(f.AccessToken == "" || e.AccessToken == f.AccessToken) &&
		(f.Delivered == nil || e.Delivered == *f.Delivered)
}

// Journal is a bounded, concurrency-safe log of entries. Its zero value is
// not usable; call New.
type Journal struct {
	mu      sync.Mutex
	ring    []*Entry // ring[(start+i)%cap] is the i-th oldest entry
	start   int
	n       int
	lastSeq uint64
	dropped uint64
	changed chan struct{}
}

// New returns a journal that keeps at most capacity entries (DefaultCap
// when capacity is not positive).
func New(capacity int) *Journal {
	if capacity <= 0 {
		capacity = DefaultCap
	}
	return &Journal{ring: make([]*Entry, capacity), changed: make(chan struct{})}
}

// Cap is the most entries the journal keeps.
func (j *Journal) Cap() int { return len(j.ring) }

// Append records e, assigning its Seq, and drops the oldest entry if the
// journal is full. It returns the entry as stored.
func (j *Journal) Append(e Entry) Entry {
	j.mu.Lock()
	j.lastSeq++
	e.Seq = j.lastSeq
	stored := &e
	if j.n < len(j.ring) {
		j.ring[(j.start+j.n)%len(j.ring)] = stored
		j.n++
	} else {
		j.ring[j.start] = stored
		j.start = (j.start + 1) % len(j.ring)
		j.dropped++
	}
	j.notifyLocked()
	j.mu.Unlock()
	return e
}

func (j *Journal) notifyLocked() {
	close(j.changed)
	j.changed = make(chan struct{})
}

// Changed returns a channel that is closed at the next change (an append
// or a clear). Call it again after each close.
func (j *Journal) Changed() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.changed
}

// List returns the matching entries, oldest first.
func (j *Journal) List(f Filter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.listLocked(f)
}

func (j *Journal) listLocked(f Filter) []Entry {
	out := []Entry{}
	// Held entries have consecutive Seqs ending at lastSeq, so an entry's
	// Seq gives its position: start right after f.Since.
	first := j.lastSeq - uint64(j.n) + 1
	i := 0
	if f.Since >= first {
		if f.Since >= j.lastSeq {
			return out
		}
		i = int(f.Since - first + 1)
	}
	for ; i < j.n; i++ {
		e := j.ring[(j.start+i)%len(j.ring)]
		if !f.match(e) {
			continue
		}
		out = append(out, *e)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out
}

// Len is the number of entries held.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n
}

// Dropped is how many entries were dropped because the journal was full,
// since it was made or last cleared.
func (j *Journal) Dropped() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dropped
}

// LastSeq is the Seq of the newest entry ever appended (0 if none).
func (j *Journal) LastSeq() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.lastSeq
}

// Clear removes every entry and resets the drop count. Seq keeps counting.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.ring)
	j.start, j.n, j.dropped = 0, 0, 0
	j.notifyLocked()
}

// Wait blocks until at least n entries match f, then returns them (all of
// them, ignoring f.Limit). It returns ctx's error if ctx ends first.
func (j *Journal) Wait(ctx context.Context, f Filter, n int) ([]Entry, error) {
	f.Limit = 0
	for {
		j.mu.Lock()
		got := j.listLocked(f)
		changed := j.changed
		j.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-ctx.Done():
			return got, ctx.Err()
		case <-changed:
		}
	}
}
