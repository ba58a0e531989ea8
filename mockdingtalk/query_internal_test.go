// Differential fuzz target (inside the package): sendQuery.parse reads
// access_token, timestamp and sign exactly as url.ParseQuery does, for any
// raw query — escapes broken or not, ';' separators, repeated and empty
// keys, keys spelled with escapes.

package mockdingtalk

import (
	"net/url"
	"strings"
	"testing"
)

func FuzzSendQueryMatchesParseQuery(f *testing.F) {
	for _, seed := range []string{
		"access_token=t&timestamp=1&sign=a%2Bb%3D",
		"access_token=&access_token=x", "access%5Ftoken=t", "sign=a+b", "sign=%zz&sign=ok",
		"a=1;access_token=t&access_token=u", "&&access_token", "timestamp=%", "=x&sign",
		strings.Repeat("&", 1200) + "access_token=t",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var got sendQuery
		got.parse("access_token=old&timestamp=1&sign=old") // parse replaces what the query held
		got.parse(raw)
		values, _ := url.ParseQuery(raw)
		for _, p := range []struct {
			key     string
			v       string
			present bool
		}{{"access_token", got.token, got.hasToken}, {"timestamp", got.timestamp, got.hasTimestamp}, {"sign", string(got.sign), got.hasSign}} {
			want, ok := first(values, p.key)
			if p.v != want || p.present != ok {
				t.Fatalf("%q: %s = %q (present %v), url.ParseQuery %q (present %v)", raw, p.key, p.v, p.present, want, ok)
			}
		}
	})
}
