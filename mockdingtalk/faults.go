// Fault injection for /robot/send: answer a chosen errcode, answer any HTTP
// status and body, delay, drop the connection, or hang — for one robot or
// all, for the next N requests or with a seeded probability, so a failing
// run can be reproduced exactly.

package mockdingtalk

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
)

// FaultKind is what an injected fault does to a request.
type FaultKind string

// The fault kinds.
const (
	// FaultErrcode answers HTTP 200 with Fault.ErrCode and Fault.ErrMsg
	// (ErrMsg defaults to DingTalk's text when the code is in the table).
	FaultErrcode FaultKind = "errcode"
	// FaultHTTP answers Fault.Status (default 500) with Fault.Body and
	// Fault.ContentType (default text/plain).
	FaultHTTP FaultKind = "http"
	// FaultDelay waits Fault.Delay on the real clock (cut short if the
	// client goes away or the server closes), then handles the request
	// normally, without considering further faults.
	FaultDelay FaultKind = "delay"
	// FaultDrop closes the connection without answering.
	FaultDrop FaultKind = "drop"
	// FaultHang holds the request until the client gives up or the server
	// closes; the connection is then closed without an answer.
	FaultHang FaultKind = "hang"
)

// reasonFault is the journal reason of a request whose answer an injected
// fault decided (every kind but delay, whose requests keep their own reason).
const reasonFault dingtalk.Reason = "fault"

// maxFaultDelay bounds a delay fault.
const maxFaultDelay = 10 * time.Minute

// Fault is an injected failure for /robot/send. Faults apply after the
// access_token-present check; when several match a request, the oldest one
// that fires wins.
type Fault struct {
	// ID is assigned by AddFault: "f1", "f2", …; ignored on input.
	ID string
	// AccessToken limits the fault to one robot's token; "" means every send.
	AccessToken string
	Kind        FaultKind
	// ErrCode and ErrMsg are the answer of an errcode fault.
	ErrCode int
	ErrMsg  string
	// Status, Body and ContentType are the answer of an http fault.
	Status      int
	Body        string
	ContentType string
	// Delay is how long a delay fault waits (up to 10 minutes).
	Delay time.Duration
	// Times is how many requests the fault applies to before it is removed;
	// 0 means until removed.
	Times int
	// Probability, between 0 and 1, makes the fault fire on each matching
	// request with that chance; 0 means every time. Requests it skips don't
	// count against Times.
	Probability float64
	// Seed seeds the fault's own random source (a PCG), so the same seed
	// and the same requests give the same sequence.
	Seed uint64
	// Remaining is how many more requests the fault applies to; -1 when
	// Times is 0. Set by the server; ignored on input.
	Remaining int
}

// validate checks f and fills in its defaults for dialect d.
func (f Fault) validate(d dingtalk.Dialect) (Fault, error) {
	notFor := func(field string) error {
		return invalid(field, "does not apply to a fault of kind %q", f.Kind)
	}
	switch f.Kind {
	case FaultErrcode, FaultHTTP, FaultDelay, FaultDrop, FaultHang:
	case "":
		return Fault{}, invalid("kind", "is required: one of errcode, http, delay, drop, hang")
	default:
		return Fault{}, invalid("kind", "%q is not one of errcode, http, delay, drop, hang", f.Kind)
	}
	if f.AccessToken != "" {
		if err := checkToken(f.AccessToken); err != nil {
			return Fault{}, invalid("accessToken", "%s", err)
		}
	}
	if f.Kind != FaultErrcode && (f.ErrCode != 0 || f.ErrMsg != "") {
		if f.ErrCode != 0 {
			return Fault{}, notFor("errcode")
		}
		return Fault{}, notFor("errmsg")
	}
	if f.Kind != FaultHTTP {
		switch {
		case f.Status != 0:
			return Fault{}, notFor("status")
		case f.Body != "":
			return Fault{}, notFor("body")
		case f.ContentType != "":
			return Fault{}, notFor("contentType")
		}
	}
	if f.Kind != FaultDelay && f.Delay != 0 {
		return Fault{}, notFor("delayMs")
	}
	switch f.Kind {
	case FaultErrcode:
		if f.ErrMsg == "" {
			msg, ok := errmsgFor(d, f.ErrCode)
			if !ok {
				return Fault{}, invalid("errmsg", "is required: errcode %d is not in DingTalk's table", f.ErrCode)
			}
			f.ErrMsg = msg
		}
	case FaultHTTP:
		if f.Status == 0 {
			f.Status = http.StatusInternalServerError
		}
		if f.Status < 200 || f.Status > 599 {
			return Fault{}, invalid("status", "must be an HTTP status from 200 to 599 (got %d)", f.Status)
		}
		if f.ContentType == "" {
			f.ContentType = "text/plain; charset=utf-8"
		}
	case FaultDelay:
		if f.Delay <= 0 || f.Delay > maxFaultDelay {
			return Fault{}, invalid("delayMs", "must be more than 0 and at most %d for a delay fault (got %d)", maxFaultDelay.Milliseconds(), f.Delay.Milliseconds())
		}
	}
	if f.Times < 0 {
		return Fault{}, invalid("times", "must be 0 (until removed) or more (got %d)", f.Times)
	}
	if !(f.Probability >= 0 && f.Probability <= 1) {
		return Fault{}, invalid("probability", "must be between 0 and 1 (got %v)", f.Probability)
	}
	return f, nil
}

// errmsgFor finds DingTalk's text for an errcode in the dingtalk table, as
// dialect d words it. For codes with several texts (40035, 310000) it
// picks the first reason listed here.
func errmsgFor(d dingtalk.Dialect, code int) (string, bool) {
	switch code {
	case dingtalk.CodeTokenNotExist, dingtalk.CodeTokenNotExistOld:
		d.UnknownTokenCode = code
		return d.Answer(dingtalk.Reject(dingtalk.ReasonTokenNotExist)).ErrMsg, true
	}
	for _, rc := range dingtalk.RateLimitCodes {
		if code == rc {
			d.RateLimitCode = code
			return d.Answer(dingtalk.Reject(dingtalk.ReasonRateLimited)).ErrMsg, true
		}
	}
	for _, reason := range []dingtalk.Reason{
		dingtalk.ReasonOK, dingtalk.ReasonNotPost, dingtalk.ReasonMissingToken, dingtalk.ReasonUnknownPath,
		dingtalk.ReasonBadContentType, dingtalk.ReasonRobotDisabled,
		dingtalk.ReasonBodyTooLarge, dingtalk.ReasonUnsupportedMsgType,
		dingtalk.ReasonSignMismatch, dingtalk.ReasonSystemBusy, dingtalk.ReasonSystemError,
	} {
		if a := d.Answer(dingtalk.Reject(reason)); a.ErrCode == code {
			return a.ErrMsg, true
		}
	}
	return "", false
}

// faultSet holds the active faults, oldest first. Safe for concurrent use.
type faultSet struct {
	mu     sync.Mutex
	nextID int // never reset, so a stale id never names a newer fault
	list   []*activeFault
	bytes  int // of every active fault's Body, ErrMsg and ContentType
	// active is len(list), published for pick: every send asks for a
	// fault, and without any it need not take the lock.
	active atomic.Int32
}

// setList replaces the list (with mu held) and publishes its length.
func (fs *faultSet) setList(list []*activeFault) {
	fs.list = list
	fs.active.Store(int32(len(list)))
}

// size is what a fault counts against maxFaultBodyBytesTotal.
func (f Fault) size() int { return len(f.Body) + len(f.ErrMsg) + len(f.ContentType) }

type activeFault struct {
	f   Fault
	rng *rand.Rand
}

// add activates f, unless that would hold more than max faults or
// maxFaultBodyBytesTotal bytes (ErrFull).
func (fs *faultSet) add(f Fault, max int) (Fault, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	switch {
	case len(fs.list) >= max:
		return Fault{}, fmt.Errorf("%w: %d faults are active, the limit (Config.MaxFaults); remove some or clear them", ErrFull, len(fs.list))
	case fs.bytes+f.size() > maxFaultBodyBytesTotal:
		return Fault{}, fmt.Errorf("%w: the active faults' bodies would take %d bytes, over the %d allowed; remove some or clear them", ErrFull, fs.bytes+f.size(), maxFaultBodyBytesTotal)
	}
	fs.bytes += f.size()
	fs.nextID++
	f.ID = "f" + strconv.Itoa(fs.nextID)
	f.Remaining = f.Times
	if f.Times == 0 {
		f.Remaining = -1
	}
	fs.setList(append(fs.list, &activeFault{f: f, rng: rand.New(rand.NewPCG(f.Seed, f.Seed))}))
	return f, nil
}

func (fs *faultSet) all() []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]Fault, 0, len(fs.list))
	for _, a := range fs.list {
		out = append(out, a.f)
	}
	return out
}

func (fs *faultSet) get(id string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, a := range fs.list {
		if a.f.ID == id {
			return a.f, true
		}
	}
	return Fault{}, false
}

func (fs *faultSet) remove(id string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, a := range fs.list {
		if a.f.ID == id {
			fs.bytes -= a.f.size()
			fs.setList(append(fs.list[:i], fs.list[i+1:]...))
			return true
		}
	}
	return false
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.setList(nil)
	fs.bytes = 0
}

// pick returns the fault that fires for a send with this token, if any,
// counting it down. Every matching probabilistic fault considered draws
// from its own source, so the sequence depends only on its seed and the
// requests it saw.
func (fs *faultSet) pick(token string) (Fault, bool) {
	if fs.active.Load() == 0 {
		return Fault{}, false
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, a := range fs.list {
		if a.f.AccessToken != "" && a.f.AccessToken != token {
			continue
		}
		if p := a.f.Probability; p > 0 && p < 1 && a.rng.Float64() >= p {
			continue
		}
		if a.f.Times > 0 {
			a.f.Remaining--
			if a.f.Remaining <= 0 {
				fs.bytes -= a.f.size()
				fs.setList(append(fs.list[:i], fs.list[i+1:]...))
			}
		}
		return a.f, true
	}
	return Fault{}, false
}

// AddFault injects a fault and returns it with its ID and Remaining set.
// Invalid settings give a *ValidationError; a fault over the server's
// bounds (Config.MaxFaults, maxFaultBodyBytesTotal) gives ErrFull.
func (s *Server) AddFault(f Fault) (Fault, error) {
	f, err := f.validate(s.cfg.Dialect)
	if err != nil {
		return Fault{}, err
	}
	max := s.cfg.MaxFaults
	if max == 0 {
		max = defaultMaxFaults
	}
	if f, err = s.faults.add(f, max); err != nil {
		s.refusedFaults.Add(1)
		return Fault{}, err
	}
	s.log.Debug("fault added", "id", f.ID, "kind", f.Kind, "accessToken", redact.Short(f.AccessToken))
	return f, nil
}

// Faults returns the active faults, oldest first. Faults whose Times ran
// out are gone.
func (s *Server) Faults() []Fault { return s.faults.all() }

// RemoveFault removes one fault; ErrFaultNotFound if no active fault has
// that id.
func (s *Server) RemoveFault(id string) error {
	if !s.faults.remove(id) {
		return fmt.Errorf("%w: %q", ErrFaultNotFound, id)
	}
	return nil
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { s.faults.clear() }
