// Apps, groups and members: their validation, and the registry that holds
// them (add, read, remove, reset) with its bounds.

package approbot

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Bounds of what a Service holds.
const (
	// MaxApps and MaxGroups bound how many apps and groups a Service holds.
	MaxApps   = 1000
	MaxGroups = 1000
	// MaxMembers bounds a group's members (DingTalk's largest groups hold
	// a few thousand).
	MaxMembers = 5000
	// MaxMembersTotal bounds the members of all groups together, so the
	// groups cannot take more than a few megabytes.
	MaxMembersTotal = 50000
	// MaxRobotsPerGroup bounds the app robots one group holds.
	MaxRobotsPerGroup = 50
	// MaxFieldBytes bounds every identifier, name, secret and URL.
	MaxFieldBytes = 1024
	// TokenLifetime is how long an access token lives (expireIn, 7200 s).
	TokenLifetime = 2 * time.Hour
)

// App is a DingTalk app with a robot: its credentials and its robot's code.
type App struct {
	// AppKey (also called Client ID) identifies the app; required.
	AppKey string `json:"appKey" yaml:"appKey"`
	// AppSecret is the app's secret; generated when empty.
	AppSecret string `json:"appSecret" yaml:"appSecret"`
	// RobotCode identifies the app's robot in message requests; it is the
	// AppKey when empty, as for DingTalk's internal-app robots.
	RobotCode string `json:"robotCode" yaml:"robotCode"`
	// Name is a label for people.
	Name string `json:"name" yaml:"name"`
	// CallbackURL is where the robot's conversation callbacks would go
	// (HTTP mode); stored, not yet called.
	CallbackURL string `json:"callbackURL,omitempty" yaml:"callbackURL"`
}

// BotName is the name group members see the app's robot under and
// @-mention it by: Name, or the RobotCode when Name is empty.
func (a App) BotName() string {
	if a.Name != "" {
		return a.Name
	}
	return a.RobotCode
}

// Member is a person in the organization and in a group.
type Member struct {
	// StaffID is the member's userId (staffId); required.
	StaffID string `json:"staffId" yaml:"staffId"`
	Name    string `json:"name" yaml:"name"`
	Mobile  string `json:"mobile,omitempty" yaml:"mobile"`
}

// Group is a group conversation and who is in it.
type Group struct {
	// OpenConversationID identifies the group ("cid…"); generated when
	// empty.
	OpenConversationID string `json:"openConversationId" yaml:"openConversationId"`
	Title              string `json:"title" yaml:"title"`
	// Members are the people in the group. The organization's staff, for
	// one-to-one messages, are the members of all groups.
	Members []Member `json:"members" yaml:"members"`
	// RobotCodes are the app robots added to the group; only they may
	// send to it.
	RobotCodes []string `json:"robotCodes" yaml:"robotCodes"`
}

// Config is what a Service starts with: the apps and groups it returns to
// on Reset, the clock it reads and the journal it records in.
type Config struct {
	Apps   []App   `json:"apps" yaml:"apps"`
	Groups []Group `json:"groups" yaml:"groups"`
	// Now is the clock of tokens, rate limits and conversations (the
	// fake's clock in mockdingtalk); nil: time.Now.
	Now func() time.Time `json:"-" yaml:"-"`
	// Journal records every request; nil: none is recorded.
	Journal *journal.Journal `json:"-" yaml:"-"`
}

// Errors of the registry. The admin API answers ErrNotFound with 404,
// ErrExists with 409, ErrFull with 507 and a *ValidationError with 400.
var (
	ErrNotFound = errors.New("approbot: not found")
	ErrExists   = errors.New("approbot: already exists")
	ErrFull     = errors.New("approbot: full")
)

// ValidationError is a setting the fake cannot use.
type ValidationError struct {
	Field, Problem string
}

func (e *ValidationError) Error() string { return "approbot: " + e.Field + ": " + e.Problem }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// Service holds the apps, groups and tokens and serves the app robot API.
// All methods are safe for concurrent use.
type Service struct {
	callbackTimeout atomic.Int64 // nanoseconds; 0 means DefaultCallbackTimeout
	limits          limiter
	// Counters since start (Stats).
	messages, throttled          atomic.Uint64
	callbacksOK, callbacksFailed atomic.Uint64

	now     func() time.Time
	journal *journal.Journal
	start   Config // normalized
	baseURL func() string
	client  *http.Client
	convs   *conversations

	mu        sync.RWMutex
	apps      map[string]*App // by appKey
	appOrder  []string
	byRobot   map[string]string // robotCode → appKey
	groups    map[string]*Group // by openConversationId
	grpOrder  []string
	staff     map[string]int       // staffId → groups they are in
	members   int                  // members of all groups
	tokens    map[string]tokenInfo // access token → app and expiry
	appTokens map[string]string    // appKey → its current token
}

type tokenInfo struct {
	appKey  string
	expires time.Time
}

// New returns a Service for cfg.
func New(cfg Config) (*Service, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &Service{now: now, journal: cfg.Journal, convs: newConversations(),
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	s.limits.perSec, s.limits.calls = DefaultRateLimit, map[limitKey]window{}
	s.resetLocked(Config{})
	for i, a := range cfg.Apps {
		na, err := s.addAppLocked(a, fmt.Sprintf("apps[%d].", i))
		if err != nil {
			return nil, err
		}
		s.start.Apps = append(s.start.Apps, na)
	}
	for i, g := range cfg.Groups {
		ng, err := s.addGroupLocked(g, fmt.Sprintf("groups[%d].", i))
		if err != nil {
			return nil, err
		}
		s.start.Groups = append(s.start.Groups, ng)
	}
	return s, nil
}

// Reset returns to the start-up apps and groups and forgets every token,
// conversation and rate-limit count (the settings and Stats' counters
// stay).
func (s *Service) Reset() {
	s.limits.clear()
	s.mu.Lock()
	s.resetLocked(s.start)
	s.mu.Unlock()
	s.convs.clear()
}

func (s *Service) resetLocked(c Config) {
	s.apps, s.appOrder, s.byRobot = map[string]*App{}, nil, map[string]string{}
	s.groups, s.grpOrder, s.staff, s.members = map[string]*Group{}, nil, map[string]int{}, 0
	s.tokens, s.appTokens = map[string]tokenInfo{}, map[string]string{}
	for _, a := range c.Apps {
		_, _ = s.addAppLocked(a, "")
	}
	for _, g := range c.Groups {
		_, _ = s.addGroupLocked(g, "")
	}
}

// checkField bounds a field and keeps it printable and usable in a path.
func checkField(field, v string, required bool) error {
	switch {
	case v == "" && required:
		return invalid(field, "is required")
	case len(v) > MaxFieldBytes:
		return invalid(field, "at most %d bytes (got %d)", MaxFieldBytes, len(v))
	}
	for _, c := range v {
		if unicode.IsControl(c) {
			return invalid(field, "%q may not contain control characters", v)
		}
	}
	return nil
}

func checkID(field, v string, required bool) error {
	if err := checkField(field, v, required); err != nil {
		return err
	}
	for _, c := range v {
		if unicode.IsSpace(c) || c == '/' || c == '?' || c == '#' || c == '%' {
			return invalid(field, "%q may not contain spaces or any of / ? # %%", v)
		}
	}
	return nil
}

func (a App) normalize(p string) (App, error) {
	if a.AppSecret == "" {
		a.AppSecret = randomHex(32)
	}
	if a.RobotCode == "" {
		a.RobotCode = a.AppKey
	}
	for _, f := range []struct {
		name, v string
		id      bool
	}{{"appKey", a.AppKey, true}, {"appSecret", a.AppSecret, false}, {"robotCode", a.RobotCode, true}, {"name", a.Name, false}, {"callbackURL", a.CallbackURL, false}} {
		check := checkField
		if f.id {
			check = checkID
		}
		if err := check(p+f.name, f.v, f.name == "appKey"); err != nil {
			return App{}, err
		}
	}
	if a.CallbackURL != "" {
		if u, err := url.Parse(a.CallbackURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return App{}, invalid(p+"callbackURL", "%q is not an absolute http(s) URL", a.CallbackURL)
		}
	}
	return a, nil
}

func (g Group) normalize(p string) (Group, error) {
	if g.OpenConversationID == "" {
		g.OpenConversationID = "cid" + randomHex(16)
	}
	if err := checkID(p+"openConversationId", g.OpenConversationID, true); err != nil {
		return Group{}, err
	}
	if err := checkField(p+"title", g.Title, false); err != nil {
		return Group{}, err
	}
	if len(g.Members) > MaxMembers {
		return Group{}, invalid(p+"members", "at most %d members (got %d)", MaxMembers, len(g.Members))
	}
	if len(g.RobotCodes) > MaxRobotsPerGroup {
		return Group{}, invalid(p+"robotCodes", "at most %d robots (got %d)", MaxRobotsPerGroup, len(g.RobotCodes))
	}
	g.Members = append([]Member{}, g.Members...)
	g.RobotCodes = append([]string{}, g.RobotCodes...)
	seen := map[string]bool{}
	for i, m := range g.Members {
		f := p + "members[" + strconv.Itoa(i) + "]."
		if err := checkID(f+"staffId", m.StaffID, true); err != nil {
			return Group{}, err
		}
		if seen[m.StaffID] {
			return Group{}, invalid(f+"staffId", "%q is listed twice", m.StaffID)
		}
		seen[m.StaffID] = true
		if err := checkField(f+"name", m.Name, false); err != nil {
			return Group{}, err
		}
		if err := checkField(f+"mobile", m.Mobile, false); err != nil {
			return Group{}, err
		}
	}
	for i, rc := range g.RobotCodes {
		if err := checkID(p+"robotCodes["+strconv.Itoa(i)+"]", rc, true); err != nil {
			return Group{}, err
		}
	}
	return g, nil
}

func (g Group) clone() Group {
	g.Members = append([]Member{}, g.Members...)
	g.RobotCodes = append([]string{}, g.RobotCodes...)
	return g
}

// AddApp adds an app and returns it as stored (secret generated and
// robotCode defaulted when empty).
func (s *Service) AddApp(a App) (App, error) {
	s.mu.Lock()
	got, err := s.addAppLocked(a, "")
	s.mu.Unlock()
	if err == nil {
		s.convs.notify()
	}
	return got, err
}

func (s *Service) addAppLocked(a App, p string) (App, error) {
	a, err := a.normalize(p)
	if err != nil {
		return App{}, err
	}
	if _, ok := s.apps[a.AppKey]; ok {
		return App{}, fmt.Errorf("%w: an app with appKey %q", ErrExists, a.AppKey)
	}
	if k, ok := s.byRobot[a.RobotCode]; ok {
		return App{}, fmt.Errorf("%w: app %q already has robotCode %q", ErrExists, k, a.RobotCode)
	}
	if len(s.apps) >= MaxApps {
		return App{}, fmt.Errorf("%w: the fake already has %d apps; remove some or reset", ErrFull, len(s.apps))
	}
	s.apps[a.AppKey] = &a
	s.appOrder = append(s.appOrder, a.AppKey)
	s.byRobot[a.RobotCode] = a.AppKey
	return a, nil
}

// App returns the app with the given appKey.
func (s *Service) App(appKey string) (App, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.apps[appKey]
	if !ok {
		return App{}, false
	}
	return *a, true
}

// Apps returns every app, in the order they were added.
func (s *Service) Apps() []App {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]App, 0, len(s.appOrder))
	for _, k := range s.appOrder {
		out = append(out, *s.apps[k])
	}
	return out
}

// RemoveApp removes an app and revokes its token.
func (s *Service) RemoveApp(appKey string) error {
	defer s.convs.notify()
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[appKey]
	if !ok {
		return fmt.Errorf("%w: no app has appKey %q", ErrNotFound, appKey)
	}
	delete(s.byRobot, a.RobotCode)
	delete(s.apps, appKey)
	s.appOrder = remove(s.appOrder, appKey)
	if t, ok := s.appTokens[appKey]; ok {
		delete(s.tokens, t)
		delete(s.appTokens, appKey)
	}
	return nil
}

// AddGroup adds a group and returns it as stored (openConversationId
// generated when empty). Its robots need not exist yet.
func (s *Service) AddGroup(g Group) (Group, error) {
	s.mu.Lock()
	got, err := s.addGroupLocked(g, "")
	s.mu.Unlock()
	if err == nil {
		s.convs.notify()
	}
	return got, err
}

func (s *Service) addGroupLocked(g Group, p string) (Group, error) {
	g, err := g.normalize(p)
	if err != nil {
		return Group{}, err
	}
	if _, ok := s.groups[g.OpenConversationID]; ok {
		return Group{}, fmt.Errorf("%w: a group with openConversationId %q", ErrExists, g.OpenConversationID)
	}
	if len(s.groups) >= MaxGroups {
		return Group{}, fmt.Errorf("%w: the fake already has %d groups; remove some or reset", ErrFull, len(s.groups))
	}
	if s.members+len(g.Members) > MaxMembersTotal {
		return Group{}, fmt.Errorf("%w: the groups would have %d members together, more than %d; remove some or reset", ErrFull, s.members+len(g.Members), MaxMembersTotal)
	}
	s.members += len(g.Members)
	s.groups[g.OpenConversationID] = &g
	s.grpOrder = append(s.grpOrder, g.OpenConversationID)
	for _, m := range g.Members {
		s.staff[m.StaffID]++
	}
	return g.clone(), nil
}

// Group returns the group with the given openConversationId.
func (s *Service) Group(cid string) (Group, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.groups[cid]
	if !ok {
		return Group{}, false
	}
	return g.clone(), true
}

// Groups returns every group, in the order they were added.
func (s *Service) Groups() []Group {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Group, 0, len(s.grpOrder))
	for _, k := range s.grpOrder {
		out = append(out, s.groups[k].clone())
	}
	return out
}

// RemoveGroup removes a group (the group is "disbanded").
func (s *Service) RemoveGroup(cid string) error {
	defer s.convs.notify()
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[cid]
	if !ok {
		return fmt.Errorf("%w: no group has openConversationId %q", ErrNotFound, cid)
	}
	for _, m := range g.Members {
		if s.staff[m.StaffID]--; s.staff[m.StaffID] == 0 {
			delete(s.staff, m.StaffID)
		}
	}
	s.members -= len(g.Members)
	delete(s.groups, cid)
	s.grpOrder = remove(s.grpOrder, cid)
	return nil
}

func remove(list []string, v string) []string {
	for i, x := range list {
		if x == v {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
