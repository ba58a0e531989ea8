// Differential fuzz target for Decode's fast path: for any body, decoding
// with json.Unmarshal first (then decodeStrict on failure) gives the same
// value and the same error as decodeStrict alone.
// Run with: go test -run='^$' -fuzz=FuzzUnmarshalFirst ./internal/jsonbody/

package jsonbody

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// fuzzParams has the shapes of the API bodies: pointers, slices, nested
// objects, numbers and booleans.
type fuzzParams struct {
	Text  *string                `json:"text"`
	List  []string               `json:"list"`
	Flag  *bool                  `json:"flag"`
	Count *int                   `json:"count"`
	Inner *struct{ X, Y string } `json:"inner"`
	Any   map[string]any         `json:"any"`
}

type fuzzBody struct {
	Params *fuzzParams `json:"params"`
	Tags   []string    `json:"tags"`
}

func FuzzUnmarshalFirst(f *testing.F) {
	for _, s := range []string{
		`{"params":{"text":"hi","list":["a"],"flag":true,"count":3,"inner":{"X":"x"},"any":{"n":1}},"tags":[]}`,
		`{"params":null}`, `{} {}`, `{"params":{"count":"3"}}`, `{"params":{"count":1e400}}`, `[1,2]`, `null`,
		`{"params":{"text":"\xff"}} `, `{"params":`, `{"tags":["a",1]}`, "\ufeff{}", `{"params":{"list":"x"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := Options{Limit: 1 << 20}
		var fast, strict fuzzBody
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(data))
		errFast := Decode(httptest.NewRecorder(), req, &fast, o)
		var errStrict *Error
		if len(bytes.TrimSpace(data)) == 0 {
			errStrict = &Error{Kind: Empty}
		} else {
			errStrict = decodeStrict(data, &strict, o)
		}
		if (errFast == nil) != (errStrict == nil) {
			t.Fatalf("%q: fast path error %v, decoder error %v", data, errFast, errStrict)
		}
		if errFast == nil {
			if !reflect.DeepEqual(fast, strict) {
				t.Fatalf("%q: fast path decoded %+v, decoder %+v", data, fast, strict)
			}
			return
		}
		if errFast.Kind != errStrict.Kind || errFast.Offset != errStrict.Offset || errFast.Field != errStrict.Field || errFast.Value != errStrict.Value {
			t.Fatalf("%q: fast path error %+v, decoder error %+v", data, errFast, errStrict)
		}
	})
}
