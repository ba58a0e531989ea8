// Access tokens: POST /v1.0/oauth2/accessToken (api.dingtalk.com) and the
// legacy GET /gettoken (oapi.dingtalk.com). One token per app, valid for
// TokenLifetime on the fake's clock; asking again while it is valid returns
// the same token with its lifetime renewed, as DingTalk documents.

package approbot

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Paths of the token endpoints.
const (
	AccessTokenPath = "/v1.0/oauth2/accessToken"
	GetTokenPath    = "/gettoken"
)

// Token issues (or renews) the app's access token, as the token endpoints
// do, and returns it with its expiry on the fake's clock.
func (s *Service) Token(appKey string) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.apps[appKey]; !ok {
		return "", time.Time{}, fmt.Errorf("%w: no app has appKey %q", ErrNotFound, appKey)
	}
	t, exp := s.issueLocked(appKey)
	return t, exp, nil
}

func (s *Service) issueLocked(appKey string) (string, time.Time) {
	now := s.now()
	t, ok := s.appTokens[appKey]
	if !ok || !now.Before(s.tokens[t].expires) {
		delete(s.tokens, t)
		t = randomHex(32)
		s.appTokens[appKey] = t
	}
	exp := now.Add(TokenLifetime)
	s.tokens[t] = tokenInfo{appKey: appKey, expires: exp}
	return t, exp
}

// ExpireTokens makes every token expire now, as if two hours had passed.
func (s *Service) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens, s.appTokens = map[string]tokenInfo{}, map[string]string{}
}

// errTokenUnknown and errTokenExpired say why a token is refused.
var (
	errTokenUnknown = errors.New("unknown")
	errTokenExpired = errors.New("expired")
)

// tokenApp returns the app a token was issued to.
func (s *Service) tokenApp(token string, now time.Time) (App, time.Time, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	info, ok := s.tokens[token]
	if !ok {
		return App{}, time.Time{}, errTokenUnknown
	}
	if !now.Before(info.expires) {
		return App{}, info.expires, errTokenExpired
	}
	return *s.apps[info.appKey], info.expires, nil
}

// grant checks credentials and issues the token.
func (s *Service) grant(appKey, appSecret string) (token string, exp time.Time, hint string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[appKey]
	switch {
	case appKey == "":
		return "", time.Time{}, "appKey is missing or empty"
	case appSecret == "":
		return "", time.Time{}, "appSecret is missing or empty"
	case !ok:
		return "", time.Time{}, fmt.Sprintf("no app has appKey %q (apps are created in the config, with Server.AppRobots().AddApp or POST /_mock/apps)", appKey)
	case subtle.ConstantTimeCompare([]byte(a.AppSecret), []byte(appSecret)) != 1:
		return "", time.Time{}, fmt.Sprintf("appSecret is not app %q's secret (a secret of %d characters was sent; check for a stray space or another app's secret)", appKey, len(appSecret))
	}
	token, exp = s.issueLocked(appKey)
	return token, exp, ""
}

// handleAccessToken serves POST /v1.0/oauth2/accessToken.
func (s *Service) handleAccessToken(w http.ResponseWriter, r *http.Request) {
	body, tooBig := readBody(r, maxTokenBody)
	x := s.begin(r, body)
	var in struct {
		AppKey    flexString `json:"appKey"`
		AppSecret flexString `json:"appSecret"`
	}
	if tooBig || !decodeObject(body, &in) {
		x.reject(w, ErrMissingBody, x.fail("json", "the body is not a JSON object like {\"appKey\":\"…\",\"appSecret\":\"…\"} (Content-Type %q); DingTalk reads JSON only", r.Header.Get("Content-Type")))
		return
	}
	x.pass("json", "")
	x.entry.AppKey = string(in.AppKey)
	token, exp, hint := s.grant(string(in.AppKey), string(in.AppSecret))
	if hint != "" {
		x.reject(w, ErrBadCredentials, x.fail("credentials", "%s", hint))
		return
	}
	x.pass("credentials", "token valid until %s (fake clock)", exp.UTC().Format(time.RFC3339))
	x.ok(w, apiContentType, struct {
		AccessToken string `json:"accessToken"`
		ExpireIn    int64  `json:"expireIn"`
	}{token, int64(TokenLifetime / time.Second)}, false)
}

// handleGetToken serves the legacy GET /gettoken?appkey=&appsecret=.
func (s *Service) handleGetToken(w http.ResponseWriter, r *http.Request) {
	x := s.begin(r, nil)
	q := r.URL.Query()
	x.entry.AppKey = q.Get("appkey")
	token, exp, hint := s.grant(q.Get("appkey"), q.Get("appsecret"))
	if hint != "" {
		hint = x.fail("credentials", "%s (query parameters appkey and appsecret)", hint)
		setHint(w, hint)
		x.entry.Reason, x.entry.Hint = ErrBadCredentials.Reason, hint
		x.entry.Response.ErrCode, x.entry.Response.ErrMsg = ErrcodeBadCredentials, ErrmsgBadCredentials
		x.respond(w, oapiContentType, struct {
			Errcode int    `json:"errcode"`
			Errmsg  string `json:"errmsg"`
		}{ErrcodeBadCredentials, ErrmsgBadCredentials})
		return
	}
	x.pass("credentials", "token valid until %s (fake clock)", exp.UTC().Format(time.RFC3339))
	x.entry.Response.ErrMsg = "ok"
	x.ok(w, oapiContentType, struct {
		Errcode     int    `json:"errcode"`
		AccessToken string `json:"access_token"`
		Errmsg      string `json:"errmsg"`
		ExpiresIn   int64  `json:"expires_in"`
	}{0, token, "ok", int64(TokenLifetime / time.Second)}, false)
}
