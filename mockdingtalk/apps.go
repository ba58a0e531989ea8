// The app robot API (package approbot) in the fake: its apps and groups in
// Config, the Server's handle on it, and its admin API under /_mock/apps
// and /_mock/groups.

package mockdingtalk

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
)

// AppRobots returns the app robot API's apps, groups and tokens: add and
// remove them, or issue a token, from Go.
func (s *Server) AppRobots() *approbot.Service { return s.apps }

// newAppRobots builds the app robot API for cfg on the server's clock
// and journal. approbot checks the apps, groups and rate limit; its
// ValidationError becomes the fake's.
func (s *Server) newAppRobots(cfg Config) error {
	apps, err := approbot.New(approbot.Config{Apps: cfg.Apps, Groups: cfg.Groups, Now: s.clock.Now, Journal: s.journal})
	if err == nil && cfg.AppRateLimit != nil {
		err = apps.SetRateLimit(*cfg.AppRateLimit)
	}
	var ve *approbot.ValidationError
	if errors.As(err, &ve) {
		return invalid(ve.Field, "%s", ve.Problem)
	}
	if err != nil {
		return err
	}
	apps.SetBaseURL(s.URL)
	apps.SetCallbackTimeout(cfg.CallbackTimeout)
	s.apps = apps
	return nil
}

// appAdminRoutes registers /apps and /groups on the admin subrouter.
func (s *Server) appAdminRoutes(r *mux.Router) {
	handle(r, "/apps", noQuery, get(s.adminListApps), post(adminAdd(s.apps.AddApp)))
	handle(r, "/apps/{appKey}", noQuery, get(adminGet("app", "appKey", s.apps.App)), del(adminRemove("appKey", s.apps.RemoveApp)))
	handle(r, "/apps/{appKey}/token", noQuery, post(s.adminAppToken))
	handle(r, "/apps/{appKey}/say", noQuery, post(s.adminSayDirect))
	handle(r, "/groups", noQuery, get(s.adminListGroups), post(adminAdd(s.apps.AddGroup)))
	handle(r, "/groups/{openConversationId}", noQuery, get(adminGet("group", "openConversationId", s.apps.Group)),
		del(adminRemove("openConversationId", s.apps.RemoveGroup)))
	handle(r, "/groups/{openConversationId}/say", noQuery, post(s.adminSay))
	handle(r, "/conversations", anyQuery, get(s.adminListConversations))
	handle(r, "/conversations/{msgId}", noQuery, get(adminGet("conversation", "msgId", s.apps.Conversation)))
	handle(r, "/conversations/{msgId}/wait", anyQuery, get(s.adminWaitReply))
}

// adminWaitReply long-polls until a conversation has count replies: 200
// with it, or 408 with the conversation so far.
func (s *Server) adminWaitReply(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !checkQuery(w, q, "count", "timeout") {
		return
	}
	ctx, count, done, ok := s.startWait(w, r, q)
	if !ok {
		return
	}
	defer done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.life, cancel)
	defer stop()
	conv, err := s.apps.WaitForReply(ctx, mux.Vars(r)["msgId"], count)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, conv)
	case errors.Is(err, approbot.ErrNotFound):
		writeErr(w, err)
	case s.life.Err() != nil:
		writeError(w, http.StatusServiceUnavailable, "the server is closing")
	case errors.Is(err, context.DeadlineExceeded):
		writeJSON(w, http.StatusRequestTimeout, conv)
	}
}

// adminSay has a member say something to the group's bot (approbot.Say)
// and answers the conversation, with the callback's outcome.
func (s *Server) adminSay(w http.ResponseWriter, r *http.Request) {
	var u approbot.Utterance
	if !decodeBody(w, r, &u, false) {
		return
	}
	u.OpenConversationID = mux.Vars(r)["openConversationId"]
	conv, err := s.apps.Say(r.Context(), u)
	writeConversation(w, conv, err)
}

// adminSayDirect has a member write to the app's robot one to one
// (approbot.SayDirect) and answers the conversation.
func (s *Server) adminSayDirect(w http.ResponseWriter, r *http.Request) {
	var u approbot.Utterance
	if !decodeBody(w, r, &u, false) {
		return
	}
	key := mux.Vars(r)["appKey"]
	a, ok := s.apps.App(key)
	if !ok {
		writeError(w, http.StatusNotFound, "no app has appKey %q", key)
		return
	}
	u.RobotCode = a.RobotCode
	conv, err := s.apps.SayDirect(r.Context(), u)
	writeConversation(w, conv, err)
}

// writeConversation answers Say's or SayDirect's outcome.
func writeConversation(w http.ResponseWriter, conv approbot.Conversation, err error) {
	switch {
	case errors.Is(err, approbot.ErrNotMember), errors.Is(err, approbot.ErrNoCallback):
		writeError(w, http.StatusBadRequest, "%s", strings.TrimPrefix(err.Error(), "approbot: "))
	case err != nil:
		writeErr(w, err)
	default:
		writeJSON(w, http.StatusOK, conv)
	}
}

func (s *Server) adminListConversations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !checkQuery(w, q, "openConversationId") {
		return
	}
	writeJSON(w, http.StatusOK, map[string][]approbot.Conversation{"conversations": s.apps.Conversations(q.Get("openConversationId"))})
}

func (s *Server) adminListApps(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]approbot.App{"apps": s.apps.Apps()})
}

// adminAdd answers a POST that adds a T (an app or a group): 201 with
// what was stored.
func adminAdd[T any](add func(T) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in T
		if !decodeBody(w, r, &in, false) {
			return
		}
		got, err := add(in)
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusCreated, got)
	}
}

// adminGet answers a GET of the thing whose key is the path variable key,
// or 404 naming it as a what.
func adminGet[T any](what, key string, get func(string) (T, bool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := mux.Vars(r)[key]
		v, ok := get(id)
		if !ok {
			writeError(w, http.StatusNotFound, "no %s has %s %q", what, key, id)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// adminRemove answers a DELETE of the thing whose key is the path
// variable key: 204.
func adminRemove(key string, remove func(string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := remove(mux.Vars(r)[key]); err != nil {
			writeErr(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// appToken is the admin API's answer to POST /_mock/apps/{appKey}/token.
type appToken struct {
	AccessToken string    `json:"accessToken"`
	ExpireIn    int64     `json:"expireIn"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

func (s *Server) adminAppToken(w http.ResponseWriter, r *http.Request) {
	t, exp, err := s.apps.Token(mux.Vars(r)["appKey"])
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, appToken{AccessToken: t, ExpireIn: int64(approbot.TokenLifetime / time.Second), ExpiresAt: exp})
}

func (s *Server) adminListGroups(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]approbot.Group{"groups": s.apps.Groups()})
}
