// Package jsonbody reads the JSON body of a request to the admin API or
// the SNS API: one object, bounded in bytes, with nothing after it. What
// is wrong with a body comes back as an *Error whose Kind says which
// rule it broke, so that each API words it in its own shape (the admin
// API's plain errors, ZStack's SYS.1007 envelope) without decoding twice.
package jsonbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// Kind is the rule a body broke.
type Kind int

// The rules, in the order Decode checks them.
const (
	TooLarge   Kind = iota + 1 // over Options.Limit bytes
	Unreadable                 // the body could not be read (Err)
	Empty                      // no body, or only white space
	Syntax                     // not valid JSON (Offset)
	WrongType                  // a value of the wrong JSON type (Field, Value, Type)
	Truncated                  // the JSON ends too early
	Invalid                    // any other decoding error, such as an unknown field (Err)
	Trailing                   // data after the JSON object
)

// Error is a body Decode refused.
type Error struct {
	Kind Kind
	// Limit is Options.Limit, for TooLarge.
	Limit int64
	// Offset is the byte where a Syntax error was found.
	Offset int64
	// Field is the dotted path of JSON keys to a WrongType value, "" for
	// the top level;
	// Value is the JSON type found ("string", "number", "bool", "array",
	// "object", or "number <text>" for a number out of range); Type is the
	// Go type it was to be decoded into.
	Field, Value string
	Type         reflect.Type
	// Err is the underlying error, when there is one.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("jsonbody: rule %d: %v", e.Kind, e.Err)
	}
	return fmt.Sprintf("jsonbody: rule %d", e.Kind)
}

func (e *Error) Unwrap() error { return e.Err }

// Options say how strict Decode is.
type Options struct {
	// Limit is the most bytes a body may have.
	Limit int64
	// DisallowUnknownFields refuses fields v has no place for (Invalid).
	DisallowUnknownFields bool
	// AllowEmpty accepts an empty body, leaving v as it is.
	AllowEmpty bool
	// Fast, when set, is tried first on a body that is not empty: it
	// decodes the body into v itself and returns true, or returns false
	// having changed nothing, and Decode goes on with encoding/json. When
	// it returns true, v must be exactly what json.Unmarshal would make of
	// the body (a hot path's hand-written decoder of its usual bodies,
	// fuzzed against Unmarshal).
	Fast func(data []byte) bool
}

// Decode reads r's body, at most o.Limit bytes, and decodes the one JSON
// value in it into v. It returns nil on success, else the first rule the
// body broke.
func Decode(w http.ResponseWriter, r *http.Request, v any, o Options) *Error {
	data, err := readAll(http.MaxBytesReader(w, r.Body, o.Limit), r.ContentLength, o.Limit)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &Error{Kind: TooLarge, Limit: o.Limit, Err: err}
		}
		return &Error{Kind: Unreadable, Err: err}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if o.AllowEmpty {
			return nil
		}
		return &Error{Kind: Empty}
	}
	if o.Fast != nil && o.Fast(data) {
		return nil
	}
	// The common case, a well-formed body, in one pass without a Decoder
	// and its buffer: Unmarshal succeeds exactly when decodeStrict would
	// (one value, nothing after it but white space, every field of the
	// right type; FuzzUnmarshalFirst checks it). Anything else is decoded
	// again, from a zero v, to say what is wrong.
	if !o.DisallowUnknownFields {
		if json.Unmarshal(data, v) == nil {
			return nil
		}
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
			rv.Elem().SetZero()
		}
	}
	return decodeStrict(data, v, o)
}

// readAll is io.ReadAll with a first buffer that fits the declared
// Content-Length, when there is one within limit and presizeMax, so that
// reading a usual body takes one allocation instead of a 512-byte start
// and its growth. Larger bodies grow as they arrive: a client that
// declares a megabyte and sends nothing must not get a megabyte each.
func readAll(r io.Reader, contentLength, limit int64) ([]byte, error) {
	size := 512
	if contentLength > 0 && contentLength < min(limit, presizeMax) {
		size = int(contentLength) + 1 // room to read the EOF without growing
	}
	b := make([]byte, 0, size)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// presizeMax is the largest declared body readAll allocates before it
// arrives.
const presizeMax = 16 << 10

// decodeStrict decodes data into v with a json.Decoder and classifies
// what is wrong with it.
func decodeStrict(data []byte, v any, o Options) *Error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if o.DisallowUnknownFields {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return &Error{Kind: Syntax, Offset: syn.Offset, Err: err}
		case errors.As(err, &typ):
			return &Error{Kind: WrongType, Field: jsonPath(reflect.TypeOf(v), typ.Field), Value: typ.Value, Type: typ.Type, Err: err}
		case errors.Is(err, io.ErrUnexpectedEOF):
			return &Error{Kind: Truncated, Err: err}
		}
		return &Error{Kind: Invalid, Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Kind: Trailing}
	}
	return nil
}

// Wording is how one API words the rules a body broke: a format for each
// Kind, filled in by Describe. Want names the JSON a Go type takes and Got
// the JSON type found (Error.Value), each in the API's words.
type Wording struct {
	TooLarge   string // %[1]d: the limit
	Unreadable string // %[1]v: the read error
	Empty      string
	Syntax     string // %[1]d: the byte offset; %[2]v: the error
	NotObject  string // %[1]s: Got of the top-level value
	WrongField string // %[1]s: the field; %[2]s: Want; %[3]s: Got
	Truncated  string
	Trailing   string
	Invalid    func(err error) string
	Want       func(t reflect.Type) string
	Got        func(value string) string
}

// Describe words e as w says.
func (w Wording) Describe(e *Error) string {
	switch e.Kind {
	case TooLarge:
		return fmt.Sprintf(w.TooLarge, e.Limit)
	case Unreadable:
		return fmt.Sprintf(w.Unreadable, e.Err)
	case Empty:
		return w.Empty
	case Syntax:
		return fmt.Sprintf(w.Syntax, e.Offset, e.Err)
	case WrongType:
		if e.Field == "" {
			return fmt.Sprintf(w.NotObject, w.Got(e.Value))
		}
		return fmt.Sprintf(w.WrongField, e.Field, w.Want(e.Type), w.Got(e.Value))
	case Truncated:
		return w.Truncated
	case Trailing:
		return w.Trailing
	}
	return w.Invalid(e.Err)
}

// jsonPath turns encoding/json's path to a value into the body's keys:
// since Go 1.24 the path also names the embedded structs a field is
// promoted from ("Robot.keywords"), which are not in the body.
func jsonPath(t reflect.Type, path string) string {
	if path == "" {
		return path
	}
	segs := strings.Split(path, ".")
	keys := segs[:0]
	for i, seg := range segs {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			return strings.Join(append(keys, segs[i:]...), ".")
		}
		var next reflect.Type
		for _, f := range reflect.VisibleFields(t) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" && f.Name == seg {
				next = t // promoted fields are visible from t itself
				break
			}
			if name == "" {
				name = f.Name
			}
			if strings.EqualFold(name, seg) && !f.Anonymous {
				next = f.Type
				keys = append(keys, seg)
				break
			}
		}
		if next == nil {
			return strings.Join(append(keys, segs[i:]...), ".")
		}
		t = next
	}
	return strings.Join(keys, ".")
}
