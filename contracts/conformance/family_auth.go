// The auth family: the session lifecycle on every API family. A call
// without the header, with another scheme, with an unknown, logged-out or
// expired session is refused, and does nothing.

package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// apiCall is one representative call of an API family.
type apiCall struct {
	family       string
	method, path string
	body         any
}

// familyCalls are one call per API family, aimed at robot (its webhook
// must not be called) and at an existing endpoint (which must not change).
func familyCalls(robot Robot, endpoint string) []apiCall {
	return []apiCall{
		{"test-connection", http.MethodPost, PathTestConnection, map[string]any{"params": map[string]any{"testMsg": "who am I", "url": robot.Webhook}}},
		{"create DingTalk endpoint", http.MethodPost, PathEndpoints, endpointBody("intruder", map[string]any{"url": robot.Webhook})},
		{"query DingTalk endpoints", http.MethodGet, PathEndpoints, nil},
		{"update DingTalk endpoint", http.MethodPut, PathEndpoints + "/" + endpoint + "/actions", map[string]any{"updateSNSDingTalkEndpoint": map[string]any{"name": "intruder"}}},
		{"query application endpoints", http.MethodGet, PathAnyEndpoint, nil},
		{"add at-person", http.MethodPost, PathAtPersons, map[string]any{"params": map[string]any{"phoneNumber": "+86-13800000009", "endpointUuid": endpoint}}},
		{"query at-persons", http.MethodGet, PathAtPersons, nil},
		{"delete endpoint", http.MethodDelete, PathAnyEndpoint + "/" + endpoint, nil},
	}
}

func authRules() []Rule {
	return []Rule{
		authRule("auth.missing-header", "a call without Authorization is refused with 400 (missing header 'Authorization') on every API family",
			func(context.Context, *Harness) (string, error) { return "", nil }, http.StatusBadRequest, ""),
		authRule("auth.wrong-scheme", "a call with another Authorization scheme is refused with 400 (Authorization type must be 'OAuth') on every API family",
			func(context.Context, *Harness) (string, error) { return "Basic YWRtaW46cGFzc3dvcmQ=", nil }, http.StatusBadRequest, ""),
		authRule("auth.invalid-session", "a call with an unknown session is refused with ID.1001 on every API family",
			func(context.Context, *Harness) (string, error) {
				return "OAuth " + strings.Repeat("0", 24) + "4000a000", nil
			}, 0, "ID.1001"),
		authRule("auth.logout-ends-session", "after logout (DELETE /accounts/sessions/{uuid}) the session is refused with ID.1001 on every API family",
			loggedOut, 0, "ID.1001"),
		func() Rule {
			r := authRule("auth.expired-session", "once the session timeout has passed the session is refused with ID.1001 on every API family",
				expired, 0, "ID.1001")
			r.Source, r.Labels = SrcZStackExpiry, []string{LabelSlow}
			return r
		}(),
	}
}

// authRule: with the Authorization value auth gives, every family's call
// is refused (with status when not 0, with code when not "") and reaches
// no webhook and changes no endpoint.
func authRule(id, text string, auth func(context.Context, *Harness) (string, error), status int, code string) Rule {
	source := SrcZStackAuth
	if id == "auth.logout-ends-session" {
		source = SrcZStackLogout
	}
	return Rule{
		ID: id, Family: FamilyAuth, Level: Must, Source: source, Text: text,
		Check: func(ctx context.Context, h *Harness) error {
			robot, endpoint, err := h.newEndpoint(ctx, nil)
			if err != nil {
				return err
			}
			defer h.deleteEndpoint(ctx, endpoint)
			value, err := auth(ctx, h)
			if err != nil {
				return err
			}
			opts := []CallOption{WithAuthorization(value)}
			if status != 0 {
				opts = append(opts, AsNegative())
			}
			for _, c := range familyCalls(robot, endpoint) {
				a, err := h.Call(ctx, c.method, c.path, c.body, opts...)
				if err != nil {
					return err
				}
				if err := h.cfg.ZStackRefusal(a); err != nil {
					return fmt.Errorf("%s was not refused: %w", c.family, err)
				}
				if status != 0 && a.Status != status {
					return fmt.Errorf("%s was refused with HTTP %d; expected %d: %s", c.family, a.Status, status, a.Describe())
				}
				if got := errorCode(a); code != "" && got != code {
					return fmt.Errorf("%s was refused with %q; expected %s (invalid session): %s", c.family, got, code, a.Describe())
				}
			}
			if n := len(h.Entries(robot.Token)); n > 0 {
				return fmt.Errorf("the webhook was called %d times by refused calls", n)
			}
			q, err := h.query(ctx, PathEndpoints+"/"+endpoint)
			if err != nil {
				return err
			}
			if len(q.Inventories) != 1 || q.Inventories[0].Name == "intruder" {
				return fmt.Errorf("a refused call changed or deleted the endpoint: %d found", len(q.Inventories))
			}
			return nil
		},
	}
}

// loggedOut logs in a second session, sees it work, logs it out and returns
// it.
func loggedOut(ctx context.Context, h *Harness) (string, error) {
	s, err := h.LogIn(ctx)
	if err != nil {
		return "", skipf("cannot log in a second session to log out (%v): give the account and password, not only a session", err)
	}
	a, err := h.Call(ctx, http.MethodGet, PathEndpoints, nil, WithAuthorization("OAuth "+s))
	if err != nil {
		return "", err
	}
	if a.Status != http.StatusOK {
		return "", fmt.Errorf("a fresh session cannot query endpoints: %s", a.Describe())
	}
	if _, err := h.call200(ctx, "log out", http.MethodDelete, PathSessions+"/"+s, nil, nil); err != nil {
		return "", err
	}
	return "OAuth " + s, nil
}

// expired logs in a second session and lets it expire: in-process by moving
// the target's clock past the session timeout, against a remote target by
// waiting Config.SessionTTL. The harness then logs in again for the rules
// that follow.
func expired(ctx context.Context, h *Harness) (string, error) {
	if h.clock == nil && h.cfg.SessionTTL == 0 {
		return "", skipf("the target's session timeout is unknown: give --session-ttl (%s) to check expiry; the rule then waits that long", EnvSessionTTL)
	}
	s, err := h.LogIn(ctx)
	if err != nil {
		return "", skipf("cannot log in a second session to let it expire (%v)", err)
	}
	if h.clock != nil {
		h.clock.Advance(h.cfg.SessionTTL + time.Minute)
	} else if err := pause(ctx, h.cfg.SessionTTL+time.Second); err != nil {
		return "", err
	}
	if h.cfg.Session == "" {
		if err := h.relogin(ctx); err != nil {
			return "", err
		}
	}
	return "OAuth " + s, nil
}
