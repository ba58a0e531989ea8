// The hint's entry point: Request, the robot and rate-limit facts a hint is
// worked out from, and Hint, which picks the one explanation for the
// rejection the fake gave (the checks themselves are in the other files, one
// per family).

package diagnose

import (
	"fmt"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// Request is everything the fake knows about a rejected request.
type Request struct {
	// Path is the request path as received (URL-decoded, not cleaned).
	Path                                    string
	Method, RawQuery, ContentType, RemoteIP string
	// ContentEncoding is the Content-Encoding header as sent.
	ContentEncoding string
	Body            []byte
	// Message is the parsed body; nil if it did not parse.
	Message *dingtalk.Message
	// AccessToken is the first access_token value as decoded.
	AccessToken string
	// Robot is the robot the token names; nil when the token is unknown.
	Robot *Robot
	// KnownTokens are the access tokens of all robots.
	KnownTokens []string
	// Now is the fake's clock.
	Now time.Time
	// Rejection is why the request was rejected; never nil when Hint is called.
	Rejection *dingtalk.Rejection
	// SeenSign says when this exact sign was first received for this
	// robot; it may be nil. A first time equal to Now (the current request
	// recorded before Hint ran) does not count as seen before.
	SeenSign func(sign string) (first time.Time, ok bool)
	// RateLimit is set when the reason is rate_limited.
	RateLimit *RateLimitInfo
}

// Robot is the part of a robot's settings the diagnosis needs.
type Robot struct {
	AccessToken, Secret   string
	Keywords, IPAllowlist []string
}

// RateLimitInfo describes the rate limit a robot hit.
type RateLimitInfo struct {
	// Limit is the number of messages allowed per minute.
	Limit int
	// LockedUntil is when the robot may send again.
	LockedUntil time.Time
}

// Hint returns a plain-language explanation, in English, of the most likely
// client mistake behind req's rejection: one or two sentences. Values taken
// from the request (tokens, keywords, content types) are quoted with Go
// syntax, so control characters never reach a log line or header; secrets
// are masked. It returns "" only when req.Rejection is nil or ok, and never
// panics on any input.
func Hint(req Request) string {
	h := hint(req)
	switch r := req.Rejection; {
	case r == nil:
	case r.Reason == dingtalk.ReasonMissingJSON, r.Reason == dingtalk.ReasonMissingParam,
		r.Reason == dingtalk.ReasonUnsupportedMsgType, r.Reason == dingtalk.ReasonKeywordMissing:
		// Whatever check failed, a body not in UTF-8 is worth saying.
		if !strings.Contains(h, "UTF-8") {
			h += encodingNote(req)
		}
	}
	// A client may send the secret itself (as the sign, a parameter or in
	// the body); hints quote what was sent, so mask it wherever it appears.
	if req.Robot != nil && req.Robot.Secret != "" && strings.Contains(h, req.Robot.Secret) {
		h = strings.ReplaceAll(h, req.Robot.Secret, maskSecret(req.Robot.Secret))
	}
	return h
}

func hint(req Request) string {
	rej := req.Rejection
	if rej == nil || rej.Reason == dingtalk.ReasonOK {
		return ""
	}
	q := parseQuery(req.RawQuery)
	switch rej.Reason {
	case dingtalk.ReasonUnknownPath:
		return hintPath(req)
	case dingtalk.ReasonNotPost:
		return hintNotPost(req)
	case dingtalk.ReasonMissingToken:
		return hintMissingToken(req, q)
	case dingtalk.ReasonTokenNotExist:
		return hintUnknownToken(req)
	case dingtalk.ReasonRobotDisabled:
		return fmt.Sprintf("The robot with access_token %s is disabled in the fake (disabled: true), as a robot switched off in DingTalk's group settings; re-enable it with PUT /_mock/robots/{accessToken} or in the config file.", shortToken(req.AccessToken))
	case dingtalk.ReasonBadContentType:
		return hintContentType(req)
	case dingtalk.ReasonBodyTooLarge:
		return hintBodyTooLarge(req)
	case dingtalk.ReasonMissingJSON:
		if h := hintCompressed(req); h != "" {
			return h
		}
		return hintBadJSON(req)
	case dingtalk.ReasonIPNotAllowed:
		return hintIP(req)
	case dingtalk.ReasonSignMismatch, dingtalk.ReasonTimestampExpired:
		return hintSign(req, q)
	case dingtalk.ReasonUnsupportedMsgType:
		return hintMsgType(req)
	case dingtalk.ReasonMissingParam:
		return hintMissingParam(req)
	case dingtalk.ReasonKeywordMissing:
		return hintKeywords(req)
	case dingtalk.ReasonRateLimited:
		return hintRateLimit(req)
	case dingtalk.ReasonSystemBusy, dingtalk.ReasonSystemError:
		return "DingTalk answered with a server-side error (an injected fault or a simulated outage), not a problem with the request; retry later with backoff."
	}
	return fmt.Sprintf("DingTalk rejected the request (%s); check the errcode and errmsg in the answer.", quote(string(rej.Reason)))
}

func hintNotPost(req Request) string {
	m := req.Method
	if m == "" {
		m = "GET"
	}
	extra := ""
	if m == "GET" {
		extra = " (opening the webhook URL in a browser sends GET)"
	}
	return fmt.Sprintf("DingTalk only accepts POST for /robot/send, but this request used %s%s; POST the JSON message with Content-Type: application/json.", quote(m), extra)
}

// hintPath explains errcode 404 for a path under /robot that is not the
// send API. What DingTalk answers for these exact paths is unconfirmed;
// the hint says so.
func hintPath(req Request) string {
	p := req.Path
	merged := p
	for strings.Contains(merged, "//") {
		merged = strings.ReplaceAll(merged, "//", "/")
	}
	const choice = " (DingTalk's answer for this exact path is unconfirmed; the fake answers as oapi.dingtalk.com does for a path it does not serve: HTTP 200, errcode 404.)"
	switch {
	case strings.TrimRight(merged, "/") == "/robot/send":
		return fmt.Sprintf("The path %s ends in '/', but the send API is /robot/send with no trailing slash; remove the '/' before '?' in the webhook URL.%s", quote(p), choice)
	case strings.EqualFold(strings.TrimRight(merged, "/"), "/robot/send"):
		return fmt.Sprintf("The path %s is not /robot/send: paths are case-sensitive; use the lower-case /robot/send.%s", quote(p), choice)
	case strings.HasPrefix(merged, "/robot/send"):
		return fmt.Sprintf("The path %s has something after /robot/send (a '?' written as another character, or a path appended to the webhook URL?); the send API is exactly /robot/send?access_token=...%s", quote(p), choice)
	}
	return fmt.Sprintf("The path %s is not DingTalk's robot send API; POST to /robot/send?access_token=<token>.%s", quote(p), choice)
}

func hintRateLimit(req Request) string {
	rl := req.RateLimit
	if rl == nil {
		return "The robot is rate limited: DingTalk allows 20 messages per minute per robot and then blocks it for 10 minutes; batch messages or throttle the sender."
	}
	until := ""
	if !rl.LockedUntil.IsZero() {
		until = fmt.Sprintf(" until %s (%s from now)", rl.LockedUntil.UTC().Format(time.RFC3339), duration(rl.LockedUntil.Sub(req.Now)))
	}
	return fmt.Sprintf("The robot sent more than %d messages within a minute, so it is blocked%s; DingTalk answers every send with this error during the 10-minute lock, so batch messages or throttle the sender.", rl.Limit, until)
}
