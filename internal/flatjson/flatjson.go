// Package flatjson reads and writes JSON without reflection for the SNS
// test-connection's hot path: flat objects — string keys with string,
// number, boolean or null values, such as DingTalk's
// {"errcode":0,"errmsg":"ok"} — read whole or token by token (Scanner),
// and strings and flat objects written. The readers handle only the plain
// cases and say so (ok false) for anything else, so the caller falls back
// to encoding/json; within those cases the results, and everything the
// writers write, are exactly encoding/json's (a json.Decoder with
// UseNumber; json.Marshal, or an Encoder with SetEscapeHTML(false)), which
// the fuzz targets check.
package flatjson

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// DecodeObject decodes data, a JSON object whose values are strings,
// numbers (as json.Number), booleans or null, into a map, as a
// json.Decoder with UseNumber would, followed by nothing but white space.
// ok is false for anything else: a nested value, a string with an escape,
// a control character or invalid UTF-8, malformed JSON. The common keys and
// values of DingTalk's answers are not allocated.
func DecodeObject(data []byte) (obj map[string]any, ok bool) {
	sc := NewScanner(data)
	if !sc.Open() {
		return nil, false
	}
	obj = make(map[string]any, 2)
	for more := !sc.Close(); more; {
		key, ok := sc.Key()
		if !ok {
			return nil, false
		}
		v, ok := sc.Scalar()
		if !ok {
			return nil, false
		}
		obj[intern(key)] = v
		if more, ok = sc.Next(); !ok {
			return nil, false
		}
	}
	return obj, sc.End()
}

// Scanner reads the plain parts of a JSON text token by token, for
// decoders of one fixed shape written by hand. Each method reads one thing
// and reports false, having consumed nothing but white space, when the
// text holds anything else there, including anything outside the plain
// cases (see DecodeObject); the caller then decodes the whole text with
// encoding/json.
type Scanner struct {
	data []byte
	i    int
}

// NewScanner returns a Scanner at the start of data.
func NewScanner(data []byte) Scanner { return Scanner{data: data} }

// at skips white space and reports whether the next byte is c.
func (s *Scanner) at(c byte) bool {
	s.i = skipSpace(s.data, s.i)
	return s.i < len(s.data) && s.data[s.i] == c
}

// Open reads the '{' that starts an object.
func (s *Scanner) Open() bool { return s.take('{') }

// Close reads the '}' of an empty object, right after Open.
func (s *Scanner) Close() bool { return s.take('}') }

func (s *Scanner) take(c byte) bool {
	if !s.at(c) {
		return false
	}
	s.i++
	return true
}

// Key reads a member's key, a plain string, and the ':' after it.
func (s *Scanner) Key() (key []byte, ok bool) {
	save := s.i
	if key, ok = s.String(); !ok || !s.take(':') {
		s.i = save
		return nil, false
	}
	return key, true
}

// Next reads what follows a member: ',' (more is true) or the object's
// '}' (more is false).
func (s *Scanner) Next() (more, ok bool) {
	switch {
	case s.take(','):
		return true, true
	case s.take('}'):
		return false, true
	}
	return false, false
}

// End reports whether nothing but white space is left.
func (s *Scanner) End() bool { return skipSpace(s.data, s.i) == len(s.data) }

// String reads a plain string: no escape, no control character, valid
// UTF-8, so that its JSON text is its value. The bytes alias the data.
func (s *Scanner) String() ([]byte, bool) {
	start, end, ok := s.StringSpan()
	return s.data[start:end], ok
}

// StringSpan is String for a caller that slices the value out of its own
// copy of the data: the value is data[start:end].
func (s *Scanner) StringSpan() (start, end int, ok bool) {
	if !s.at('"') {
		return 0, 0, false
	}
	for j := s.i + 1; j < len(s.data); j++ {
		switch c := s.data[j]; {
		case c == '"':
			if !utf8.Valid(s.data[s.i+1 : j]) {
				return 0, 0, false
			}
			start, s.i = s.i+1, j+1
			return start, j, true
		case c == '\\' || c < 0x20:
			return 0, 0, false
		}
	}
	return 0, 0, false
}

// Bool reads true or false.
func (s *Scanner) Bool() (v, ok bool) {
	switch {
	case s.word("true"):
		return true, true
	case s.word("false"):
		return false, true
	}
	return false, false
}

func (s *Scanner) word(w string) bool {
	s.i = skipSpace(s.data, s.i)
	if len(s.data)-s.i >= len(w) && string(s.data[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return true
	}
	return false
}

// Scalar reads a plain string, a number (as json.Number), a boolean or
// null, as encoding/json decodes it into an interface with UseNumber.
func (s *Scanner) Scalar() (v any, ok bool) {
	if s.at('"') {
		b, ok := s.String()
		if !ok {
			return nil, false
		}
		return internValue(b), true
	}
	if s.i < len(s.data) && (s.data[s.i] == '-' || '0' <= s.data[s.i] && s.data[s.i] <= '9') {
		n := numberLen(s.data[s.i:])
		if n == 0 {
			return nil, false
		}
		s.i += n
		return internNumber(s.data[s.i-n : s.i]), true
	}
	if b, ok := s.Bool(); ok {
		return b, true
	}
	if s.word("null") {
		return nil, true
	}
	return nil, false
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
// boolean or nil, or a number is not valid JSON; the caller then encodes m
// with encoding/json.
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
		out = append(AppendString(out, k, false), ':')
		switch v := m[k].(type) {
		case string:
			out = AppendString(out, v, false)
		case json.Number:
			if v == "" || numberLen(string(v)) != len(v) {
				return dst, false
			}
			out = append(out, v...)
		case bool:
			out = strconv.AppendBool(out, v)
		case nil:
			out = append(out, "null"...)
		default:
			return dst, false
		}
	}
	return append(out, '}'), true
}

// AppendString appends s as a JSON string exactly as encoding/json writes
// it: '"' and '\\' escaped, control characters as \n, \r, \t, \b, \f or
// \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 as \u2028 and
// \u2029, and with escapeHTML (json.Marshal's default) '<', '>' and '&' as
// \u003c, \u003e and \u0026.
func AppendString(dst []byte, s string, escapeHTML bool) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!escapeHTML || c != '<' && c != '>' && c != '&') {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(append(dst, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(append(dst, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(dst, s[start:]...), '"')
}
