// Signing ("加签") as DingTalk documents it: HMAC-SHA256 keyed by the whole
// SEC… secret over timestamp + "\n" + secret, standard base64, URL-encoded
// once into the query. Sign, SignURL and SignQuery are used by senders; Verify by the fake.

package dingtalk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"strconv"
	"strings"
	"sync"
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
	var sign [signLen]byte
	appendSign(sign[:0], secret, timestamp)
	return string(sign[:])
}

// signLen is the length of a sign: standard base64 of a SHA-256 sum.
const signLen = 44

// appendSign appends the base64 sign of timestamp for secret to dst.
func appendSign(dst []byte, secret, timestamp string) []byte {
	sum := hmacSHA256(secret, timestamp, "\n", secret)
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// HMACSHA256 returns the HMAC-SHA256 digest of message keyed by key: the
// primitive Sign is built on, exported so that the fake can re-sign the
// strings clients sign by mistake (a trailing newline, the timestamp
// alone) with the same code that verifies.
func HMACSHA256(key, message string) [sha256.Size]byte {
	return hmacSHA256(key, message, "", "")
}

// hmacSHA256 is HMAC-SHA256 (RFC 2104) keyed by key over a + b + c,
// written out over sha256.Sum256 and stack buffers, because crypto/hmac
// allocates two digests and their pads on every call and the fake
// verifies a sign on every request. The FuzzSignMatchesCryptoHMAC target
// checks it against crypto/hmac.
func hmacSHA256(key, a, b, c string) [sha256.Size]byte {
	const blockSize = 64 // SHA-256's block size
	var (
		k   [blockSize]byte
		buf [256]byte // holds the inner message unless it is unusually long
	)
	if len(key) > blockSize {
		sum := sha256.Sum256(append(buf[:0], key...))
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	// inner = H((key ^ ipad) || a || b || c)
	msg := buf[:blockSize]
	for i, x := range k {
		msg[i] = x ^ 0x36
	}
	msg = append(msg, a...)
	msg = append(msg, b...)
	msg = append(msg, c...)
	inner := sha256.Sum256(msg)
	// outer = H((key ^ opad) || inner)
	var outer [blockSize + sha256.Size]byte
	for i, x := range k {
		outer[i] = x ^ 0x5c
	}
	copy(outer[blockSize:], inner[:])
	return sha256.Sum256(outer[:])
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
	u.RawQuery = SignQuery(u.RawQuery, secret, now)
	u.ForceQuery = false
	return u.String(), nil
}

// SignQuery returns rawQuery with fresh timestamp and sign parameters for
// the given secret and time, as SignURL puts them in a webhook URL's query:
// the other parameters keep their order, any timestamp or sign parameter
// is dropped, and the sign is URL-encoded once. It allocates only the
// result, for senders that already hold the parsed URL.
func SignQuery(rawQuery, secret string, now time.Time) string {
	var stack [256]byte
	q := stack[:0]
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "=")
		if key, err := url.QueryUnescape(name); err == nil && (key == "timestamp" || key == "sign") {
			continue
		}
		q = append(append(q, part...), '&')
	}
	q = append(q, "timestamp="...)
	tsStart := len(q)
	q = strconv.AppendInt(q, Millis(now), 10)
	var sign [signLen]byte
	sum := appendSign(sign[:0], secret, string(q[tsStart:]))
	q = append(q, "&sign="...)
	for _, c := range sum {
		// Standard base64 needs escaping only for '+', '/' and '=', which
		// url.QueryEscape writes as %2B, %2F and %3D.
		switch c {
		case '+', '/', '=':
			q = append(q, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
		default:
			q = append(q, c)
		}
	}
	return string(q)
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
	if err := checkTimestamp(timestamp, len(sign) == 0, now); err != nil {
		return err
	}
	var want [signLen]byte
	return matchSign(appendSign(want[:0], secret, timestamp), sign)
}

// checkTimestamp is Verify's check of everything but the sign itself.
func checkTimestamp(timestamp string, noSign bool, now time.Time) error {
	if timestamp == "" || noSign {
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
	return nil
}

// matchSign compares the expected sign with the one received.
func matchSign[S string | []byte](want []byte, sign S) error {
	if !equalConstantTime(want, sign) {
		return ErrSignMismatch
	}
	return nil
}

// A Verifier is Verify for one secret, for a server that checks many
// requests signed with it: the HMAC key's inner and outer states are
// computed once (crypto/hmac keeps them after its first Reset), so a check
// hashes three SHA-256 blocks instead of five. Safe for concurrent use.
type Verifier struct {
	secret  string
	signers sync.Pool // of *signer, each keyed by secret
}

// signer is one HMAC state for a Verifier's secret, with scratch space
// for the message and the sum so that a check allocates nothing.
type signer struct {
	mac hash.Hash
	msg []byte
	sum [sha256.Size]byte
}

// maxPooledMessage is the largest message buffer a pooled signer keeps (a
// timestamp may carry any number of leading zeros).
const maxPooledMessage = 1 << 10

// NewVerifier returns a Verifier for secret.
func NewVerifier(secret string) *Verifier {
	v := &Verifier{secret: secret}
	v.signers.New = func() any {
		return &signer{mac: hmac.New(sha256.New, []byte(secret))}
	}
	return v
}

// Verify is the package's Verify for the Verifier's secret: the same
// answers for the same timestamp, sign and time.
func (v *Verifier) Verify(timestamp, sign string, now time.Time) error {
	return verifyWith(v, timestamp, sign, now)
}

// VerifyBytes is Verify for a sign held in bytes: a server that decodes
// the query's sign into a buffer of its own checks it without making a
// string of it on every request.
func (v *Verifier) VerifyBytes(timestamp string, sign []byte, now time.Time) error {
	return verifyWith(v, timestamp, sign, now)
}

// verifyWith is Verify and VerifyBytes.
func verifyWith[S string | []byte](v *Verifier, timestamp string, sign S, now time.Time) error {
	if err := checkTimestamp(timestamp, len(sign) == 0, now); err != nil {
		return err
	}
	s := v.signers.Get().(*signer)
	defer func() {
		if cap(s.msg) <= maxPooledMessage {
			v.signers.Put(s)
		}
	}()
	s.mac.Reset()
	s.msg = append(append(append(s.msg[:0], timestamp...), '\n'), v.secret...)
	s.mac.Write(s.msg)
	var want [signLen]byte
	return matchSign(base64.StdEncoding.AppendEncode(want[:0], s.mac.Sum(s.sum[:0])), sign)
}

// equalConstantTime reports whether a and b hold the same bytes, in time
// that depends only on their lengths (as hmac.Equal, without converting b).
func equalConstantTime[S string | []byte](a []byte, b S) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := range a {
		v |= a[i] ^ b[i]
	}
	return v == 0
}
