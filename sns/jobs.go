// ZStack's async job protocol (Config.Async): an API answers 202 with a
// location, and GET /zstack/v1/api-jobs/{id} answers 202 (empty) while the
// job runs, then its result with the API's own status, then, once the
// result has been kept for Config.JobTTL, 404 "the job has been expired".
// At most Config.MaxJobs run at once (one more: 503 SYS.1006, nothing
// sent), and the results kept are bounded in count and bytes.

package sns

import (
	"errors"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
)

// expiredKeep is how long an expired job is remembered so its location
// answers "the job has been expired" rather than "no job found".
const expiredKeep = 24 * time.Hour

// Bounds of the job table: how many jobs (running, finished or expired)
// are remembered, and how many bytes of results are kept. Past them the
// oldest results expire early, then the oldest expired jobs are forgotten.
const (
	maxJobs           = 10000
	maxJobResultBytes = 64 << 20
)

var jobIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

type jobState int

const (
	jobUnknown jobState = iota
	jobRunning
	jobDone
	jobExpired
)

type job struct {
	state  jobState
	doneAt time.Time
	status int
	body   []byte
}

// jobs is the job table. Finished and expired jobs are also queued in the
// order they finished, so expiry looks at the oldest few, never at all.
type jobs struct {
	mu         sync.Mutex
	ttl        time.Duration
	now        func() time.Time
	maxRunning int
	m          map[string]*job
	running    int
	done       []string // finished, oldest first
	expired    []string // expired, oldest first
	bytes      int      // of the bodies of finished jobs

	refused      atomic.Uint64 // starts refused: too many running
	expiredEarly atomic.Uint64 // results expired before their TTL to stay within the bounds
}

// errTooManyJobs is why start refuses a job.
var (
	errTooManyJobs = errors.New("too many jobs running")
	errJobExists   = errors.New("job exists")
)

func newJobs(ttl time.Duration, now func() time.Time, maxRunning int) *jobs {
	return &jobs{ttl: ttl, now: now, maxRunning: maxRunning, m: map[string]*job{}}
}

// expireOldestLocked turns the oldest finished job into an expired one.
func (j *jobs) expireOldestLocked() {
	id := j.done[0]
	j.done = j.done[1:]
	if jb := j.m[id]; jb != nil && jb.state == jobDone {
		j.bytes -= len(jb.body)
		jb.state, jb.body = jobExpired, nil
		j.expired = append(j.expired, id)
	}
}

// pruneLocked expires finished jobs past their TTL and forgets expired
// ones after expiredKeep, oldest first, stopping at the first that is not
// due; then makes room within the bounds.
func (j *jobs) pruneLocked() {
	now := j.now()
	for len(j.done) > 0 {
		jb := j.m[j.done[0]]
		if jb != nil && jb.state == jobDone && now.Before(jb.doneAt.Add(j.ttl)) {
			break
		}
		j.expireOldestLocked()
	}
	for len(j.expired) > 0 {
		jb := j.m[j.expired[0]]
		if jb != nil && now.Before(jb.doneAt.Add(j.ttl+expiredKeep)) {
			break
		}
		delete(j.m, j.expired[0])
		j.expired = j.expired[1:]
	}
	for j.bytes > maxJobResultBytes && len(j.done) > 0 {
		j.expireOldestLocked()
		j.expiredEarly.Add(1)
	}
	for len(j.m) >= maxJobs && (len(j.expired) > 0 || len(j.done) > 0) {
		if len(j.expired) == 0 {
			j.expireOldestLocked()
			j.expiredEarly.Add(1)
			continue
		}
		delete(j.m, j.expired[0])
		j.expired = j.expired[1:]
	}
}

// start registers a running job: errJobExists when the id is taken,
// errTooManyJobs when maxRunning jobs are running.
func (j *jobs) start(id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.pruneLocked()
	if _, taken := j.m[id]; taken {
		return errJobExists
	}
	if j.running >= j.maxRunning {
		j.refused.Add(1)
		return errTooManyJobs
	}
	j.m[id] = &job{state: jobRunning}
	j.running++
	return nil
}

func (j *jobs) finish(id string, status int, body []byte) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if jb, ok := j.m[id]; ok && jb.state == jobRunning {
		jb.state, jb.status, jb.body, jb.doneAt = jobDone, status, body, j.now()
		j.running--
		j.bytes += len(body)
		j.done = append(j.done, id)
		j.pruneLocked()
	}
}

func (j *jobs) get(id string) job {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.pruneLocked()
	if jb, ok := j.m[id]; ok {
		return *jb
	}
	return job{state: jobUnknown}
}

// handleJob serves GET /zstack/v1/api-jobs/{id}; the router answers any
// other method with 405.
func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	jb := s.jobs.get(id)
	switch jb.state {
	case jobRunning:
		w.WriteHeader(http.StatusAccepted)
	case jobDone:
		writeRaw(w, jb.status, jb.body)
	case jobExpired:
		writeText(w, http.StatusNotFound, "the job has been expired")
	default:
		writeText(w, http.StatusNotFound, "no job[uuid:"+id+"] found")
	}
}

// startJob runs fn in the background under the server's context and
// answers 202 {"location":…}. The job id comes from X-Job-UUID when the
// client sets one (32 lower-case hex digits), else a new uuid.
func (s *Server) startJob(w http.ResponseWriter, r *http.Request, fn func() (int, any)) {
	id := r.Header.Get("X-Job-UUID")
	if id == "" {
		id = newUUID()
	} else if !jobIDPattern.MatchString(id) {
		writeError(w, badRequest("invalid header X-Job-UUID[%s]: 32 lower-case hex digits are expected", id))
		return
	}
	s.lifeMu.Lock()
	if s.closed {
		s.lifeMu.Unlock()
		writeError(w, internalErr("the server is shutting down"))
		return
	}
	switch err := s.jobs.start(id); {
	case errors.Is(err, errJobExists):
		s.lifeMu.Unlock()
		writeError(w, badRequest("job[uuid:%s] already exists", id))
		return
	case errors.Is(err, errTooManyJobs):
		s.lifeMu.Unlock()
		s.log.Warn("sns: async job refused: too many running", "max", s.jobs.maxRunning)
		w.Header().Set("Retry-After", "1")
		writeError(w, newErr(http.StatusServiceUnavailable, CodeOperationFailed,
			"too many jobs are running (at most %d at once); retry when one has finished", s.jobs.maxRunning))
		return
	}
	s.wg.Add(1)
	s.lifeMu.Unlock()
	go func() {
		defer s.wg.Done()
		status, v := fn()
		body, err := encodeJSON(v)
		if err != nil {
			status = http.StatusServiceUnavailable
			body, _ = encodeJSON(ErrorResponse{Error: internalErr("cannot encode the result: %v", err).code})
		}
		s.jobs.finish(id, status, body)
	}()
	writeJSON(w, http.StatusAccepted, map[string]string{"location": s.baseURL(r) + Prefix + "/api-jobs/" + id})
}

// baseURL is Config.PublicURL, or the scheme and Host the request came to.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
