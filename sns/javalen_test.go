// Fuzz target for javaLen, the length check's Java String.length(): the
// count without conversion must equal UTF-16's for any string, valid UTF-8
// or not. Run with: go test -run='^$' -fuzz=FuzzJavaLen ./sns/

package sns

import (
	"testing"
	"unicode/utf16"
)

func FuzzJavaLen(f *testing.F) {
	for _, s := range []string{"", "abc", "钉钉", "😀a", "\xff\xfe", "a\xed\xa0\x80b", "\U0010FFFF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := javaLen(s), len(utf16.Encode([]rune(s))); got != want {
			t.Fatalf("javaLen(%q) = %d, UTF-16 has %d units", s, got, want)
		}
	})
}
