// Specs that keep the robot request schemas in openapi.yaml and package
// dingtalk's Message in step: the same field names, and the same verdict on
// which messages are complete.

package contracts_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// jsonNames lists the JSON field names of a struct type.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func propertyNames(s *openapi3.Schema) []string {
	var out []string
	for n := range s.Properties {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// canonicalNames lists a schema's property names, dropping the alternative
// spellings openapi.yaml lists for keys DingTalk matches case-insensitively
// (messageURL next to messageUrl): each name must match a Go field exactly
// or differ from one only in case.
func canonicalNames(s *openapi3.Schema, goNames []string) []string {
	var out []string
	for _, n := range propertyNames(s) {
		if slices.Contains(goNames, n) {
			out = append(out, n)
			continue
		}
		ExpectWithOffset(1, slices.ContainsFunc(goNames, func(g string) bool { return strings.EqualFold(g, n) })).
			To(BeTrue(), "property %q matches no field of the Go type, even ignoring case", n)
	}
	return out
}

func schemaNamed(name string) *openapi3.Schema {
	ref := contracts.Default().Doc().Components.Schemas[name]
	ExpectWithOffset(1, ref).NotTo(BeNil(), "no schema %s", name)
	return ref.Value
}

var _ = Describe("the robot request schemas", func() {
	It("name the same fields as dingtalk.Message, type by type", func() {
		msg := reflect.TypeFor[dingtalk.Message]()
		var top []string
		for _, alt := range schemaNamed("RobotMessage").OneOf {
			top = append(top, propertyNames(alt.Value)...)
		}
		slices.Sort(top)
		Expect(slices.Compact(top)).To(Equal(jsonNames(msg)))

		pairs := []struct {
			schema, prop string
			goType       reflect.Type
		}{
			{"TextMessage", "text", reflect.TypeFor[dingtalk.Text]()},
			{"LinkMessage", "link", reflect.TypeFor[dingtalk.Link]()},
			{"MarkdownMessage", "markdown", reflect.TypeFor[dingtalk.Markdown]()},
			{"ActionCardMessage", "actionCard", reflect.TypeFor[dingtalk.ActionCard]()},
			{"FeedCardMessage", "feedCard", reflect.TypeFor[dingtalk.FeedCard]()},
			{"ImageMessage", "image", reflect.TypeFor[dingtalk.Image]()},
		}
		for _, p := range pairs {
			names := jsonNames(p.goType)
			Expect(canonicalNames(schemaNamed(p.schema).Properties[p.prop].Value, names)).To(Equal(names), p.schema)
		}
		Expect(propertyNames(schemaNamed("At"))).To(Equal(jsonNames(reflect.TypeFor[dingtalk.At]())))
		btns := schemaNamed("ActionCardMessage").Properties["actionCard"].Value.Properties["btns"].Value.Items.Value
		Expect(propertyNames(btns)).To(Equal(jsonNames(reflect.TypeFor[dingtalk.Btn]())))
		links := schemaNamed("FeedCardMessage").Properties["feedCard"].Value.Properties["links"].Value.Items.Value
		feedLink := jsonNames(reflect.TypeFor[dingtalk.FeedLink]())
		Expect(canonicalNames(links, feedLink)).To(Equal(feedLink))
	})

	It("name every field of the journal's Entry and Response", func() {
		entry := append(jsonNames(reflect.TypeFor[journal.Entry]()), "body", "bodyBase64")
		slices.Sort(entry)
		Expect(propertyNames(schemaNamed("Entry"))).To(Equal(entry))
		resp := append(jsonNames(reflect.TypeFor[journal.Response]()), "body", "bodyBase64")
		slices.Sort(resp)
		Expect(propertyNames(schemaNamed("EntryResponse"))).To(Equal(resp))
	})

	// Each body is judged by the schema and by dingtalk.ParseMessage +
	// Validate; the two must agree.
	DescribeTable("agree with dingtalk.Validate on whether a message is complete",
		func(body string, complete bool) {
			var v any
			Expect(json.Unmarshal([]byte(body), &v)).To(Succeed())
			schemaErr := schemaNamed("RobotMessage").VisitJSON(v, openapi3.VisitAsRequest(), openapi3.MultiErrors())
			m, err := dingtalk.ParseMessage([]byte(body))
			Expect(err).NotTo(HaveOccurred())
			rej := m.Validate()
			if complete {
				Expect(schemaErr).NotTo(HaveOccurred())
				Expect(rej).To(BeNil())
			} else {
				Expect(schemaErr).To(HaveOccurred())
				Expect(rej).NotTo(BeNil())
			}
		},
		Entry("text", `{"msgtype":"text","text":{"content":"hi"}}`, true),
		Entry("text->content missing (400202)", `{"msgtype":"text","text":{}}`, false),
		Entry("text->content empty", `{"msgtype":"text","text":{"content":""}}`, false),
		Entry("text object missing", `{"msgtype":"text"}`, false),
		Entry("markdown", `{"msgtype":"markdown","markdown":{"title":"t","text":"x"}}`, true),
		Entry("markdown->title missing (400402)", `{"msgtype":"markdown","markdown":{"text":"x"}}`, false),
		Entry("markdown->text empty (400403)", `{"msgtype":"markdown","markdown":{"title":"t","text":""}}`, false),
		Entry("markdown given as a string (400401)", `{"msgtype":"markdown","markdown":"x"}`, false),
		Entry("WeCom's markdown.content shape", `{"msgtype":"markdown","markdown":{"content":"x"}}`, false),
		Entry("link", `{"msgtype":"link","link":{"title":"t","text":"x","messageUrl":"https://e/"}}`, true),
		Entry("link->messageUrl missing", `{"msgtype":"link","link":{"title":"t","text":"x"}}`, false),
		Entry("link with feedCard's messageURL spelling (keys match case-insensitively)", `{"msgtype":"link","link":{"title":"t","text":"x","messageURL":"https://e/"}}`, true),
		Entry("link with an empty messageURL", `{"msgtype":"link","link":{"title":"t","text":"x","messageURL":""}}`, false),
		Entry("actionCard, one button", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"go","singleURL":"https://e/"}}`, true),
		Entry("actionCard, buttons", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"a","actionURL":"https://e/"}]}}`, true),
		Entry("actionCard, buttons and a numeric btnOrientation", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btnOrientation":1,"btns":[{"title":"a","actionURL":"https://e/"}]}}`, true),
		Entry("actionCard, no button at all", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x"}}`, false),
		Entry("actionCard, singleTitle without singleURL", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"go"}}`, false),
		Entry("actionCard, a button without actionURL", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"a"}]}}`, false),
		Entry("feedCard", `{"msgtype":"feedCard","feedCard":{"links":[{"title":"a","messageURL":"https://e/"}]}}`, true),
		Entry("feedCard->links empty (400602)", `{"msgtype":"feedCard","feedCard":{"links":[]}}`, false),
		Entry("feedCard link without title", `{"msgtype":"feedCard","feedCard":{"links":[{"messageURL":"https://e/"}]}}`, false),
		Entry("image", `{"msgtype":"image","image":{"picURL":"https://e/p.png"}}`, true),
		Entry("image->picURL missing", `{"msgtype":"image","image":{}}`, false),
		Entry("unknown msgtype (400105)", `{"msgtype":"file","file":{}}`, false),
		Entry("no msgtype (400105)", `{"text":{"content":"hi"}}`, false),
		Entry("unknown fields next to a complete message", `{"msgtype":"text","text":{"content":"hi","extra":1},"extra":true}`, true),
		Entry("at and msgUuid", `{"msgtype":"text","text":{"content":"hi @138"},"at":{"atMobiles":["138"],"atUserIds":["u1"],"isAtAll":false},"msgUuid":"x"}`, true),
	)

	It("accept the robot send examples, which dingtalk also accepts", func() {
		doc := contracts.Default().Doc()
		mt := doc.Paths.Value("/robot/send").Post.RequestBody.Value.Content.Get("application/json")
		Expect(mt.Examples).NotTo(BeEmpty())
		for name, ex := range mt.Examples {
			body, err := json.Marshal(ex.Value.Value)
			Expect(err).NotTo(HaveOccurred())
			m, err := dingtalk.ParseMessage(body)
			Expect(err).NotTo(HaveOccurred(), name)
			Expect(m.Validate()).To(BeNil(), name)
		}
	})
})
