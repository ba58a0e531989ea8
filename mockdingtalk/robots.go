// The robot registry: adding, reading, updating and removing robots, and
// each robot's mutable state (rate-limit window, msgUuids delivered, signs
// seen), which survives UpdateRobot and is wiped by RemoveRobot and Reset.

package mockdingtalk

import (
	"errors"
	"fmt"
	"hash/maphash"
	"net/netip"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// Errors of the robot and fault registries. The admin API answers
// ErrRobotNotFound and ErrFaultNotFound with 404 and ErrRobotExists with 409.
var (
	ErrRobotNotFound = errors.New("mockdingtalk: no robot has that access token")
	ErrRobotExists   = errors.New("mockdingtalk: a robot with that access token already exists")
	ErrFaultNotFound = errors.New("mockdingtalk: no fault has that id")
	// ErrFull is returned when adding a robot or a fault would go over the
	// server's bounds (Config.MaxRobots, MaxFaults); the admin API answers
	// it with 507 Insufficient Storage. Remove some, or Reset.
	ErrFull = errors.New("mockdingtalk: full")
)

// Bounds of the per-robot memory.
const (
	maxUUIDsPerRobot = 10000 // msgUuids remembered for de-duplication
	maxSignsPerRobot = 1000  // signs remembered for the "reused sign" hint
	// maxRememberedTotal bounds the msgUuids and signs remembered across
	// all robots (about 60 bytes each, whatever their length, since only a
	// hash is kept). Once it is reached, a robot forgets its own oldest to
	// remember a new one, or remembers nothing if it has none.
	maxRememberedTotal = 250000
)

// robotEntry is an immutable snapshot of a robot's settings plus a pointer
// to its mutable state. Updates replace the entry and keep the state.
type robotEntry struct {
	robot  Robot
	allow  []netip.Prefix
	verify *dingtalk.Verifier // nil without a secret
	state  *robotState
}

// newRobotEntry returns the entry of a normalized robot.
func newRobotEntry(r Robot, allow []netip.Prefix, state *robotState) *robotEntry {
	e := &robotEntry{robot: r, allow: allow, state: state}
	if r.Secret != "" {
		e.verify = dingtalk.NewVerifier(r.Secret)
	}
	return e
}

// robotState is what a robot remembers between requests.
type robotState struct {
	mu    sync.Mutex
	limit limiter
	uuids *recent[time.Time] // msgUuid → when delivered
	signs *recent[time.Time] // sign → when first received
}

func newRobotState(b *budget) *robotState {
	return &robotState{
		uuids: newRecent[time.Time](maxUUIDsPerRobot, b),
		signs: newRecent[time.Time](maxSignsPerRobot, b),
	}
}

// release gives the state's remembered keys back to the shared budget
// (the robot is gone).
func (st *robotState) release() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.uuids.release()
	st.signs.release()
}

// seenSign reports when sign was first received by this robot.
func (st *robotState) seenSign(sign string) (time.Time, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.signs.get(sign)
}

// noteSign remembers the first time sign was received.
func (st *robotState) noteSign(sign []byte, at time.Time) {
	h := st.signs.hashBytes(sign)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.signs.addHash(h, at)
}

// budget is how many keys all robots' recent maps may hold together.
type budget struct {
	max       int64
	used      atomic.Int64
	forgotten atomic.Uint64 // keys forgotten early or never remembered because of the budget
}

func (b *budget) take() bool {
	if b.used.Add(1) > b.max {
		b.used.Add(-1)
		return false
	}
	return true
}

// recent is a map that remembers at most max keys, forgetting the oldest
// first, and keeps only a hash of each key, so its size does not depend on
// the keys' length. Its entries count against a budget shared by all
// robots. It is not safe for concurrent use.
type recent[V any] struct {
	max    int
	budget *budget
	seed   maphash.Seed
	m      map[uint64]V
	order  []uint64 // keys in insertion order, from head
	head   int
}

func newRecent[V any](max int, b *budget) *recent[V] {
	return &recent[V]{max: max, budget: b, seed: maphash.MakeSeed(), m: make(map[uint64]V)}
}

func (r *recent[V]) get(k string) (V, bool) {
	v, ok := r.m[maphash.String(r.seed, k)]
	return v, ok
}

// hashBytes is the hash add and get keep for the key string(k)
// (maphash.Bytes and maphash.String agree), for a key held in bytes.
// The seed never changes, so it needs no lock.
func (r *recent[V]) hashBytes(k []byte) uint64 { return maphash.Bytes(r.seed, k) }

// add stores k → v unless k is already present.
func (r *recent[V]) add(k string, v V) { r.addHash(maphash.String(r.seed, k), v) }

// addHash is add for a key already hashed (hashBytes).
func (r *recent[V]) addHash(h uint64, v V) {
	if _, ok := r.m[h]; ok {
		return
	}
	if len(r.m) >= r.max || !r.budget.take() {
		if len(r.m) == 0 {
			r.budget.forgotten.Add(1)
			return
		}
		if len(r.m) < r.max {
			r.budget.forgotten.Add(1) // forgotten early, for lack of budget
		}
		delete(r.m, r.order[r.head])
		r.head++
	}
	r.order = append(r.order, h)
	r.m[h] = v
	if r.head > len(r.order)/2 { // drop the forgotten prefix now and then
		r.order = append(r.order[:0], r.order[r.head:]...)
		r.head = 0
	}
}

// release returns every key to the budget and forgets them.
func (r *recent[V]) release() {
	r.budget.used.Add(-int64(len(r.m)))
	r.m, r.order, r.head = map[uint64]V{}, nil, 0
}

// AddRobot adds a robot and returns it as stored: with a generated access
// token when it had none and with RateLimitPerMinute filled in. Invalid
// settings give a *ValidationError; a token in use gives ErrRobotExists.
func (s *Server) AddRobot(r Robot) (Robot, error) {
	r, allow, err := r.normalize("")
	if err != nil {
		return Robot{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.robots[r.AccessToken]; ok {
		return Robot{}, ErrRobotExists
	}
	if len(s.robots) >= s.maxRobots() {
		s.refusedRobots.Add(1)
		return Robot{}, fmt.Errorf("%w: the fake already has %d robots, its limit (Config.MaxRobots); remove some or reset", ErrFull, len(s.robots))
	}
	s.robots[r.AccessToken] = newRobotEntry(r, allow, newRobotState(&s.remembered))
	s.order = append(s.order, r.AccessToken)
	s.robotsChangedLocked()
	return r.clone(), nil
}

// UpdateRobot replaces the settings of the robot with the given token
// (fields left zero take their defaults, as in AddRobot). r.AccessToken must
// be empty or equal to token. The robot keeps its rate-limit window,
// lockout, delivered msgUuids and seen signs.
func (s *Server) UpdateRobot(token string, r Robot) (Robot, error) {
	if r.AccessToken != "" && r.AccessToken != token {
		return Robot{}, invalid("accessToken", "cannot change a robot's access token (from %q to %q); remove it and add a new one", token, r.AccessToken)
	}
	r.AccessToken = token
	r, allow, err := r.normalize("")
	if err != nil {
		return Robot{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.robots[token]
	if !ok {
		return Robot{}, ErrRobotNotFound
	}
	s.robots[token] = newRobotEntry(r, allow, old.state)
	s.robotsChangedLocked()
	return r.clone(), nil
}

// RemoveRobot removes the robot with the given token and forgets its
// state; later sends to it answer "token is not exist".
func (s *Server) RemoveRobot(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.robots[token]
	if !ok {
		return ErrRobotNotFound
	}
	e.state.release()
	delete(s.robots, token)
	for i, t := range s.order {
		if t == token {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	s.robotsChangedLocked()
	return nil
}

// Robot returns the robot with the given token.
func (s *Server) Robot(token string) (Robot, bool) {
	e := s.robotEntry(token)
	if e == nil {
		return Robot{}, false
	}
	return e.robot.clone(), true
}

// Robots returns every robot, in the order they were added.
func (s *Server) Robots() []Robot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Robot, 0, len(s.order))
	for _, t := range s.order {
		out = append(out, s.robots[t].robot.clone())
	}
	return out
}

// WebhookURL returns the full send URL for token:
// URL() + "/robot/send?access_token=<token>". Without a listener or
// PublicURL it is the path alone. It does not check that the robot exists.
func (s *Server) WebhookURL(token string) string {
	return webhookURL(s.URL(), token)
}

func webhookURL(base, token string) string {
	return base + "/robot/send?access_token=" + url.QueryEscape(token)
}

func (s *Server) robotEntry(token string) *robotEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.robots[token]
}

// tokens lists every robot's token, in the order they were added.
func (s *Server) tokens() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]string(nil), s.order...)
}

// maxRobots is Config.MaxRobots or its default.
func (s *Server) maxRobots() int {
	if s.cfg.MaxRobots > 0 {
		return s.cfg.MaxRobots
	}
	return defaultMaxRobots
}

// robotsChangeSignal returns a channel that is closed at the next change
// of the robot list (a robot added, updated or removed, or Reset), for the
// inbox's live robot list. Take a new one after each change.
func (s *Server) robotsChangeSignal() <-chan struct{} {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.robotsChanged
}

// robotsChangedLocked wakes robotsChangeSignal's waiters; s.mu is held.
func (s *Server) robotsChangedLocked() {
	close(s.robotsChanged)
	s.robotsChanged = make(chan struct{})
}

// resetRobots restores the start-up robots with fresh state.
func (s *Server) resetRobots() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.robots {
		e.state.release()
	}
	s.robots = make(map[string]*robotEntry, len(s.startRobots))
	s.order = s.order[:0]
	for _, e := range s.startRobots {
		s.robots[e.robot.AccessToken] = newRobotEntry(e.robot, e.allow, newRobotState(&s.remembered))
		s.order = append(s.order, e.robot.AccessToken)
	}
	s.robotsChangedLocked()
}
