// Package flatjson reads and writes flat JSON objects — string keys with
// string, number, boolean or null values, such as DingTalk's
// {"errcode":0,"errmsg":"ok"} — without reflection, for the SNS
// test-connection's hot path, which decodes the webhook's answer and writes
// it back inside its own. Each function handles only the plain cases and
// says so (ok false) for anything else, so the caller falls back to
// encoding/json; within those cases the results are exactly
// encoding/json's (a json.Decoder with UseNumber, an Encoder with
// SetEscapeHTML(false)), which the fuzz targets check.
package flatjson

import (
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// DecodeObject decodes data, a JSON object whose values are strings,
// numbers (as json.Number), booleans or null, into a map, as a
// json.Decoder with UseNumber would, followed by nothing but white space.
// ok is false for anything else: a nested value, a string with an escape,
// a control character or invalid UTF-8, malformed JSON. The common keys and
// values of DingTalk's answers are not allocated.
func DecodeObject(data []byte) (obj map[string]any, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	obj = make(map[string]any, 2)
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return obj, skipSpace(data, i+1) == len(data)
	}
	for {
		key, next, ok := plainString(data, i)
		if !ok {
			return nil, false
		}
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return nil, false
		}
		i = skipSpace(data, i+1)
		var v any
		if v, i, ok = value(data, i); !ok {
			return nil, false
		}
		obj[intern(key)] = v
		i = skipSpace(data, i)
		if i >= len(data) {
			return nil, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return obj, skipSpace(data, i+1) == len(data)
		default:
			return nil, false
		}
	}
}

// value reads one scalar value at data[i:].
func value(data []byte, i int) (v any, next int, ok bool) {
	if i >= len(data) {
		return nil, i, false
	}
	switch c := data[i]; {
	case c == '"':
		s, next, ok := plainString(data, i)
		if !ok {
			return nil, i, false
		}
		return internValue(s), next, true
	case c == '-' || '0' <= c && c <= '9':
		end := i + numberLen(data[i:])
		if end == i {
			return nil, i, false
		}
		return internNumber(data[i:end]), end, true
	case hasWord(data, i, "true"):
		return true, i + 4, true
	case hasWord(data, i, "false"):
		return false, i + 5, true
	case hasWord(data, i, "null"):
		return nil, i + 4, true
	}
	return nil, i, false
}

func hasWord(data []byte, i int, w string) bool {
	return len(data)-i >= len(w) && string(data[i:i+len(w)]) == w
}

// plainString reads a string at data[i:] that has no escape, no control
// character and only valid UTF-8, so that its JSON text is its value; it
// returns the value's bytes (aliasing data) and the index after it.
func plainString(data []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			s = data[i+1 : j]
			return s, j + 1, utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, i, false
		}
	}
	return nil, i, false
}

// numberLen is the length of the JSON number at the start of b (RFC 8259's
// grammar), 0 when there is none.
func numberLen[T string | []byte](b T) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == start {
			return 0
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == start {
			return 0
		}
	}
	return i
}

// The keys and values of DingTalk's usual answers, kept so that decoding
// them allocates nothing but the map.
var (
	numberZero any = json.Number("0")
	valueOK    any = "ok"
)

func intern(b []byte) string {
	switch string(b) { // no allocation: the compiler compares in place
	case "errcode":
		return "errcode"
	case "errmsg":
		return "errmsg"
	}
	return string(b)
}

func internValue(b []byte) any {
	if string(b) == "ok" {
		return valueOK
	}
	return string(b)
}

func internNumber(b []byte) any {
	if string(b) == "0" {
		return numberZero
	}
	return json.Number(b)
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// AppendObject appends m as encoding/json writes it without HTML escaping:
// keys sorted, no white space, null for a nil map. ok is false (and dst
// is returned unchanged) when a value is not a string, json.Number,
// boolean or nil, or a key or string needs escaping, or a number is not
// valid JSON; the caller then encodes m with encoding/json.
func AppendObject(dst []byte, m map[string]any) (out []byte, ok bool) {
	if m == nil {
		return append(dst, "null"...), true
	}
	var stack [8]string
	keys := stack[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		if !plain(k) {
			return dst, false
		}
		out = append(append(append(out, '"'), k...), '"', ':')
		switch v := m[k].(type) {
		case string:
			if !plain(v) {
				return dst, false
			}
			out = append(append(append(out, '"'), v...), '"')
		case json.Number:
			if v == "" || numberLen(string(v)) != len(v) {
				return dst, false
			}
			out = append(out, v...)
		case bool:
			if v {
				out = append(out, "true"...)
			} else {
				out = append(out, "false"...)
			}
		case nil:
			out = append(out, "null"...)
		default:
			return dst, false
		}
	}
	return append(out, '}'), true
}

// plain reports whether s is written as itself inside JSON quotes by
// encoding/json without HTML escaping: no '"', '\\', control character,
// invalid UTF-8, U+2028 or U+2029.
func plain(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}
