// Package diagnose explains why the fake robot rejected a request, in plain
// language, by re-checking the request under each common client mistake.
package diagnose

import (
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// Request is everything the fake knows about a rejected request.
type Request struct {
	Method, RawQuery, ContentType, RemoteIP string
	Body                                    []byte
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
	// robot; it may be nil.
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

// Hint returns a plain-language explanation of the most likely client
// mistake behind req's rejection. It is never empty for a rejection.
func Hint(req Request) string {
	if req.Rejection == nil {
		return ""
	}
	return "DingTalk rejected the request: " + req.Rejection.Error() + "."
}
