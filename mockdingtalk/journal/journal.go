// The journal itself: Entry and what it records (checks, response, trail),
// its JSON form, Filter, and Journal with its count and byte bounds, reads,
// snapshots and waits.

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

// Bounds of a journal unless told otherwise, and of what one entry keeps.
const (
	// DefaultCap is how many entries a journal keeps.
	DefaultCap = 10000
	// DefaultMaxBytes is how many bytes of entries a journal keeps: room
	// for DefaultCap ordinary sends three times over, while a flood of
	// maximal requests (huge queries, headers and bodies) cannot take the
	// process past about 150 MB.
	DefaultMaxBytes = 24 << 20
	// MaxQueryBytes is how much of a raw query an entry keeps; the rest is
	// cut and Entry.Truncated says so.
	MaxQueryBytes = 8 << 10
	// MaxHeaderBytes is how much of the request headers (names and values)
	// an entry keeps; the rest is cut and Entry.Truncated says so.
	MaxHeaderBytes = 64 << 10
)

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
	// AppKey and Conversation are set on requests to the app robot API
	// (package approbot): the app the request acted for, and the group
	// (openConversationId) a group message went to.
	AppKey       string `json:"appKey,omitempty"`
	Conversation string `json:"openConversationId,omitempty"`
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
	// Truncated is set when the journal kept only part of the raw query or
	// headers (see MaxQueryBytes, MaxHeaderBytes).
	Truncated *Truncated `json:"truncated,omitempty"`
	// Trail is how a writer may record Checks (and Message) compactly; the
	// journal's Config.Expand rebuilds them when the entry is read. Entries
	// read from a journal have a zero Trail.
	Trail Trail `json:"-"`
}

func (t *Trail) zero() bool {
	return t.N == 0 && !t.Parsed && t.A == 0 && t.B == 0 && t.Name == "" && t.Details == nil
}

// Truncated says what an entry kept only part of, and how big it was.
type Truncated struct {
	// RawQueryBytes is the length of the whole raw query, when RawQuery
	// holds only its first MaxQueryBytes bytes.
	RawQueryBytes int `json:"rawQueryBytes,omitempty"`
	// HeaderBytes is the size of all the headers (names and values), when
	// Header holds only some of them: whole headers in name order while
	// they fit, then the rest of the budget of the next value.
	HeaderBytes int `json:"headerBytes,omitempty"`
}

// Trail is the compact form of an entry's checks that a writer can store
// instead of Check values: the steps taken, as codes the writer defines,
// and the few values their details are built from. The journal keeps it as
// it is and hands it to Config.Expand when the entry is read.
type Trail struct {
	// Steps[:N] are the writer's codes, one per check run.
	Steps [16]uint8
	N     uint8
	// Parsed says the body parsed as a message, so Message can be rebuilt
	// from Body.
	Parsed bool
	// A and B are numbers the details need (counts, limits).
	A, B int64
	// Name is a text the details need (a robot's name).
	Name string
	// Details are the texts that cannot be rebuilt, in step order.
	Details []string
}

// CheckName names a check the fake made on a request: one of the custom
// robot's checks below, or one of the app robot API's (package approbot).
type CheckName string

// The custom robot's checks (/robot/send), in the order the fake runs
// them, with what each one checks and the errcode of its rejection.
const (
	CheckPath        CheckName = "path"         // /robot/send (404 for other paths under /robot)
	CheckMethod      CheckName = "method"       // POST only (43002)
	CheckAccessToken CheckName = "access_token" // present and non-empty (40035)
	CheckToken       CheckName = "token"        // names a robot (300005/300001)
	CheckEnabled     CheckName = "enabled"      // robot not disabled (400102)
	CheckContentType CheckName = "content_type" // application/json (43004)
	CheckBodySize    CheckName = "body_size"    // at most 20000 bytes (460101)
	CheckJSON        CheckName = "json"         // a JSON object (40035)
	CheckIPAllowlist CheckName = "ip_allowlist" // sender allowed (310000)
	CheckSign        CheckName = "sign"         // timestamp and sign (310000)
	CheckMessage     CheckName = "message"      // msgtype and required fields (400105, 4XXYYY)
	CheckKeywords    CheckName = "keywords"     // a keyword in the visible text (310000)
	CheckMsgUUID     CheckName = "msg_uuid"     // a repeated msgUuid is acknowledged, not delivered
	CheckRateLimit   CheckName = "rate_limit"   // per-minute limit and lockout (130101/410100/660026)
)

// Check is the outcome of one of the robot's checks on a request.
type Check struct {
	Name   CheckName `json:"name"`
	Passed bool      `json:"passed"`
	Detail string    `json:"detail,omitempty"`
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
	// AppKey and Conversation, if set, keep only the app robot API's
	// entries for that app and that group (openConversationId).
	AppKey       string
	Conversation string
	// Since keeps only entries with a Seq greater than it.
	Since uint64
	// Delivered, if set, keeps only delivered (true) or undelivered
	// (false) entries.
	Delivered *bool
	// Limit, if positive, caps how many entries List returns (the oldest
	// matching ones).
	Limit int
}

func (f Filter) match(r *record) bool {
	return r.seq > f.Since &&
		(f.AccessToken == "" || string(r.part(partToken)) == f.AccessToken) &&
		(f.Delivered == nil || r.has(flagDelivered) == *f.Delivered) &&
		(f.AppKey == "" || r.appKey == f.AppKey) &&
		(f.Conversation == "" || r.conversation == f.Conversation)
}

// Config is how New makes a journal; the zero value keeps DefaultCap
// entries and DefaultMaxBytes of them.
type Config struct {
	// Cap is the most entries the journal keeps (DefaultCap when not
	// positive); the oldest is dropped first.
	Cap int
	// MaxBytes bounds the bytes of entries the journal keeps
	// (DefaultMaxBytes when not positive). An entry is charged its raw
	// bytes plus a fixed overhead; one entry larger than the bound is
	// still kept, alone.
	MaxBytes int64
	// Expand, when set, rebuilds an entry's Checks and Message from its
	// Trail when the entry is read. It runs without the journal's lock
	// and must not call the journal.
	Expand func(*Entry)
}

// Journal is a bounded, concurrency-safe log of entries. Its zero value is
// not usable; call New.
type Journal struct {
	mu        sync.Mutex
	ring      []record // ring[(start+i)%len(ring)] is the i-th oldest entry; grows up to capacity
	capacity  int
	start     int
	n         int
	bytes     int64 // charged bytes of the held entries
	maxBytes  int64
	lastSeq   uint64
	dropped   uint64
	truncated uint64
	changed   chan struct{}
	watched   bool // someone holds changed: close it at the next change
	expand    func(*Entry)
	chunks    chunks // where the records' buffers come from
}

// New returns an empty journal bounded as cfg says.
func New(cfg Config) *Journal {
	j := &Journal{capacity: cfg.Cap, maxBytes: cfg.MaxBytes, expand: cfg.Expand, changed: make(chan struct{})}
	if j.capacity <= 0 {
		j.capacity = DefaultCap
	}
	if j.maxBytes <= 0 {
		j.maxBytes = DefaultMaxBytes
	}
	return j
}

// Cap is the most entries the journal keeps.
func (j *Journal) Cap() int { return j.capacity }

// MaxBytes is the most bytes of entries the journal keeps.
func (j *Journal) MaxBytes() int64 { return j.maxBytes }

// Append records e, assigning its Seq, and drops the oldest entries while
// the journal would hold more than its cap or its bytes. It keeps a copy
// of e's raw parts (cutting an oversized query or header block), so the
// caller may reuse e's Body, Header and Response.Body. It returns e with
// its Seq.
func (j *Journal) Append(e Entry) Entry {
	rec := compact(&e, &j.chunks)
	j.mu.Lock()
	j.lastSeq++
	rec.seq = j.lastSeq
	if rec.trunc != (Truncated{}) {
		j.truncated++
	}
	for j.n > 0 && (j.n == j.capacity || j.bytes+rec.size > j.maxBytes) {
		j.dropOldestLocked()
	}
	j.pushLocked(rec)
	j.notifyLocked()
	e.Seq = rec.seq
	j.mu.Unlock()
	return e
}

func (j *Journal) dropOldestLocked() {
	j.bytes -= j.ring[j.start].size
	j.ring[j.start] = record{}
	j.start = (j.start + 1) % len(j.ring)
	j.n--
	j.dropped++
}

// pushLocked adds rec after the newest entry, growing the ring (up to the
// cap) when it is full.
func (j *Journal) pushLocked(rec record) {
	switch {
	case j.n == len(j.ring) && j.start == 0 && j.n < cap(j.ring):
		j.ring = append(j.ring, rec)
	case j.n == len(j.ring):
		grown := make([]record, j.n, min(max(2*j.n, 64), j.capacity))
		for i := range j.n {
			grown[i] = j.ring[(j.start+i)%len(j.ring)]
		}
		j.ring, j.start = append(grown, rec), 0
	default:
		j.ring[(j.start+j.n)%len(j.ring)] = rec
	}
	j.n++
	j.bytes += rec.size
}

func (j *Journal) notifyLocked() {
	if j.watched {
		close(j.changed)
		j.changed = make(chan struct{})
		j.watched = false
	}
}

// Changed returns a channel that is closed at the next change (an append
// or a clear). Call it again after each close.
func (j *Journal) Changed() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.watched = true
	return j.changed
}

// Snapshot is the entries matching a filter at one moment, with the
// journal's counters at that moment. Its entries are built one at a time
// when asked for, so a reader can stream a large answer.
type Snapshot struct {
	recs []record
	// Dropped and LastSeq are the journal's counters when the snapshot was
	// taken.
	Dropped, LastSeq uint64
	expand           func(*Entry)
}

// Len is how many entries the snapshot holds.
func (s *Snapshot) Len() int { return len(s.recs) }

// Entry builds the i-th entry (oldest first).
func (s *Snapshot) Entry(i int) Entry {
	e := s.recs[i].entry()
	if s.expand != nil && !e.Trail.zero() {
		s.expand(&e)
	}
	e.Trail = Trail{}
	return e
}

// Summary is what a reader counting entries needs, without building them.
type Summary struct {
	Seq                            uint64
	AccessToken                    string
	Accepted, Delivered, Duplicate bool
	// AppKey and Conversation: see Entry.AppKey, Entry.Conversation.
	AppKey, Conversation string
}

// Summary returns the i-th entry's summary, much cheaper than Entry(i).
func (s *Snapshot) Summary(i int) Summary {
	r := &s.recs[i]
	return Summary{Seq: r.seq, AccessToken: string(r.part(partToken)),
		Accepted: r.has(flagAccepted), Delivered: r.has(flagDelivered), Duplicate: r.has(flagDuplicate),
		AppKey: r.appKey, Conversation: r.conversation}
}

// Entries builds every entry.
func (s *Snapshot) Entries() []Entry {
	out := make([]Entry, len(s.recs))
	for i := range s.recs {
		out[i] = s.Entry(i)
	}
	return out
}

// Snapshot returns the matching entries, oldest first.
func (j *Journal) Snapshot(f Filter) *Snapshot {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.snapshotLocked(f)
}

// List returns the matching entries, oldest first.
func (j *Journal) List(f Filter) []Entry {
	return j.Snapshot(f).Entries()
}

// countLocked counts the entries matching f, stopping at enough.
func (j *Journal) countLocked(f Filter, enough int) int {
	count := 0
	for i := j.firstAfterLocked(f.Since); i < j.n && count < enough; i++ {
		if f.match(&j.ring[(j.start+i)%len(j.ring)]) {
			count++
		}
	}
	return count
}

// firstAfterLocked is the ring position of the first entry with a Seq
// greater than since: held entries have consecutive Seqs ending at
// lastSeq, so the Seq gives the position.
func (j *Journal) firstAfterLocked(since uint64) int {
	first := j.lastSeq - uint64(j.n) + 1
	switch {
	case since < first:
		return 0
	case since >= j.lastSeq:
		return j.n
	}
	return int(since - first + 1)
}

func (j *Journal) snapshotLocked(f Filter) *Snapshot {
	s := &Snapshot{Dropped: j.dropped, LastSeq: j.lastSeq, expand: j.expand}
	for i := j.firstAfterLocked(f.Since); i < j.n; i++ {
		r := &j.ring[(j.start+i)%len(j.ring)]
		if !f.match(r) {
			continue
		}
		s.recs = append(s.recs, *r)
		if f.Limit > 0 && len(s.recs) == f.Limit {
			break
		}
	}
	return s
}

// Len is the number of entries held.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n
}

// Dropped is how many entries were dropped because the journal was full
// (by count or by bytes), since it was made or last cleared.
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

// Stats are a journal's counters, for a health answer.
type Stats struct {
	Entries   int    `json:"entries"`
	Cap       int    `json:"cap"`
	Bytes     int64  `json:"bytes"`
	MaxBytes  int64  `json:"maxBytes"`
	Dropped   uint64 `json:"dropped"`
	Truncated uint64 `json:"truncated"`
	LastSeq   uint64 `json:"lastSeq"`
}

// Stats returns the journal's counters. Dropped and Truncated count since
// the journal was made or last cleared.
func (j *Journal) Stats() Stats {
	j.mu.Lock()
	defer j.mu.Unlock()
	return Stats{Entries: j.n, Cap: j.capacity, Bytes: j.bytes, MaxBytes: j.maxBytes,
		Dropped: j.dropped, Truncated: j.truncated, LastSeq: j.lastSeq}
}

// Clear removes every entry and resets the drop count. Seq keeps counting.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ring = nil
	j.start, j.n, j.bytes, j.dropped, j.truncated = 0, 0, 0, 0, 0
	j.notifyLocked()
}

// Wait blocks until at least n entries match f, then returns them (all of
// them, ignoring f.Limit). It returns ctx's error if ctx ends first.
func (j *Journal) Wait(ctx context.Context, f Filter, n int) ([]Entry, error) {
	s, err := j.WaitSnapshot(ctx, f, n)
	return s.Entries(), err
}

// WaitSnapshot is Wait returning a Snapshot.
func (j *Journal) WaitSnapshot(ctx context.Context, f Filter, n int) (*Snapshot, error) {
	f.Limit = 0
	for {
		j.mu.Lock()
		// Count before copying: a waiter woken by every append of a load
		// test copies the matching records only once there are enough.
		if j.countLocked(f, n) >= n {
			got := j.snapshotLocked(f)
			j.mu.Unlock()
			return got, nil
		}
		j.watched = true
		changed := j.changed
		j.mu.Unlock()
		select {
		case <-ctx.Done():
			return j.Snapshot(f), ctx.Err()
		case <-changed:
		}
	}
}
