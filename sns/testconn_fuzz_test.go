// Differential fuzz target for the test-connection body's fast decoder:
// whenever it decodes a body, json.Unmarshal must give the same value.
// Run with: go test -run='^$' -fuzz=FuzzTestConnectionBody ./sns/

package sns

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"
)

func FuzzTestConnectionBody(f *testing.F) {
	usual := `{"params":{"url":"http://127.0.0.1:8090/robot/send?access_token=x","secret":"SECx","testMsg":"hi"}}`
	for _, s := range []string{
		usual, `{"params":{}}`, ` { "params" : { "atAll" : true , "endpointUuid" : "ab" } } `,
		`{"params":{"testMsg":"a","testMsg":"b"}}`, `{"params":{"URL":"x"}}`, `{"params":{"testMsg":null}}`,
		`{"params":{"testMsg":"\n"}}`, `{"params":{"testMsg":"é"}}`, "{\"params\":{\"testMsg\":\"\xff\"}}",
		`{"params":{"atPersonPhoneNumbers":["+86-13800000000"]}}`, `{"params":{},"systemTags":[]}`,
		`{"params":{"url":1}}`, `{"params":{}} x`, `{"params":{"atAll":false,"atAll":true}}`, `{"params":{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast testConnectionRequest
		if !fast.decodeFast(data) {
			if string(data) == usual {
				t.Fatalf("the usual body must take the fast path")
			}
			if !reflect.DeepEqual(fast, testConnectionRequest{}) {
				t.Fatalf("%q: a refusal changed the request to %+v", data, fast)
			}
			return
		}
		var want testConnectionRequest
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("%q: decoded by the fast path, refused by json.Unmarshal: %v", data, err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("%q: fast path %+v, json.Unmarshal %+v", data, fast, want)
		}
	})
}

func FuzzIPLike(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "example.com", "a.1", ".1", "1", "a.", "a\n.1", "\n", "a.b.12x", "x.\n1", "a..1"} {
		f.Add(s)
	}
	ipFormat := regexp.MustCompile(`^.*?\.[0-9]+$`) // ZStack's, as the API used it
	f.Fuzz(func(t *testing.T, host string) {
		if got, want := ipLike(host), ipFormat.MatchString(host); got != want {
			t.Fatalf("ipLike(%q) = %v, the regexp says %v", host, got, want)
		}
	})
}

// FuzzTestMessage compares the test message's hand-written JSON with
// json.Marshal's, which the webhook received before.
func FuzzTestMessage(f *testing.F) {
	f.Add("hello", false, "+86-13800000000", "+852-61234567")
	f.Add("<b>&\u2028\xff\n\"", true, "", "")
	f.Add("", false, " ", "x<y")
	f.Fuzz(func(t *testing.T, testMsg string, atAll bool, phone1, phone2 string) {
		msg := BuildTestMessage(testMsg, atAll, []string{phone1, phone2})
		want, err := json.Marshal(msg)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendTestMessage(nil, msg); string(got) != string(want) {
			t.Fatalf("appendTestMessage wrote %s, json.Marshal %s", got, want)
		}
	})
}
