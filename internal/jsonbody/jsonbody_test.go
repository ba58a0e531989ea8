// Specs of Decode: which rule each kind of bad body breaks, and what an
// *Error carries for the APIs to word it.

package jsonbody_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/internal/jsonbody"
)

type target struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

func decode(body string, o jsonbody.Options) (target, *jsonbody.Error) {
	if o.Limit == 0 {
		o.Limit = 64
	}
	var v target
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	return v, jsonbody.Decode(httptest.NewRecorder(), r, &v, o)
}

var _ = Describe("Decode", func() {
	It("decodes one object, white space around it allowed", func() {
		v, e := decode(" {\"name\":\"a\",\"count\":2,\"tags\":[\"x\"]}\n", jsonbody.Options{})
		Expect(e).To(BeNil())
		Expect(v).To(Equal(target{Name: "a", Count: 2, Tags: []string{"x"}}))
	})

	DescribeTable("reads the body that comes, whatever Content-Length declared",
		func(declared int64) {
			body := `{"name":"a","count":2}`
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
			r.ContentLength = declared
			var v target
			Expect(jsonbody.Decode(httptest.NewRecorder(), r, &v, jsonbody.Options{Limit: 1 << 20})).To(BeNil())
			Expect(v).To(Equal(target{Name: "a", Count: 2}))
		},
		Entry("exact", int64(22)),
		Entry("less", int64(3)),
		Entry("more, within the size read ahead", int64(4000)),
		Entry("far more (not allocated ahead)", int64(900_000)),
		Entry("unknown", int64(-1)),
	)

	It("uses Options.Fast when it decodes the body, and encoding/json when it declines", func() {
		var seen []string
		o := jsonbody.Options{Limit: 64, Fast: func(data []byte) bool {
			seen = append(seen, string(data))
			return string(data) == "{}"
		}}
		_, e := decode("{}", o)
		Expect(e).To(BeNil())
		v, e := decode(`{"name":"b"}`, o)
		Expect(e).To(BeNil())
		Expect(v.Name).To(Equal("b"))
		Expect(seen).To(Equal([]string{"{}", `{"name":"b"}`}))
		_, e = decode("  ", o)
		Expect(e.Kind).To(Equal(jsonbody.Empty))
		Expect(seen).To(HaveLen(2), "an empty body never reaches Fast")
	})

	DescribeTable("names the rule a body breaks",
		func(body string, o jsonbody.Options, kind jsonbody.Kind) {
			_, e := decode(body, o)
			Expect(e).NotTo(BeNil())
			Expect(e.Kind).To(Equal(kind))
			Expect(e.Error()).NotTo(BeEmpty())
		},
		Entry("over the limit", `{"name":"`+strings.Repeat("a", 100)+`"}`, jsonbody.Options{}, jsonbody.TooLarge),
		Entry("empty", "", jsonbody.Options{}, jsonbody.Empty),
		Entry("only white space", " \n\t", jsonbody.Options{}, jsonbody.Empty),
		Entry("not JSON", `{name}`, jsonbody.Options{}, jsonbody.Syntax),
		Entry("a field of the wrong type", `{"count":"2"}`, jsonbody.Options{}, jsonbody.WrongType),
		Entry("an array, not an object", `[1]`, jsonbody.Options{}, jsonbody.WrongType),
		Entry("cut short", `{"name":"a"`, jsonbody.Options{}, jsonbody.Truncated),
		Entry("an unknown field when they are refused", `{"nom":"a"}`, jsonbody.Options{DisallowUnknownFields: true}, jsonbody.Invalid),
		Entry("data after the object", `{"name":"a"} {}`, jsonbody.Options{}, jsonbody.Trailing),
	)

	It("accepts an unknown field unless told not to", func() {
		_, e := decode(`{"nom":"a"}`, jsonbody.Options{})
		Expect(e).To(BeNil())
	})

	It("accepts an empty body when allowed, leaving the value as it is", func() {
		v, e := decode("", jsonbody.Options{AllowEmpty: true})
		Expect(e).To(BeNil())
		Expect(v).To(BeZero())
	})

	It("carries what the APIs word: the limit, the byte, the field and its types", func() {
		_, e := decode(`{"name":"`+strings.Repeat("a", 100)+`"}`, jsonbody.Options{})
		Expect(e.Limit).To(BeEquivalentTo(64))
		_, e = decode(`{"name" "a"}`, jsonbody.Options{})
		Expect(e.Offset).To(BeEquivalentTo(9)) // the byte after the name
		_, e = decode(`{"tags":[1]}`, jsonbody.Options{})
		Expect(e.Field).To(Equal("tags"))
		Expect(e.Value).To(Equal("number"))
		Expect(e.Type.String()).To(Equal("string"))
		Expect(e.Unwrap()).To(HaveOccurred())
	})

	It("names a field by its keys in the body, not by the structs it is promoted from", func() {
		type inner struct {
			Tags []string `json:"tags"`
		}
		var v struct {
			inner
			Outer struct {
				inner
			} `json:"outer"`
		}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"outer":{"tags":"x"}}`))
		e := jsonbody.Decode(httptest.NewRecorder(), r, &v, jsonbody.Options{Limit: 64})
		Expect(e.Field).To(Equal("outer.tags"))
		r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"tags":"x"}`))
		e = jsonbody.Decode(httptest.NewRecorder(), r, &v, jsonbody.Options{Limit: 64})
		Expect(e.Field).To(Equal("tags"))
	})

	DescribeTable("Describe words each rule with the API's format and details",
		func(body string, o jsonbody.Options, want string) {
			w := jsonbody.Wording{
				TooLarge: "over %d", Unreadable: "unreadable %v", Empty: "empty",
				Syntax: "syntax at %d: %v", NotObject: "not an object but %s",
				WrongField: "%s wants %s, got %s", Truncated: "truncated", Trailing: "trailing",
				Invalid: func(err error) string { return "invalid: " + err.Error() },
				Want:    func(t reflect.Type) string { return "<" + t.String() + ">" },
				Got:     func(v string) string { return "(" + v + ")" },
			}
			_, e := decode(body, o)
			Expect(w.Describe(e)).To(Equal(want))
		},
		Entry("over the limit", `{"name":"`+strings.Repeat("a", 100)+`"}`, jsonbody.Options{}, "over 64"),
		Entry("empty", "", jsonbody.Options{}, "empty"),
		Entry("not JSON", `{name}`, jsonbody.Options{}, "syntax at 2: invalid character 'n' looking for beginning of object key string"),
		Entry("not an object", `[1]`, jsonbody.Options{}, "not an object but (array)"),
		Entry("a field of the wrong type", `{"count":"2"}`, jsonbody.Options{}, "count wants <int>, got (string)"),
		Entry("cut short", `{"name":"a"`, jsonbody.Options{}, "truncated"),
		Entry("data after the object", `{"name":"a"} {}`, jsonbody.Options{}, "trailing"),
		Entry("an unknown field", `{"nom":"a"}`, jsonbody.Options{DisallowUnknownFields: true}, `invalid: json: unknown field "nom"`),
	)
})
