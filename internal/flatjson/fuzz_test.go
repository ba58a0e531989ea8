// Differential fuzz targets: DecodeObject against a json.Decoder with
// UseNumber, AppendObject against an Encoder without HTML escaping.
// Run with: go test -run='^$' -fuzz=FuzzDecodeObject ./internal/flatjson/
// (and -fuzz=FuzzAppendObject).

package flatjson

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"testing"
)

var seeds = []string{
	`{"errcode":0,"errmsg":"ok"}`, `{"errcode":310000,"errmsg":"sign not match, more: [https://x]"}`,
	`{}`, ` { "a" : 1.5e-3 , "b" : true, "c": null, "d": false } `, `{"a":"x","a":"y"}`, `{"a":{"b":1}}`,
	`{"a":"\u2028"}`, "{\"a\":\"\u2028<&>\"}", `{"a":"\n"}`, `{"a":-0}`, `{"a":01}`, `{"a":1.}`, `{"a":1e}`,
	`{"a":1}x`, `{"a":1,}`, `{"a":[1]}`, "{\"a\":\"\xff\"}", `{"é":"ü"}`, `null`, `[]`, `{"a":1} {}`,
}

// reference decodes as webhook's decodeObject does without the fast path.
func reference(data []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if dec.Decode(&obj) != nil || obj == nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return obj, true
}

func FuzzDecodeObject(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := DecodeObject(data)
		if !ok {
			if string(data) == seeds[0] || string(data) == seeds[3] {
				t.Fatalf("%q: a flat object must take the fast path", data)
			}
			return // the caller falls back to encoding/json
		}
		want, wantOK := reference(data)
		if !wantOK || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: DecodeObject gave %#v, encoding/json %#v (ok %v)", data, got, want, wantOK)
		}
	})
}

func FuzzAppendObject(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, ok := reference(data)
		if !ok {
			return
		}
		got, ok := AppendObject([]byte("prefix"), m)
		if !ok {
			if string(data) == seeds[0] {
				t.Fatalf("%q: DingTalk's usual answer must take the fast path", data)
			}
			if string(got) != "prefix" {
				t.Fatalf("%q: a refusal changed dst to %q", data, got)
			}
			return
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			t.Fatalf("%q: AppendObject wrote %q, encoding/json failed: %v", data, got, err)
		}
		if want := "prefix" + string(bytes.TrimRight(buf.Bytes(), "\n")); string(got) != want {
			t.Fatalf("%q: AppendObject wrote %q, encoding/json %q", data, got, want)
		}
	})
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"ok", "a\"b\\c", "\b\f\n\r\t\x00\x1f\x7f", "<a&b>", "\u2028\u2029", "\xff\xfe", "é关键词", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		html, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString(nil, s, true); string(got) != string(html) {
			t.Fatalf("%q: AppendString wrote %s, json.Marshal %s", s, got, html)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got, want := AppendString(nil, s, false), bytes.TrimRight(buf.Bytes(), "\n"); string(got) != string(want) {
			t.Fatalf("%q: AppendString without HTML escaping wrote %s, encoding/json %s", s, got, want)
		}
	})
}
