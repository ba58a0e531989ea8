// Failed logins slow down what follows, as ZStack's login control does:
// after loginFailuresAllowed failed attempts in a row for one account name,
// or from one address, further logins for it are refused (LOGIN_CONTROL.1002,
// "retry after: N seconds") for a lock that starts at one second and doubles
// with each further failure, up to loginLockMax. A success clears both
// counts; failures older than loginFailureWindow are forgotten. The table is
// bounded (maxLoginKeys), forgetting the oldest first, so many addresses
// cannot grow it without limit.

package sns

import (
	"sync"
	"time"
)

const (
	loginFailuresAllowed = 5
	loginLockBase        = time.Second
	loginLockMax         = 5 * time.Minute
	loginFailureWindow   = 15 * time.Minute
	maxLoginKeys         = 10000
)

type loginFailure struct {
	count int
	last  time.Time
	until time.Time
}

type loginFailures struct {
	mu    sync.Mutex
	now   func() time.Time
	m     map[string]*loginFailure
	order []string // keys in first-failure order, oldest first (may hold stale keys)
}

func newLoginFailures(now func() time.Time) *loginFailures {
	return &loginFailures{now: now, m: map[string]*loginFailure{}}
}

func loginKeys(account, addr string) [2]string {
	return [2]string{"account\x00" + account, "address\x00" + addr}
}

// locked returns how long logins for this account or from this address
// stay refused; 0 when they are not.
func (lf *loginFailures) locked(account, addr string) time.Duration {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	now := lf.now()
	var wait time.Duration
	for _, k := range loginKeys(account, addr) {
		if f, ok := lf.m[k]; ok && now.Before(f.until) {
			wait = max(wait, f.until.Sub(now))
		}
	}
	return wait
}

// failed counts a failed login for the account and the address.
func (lf *loginFailures) failed(account, addr string) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	now := lf.now()
	for _, k := range loginKeys(account, addr) {
		f, ok := lf.m[k]
		if !ok || now.Sub(f.last) > loginFailureWindow {
			if !ok {
				lf.makeRoomLocked()
				lf.order = append(lf.order, k)
			}
			f = &loginFailure{}
			lf.m[k] = f
		}
		f.count++
		f.last = now
		if over := f.count - loginFailuresAllowed; over >= 0 {
			lock := loginLockMax
			if over < 20 {
				lock = min(loginLockBase<<over, loginLockMax)
			}
			f.until = now.Add(lock)
		}
	}
}

// succeeded clears the counts of the account and the address.
func (lf *loginFailures) succeeded(account, addr string) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	for _, k := range loginKeys(account, addr) {
		delete(lf.m, k)
	}
}

// makeRoomLocked forgets the oldest keys once the table is full, and drops
// keys already forgotten from the order.
func (lf *loginFailures) makeRoomLocked() {
	for len(lf.order) > 0 && (len(lf.m) >= maxLoginKeys || lf.m[lf.order[0]] == nil) {
		delete(lf.m, lf.order[0])
		lf.order = lf.order[1:]
	}
	if len(lf.order) > 2*maxLoginKeys { // compact keys deleted by succeeded
		kept := lf.order[:0]
		for _, k := range lf.order {
			if lf.m[k] != nil {
				kept = append(kept, k)
			}
		}
		lf.order = kept
	}
}
