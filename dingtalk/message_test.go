// Specs for message parsing and the schema checks that give 400105 and
// the 4XXYYY "miss param" codes.

package dingtalk_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

func validate(body string) *dingtalk.Rejection {
	m, err := dingtalk.ParseMessage([]byte(body))
	Expect(err).NotTo(HaveOccurred())
	return m.Validate()
}

var _ = Describe("ParseMessage", func() {
	DescribeTable("refuses what is not a JSON object (40035 缺少参数 json)",
		func(body string) {
			_, err := dingtalk.ParseMessage([]byte(body))
			Expect(err).To(MatchError(dingtalk.ErrNotJSON))
		},
		Entry("empty body", ""),
		Entry("an unescaped Windows path (nightingale#2704)", `{"msgtype":"text","text":{"content":"C:\Data"}}`),
		Entry("a raw newline in a string (actions-ding#5)", "{\"msgtype\":\"text\",\"text\":{\"content\":\"a\nb\"}}"),
		Entry("a JSON array", `[]`),
		Entry("null", `null`),
		Entry("truncated", `{"msgtype":"text","text":{"content":"x"`),
		Entry("trailing garbage", `{"msgtype":"text"} x`),
	)

	It("ignores unknown fields and matches keys case-insensitively", func() {
		m, err := dingtalk.ParseMessage([]byte(`{"MsgType":"link","extra":1,"link":{"title":"t","text":"x","messageURL":"https://a"}}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Validate()).To(BeNil())
		Expect(m.Link.MessageURL).To(Equal("https://a"))
	})

	It("reads isAtAll and btnOrientation however clients spell them", func() {
		m, err := dingtalk.ParseMessage([]byte(`{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btnOrientation":1,"hideAvatar":"1","btns":[{"title":"a","actionURL":"https://a"}]},"at":{"isAtAll":"true"}}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(m.ActionCard.BtnOrientation).To(BeEquivalentTo("1"))
		Expect(m.ActionCard.HideAvatar).To(BeEquivalentTo("1"))
		Expect(bool(m.At.IsAtAll)).To(BeTrue())
	})
})

var _ = Describe("ParseMessage reads JSON types as DingTalk's Java binder does", func() {
	parse := func(body string) *dingtalk.Message {
		GinkgoHelper()
		m, err := dingtalk.ParseMessage([]byte(body))
		Expect(err).NotTo(HaveOccurred())
		return m
	}

	It("reads a JavaScript client's numeric mobiles (atMobiles: [13800000000]) as their text", func() {
		m := parse(`{"msgtype":"text","text":{"content":"hi @13800000000"},"at":{"atMobiles":[13800000000,"13900000000"]}}`)
		Expect(m.At.AtMobiles).To(Equal([]string{"13800000000", "13900000000"}))
		Expect(m.Ignored()).To(BeEmpty())
		Expect(m.Validate()).To(BeNil())
	})

	DescribeTable("reads a number or boolean where a string belongs as its text",
		func(body string, get func(*dingtalk.Message) string, want string) {
			m := parse(body)
			Expect(m.Validate()).To(BeNil())
			Expect(get(m)).To(Equal(want))
		},
		Entry("a numeric text.content (content: 12345)", `{"msgtype":"text","text":{"content":12345}}`,
			func(m *dingtalk.Message) string { return m.Text.Content }, "12345"),
		Entry("a negative decimal content as written", `{"msgtype":"text","text":{"content":-1.50}}`,
			func(m *dingtalk.Message) string { return m.Text.Content }, "-1.50"),
		Entry("a boolean content", `{"msgtype":"text","text":{"content":true}}`,
			func(m *dingtalk.Message) string { return m.Text.Content }, "true"),
		Entry("a numeric markdown.title", `{"msgtype":"markdown","markdown":{"title":2024,"text":"x"}}`,
			func(m *dingtalk.Message) string { return m.Markdown.Title }, "2024"),
		Entry("numeric atUserIds", `{"msgtype":"text","text":{"content":"x"},"at":{"atUserIds":[1001]}}`,
			func(m *dingtalk.Message) string { return m.At.AtUserIds[0] }, "1001"),
		Entry("a numeric msgUuid", `{"msgtype":"text","text":{"content":"x"},"msgUuid":42}`,
			func(m *dingtalk.Message) string { return m.MsgUUID }, "42"),
		Entry("a numeric feedCard link title", `{"msgtype":"feedCard","feedCard":{"links":[{"title":7,"messageURL":"https://a"}]}}`,
			func(m *dingtalk.Message) string { return m.FeedCard.Links[0].Title }, "7"),
	)

	DescribeTable("reads isAtAll as a Java binder converts it",
		func(value string, want bool) {
			m := parse(`{"msgtype":"text","text":{"content":"x"},"at":{"isAtAll":` + value + `}}`)
			Expect(bool(m.At.IsAtAll)).To(Equal(want))
			Expect(m.Ignored()).To(BeEmpty())
		},
		Entry("a string \"true\" (form-minded clients)", `"true"`, true),
		Entry("\"TRUE\" in capitals", `"TRUE"`, true),
		Entry("the number 1", `1`, true),
		Entry("the string \"0\"", `"0"`, false),
		Entry("an empty string", `""`, false),
		Entry("null", `null`, false),
	)

	DescribeTable("ignores, and notes, at values no binder converts: nobody extra is mentioned",
		func(at, note string) {
			m := parse(`{"msgtype":"text","text":{"content":"x"},"at":` + at + `}`)
			Expect(m.Validate()).To(BeNil(), "the message is still delivered")
			Expect(m.Ignored()).To(ContainElement(ContainSubstring(note)))
		},
		Entry("atMobiles as one string instead of a list", `{"atMobiles":"13800000000"}`, "at.atMobiles is a string"),
		Entry("atMobiles as one number", `{"atMobiles":13800000000}`, "at.atMobiles is a number"),
		Entry("isAtAll \"yes\"", `{"isAtAll":"yes"}`, "at.isAtAll is a string"),
		Entry("isAtAll 2", `{"isAtAll":2}`, "at.isAtAll is a number"),
		Entry("an object inside atUserIds", `{"atUserIds":[{"id":"u1"}]}`, "at.atUserIds[0] is an object"),
		Entry("at as a list of mobiles", `["13800000000"]`, "at is a list"),
	)
})

var _ = Describe("Validate", func() {
	DescribeTable("reports the first missing parameter with its 4XXYYY code",
		func(body string, code int, param string) {
			rej := validate(body)
			Expect(rej).NotTo(BeNil())
			Expect(rej.Reason).To(Equal(dingtalk.ReasonMissingParam))
			Expect(rej.Code).To(Equal(code))
			Expect(rej.Param).To(Equal(param))
		},
		Entry("text without content (prometheus-webhook-dingtalk#4)", `{"msgtype":"text","text":{}}`, 400202, "text->content"),
		Entry("text object missing", `{"msgtype":"text"}`, 400201, "text"),
		Entry("markdown given as a string (code comment)", `{"msgtype":"markdown","markdown":"# hi"}`, 400401, "markdown"),
		Entry("markdown without title (BiliBiliToolPro#183)", `{"msgtype":"markdown","markdown":{"text":"hi"}}`, 400402, "markdown->title"),
		Entry("markdown with empty text (PrometheusAlert#63)", `{"msgtype":"markdown","markdown":{"title":"t","text":""}}`, 400403, "markdown->text"),
		Entry("WeCom's markdown.content shape (MemoryBear PR#1637)", `{"msgtype":"markdown","markdown":{"content":"hi"}}`, 400402, "markdown->title"),
		Entry("an object for a title counts as missing (no Java binder reads it as a String)", `{"msgtype":"markdown","markdown":{"title":{"zh":"t"},"text":"x"}}`, 400402, "markdown->title"),
		Entry("a list for text.content counts as missing", `{"msgtype":"text","text":{"content":["a","b"]}}`, 400202, "text->content"),
		Entry("link without messageUrl", `{"msgtype":"link","link":{"title":"t","text":"x"}}`, 400304, "link->messageUrl"),
		Entry("actionCard without buttons", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x"}}`, 400504, "actionCard->singleTitle"),
		Entry("actionCard with singleTitle but no singleURL", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"go"}}`, 400505, "actionCard->singleURL"),
		Entry("actionCard button without actionURL", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"a"}]}}`, 400508, "actionCard->btns->actionURL"),
		Entry("feedCard without links (code comment)", `{"msgtype":"feedCard","feedCard":{"links":[]}}`, 400602, "feedCard->links"),
		Entry("feedCard link without messageURL", `{"msgtype":"feedCard","feedCard":{"links":[{"title":"a"}]}}`, 400604, "feedCard->links->messageURL"),
	)

	DescribeTable("answers 400105 for a missing or unsupported msgtype",
		func(body, msgtype string) {
			rej := validate(body)
			Expect(rej).To(Equal(&dingtalk.Rejection{Reason: dingtalk.ReasonUnsupportedMsgType, MsgType: msgtype}))
		},
		Entry("no msgtype", `{"text":{"content":"x"}}`, ""),
		Entry("WeCom's news", `{"msgtype":"news"}`, "news"),
		Entry("wrong case", `{"msgtype":"actioncard"}`, "actioncard"),
	)

	DescribeTable("accepts every message type DingTalk delivers",
		func(body string) { Expect(validate(body)).To(BeNil()) },
		Entry("text", `{"msgtype":"text","text":{"content":"我就是我, @150XXXXXXXX 是不一样的烟火"},"at":{"atMobiles":["150XXXXXXXX"]}}`),
		Entry("link", `{"msgtype":"link","link":{"text":"x","title":"t","picUrl":"","messageUrl":"https://a"}}`),
		Entry("markdown", `{"msgtype":"markdown","markdown":{"title":"t","text":"#### hi"},"at":{"isAtAll":true}}`),
		Entry("actionCard, one button", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","singleTitle":"go","singleURL":"https://a"}}`),
		Entry("actionCard, several buttons", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btnOrientation":"1","btns":[{"title":"a","actionURL":"https://a"},{"title":"b","actionURL":"https://b"}]}}`),
		Entry("feedCard", `{"msgtype":"feedCard","feedCard":{"links":[{"title":"a","messageURL":"https://a","picURL":"https://p"}]}}`),
		Entry("image (DingtalkChatbot send_image)", `{"msgtype":"image","image":{"picURL":"https://p"}}`),
	)
})

var _ = Describe("Keywords", func() {
	msg := func(body string) *dingtalk.Message {
		m, err := dingtalk.ParseMessage([]byte(body))
		Expect(err).NotTo(HaveOccurred())
		return m
	}

	DescribeTable("pass when any keyword is in the visible text",
		func(body string, keywords []string, missing bool) {
			Expect(msg(body).MissingKeywords(keywords)).To(Equal(missing))
		},
		Entry("in text.content", `{"msgtype":"text","text":{"content":"监控报警: disk"}}`, []string{"监控报警"}, false),
		Entry("only in markdown.title", `{"msgtype":"markdown","markdown":{"title":"告警","text":"x"}}`, []string{"告警"}, false),
		Entry("in a button title", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"告警","actionURL":"u"}]}}`, []string{"告警"}, false),
		Entry("in a feedCard link title", `{"msgtype":"feedCard","feedCard":{"links":[{"title":"告警","messageURL":"u"}]}}`, []string{"告警"}, false),
		Entry("one of several", `{"msgtype":"text","text":{"content":"deploy done"}}`, []string{"alert", "deploy"}, false),
		Entry("absent (BilibiliTask#53)", `{"msgtype":"text","text":{"content":"hello"}}`, []string{"监控"}, true),
		Entry("only in the URL, which nobody sees", `{"msgtype":"link","link":{"title":"t","text":"x","messageUrl":"https://alert"}}`, []string{"alert"}, true),
		Entry("no keywords configured", `{"msgtype":"text","text":{"content":"x"}}`, nil, false),
	)
})
