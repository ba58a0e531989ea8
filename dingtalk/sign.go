// Signing ("加签") as DingTalk documents it: HMAC-SHA256 keyed by the whole
// SEC… secret over timestamp + "\n" + secret, standard base64, URL-encoded
// once into the query. Sign and SignURL are used by senders; Verify by the fake.
package dingtalk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxClockSkew is how far a signed request's timestamp may be from the
// server's clock, in either direction ("误差不能超过1小时").
const MaxClockSkew = time.Hour

// Sign returns the standard-base64 HMAC-SHA256 signature of
// timestampMillis + "\n" + secret, keyed by secret. The result is not
// URL-encoded; SignURL encodes it for the query.
func Sign(secret string, timestampMillis int64) string {
	return SignString(secret, strconv.FormatInt(timestampMillis, 10))
}

// SignString is Sign for a timestamp already formatted as the client sent it.
// The fake uses it to re-check a request exactly as received.
func SignString(secret, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'\n'})
	mac.Write([]byte(secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Millis returns t as milliseconds since the Unix epoch, the unit DingTalk's
// timestamp parameter uses.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// SignURL returns webhook with fresh timestamp and sign query parameters for
// the given secret and time. Any timestamp or sign parameters already in the
// URL are replaced rather than duplicated, the other parameters keep their
// order, and the signature is URL-encoded exactly once. An empty secret
// returns webhook unchanged.
func SignURL(webhook, secret string, now time.Time) (string, error) {
	if secret == "" {
		return webhook, nil
	}
	u, err := url.Parse(webhook)
	if err != nil {
		return "", fmt.Errorf("dingtalk: parse webhook url: %w", err)
	}
	ts := Millis(now)
	var kept []string
	for _, part := range strings.Split(u.RawQuery, "&") {
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "=")
		if key, err := url.QueryUnescape(name); err == nil && (key == "timestamp" || key == "sign") {
			continue
		}
		kept = append(kept, part)
	}
	kept = append(kept,
		"timestamp="+strconv.FormatInt(ts, 10),
		"sign="+url.QueryEscape(Sign(secret, ts)))
	u.RawQuery = strings.Join(kept, "&")
	u.ForceQuery = false
	return u.String(), nil
}

// Errors returned by Verify. They map to errcode 310000 with the
// ReasonSignMismatch and ReasonTimestampExpired texts.
var (
	// ErrSignMismatch: the sign is missing or does not match the secret.
	ErrSignMismatch = errors.New("sign does not match")
	// ErrTimestampExpired: the timestamp is not a millisecond time within
	// MaxClockSkew of the server's clock.
	ErrTimestampExpired = errors.New("timestamp outside the allowed window")
)

// Verify checks a request's timestamp and sign query values (already
// URL-decoded once, as a server reads them) against secret at server time
// now. A missing timestamp counts as a sign mismatch, as DingTalk answers it;
// a timestamp that is present but unparseable or more than MaxClockSkew away
// from now is ErrTimestampExpired. The comparison is constant-time.
func Verify(secret, timestamp, sign string, now time.Time) error {
	if timestamp == "" || sign == "" {
		return ErrSignMismatch
	}
	ms, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrTimestampExpired
	}
	nowMs, window := Millis(now), MaxClockSkew.Milliseconds()
	if ms < nowMs-window || ms > nowMs+window {
		return ErrTimestampExpired
	}
	if !hmac.Equal([]byte(SignString(secret, timestamp)), []byte(sign)) {
		return ErrSignMismatch
	}
	return nil
}
