// The send API, POST /robot/send: the checks a request goes through, in our
// documented order, each recorded in the journal; the byte-faithful
// DingTalk answer; the hint, msgUuid de-duplication and the rate limit.
// Verification, validation and texts all come from package dingtalk.
package mockdingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/diagnose"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// SendPath is the path of the robot webhook.
const SendPath = "/robot/send"

// Names of the checks recorded in journal entries, in the order they run.
const (
	CheckPath        = "path"         // /robot/send (404 for other paths under /robot)
	CheckMethod      = "method"       // POST only (43002)
	CheckAccessToken = "access_token" // present and non-empty (40035)
	CheckToken       = "token"        // names a robot (300005/300001)
	CheckEnabled     = "enabled"      // robot not disabled (400102)
	CheckContentType = "content_type" // application/json (43004)
	CheckBodySize    = "body_size"    // at most 20000 bytes (460101)
	CheckJSON        = "json"         // a JSON object (40035)
	CheckIPAllowlist = "ip_allowlist" // sender allowed (310000)
	CheckSign        = "sign"         // timestamp and sign (310000)
	CheckMessage     = "message"      // msgtype and required fields (400105, 4XXYYY)
	CheckKeywords    = "keywords"     // a keyword in the visible text (310000)
	CheckMsgUUID     = "msg_uuid"     // a repeated msgUuid is acknowledged, not delivered
	CheckRateLimit   = "rate_limit"   // per-minute limit and lockout (130101/410100/660026)
)

const (
	maxHintHeader   = 2048             // bytes of hint sent in X-Mock-Hint
	maxDrainBytes   = 4 << 20          // bytes of an oversized body read and discarded
	hintHeader      = "X-Mock-Hint"    // response header carrying the hint
	warningHeader   = "X-Mock-Warning" // response header, once per warning on an accepted message
	faultHeader     = "X-Mock-Fault"   // response header naming the fault that answered
	jsonContentType = "application/json"
)

// sendRequest is one request to /robot/send as it goes through the checks.
type sendRequest struct {
	r         *http.Request
	now       time.Time
	ip        netip.Addr // sender address; invalid if unparseable
	remote    string     // as recorded in the journal
	body      []byte
	tooLarge  bool
	query     url.Values
	token     string
	robot     *robotEntry // nil until the token check passes
	msg       *dingtalk.Message
	checks    []journal.Check
	rate      *diagnose.RateLimitInfo
	fault     string
	duplicate bool
	warnings  []string // for an accepted message; see diagnose.Warnings
}

func (sr *sendRequest) pass(name, detail string, args ...any) {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	sr.checks = append(sr.checks, journal.Check{Name: name, Passed: true, Detail: detail})
}

func (sr *sendRequest) fail(name, detail string, args ...any) {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	sr.checks = append(sr.checks, journal.Check{Name: name, Detail: detail})
}

// first returns the first value of a query parameter, as DingTalk checks it.
func (sr *sendRequest) first(key string) string {
	if v := sr.query[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// handleSend serves /robot/send for every method.
func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	sr := s.readSend(r)
	rej := sr.checkPath()
	if rej == nil {
		rej = sr.checkMethod()
	}
	if rej == nil {
		rej = sr.checkAccessToken()
	}
	if rej == nil {
		if f, ok := s.faults.pick(sr.token); ok {
			sr.fault = f.ID
			if f.Kind != FaultDelay {
				s.applyFault(w, sr, f)
				return
			}
			if !s.wait(r.Context(), f.Delay) {
				s.record(sr, ReasonFault, journal.Response{}, "", false)
				if r.Context().Err() == nil {
					// The server is closing: no answer, as for a hang
					// (net/http would otherwise send an empty 200).
					dropConnection(w, r)
				}
				return
			}
		}
		rej = s.runChecks(sr)
	}
	s.answer(w, sr, rej)
}

// readSend reads what every check needs: time, sender, query and body.
func (s *Server) readSend(r *http.Request) *sendRequest {
	sr := &sendRequest{r: r, now: s.clock.Now(), checks: make([]journal.Check, 0, maxChecks)}
	sr.ip, sr.remote = s.sender(r)
	// ParseQuery decodes once, so a raw '+' in sign becomes a space, as on
	// the real service; pairs it cannot decode are skipped.
	sr.query, _ = url.ParseQuery(r.URL.RawQuery)
	sr.token = sr.first("access_token")
	if r.Body != nil {
		sr.body, _ = readBody(r)
		if len(sr.body) > dingtalk.MaxBodyBytes {
			sr.tooLarge = true
			// Drain a bounded amount so the connection can be reused.
			_, _ = io.CopyN(io.Discard, r.Body, maxDrainBytes)
		}
	}
	if !sr.tooLarge {
		sr.msg, _ = dingtalk.ParseMessage(sr.body)
	}
	return sr
}

// sender returns the sender's IP (IPv4-mapped IPv6 unmapped to IPv4) and
// the address to record for it.
func (s *Server) sender(r *http.Request) (netip.Addr, string) {
	if s.cfg.TrustForwardedFor {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
				return a.Unmap(), a.Unmap().String()
			}
		}
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap(), r.RemoteAddr
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap(), r.RemoteAddr
}

func (sr *sendRequest) checkPath() *dingtalk.Rejection {
	switch p := sr.r.URL.Path; classifyPath(p) {
	case pathSend:
		sr.pass(CheckPath, SendPath)
	case pathMergedSlashes:
		sr.pass(CheckPath, "%q has repeated slashes; delivered as %s (the fake's choice: front ends merge slashes)", p, SendPath)
	default:
		sr.fail(CheckPath, "%q is not %s", p, SendPath)
		return dingtalk.Reject(dingtalk.ReasonUnknownPath)
	}
	return nil
}

func (sr *sendRequest) checkMethod() *dingtalk.Rejection {
	if sr.r.Method != http.MethodPost {
		sr.fail(CheckMethod, "%s is not POST", sr.r.Method)
		return dingtalk.Reject(dingtalk.ReasonNotPost)
	}
	sr.pass(CheckMethod, "POST")
	return nil
}

func (sr *sendRequest) checkAccessToken() *dingtalk.Rejection {
	if _, ok := sr.query["access_token"]; !ok {
		sr.fail(CheckAccessToken, "no access_token query parameter")
		return dingtalk.Reject(dingtalk.ReasonMissingToken)
	}
	if sr.token == "" {
		sr.fail(CheckAccessToken, "access_token is empty")
		return dingtalk.Reject(dingtalk.ReasonMissingToken)
	}
	sr.pass(CheckAccessToken, "present")
	return nil
}

// runChecks runs every check after the access token's presence, in order,
// and stops at the first rejection.
func (s *Server) runChecks(sr *sendRequest) *dingtalk.Rejection {
	sr.robot = s.robotEntry(sr.token)
	if sr.robot == nil {
		sr.fail(CheckToken, "no robot has this access token")
		return dingtalk.Reject(dingtalk.ReasonTokenNotExist)
	}
	robot := sr.robot.robot
	sr.pass(CheckToken, "robot %q", robot.Name)
	if robot.Disabled {
		sr.fail(CheckEnabled, "the robot is disabled")
		return dingtalk.Reject(dingtalk.ReasonRobotDisabled)
	}
	sr.pass(CheckEnabled, "enabled")
	for _, check := range []func(*sendRequest) *dingtalk.Rejection{
		checkContentType, checkBodySize, checkJSON, checkIPAllowlist, checkSign,
		checkMessage, checkKeywords,
	} {
		if rej := check(sr); rej != nil {
			return rej
		}
	}
	return sr.admit()
}

func checkContentType(sr *sendRequest) *dingtalk.Rejection {
	ct := sr.r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if (err == nil || errors.Is(err, mime.ErrInvalidMediaParameter)) && mt == jsonContentType {
		sr.pass(CheckContentType, "%s", ct)
		return nil
	}
	if ct == "" {
		sr.fail(CheckContentType, "no Content-Type header; want application/json")
	} else {
		sr.fail(CheckContentType, "Content-Type %q is not application/json", ct)
	}
	return dingtalk.Reject(dingtalk.ReasonBadContentType)
}

func checkBodySize(sr *sendRequest) *dingtalk.Rejection {
	if sr.tooLarge {
		sr.fail(CheckBodySize, "body is over %d bytes", dingtalk.MaxBodyBytes)
		return dingtalk.Reject(dingtalk.ReasonBodyTooLarge)
	}
	sr.pass(CheckBodySize, "%d bytes", len(sr.body))
	return nil
}

func checkJSON(sr *sendRequest) *dingtalk.Rejection {
	if sr.msg == nil {
		if len(sr.body) == 0 {
			sr.fail(CheckJSON, "body is empty")
		} else {
			sr.fail(CheckJSON, "body is not a valid JSON object")
		}
		return dingtalk.Reject(dingtalk.ReasonMissingJSON)
	}
	sr.pass(CheckJSON, "a JSON object")
	return nil
}

func checkIPAllowlist(sr *sendRequest) *dingtalk.Rejection {
	allow := sr.robot.allow
	if len(allow) == 0 {
		sr.pass(CheckIPAllowlist, "no allowlist set")
		return nil
	}
	ip := sr.ip
	if ip.Is4() {
		for _, p := range allow {
			if p.Contains(ip) {
				sr.pass(CheckIPAllowlist, "sender %s is in %s", ip, p)
				return nil
			}
		}
	}
	list := strings.Join(sr.robot.robot.IPAllowlist, ", ")
	switch {
	case !ip.IsValid():
		sr.fail(CheckIPAllowlist, "sender address %q is not an IP address", sr.remote)
	case !ip.Is4():
		sr.fail(CheckIPAllowlist, "sender %s is IPv6, which never matches the allowlist (%s)", ip, list)
	default:
		sr.fail(CheckIPAllowlist, "sender %s is not in the allowlist (%s)", ip, list)
	}
	ipText := ""
	if ip.IsValid() {
		ipText = ip.String()
	}
	return &dingtalk.Rejection{Reason: dingtalk.ReasonIPNotAllowed, IP: ipText}
}

func checkSign(sr *sendRequest) *dingtalk.Rejection {
	secret := sr.robot.robot.Secret
	if secret == "" {
		sr.pass(CheckSign, "signing is not enabled for this robot")
		return nil
	}
	ts, sign := sr.first("timestamp"), sr.first("sign")
	switch err := dingtalk.Verify(secret, ts, sign, sr.now); {
	case err == nil:
		sr.pass(CheckSign, "timestamp %s is within ±1h and the sign matches", ts)
		return nil
	case errors.Is(err, dingtalk.ErrTimestampExpired):
		sr.fail(CheckSign, "timestamp %q is not a millisecond time within ±1h of the fake's clock (%d)", ts, dingtalk.Millis(sr.now))
		return dingtalk.Reject(dingtalk.ReasonTimestampExpired)
	default:
		switch {
		case ts == "" && sign == "":
			sr.fail(CheckSign, "no timestamp and sign parameters, but the robot has a secret")
		case ts == "":
			sr.fail(CheckSign, "no timestamp parameter")
		case sign == "":
			sr.fail(CheckSign, "no sign parameter")
		default:
			sr.fail(CheckSign, "sign %q does not match the secret for timestamp %s", sign, ts)
		}
		return dingtalk.Reject(dingtalk.ReasonSignMismatch)
	}
}

func checkMessage(sr *sendRequest) *dingtalk.Rejection {
	if rej := sr.msg.Validate(); rej != nil {
		sr.fail(CheckMessage, "%s", rej.Error())
		return rej
	}
	sr.pass(CheckMessage, "msgtype %s", sr.msg.MsgType)
	return nil
}

func checkKeywords(sr *sendRequest) *dingtalk.Rejection {
	kw := sr.robot.robot.Keywords
	if len(kw) == 0 {
		sr.pass(CheckKeywords, "no keywords set")
		return nil
	}
	if sr.msg.MissingKeywords(kw) {
		sr.fail(CheckKeywords, "none of %q appears in the message's visible text", kw)
		return dingtalk.Reject(dingtalk.ReasonKeywordMissing)
	}
	sr.pass(CheckKeywords, "a keyword appears in the message")
	return nil
}

// admit runs the msgUuid and rate-limit checks atomically for the robot,
// so concurrent sends are counted exactly.
func (sr *sendRequest) admit() *dingtalk.Rejection {
	st, uuid := sr.robot.state, sr.msg.MsgUUID
	limit := sr.robot.robot.RateLimit()
	st.mu.Lock()
	defer st.mu.Unlock()
	if uuid == "" {
		sr.pass(CheckMsgUUID, "no msgUuid")
	} else if at, dup := st.uuids.get(uuid); dup {
		sr.fail(CheckMsgUUID, "msgUuid %q was delivered at %s; acknowledged and not delivered again", uuid, at.Format(time.RFC3339Nano))
		sr.duplicate = true
		return nil
	} else {
		sr.pass(CheckMsgUUID, "msgUuid %q is new", uuid)
	}
	ok, until := st.limit.admit(sr.now, limit)
	if !ok {
		sr.rate = &diagnose.RateLimitInfo{Limit: limit, LockedUntil: until}
		sr.fail(CheckRateLimit, "rate limited (%d per minute); locked until %s", limit, until.Format(time.RFC3339Nano))
		return dingtalk.Reject(dingtalk.ReasonRateLimited)
	}
	if limit == 0 {
		sr.pass(CheckRateLimit, "no rate limit")
	} else {
		sr.pass(CheckRateLimit, "%d of %d in the last minute", len(st.limit.sent), limit)
	}
	if uuid != "" {
		st.uuids.add(uuid, sr.now)
	}
	return nil
}

// answer journals the outcome and writes DingTalk's answer for rej (nil
// means accepted), with the hint in X-Mock-Hint.
func (s *Server) answer(w http.ResponseWriter, sr *sendRequest, rej *dingtalk.Rejection) {
	resp := s.cfg.Dialect.Answer(rej)
	body := resp.AppendJSON(nil)
	reason, hint := dingtalk.ReasonOK, ""
	if rej != nil {
		reason, hint = rej.Reason, s.hint(sr, rej)
	} else {
		sr.warnings = diagnose.Warnings(diagnose.Accepted{Path: sr.r.URL.Path, ContentType: sr.r.Header.Get("Content-Type"), Body: sr.body, Message: sr.msg})
	}
	s.record(sr, reason, journal.Response{Status: http.StatusOK, ErrCode: resp.ErrCode, ErrMsg: resp.ErrMsg, Body: body}, hint, resp.ErrCode == 0)
	h := w.Header()
	h.Set("Content-Type", jsonContentType)
	if hint != "" {
		h.Set(hintHeader, headerSafe(hint))
	}
	for _, warning := range sr.warnings {
		h.Add(warningHeader, headerSafe(warning))
	}
	if sr.fault != "" {
		h.Set(faultHeader, sr.fault)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// record appends the request's journal entry, remembers its sign, and logs
// it. It runs before the answer is written, so a client that has its
// answer always finds the entry.
func (s *Server) record(sr *sendRequest, reason dingtalk.Reason, resp journal.Response, hint string, accepted bool) {
	r := sr.r
	e := s.journal.Append(journal.Entry{
		Time:        sr.now,
		AccessToken: sr.token,
		Method:      r.Method,
		Path:        r.URL.Path,
		RawQuery:    r.URL.RawQuery,
		Header:      r.Header.Clone(),
		Body:        sr.body,
		RemoteAddr:  sr.remote,
		Message:     sr.msg,
		Accepted:    accepted,
		Delivered:   accepted && reason == dingtalk.ReasonOK && !sr.duplicate,
		Duplicate:   sr.duplicate,
		Reason:      reason,
		Response:    resp,
		Checks:      sr.checks,
		Hint:        hint,
		Warnings:    sr.warnings,
		Fault:       sr.fault,
	})
	if sign := sr.first("sign"); sign != "" {
		if rb := s.robotEntry(sr.token); rb != nil {
			rb.state.noteSign(sign, sr.now)
		}
	}
	level := slog.LevelInfo
	if e.Delivered || e.Duplicate {
		level = slog.LevelDebug
	}
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.Uint64("seq", e.Seq),
		slog.String("accessToken", maskToken(sr.token)),
		slog.String("remote", sr.remote),
		slog.String("reason", string(reason)),
		slog.Int("errcode", resp.ErrCode),
	}
	if hint != "" {
		attrs = append(attrs, slog.String("hint", hint))
	}
	if sr.fault != "" {
		attrs = append(attrs, slog.String("fault", sr.fault))
	}
	s.log.LogAttrs(r.Context(), level, "robot send", attrs...)
}

// hint asks package diagnose why the request was rejected. A panic there
// must not take the answer down with it.
func (s *Server) hint(sr *sendRequest, rej *dingtalk.Rejection) (hint string) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("diagnose.Hint panicked", "panic", fmt.Sprint(p))
			hint = "DingTalk rejected the request: " + rej.Error() + "."
		}
	}()
	req := diagnose.Request{
		Path:            sr.r.URL.Path,
		Method:          sr.r.Method,
		RawQuery:        sr.r.URL.RawQuery,
		ContentType:     sr.r.Header.Get("Content-Type"),
		ContentEncoding: sr.r.Header.Get("Content-Encoding"),
		Body:            sr.body,
		Message:         sr.msg,
		AccessToken:     sr.token,
		KnownTokens:     s.tokens(),
		Now:             sr.now,
		Rejection:       rej,
		RateLimit:       sr.rate,
	}
	if sr.ip.IsValid() {
		req.RemoteIP = sr.ip.String()
	}
	if rb := sr.robot; rb != nil {
		req.Robot = &diagnose.Robot{
			AccessToken: rb.robot.AccessToken,
			Secret:      rb.robot.Secret,
			Keywords:    append([]string(nil), rb.robot.Keywords...),
			IPAllowlist: append([]string(nil), rb.robot.IPAllowlist...),
		}
		req.SeenSign = rb.state.seenSign
	}
	hint = diagnose.Hint(req)
	if hint == "" {
		hint = "DingTalk rejected the request: " + rej.Error() + "."
	}
	return hint
}

// headerSafe makes a hint a valid header value: control characters become
// spaces and it is cut at maxHintHeader bytes on a character boundary.
func headerSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxHintHeader {
		cut := maxHintHeader - len("…")
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.TrimSpace(s)
}

// applyFault answers a request as the fault says (every kind but delay).
func (s *Server) applyFault(w http.ResponseWriter, sr *sendRequest, f Fault) {
	switch f.Kind {
	case FaultErrcode:
		resp := dingtalk.Response{ErrCode: f.ErrCode, ErrMsg: f.ErrMsg}
		body := resp.AppendJSON(nil)
		s.record(sr, ReasonFault, journal.Response{Status: http.StatusOK, ErrCode: f.ErrCode, ErrMsg: f.ErrMsg, Body: body}, "", f.ErrCode == 0)
		w.Header().Set("Content-Type", jsonContentType)
		w.Header().Set(faultHeader, f.ID)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	case FaultHTTP:
		resp := journal.Response{Status: f.Status, Body: []byte(f.Body)}
		var dt struct {
			ErrCode *int   `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if json.Unmarshal(resp.Body, &dt) == nil && dt.ErrCode != nil {
			resp.ErrCode, resp.ErrMsg = *dt.ErrCode, dt.ErrMsg
		}
		s.record(sr, ReasonFault, resp, "", f.Status == http.StatusOK && dt.ErrCode != nil && *dt.ErrCode == 0)
		w.Header().Set("Content-Type", f.ContentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Body)))
		w.Header().Set(faultHeader, f.ID)
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, f.Body)
	case FaultDrop:
		s.record(sr, ReasonFault, journal.Response{}, "", false)
		dropConnection(w, sr.r)
	case FaultHang:
		// Journal first, so a test can wait for the hung request to arrive.
		s.record(sr, ReasonFault, journal.Response{}, "", false)
		select {
		case <-sr.r.Context().Done():
		case <-s.done:
			dropConnection(w, sr.r)
		}
	}
}

// dropConnection closes the client's connection without an answer. Over
// HTTP/2, where a connection cannot be taken over, it aborts the handler
// with http.ErrAbortHandler, which net/http turns into a reset stream
// without logging. With a writer that is not a connection at all (an
// httptest.ResponseRecorder) it writes nothing, so the recorder shows its
// defaults.
func dropConnection(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	switch {
	case err == nil:
		_ = conn.Close()
	case r.ProtoMajor >= 2:
		panic(http.ErrAbortHandler)
	}
}

// wait sleeps d on the real clock; it returns false if the client went
// away or the server closed first.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// maxChecks is how many checks a request can go through.
const maxChecks = 14

// readBody reads up to MaxBodyBytes+1 bytes of the body, into a buffer of
// the declared length when there is one, so the journal keeps no spare
// capacity.
func readBody(r *http.Request) ([]byte, error) {
	limit := int64(dingtalk.MaxBodyBytes + 1)
	if n := r.ContentLength; n > 0 && n < limit {
		buf := make([]byte, n)
		k, err := io.ReadFull(r.Body, buf)
		return buf[:k], err
	}
	return io.ReadAll(io.LimitReader(r.Body, limit))
}
