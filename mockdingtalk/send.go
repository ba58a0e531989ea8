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
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/diagnose"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// SendPath is the path of the robot webhook.
const SendPath = "/robot/send"

const (
	maxHintHeader   = 2048             // bytes of hint sent in X-Mock-Hint
	maxDrainBytes   = 4 << 20          // bytes of an oversized body read and discarded
	hintHeader      = "X-Mock-Hint"    // response header carrying the hint
	warningHeader   = "X-Mock-Warning" // response header, once per warning on an accepted message
	faultHeader     = "X-Mock-Fault"   // response header naming the fault that answered
	jsonContentType = "application/json"
)

// sendRequest is one request to /robot/send as it goes through the checks.
// It is pooled: its body buffer is reused from request to request.
type sendRequest struct {
	r         *http.Request
	ctype     string // the Content-Type header
	now       time.Time
	remote    string     // the sender's address, as recorded in the journal
	ip        netip.Addr // see senderIP
	ipParsed  bool
	body      []byte
	buf       []byte // the body's buffer, kept for the next request
	tooLarge  bool
	query     sendQuery
	robot     *robotEntry       // nil until the token check passes
	msg       *dingtalk.Message // in reader, valid until release
	reader    dingtalk.MessageReader
	trail     journal.Trail
	rate      *diagnose.RateLimitInfo
	fault     string
	duplicate bool
	warnings  []string  // for an accepted message; see diagnose.Warnings
	answer    [128]byte // scratch for the answer body
}

var sendRequests = sync.Pool{New: func() any { return new(sendRequest) }}

// maxPooledBody is the largest body buffer a pooled request keeps.
const maxPooledBody = 64 << 10

// release returns sr to the pool.
func (sr *sendRequest) release() {
	buf := sr.buf
	if cap(buf) > maxPooledBody {
		buf = nil
	}
	*sr = sendRequest{buf: buf[:0]}
	sendRequests.Put(sr)
}

// step records one check's outcome in the trail (see expandChecks).
func (sr *sendRequest) step(check, form uint8) {
	t := &sr.trail
	t.Steps[t.N] = check<<2 | form
	t.N++
}

// passWith records a passed check whose detail cannot be rebuilt later.
func (sr *sendRequest) passWith(check uint8, detail string) {
	sr.step(check, formStored)
	sr.trail.Details = append(sr.trail.Details, detail)
}

func (sr *sendRequest) fail(check uint8, detail string, args ...any) {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	sr.step(check, formFailed)
	sr.trail.Details = append(sr.trail.Details, detail)
}

// handleSend serves /robot/send for every method.
func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	sr := s.readSend(r)
	defer sr.release()
	rej := sr.checkPath()
	if rej == nil {
		rej = sr.checkMethod()
	}
	if rej == nil {
		rej = sr.checkAccessToken()
	}
	if rej == nil {
		if f, ok := s.faults.pick(sr.query.token); ok {
			sr.fault = f.ID
			if f.Kind != FaultDelay {
				s.applyFault(w, sr, f)
				return
			}
			if !s.wait(r.Context(), f.Delay) {
				s.record(sr, reasonFault, journal.Response{}, "", false)
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
	sr := sendRequests.Get().(*sendRequest)
	sr.r, sr.now = r, s.clock.Now()
	sr.ctype = r.Header.Get("Content-Type")
	sr.remote = s.sender(r)
	// Decoded as url.ParseQuery does, so a raw '+' in sign becomes a space,
	// as on the real service; pairs it cannot decode are skipped.
	sr.query.parse(r.URL.RawQuery)
	if r.Body != nil {
		sr.body, _ = sr.readBody(r)
		if len(sr.body) > dingtalk.MaxBodyBytes {
			sr.tooLarge = true
			// Drain a bounded amount so the connection can be reused.
			_, _ = io.CopyN(io.Discard, r.Body, maxDrainBytes)
		}
	}
	if !sr.tooLarge {
		sr.msg, _ = sr.reader.Read(sr.body)
	}
	sr.trail.Parsed = sr.msg != nil
	return sr
}

// sender returns the address to record for the sender: the first
// X-Forwarded-For address when trusted and valid, else the connection's.
func (s *Server) sender(r *http.Request) string {
	if s.cfg.TrustForwardedFor {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
				return a.Unmap().String()
			}
		}
	}
	return r.RemoteAddr
}

// senderIP returns the sender's IP (IPv4-mapped IPv6 unmapped to IPv4),
// invalid if its address is not one. Only an allowlist check and a hint
// need it, so it is parsed on first use rather than on every send.
func (sr *sendRequest) senderIP() netip.Addr {
	if sr.ipParsed {
		return sr.ip
	}
	host := sr.remote
	if ap, err := netip.ParseAddrPort(host); err == nil {
		sr.ip = ap.Addr().Unmap()
	} else {
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		a, _ := netip.ParseAddr(host)
		sr.ip = a.Unmap()
	}
	sr.ipParsed = true
	return sr.ip
}

func (sr *sendRequest) checkPath() *dingtalk.Rejection {
	switch p := sr.r.URL.Path; classifyPath(p) {
	case pathSend:
		sr.step(stepPath, formPass)
	case pathMergedSlashes:
		sr.step(stepPath, formAlt)
	default:
		sr.fail(stepPath, "%q is not %s", p, SendPath)
		return dingtalk.Reject(dingtalk.ReasonUnknownPath)
	}
	return nil
}

func (sr *sendRequest) checkMethod() *dingtalk.Rejection {
	if sr.r.Method != http.MethodPost {
		sr.fail(stepMethod, "%s is not POST", sr.r.Method)
		return dingtalk.Reject(dingtalk.ReasonNotPost)
	}
	sr.step(stepMethod, formPass)
	return nil
}

func (sr *sendRequest) checkAccessToken() *dingtalk.Rejection {
	if !sr.query.hasToken {
		sr.fail(stepAccessToken, "no access_token query parameter")
		return dingtalk.Reject(dingtalk.ReasonMissingToken)
	}
	if sr.query.token == "" {
		sr.fail(stepAccessToken, "access_token is empty")
		return dingtalk.Reject(dingtalk.ReasonMissingToken)
	}
	sr.step(stepAccessToken, formPass)
	return nil
}

// robotChecks are the checks of a request to a robot that exists and is
// enabled, in the order DingTalk applies them.
var robotChecks = [...]func(*sendRequest) *dingtalk.Rejection{
	checkContentType, checkBodySize, checkJSON, checkIPAllowlist, checkSign, checkMessage, checkKeywords,
}

// runChecks runs every check after the access token's presence, in order,
// and stops at the first rejection.
func (s *Server) runChecks(sr *sendRequest) *dingtalk.Rejection {
	sr.robot = s.robotEntry(sr.query.token)
	if sr.robot == nil {
		sr.fail(stepToken, "no robot has this access token")
		return dingtalk.Reject(dingtalk.ReasonTokenNotExist)
	}
	robot := &sr.robot.robot
	sr.trail.Name = robot.Name
	sr.step(stepToken, formPass)
	if robot.Disabled {
		sr.fail(stepEnabled, "the robot is disabled")
		return dingtalk.Reject(dingtalk.ReasonRobotDisabled)
	}
	sr.step(stepEnabled, formPass)
	for _, check := range robotChecks {
		if rej := check(sr); rej != nil {
			return rej
		}
	}
	return sr.admit()
}

func checkContentType(sr *sendRequest) *dingtalk.Rejection {
	ct := sr.ctype
	if isJSONContentType(ct) {
		sr.step(stepContentType, formPass)
		return nil
	}
	if ct == "" {
		sr.fail(stepContentType, "no Content-Type header; want application/json")
	} else {
		sr.fail(stepContentType, "Content-Type %q is not application/json", ct)
	}
	return dingtalk.Reject(dingtalk.ReasonBadContentType)
}

// isJSONContentType reports a media type of application/json, with or
// without parameters (even invalid ones), as mime.ParseMediaType reads it.
func isJSONContentType(ct string) bool {
	if dingtalk.IsUTF8JSONContentType(ct) {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return (err == nil || errors.Is(err, mime.ErrInvalidMediaParameter)) && mt == jsonContentType
}

func checkBodySize(sr *sendRequest) *dingtalk.Rejection {
	if sr.tooLarge {
		sr.fail(stepBodySize, "body is over %d bytes", dingtalk.MaxBodyBytes)
		return dingtalk.Reject(dingtalk.ReasonBodyTooLarge)
	}
	sr.step(stepBodySize, formPass)
	return nil
}

func checkJSON(sr *sendRequest) *dingtalk.Rejection {
	if sr.msg == nil {
		if len(sr.body) == 0 {
			sr.fail(stepJSON, "body is empty")
		} else {
			sr.fail(stepJSON, "body is not a valid JSON object")
		}
		return dingtalk.Reject(dingtalk.ReasonMissingJSON)
	}
	sr.step(stepJSON, formPass)
	return nil
}

func checkIPAllowlist(sr *sendRequest) *dingtalk.Rejection {
	allow := sr.robot.allow
	if len(allow) == 0 {
		sr.step(stepIPAllowlist, formPass)
		return nil
	}
	ip := sr.senderIP()
	if ip.Is4() {
		for _, p := range allow {
			if p.Contains(ip) {
				sr.passWith(stepIPAllowlist, "sender "+ip.String()+" is in "+p.String())
				return nil
			}
		}
	}
	list := strings.Join(sr.robot.robot.IPAllowlist, ", ")
	switch {
	case !ip.IsValid():
		sr.fail(stepIPAllowlist, "sender address %q is not an IP address", sr.remote)
	case !ip.Is4():
		sr.fail(stepIPAllowlist, "sender %s is IPv6, which never matches the allowlist (%s)", ip, list)
	default:
		sr.fail(stepIPAllowlist, "sender %s is not in the allowlist (%s)", ip, list)
	}
	ipText := ""
	if ip.IsValid() {
		ipText = ip.String()
	}
	return &dingtalk.Rejection{Reason: dingtalk.ReasonIPNotAllowed, IP: ipText}
}

func checkSign(sr *sendRequest) *dingtalk.Rejection {
	verifier := sr.robot.verify
	if verifier == nil {
		sr.step(stepSign, formPass)
		return nil
	}
	ts, sign := sr.query.timestamp, sr.query.sign
	switch err := verifier.VerifyBytes(ts, sign, sr.now); {
	case err == nil:
		if len(sr.r.URL.RawQuery) > journal.MaxQueryBytes {
			// The journal keeps only the start of the query: keep the detail.
			sr.passWith(stepSign, signedDetail(ts))
		} else {
			sr.step(stepSign, formAlt)
		}
		return nil
	case errors.Is(err, dingtalk.ErrTimestampExpired):
		sr.fail(stepSign, "timestamp %q is not a millisecond time within ±1h of the fake's clock (%d)", ts, dingtalk.Millis(sr.now))
		return dingtalk.Reject(dingtalk.ReasonTimestampExpired)
	default:
		switch {
		case ts == "" && len(sign) == 0:
			sr.fail(stepSign, "no timestamp and sign parameters, but the robot has a secret")
		case ts == "":
			sr.fail(stepSign, "no timestamp parameter")
		case len(sign) == 0:
			sr.fail(stepSign, "no sign parameter")
		default:
			sr.fail(stepSign, "sign %q does not match the secret for timestamp %s", string(sign), ts)
		}
		return dingtalk.Reject(dingtalk.ReasonSignMismatch)
	}
}

func checkMessage(sr *sendRequest) *dingtalk.Rejection {
	if rej := sr.msg.Validate(); rej != nil {
		sr.fail(stepMessage, rej.Error())
		return rej
	}
	sr.step(stepMessage, formPass)
	return nil
}

func checkKeywords(sr *sendRequest) *dingtalk.Rejection {
	kw := sr.robot.robot.Keywords
	if len(kw) == 0 {
		sr.step(stepKeywords, formPass)
		return nil
	}
	if sr.msg.MissingKeywords(kw) {
		sr.fail(stepKeywords, "none of %q appears in the message's visible text", kw)
		return dingtalk.Reject(dingtalk.ReasonKeywordMissing)
	}
	sr.step(stepKeywords, formAlt)
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
		sr.step(stepMsgUUID, formPass)
	} else if at, dup := st.uuids.get(uuid); dup {
		sr.fail(stepMsgUUID, "msgUuid %q was delivered at %s; acknowledged and not delivered again", uuid, at.Format(time.RFC3339Nano))
		sr.duplicate = true
		return nil
	} else {
		sr.step(stepMsgUUID, formAlt)
	}
	ok, until := st.limit.admit(sr.now, limit)
	if !ok {
		sr.rate = &diagnose.RateLimitInfo{Limit: limit, LockedUntil: until}
		sr.fail(stepRateLimit, "rate limited (%d per minute); locked until %s", limit, until.Format(time.RFC3339Nano))
		return dingtalk.Reject(dingtalk.ReasonRateLimited)
	}
	if limit == 0 {
		sr.step(stepRateLimit, formPass)
	} else {
		sr.trail.A, sr.trail.B = int64(len(st.limit.sent)), int64(limit)
		sr.step(stepRateLimit, formAlt)
	}
	if uuid != "" {
		st.uuids.add(uuid, sr.now)
	}
	return nil
}

// jsonContentTypeValue is the Content-Type header value of every answer,
// shared so that setting it costs no allocation.
var jsonContentTypeValue = []string{jsonContentType}

// answer journals the outcome and writes DingTalk's answer for rej (nil
// means accepted), with the hint in X-Mock-Hint.
func (s *Server) answer(w http.ResponseWriter, sr *sendRequest, rej *dingtalk.Rejection) {
	resp := s.cfg.Dialect.Answer(rej)
	body := resp.AppendJSON(sr.answer[:0])
	reason, hint := dingtalk.ReasonOK, ""
	if rej != nil {
		reason, hint = rej.Reason, s.hint(sr, rej)
	} else {
		sr.warnings = s.warnings(sr)
	}
	s.record(sr, reason, journal.Response{Status: http.StatusOK, ErrCode: resp.ErrCode, ErrMsg: resp.ErrMsg, Body: body}, hint, resp.ErrCode == 0)
	h := w.Header()
	h["Content-Type"] = jsonContentTypeValue
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
// answer always finds the entry. The journal copies what it keeps, so
// resp.Body may be a scratch buffer.
func (s *Server) record(sr *sendRequest, reason dingtalk.Reason, resp journal.Response, hint string, accepted bool) {
	r := sr.r
	delivered := accepted && reason == dingtalk.ReasonOK && !sr.duplicate
	seq := s.journal.Append(journal.Entry{
		Time:        sr.now,
		AccessToken: sr.query.token,
		Method:      r.Method,
		Path:        r.URL.Path,
		RawQuery:    r.URL.RawQuery,
		Header:      r.Header,
		Body:        sr.body,
		RemoteAddr:  sr.remote,
		Accepted:    accepted,
		Delivered:   delivered,
		Duplicate:   sr.duplicate,
		Reason:      reason,
		Response:    resp,
		Hint:        hint,
		Warnings:    sr.warnings,
		Fault:       sr.fault,
		Trail:       sr.trail,
	}).Seq
	if sign := sr.query.sign; len(sign) > 0 {
		rb := sr.robot
		if rb == nil {
			rb = s.robotEntry(sr.query.token)
		}
		if rb != nil {
			rb.state.noteSign(sign, sr.now)
		}
	}
	level := slog.LevelInfo
	if delivered || sr.duplicate {
		level = slog.LevelDebug
	}
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.Uint64("seq", seq),
		slog.String("accessToken", redact.Short(sr.query.token)),
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
		ContentType:     sr.ctype,
		ContentEncoding: sr.r.Header.Get("Content-Encoding"),
		Body:            sr.body,
		Message:         sr.msg,
		AccessToken:     sr.query.token,
		KnownTokens:     s.tokens(),
		Now:             sr.now,
		Rejection:       rej,
		RateLimit:       sr.rate,
	}
	if ip := sr.senderIP(); ip.IsValid() {
		req.RemoteIP = ip.String()
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

// warnings asks package diagnose what an accepted message will do
// differently from what its sender meant. Like hint, a panic there must
// not take the answer down with it.
func (s *Server) warnings(sr *sendRequest) (out []string) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("diagnose.Warnings panicked", "panic", fmt.Sprint(p))
			out = nil
		}
	}()
	return diagnose.Warnings(diagnose.Accepted{Path: sr.r.URL.Path, ContentType: sr.ctype, Body: sr.body, Message: sr.msg})
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
		s.record(sr, reasonFault, journal.Response{Status: http.StatusOK, ErrCode: f.ErrCode, ErrMsg: f.ErrMsg, Body: body}, "", f.ErrCode == 0)
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
		s.record(sr, reasonFault, resp, "", f.Status == http.StatusOK && dt.ErrCode != nil && *dt.ErrCode == 0)
		w.Header().Set("Content-Type", f.ContentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Body)))
		w.Header().Set(faultHeader, f.ID)
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, f.Body)
	case FaultDrop:
		s.record(sr, reasonFault, journal.Response{}, "", false)
		dropConnection(w, sr.r)
	case FaultHang:
		// Journal first, so a test can wait for the hung request to arrive.
		s.record(sr, reasonFault, journal.Response{}, "", false)
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

// readBody reads up to MaxBodyBytes+1 bytes of the body into the pooled
// buffer (the journal copies what it keeps). The result is never nil.
func (sr *sendRequest) readBody(r *http.Request) ([]byte, error) {
	const limit = dingtalk.MaxBodyBytes + 1
	buf := sr.buf
	if buf == nil {
		buf = make([]byte, 0, 512)
	}
	if n := r.ContentLength; n > 0 && n < limit && int(n) >= cap(buf) {
		buf = make([]byte, 0, n+1) // +1: room to see the end without growing
	}
	var err error
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		var k int
		k, err = r.Body.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+k]
		if err != nil {
			break
		}
	}
	if err == io.EOF {
		err = nil
	}
	sr.buf = buf
	return buf, err
}
