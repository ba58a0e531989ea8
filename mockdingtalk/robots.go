// The robot registry: adding, reading, updating and removing robots, and
// each robot's mutable state (rate-limit window, msgUuids delivered, signs
// seen), which survives UpdateRobot and is wiped by RemoveRobot and Reset.
package mockdingtalk

import (
	"errors"
	"net/netip"
	"net/url"
	"sync"
	"time"
)

// Errors of the robot and fault registries. The admin API answers
// ErrRobotNotFound and ErrFaultNotFound with 404 and ErrRobotExists with 409.
var (
	ErrRobotNotFound = errors.New("mockdingtalk: no robot has that access token")
	ErrRobotExists   = errors.New("mockdingtalk: a robot with that access token already exists")
	ErrFaultNotFound = errors.New("mockdingtalk: no fault has that id")
)

// Bounds of the per-robot memory.
const (
	maxUUIDsPerRobot = 10000 // msgUuids remembered for de-duplication
	maxSignsPerRobot = 1000  // signs remembered for the "reused sign" hint
)

// robotEntry is an immutable snapshot of a robot's settings plus a pointer
// to its mutable state. Updates replace the entry and keep the state.
type robotEntry struct {
	robot Robot
	allow []netip.Prefix
	state *robotState
}

// robotState is what a robot remembers between requests.
type robotState struct {
	mu    sync.Mutex
	limit limiter
	uuids *recent[time.Time] // msgUuid → when delivered
	signs *recent[time.Time] // sign → when first received
}

func newRobotState() *robotState {
	return &robotState{
		uuids: newRecent[time.Time](maxUUIDsPerRobot),
		signs: newRecent[time.Time](maxSignsPerRobot),
	}
}

// seenSign reports when sign was first received by this robot.
func (st *robotState) seenSign(sign string) (time.Time, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.signs.get(sign)
}

// noteSign remembers the first time sign was received.
func (st *robotState) noteSign(sign string, at time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.signs.add(sign, at)
}

// recent is a map that remembers at most max keys, forgetting the oldest
// first. It is not safe for concurrent use.
type recent[V any] struct {
	max   int
	m     map[string]V
	order []string // ring of keys in insertion order
	next  int      // once full, the ring slot to overwrite next
}

func newRecent[V any](max int) *recent[V] {
	return &recent[V]{max: max, m: make(map[string]V)}
}

func (r *recent[V]) get(k string) (V, bool) {
	v, ok := r.m[k]
	return v, ok
}

// add stores k → v unless k is already present.
func (r *recent[V]) add(k string, v V) {
	if _, ok := r.m[k]; ok {
		return
	}
	if len(r.order) < r.max {
		r.order = append(r.order, k)
	} else {
		delete(r.m, r.order[r.next])
		r.order[r.next] = k
		r.next = (r.next + 1) % r.max
	}
	r.m[k] = v
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
	s.robots[r.AccessToken] = &robotEntry{robot: r, allow: allow, state: newRobotState()}
	s.order = append(s.order, r.AccessToken)
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
	s.robots[token] = &robotEntry{robot: r, allow: allow, state: old.state}
	return r.clone(), nil
}

// RemoveRobot removes the robot with the given token and forgets its
// state; later sends to it answer "token is not exist".
func (s *Server) RemoveRobot(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.robots[token]; !ok {
		return ErrRobotNotFound
	}
	delete(s.robots, token)
	for i, t := range s.order {
		if t == token {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
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

// resetRobots restores the start-up robots with fresh state.
func (s *Server) resetRobots() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.robots = make(map[string]*robotEntry, len(s.startRobots))
	s.order = s.order[:0]
	for _, e := range s.startRobots {
		s.robots[e.robot.AccessToken] = &robotEntry{robot: e.robot, allow: e.allow, state: newRobotState()}
		s.order = append(s.order, e.robot.AccessToken)
	}
}
