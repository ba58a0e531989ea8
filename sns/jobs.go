// ZStack's async job protocol (Config.Async): an API answers 202 with a
// location, and GET /zstack/v1/api-jobs/{id} answers 202 (empty) while the
// job runs, then its result with the API's own status, then, once the
// result has been kept for Config.JobTTL, 404 "the job has been expired".
package sns

import (
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/gorilla/mux"
)

// expiredKeep is how long an expired job is remembered so its location
// answers "the job has been expired" rather than "no job found".
const expiredKeep = 24 * time.Hour

// maxJobs bounds how many jobs (running, finished or expired) are kept.
const maxJobs = 10000

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

type jobs struct {
	mu  sync.Mutex
	ttl time.Duration
	now func() time.Time
	m   map[string]*job
}

func newJobs(ttl time.Duration, now func() time.Time) *jobs {
	return &jobs{ttl: ttl, now: now, m: map[string]*job{}}
}

// pruneLocked expires finished jobs past their TTL and forgets expired
// ones after expiredKeep.
func (j *jobs) pruneLocked() {
	now := j.now()
	for id, jb := range j.m {
		switch {
		case jb.state == jobDone && !now.Before(jb.doneAt.Add(j.ttl)):
			jb.state, jb.body = jobExpired, nil
		case jb.state == jobExpired && !now.Before(jb.doneAt.Add(j.ttl+expiredKeep)):
			delete(j.m, id)
		}
	}
}

// start registers a running job; false when the id is taken or the table
// is full of running jobs.
func (j *jobs) start(id string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.pruneLocked()
	if _, taken := j.m[id]; taken || len(j.m) >= maxJobs {
		return false
	}
	j.m[id] = &job{state: jobRunning}
	return true
}

func (j *jobs) finish(id string, status int, body []byte) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if jb, ok := j.m[id]; ok {
		jb.state, jb.status, jb.body, jb.doneAt = jobDone, status, body, j.now()
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

// handleJob serves GET /zstack/v1/api-jobs/{id}; any other method is 405.
func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeText(w, http.StatusMethodNotAllowed, "only GET is allowed on "+r.URL.Path)
		return
	}
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
	if !s.jobs.start(id) {
		s.lifeMu.Unlock()
		writeError(w, badRequest("job[uuid:%s] already exists (or too many jobs are kept)", id))
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
