// A differential fuzz target for ParseMessage: its typed fast path and its
// lenient decoder must read every body exactly as a plain three-pass
// decoder does (json.Valid, then one json.RawMessage per member, then one
// lenient decode per object), including repeated keys, nulls, wrong types
// and keys in another case or spelled with escapes.

package dingtalk

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// parseMessageReference is ParseMessage as first written; kept as the
// oracle for FuzzParseMessageMatchesReference.
func parseMessageReference(body []byte) (*Message, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(body) {
		return nil, ErrNotJSON
	}
	var raw struct {
		MsgType    json.RawMessage `json:"msgtype"`
		Text       json.RawMessage `json:"text"`
		Link       json.RawMessage `json:"link"`
		Markdown   json.RawMessage `json:"markdown"`
		ActionCard json.RawMessage `json:"actionCard"`
		FeedCard   json.RawMessage `json:"feedCard"`
		Image      json.RawMessage `json:"image"`
		At         json.RawMessage `json:"at"`
		MsgUUID    json.RawMessage `json:"msgUuid"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, ErrNotJSON
	}
	var refAt lenientAt
	_ = refAt.UnmarshalJSON(raw.At)
	return &Message{
		MsgType:    refString(raw.MsgType),
		Text:       refObject[Text](raw.Text),
		Link:       refObject[Link](raw.Link),
		Markdown:   refObject[Markdown](raw.Markdown),
		ActionCard: refObject[ActionCard](raw.ActionCard),
		FeedCard:   refObject[FeedCard](raw.FeedCard),
		Image:      refObject[Image](raw.Image),
		At:         refAt.v,
		MsgUUID:    refString(raw.MsgUUID),
		ignored:    refAt.ignored,
	}, nil
}

func refObject[T any](raw json.RawMessage) *T {
	if len(raw) == 0 || raw[0] != '{' {
		return nil
	}
	v := new(T)
	_ = json.Unmarshal(quoteScalars(raw), v)
	return v
}

func refString(raw json.RawMessage) string {
	s, _ := scalarText(raw)
	return s
}

func FuzzParseMessageMatchesReference(f *testing.F) {
	for _, seed := range []string{
		`{"msgtype":"text","text":{"content":"hi"}}`,
		`{"msgtype":"text","text":{"content":"a"},"text":{"x":1}}`,
		`{"msgtype":"text","text":{"content":"a"},"TEXT":null}`,
		`{"msgtype":"text","text":{"content":"a"},"text":"s"}`,
		`{"msgtype":null,"msgUuid":5,"at":{"isAtAll":"1","atMobiles":[1,"2"]}}`,
		`{"msgtype":"markdown","markdown":"# hi"}`,
		`{"MsgType":"link","Link":{"title":1,"text":"t","messageUrl":"u"}}`,
		`{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btnOrientation":1,"btns":[{"title":"a"}]}}`,
		`{"msgtype":"feedCard","feedCard":{"links":[{"title":"a","messageURL":"u"},5]}}`,
		` {"msgtype":"image","image":{"picURL":"p"}} `, `{"a":1} x`, `[]`, `null`, ``, "{\"a\":\xff}",
		`{"msgtype":"text\u0041","text":{"content":"\ud800"}}`,
		`{"msgtype":"text","msgtype":null,"text":{"content":"a"}}`,
		`{"msgtype":"text","text":{"content":"a"},"Text":{"content":"b"}}`,
		`{"msgtype":"text","te\u0078t":{"content":"a"},"text":{}}`,
		`{"msgtype":"markdown","markdown":{"title":"t"},"MARKDOWN":{"text":"x"}}`,
		"{\"msgtype\":\"markdown\",\"mar\u212adown\":{\"title\":\"t\"},\"markdown\":{\"text\":\"x\"}}", // a Kelvin sign folds to k
		`{"msgtype":"text","text":{"content":"a","content":null},"at":{"atMobiles":["1"]},"at":{"isAtAll":true}}`,
		`{"x":{"text":{"content":"nested"},"text":1},"msgtype":"text","text":{"content":"top"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, gotErr := ParseMessage(body)
		want, wantErr := parseMessageReference(body)
		if gotErr != wantErr {
			t.Fatalf("%q: error %v, reference %v", body, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Fatalf("%q: got %s, reference %s", body, g, w)
		}
	})
}

// FuzzParseSimpleMatchesParseMessage checks ParseMessage's fast path:
// whatever body it accepts, it reads exactly as the general decoder does;
// and a MessageReader reused from body to body reads each as ParseMessage.
func FuzzParseSimpleMatchesParseMessage(f *testing.F) {
	for _, seed := range []string{
		`{"msgtype":"text","text":{"content":"hi"},"at":{"isAtAll":false}}`,
		` {"msgtype" : "markdown" , "markdown":{"title":"t","text":"# a\n\"b\"\\/"}} `,
		`{"msgtype":"link","link":{"title":"t","text":"x","messageUrl":"u","picUrl":"p"},"msgUuid":"id"}`,
		`{"msgtype":"text","text":{"content":"告警：磁盘"},"at":{"atMobiles":["138"],"atUserIds":[],"atDingtalkIds":["a","b"],"isAtAll":true}}`,
		`{"msgtype":"text","text":{"content":"a","content":"b"}}`,
		`{"msgtype":"text","msgtype":"text"}`, `{}`, `{"text":{}}`, `{"msgtype":"text"} x`,
		"{\"msgtype\":\"te\xffxt\"}", `{"msgtype":"\u0074ext"}`, `{"msgtype":"a\tb"}`,
		`{"at":{"isAtAll":"true"}}`, `{"at":{"atMobiles":null}}`, `{"Text":{"content":"x"}}`,
	} {
		f.Add([]byte(seed))
	}
	var reader MessageReader // reused from body to body, as a server reuses it
	f.Fuzz(func(t *testing.T, body []byte) {
		read, rerr := reader.Read(body)
		parsed, perr := ParseMessage(body)
		if (rerr == nil) != (perr == nil) || !reflect.DeepEqual(read, parsed) {
			t.Fatalf("%q: a reused MessageReader gives %+v (%v), ParseMessage %+v (%v)", body, read, rerr, parsed, perr)
		}
		got, ok := parseSimple(body)
		if !ok {
			return
		}
		want, err := parseGeneral(body)
		if err != nil {
			t.Fatalf("%q: fast path accepted what the general decoder refuses (%v)", body, err)
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Fatalf("%q: fast path %s, general decoder %s", body, g, w)
		}
	})
}
