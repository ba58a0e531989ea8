// A differential fuzz target for signing: the allocation-free HMAC-SHA256
// behind Sign, SignString and Verify, and a Verifier's precomputed one,
// must give exactly what crypto/hmac gives, for every secret length
// (shorter, equal to and longer than the 64-byte block) and every
// timestamp.

package dingtalk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func referenceSign(secret, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func FuzzSignMatchesCryptoHMAC(f *testing.F) {
	f.Add("this is secret", "1577262236757")
	f.Add("SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc", "1600000000000")
	f.Add("", "")
	f.Add(strings.Repeat("k", 64), "1")
	f.Add(strings.Repeat("k", 65), "1")
	f.Add(strings.Repeat("s", 300), strings.Repeat("9", 300))
	f.Fuzz(func(t *testing.T, secret, timestamp string) {
		want := referenceSign(secret, timestamp)
		if got := SignString(secret, timestamp); got != want {
			t.Fatalf("SignString(%q, %q) = %q, crypto/hmac gives %q", secret, timestamp, got, want)
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(timestamp))
		if got := HMACSHA256(secret, timestamp); !hmac.Equal(got[:], mac.Sum(nil)) {
			t.Fatalf("HMACSHA256(%q, %q) differs from crypto/hmac", secret, timestamp)
		}
		now := time.UnixMilli(1600000000000)
		verifier := NewVerifier(secret)
		if Verify(secret, "1600000000000", referenceSign(secret, "1600000000000"), now) != nil ||
			verifier.Verify("1600000000000", referenceSign(secret, "1600000000000"), now) != nil {
			t.Fatalf("Verify or a Verifier refused crypto/hmac's sign for secret %q", secret)
		}
		for _, sign := range []string{want, want, "x" + want[1:], ""} { // a pooled signer from the second on
			ref := Verify(secret, timestamp, sign, now)
			if got := verifier.Verify(timestamp, sign, now); got != ref {
				t.Fatalf("Verifier(%q).Verify(%q, %q) = %v, Verify gives %v", secret, timestamp, sign, got, ref)
			}
			if got := verifier.VerifyBytes(timestamp, []byte(sign), now); got != ref {
				t.Fatalf("Verifier(%q).VerifyBytes(%q, %q) = %v, Verify gives %v", secret, timestamp, sign, got, ref)
			}
		}
	})
}
