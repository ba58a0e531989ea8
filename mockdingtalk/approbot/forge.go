// How the fake signs a callback, and how it forges one on request
// (Utterance.Forge): a wrong sign, a stale timestamp or no signature at
// all, so a test can check that a bot refuses what DingTalk never sends.

package approbot

import (
	"net/http"
	"strconv"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// Forgery is a way to forge a callback.
type Forgery string

// Forgeries.
const (
	// ForgeSign signs with a secret that is not the app's.
	ForgeSign Forgery = "sign"
	// ForgeStaleTimestamp stamps the callback two hours before the fake's
	// clock (DingTalk's docs tell bots to refuse more than one hour), and
	// signs that timestamp correctly.
	ForgeStaleTimestamp Forgery = "timestamp"
	// ForgeUnsigned sends neither timestamp nor sign.
	ForgeUnsigned Forgery = "unsigned"
)

// StaleBy is how far before the fake's clock ForgeStaleTimestamp stamps a
// callback.
const StaleBy = 2 * time.Hour

func (f Forgery) check() error {
	switch f {
	case "", ForgeSign, ForgeStaleTimestamp, ForgeUnsigned:
		return nil
	}
	return invalid("forge", "%q is not a forgery (want %q, %q or %q)", string(f), ForgeSign, ForgeStaleTimestamp, ForgeUnsigned)
}

// signCallback sets the timestamp and sign headers as DingTalk does:
// timestamp in ms, sign = base64(HMAC-SHA256(appSecret, timestamp + "\n" +
// appSecret)), not URL-encoded; or forged as f says.
func signCallback(h http.Header, secret string, now time.Time, f Forgery) {
	switch f {
	case ForgeUnsigned:
		return
	case ForgeStaleTimestamp:
		now = now.Add(-StaleBy)
	case ForgeSign:
		secret = "not-" + secret
	}
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	h.Set("timestamp", ts)
	h.Set("sign", dingtalk.SignString(secret, ts))
}
