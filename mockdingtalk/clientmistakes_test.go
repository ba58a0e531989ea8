// Specs named after what real clients send at the edges: numbers where
// DingTalk's Java binder expects strings, compressed and GBK bodies, signs
// computed over the wrong string (the shell recipe's echo mistakes), and
// accepted messages that will not do what their sender meant (warnings).

package mockdingtalk_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/match"
)

// gbk encodes s in GBK, as a Windows-era client writes Chinese text.
func gbk(s string) string {
	b, err := simplifiedchinese.GBK.NewEncoder().String(s)
	Expect(err).NotTo(HaveOccurred())
	return b
}

var _ = Describe("JSON types as a Java service reads them", func() {
	var s *mockdingtalk.Server
	var tok string
	BeforeEach(func() {
		s = newHandler(mockdingtalk.Config{})
		tok = addRobot(s, mockdingtalk.Robot{Name: "types"})
	})

	It("delivers a JavaScript client's numeric mobiles (atMobiles: [13800000000]) and records the mention as DingTalk delivers it", func() {
		rep := serve(s, sendReq{query: "access_token=" + tok, contentType: jsonType,
			body: `{"msgtype":"text","text":{"content":"disk full @13800000000"},"at":{"atMobiles":[13800000000]}}`}.bad())
		Expect(rep.resp).To(Equal(dingtalk.OK))
		Expect(last(s)).To(And(match.BeDelivered(), match.MentionMobile("13800000000"), match.HaveNoWarnings()))
		Expect(last(s).Message.At.AtMobiles).To(Equal([]string{"13800000000"}))
	})

	It("delivers a numeric text.content (content: 12345) as the text \"12345\"", func() {
		rep := serve(s, sendReq{query: "access_token=" + tok, contentType: jsonType,
			body: `{"msgtype":"text","text":{"content":12345}}`}.bad())
		Expect(rep.resp).To(Equal(dingtalk.OK))
		Expect(last(s)).To(match.HaveText("12345"))
	})

	It("reads isAtAll \"true\" (a string) as a Java binder does: everyone is mentioned", func() {
		serve(s, sendReq{query: "access_token=" + tok, contentType: jsonType,
			body: `{"msgtype":"text","text":{"content":"@all deploy"},"at":{"isAtAll":"true"}}`}.bad())
		Expect(last(s)).To(And(match.BeDelivered(), match.MentionAll()))
	})

	It("refuses a content no binder converts (an object) with the documented 400202", func() {
		rep := serve(s, sendReq{query: "access_token=" + tok, contentType: jsonType,
			body: `{"msgtype":"text","text":{"content":{"zh":"告警"}}}`}.bad())
		Expect(rep.resp.ErrCode).To(Equal(400202))
		Expect(rep.resp.ErrMsg).To(ContainSubstring("缺失，或者参数格式不正确"))
	})
})

var _ = Describe("hints found by re-checking the actual mistake", func() {
	var s *mockdingtalk.Server
	BeforeEach(func() {
		s = newHandler(mockdingtalk.Config{})
		s.SetNow(t0)
	})

	Describe("compressed bodies", func() {
		var tok string
		BeforeEach(func() { tok = addRobot(s, mockdingtalk.Robot{Name: "zip"}) })
		gz := func(b string) string {
			var buf bytes.Buffer
			w := gzip.NewWriter(&buf)
			_, _ = w.Write([]byte(b))
			Expect(w.Close()).To(Succeed())
			return buf.String()
		}
		zl := func(b string) string {
			var buf bytes.Buffer
			w := zlib.NewWriter(&buf)
			_, _ = w.Write([]byte(b))
			Expect(w.Close()).To(Succeed())
			return buf.String()
		}
		DescribeTable("answer 40035 and say the body is compressed",
			func(body, encoding, want string) {
				h := http_header("Content-Encoding", encoding)
				rep := serve(s, sendReq{query: "access_token=" + tok, contentType: jsonType, body: body, header: h}.bad())
				Expect(rep.resp).To(Equal(dingtalk.Response{ErrCode: 40035, ErrMsg: "缺少参数 json"}))
				Expect(rep.header.Get("X-Mock-Hint")).To(And(ContainSubstring(want), ContainSubstring("plain UTF-8 JSON")))
				Expect(rep.header.Get("X-Mock-Hint")).NotTo(ContainSubstring("control character"))
			},
			Entry("an HTTP client with request compression on (Content-Encoding: gzip)", gz(textBody), "gzip", "Content-Encoding: gzip"),
			Entry("a gzip'd body sent without the header (magic bytes 1F 8B)", gz(textBody), "", "gzip's magic bytes"),
			Entry("Content-Encoding: deflate (a zlib stream)", zl(textBody), "deflate", "compressed with deflate"),
			Entry("a zlib stream without the header", zl(textBody), "", "zlib header"),
			Entry("Content-Encoding: br (brotli has no magic bytes; the header says it)", "\x1b\x2c\x00\xf8", "br", "compressed with br"),
		)
	})

	Describe("bodies not in UTF-8", func() {
		var tok string
		BeforeEach(func() { tok = addRobot(s, mockdingtalk.Robot{Name: "gbk", Keywords: []string{"告警"}}) })

		DescribeTable("say so even when the failing check is the keyword check, having found the keyword in the decoded body",
			func(contentType, why string) {
				body := gbk(`{"msgtype":"text","text":{"content":"告警: 磁盘已满"}}`)
				rep := serve(s, sendReq{query: "access_token=" + tok, contentType: contentType, body: body}.bad())
				Expect(rep.resp.ErrCode).To(Equal(310000))
				Expect(last(s).Reason).To(Equal(dingtalk.ReasonKeywordMissing))
				Expect(rep.header.Get("X-Mock-Hint")).To(And(ContainSubstring("The keyword is there"), ContainSubstring(why), ContainSubstring("UTF-8")))
			},
			Entry("a Windows client declaring charset=GBK", "application/json;charset=GBK", "charset=GBK"),
			Entry("GBK bytes with no charset declared", jsonType, "reads as GBK"),
		)

		It("does not claim the keyword is there when the GBK body lacks it too, but still names the encoding", func() {
			body := gbk(`{"msgtype":"text","text":{"content":"磁盘已满"}}`)
			rep := serve(s, sendReq{query: "access_token=" + tok, contentType: "application/json; charset=gbk", body: body}.bad())
			Expect(rep.resp.ErrCode).To(Equal(310000))
			Expect(rep.header.Get("X-Mock-Hint")).NotTo(ContainSubstring("The keyword is there"))
			Expect(rep.header.Get("X-Mock-Hint")).To(ContainSubstring("charset=gbk"))
		})

		It("warns on a delivered GBK body: members see replacement characters", func() {
			open := addRobot(s, mockdingtalk.Robot{Name: "open"})
			rep := serve(s, sendReq{query: "access_token=" + open, contentType: jsonType, body: gbk(`{"msgtype":"text","text":{"content":"磁盘已满"}}`)}.bad())
			Expect(rep.resp).To(Equal(dingtalk.OK))
			Expect(rep.header.Values("X-Mock-Warning")).To(ContainElement(ContainSubstring("GBK")))
		})
	})

	Describe("signatures over the wrong string", func() {
		const secret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"
		var tok string
		ts := ms(t0)
		BeforeEach(func() { tok = addRobot(s, mockdingtalk.Robot{Name: "signed", Secret: secret}) })
		mac := func(msg string) []byte {
			h := hmac.New(sha256.New, []byte(secret))
			h.Write([]byte(msg))
			return h.Sum(nil)
		}
		b64 := func(msg string) string { return base64.StdEncoding.EncodeToString(mac(msg)) }

		DescribeTable("name the mistake only because that variant verifies",
			func(sign, want string) {
				rep := serve(s, sendReq{query: "access_token=" + tok + "&timestamp=" + ts + "&sign=" + url.QueryEscape(sign), contentType: jsonType, body: textBody}.bad())
				Expect(rep.resp.ErrCode).To(Equal(310000))
				hint := rep.header.Get("X-Mock-Hint")
				Expect(hint).To(ContainSubstring(want))
				Expect(hint).NotTo(ContainSubstring("old secret"))
			},
			Entry("the shell recipe's echo -e without -n (a trailing newline)", b64(ts+"\n"+secret+"\n"), "extra newline"),
			Entry("echo -n without -e (a literal backslash-n)", b64(ts+`\n`+secret), "literal backslash and n"),
			Entry("the timestamp alone (the login-free signature)", b64(ts), "only the timestamp was signed"),
			Entry("the secret alone", b64(secret), "only the secret was signed"),
			Entry("secret and timestamp swapped", b64(secret+"\n"+ts), "swapped"),
			Entry("no newline at all", b64(ts+secret), "no newline between"),
			Entry("a hex digest (openssl dgst -hex)", hex.EncodeToString(mac(ts+"\n"+secret)), "hex-encoded"),
			Entry("base64url (- and _) from a URL-safe encoder", base64.URLEncoding.EncodeToString(mac(ts+"\n"+secret)), "URL-safe base64"),
		)

		It("does not invent a mistake for a sign made with another secret", func() {
			other := hmac.New(sha256.New, []byte("SECother"))
			other.Write([]byte(ts + "\n" + "SECother\n"))
			rep := serve(s, sendReq{query: "access_token=" + tok + "&timestamp=" + ts + "&sign=" + url.QueryEscape(base64.StdEncoding.EncodeToString(other.Sum(nil))), contentType: jsonType, body: textBody})
			Expect(rep.header.Get("X-Mock-Hint")).To(ContainSubstring("old secret"))
			Expect(rep.header.Get("X-Mock-Hint")).NotTo(ContainSubstring("newline"))
		})
	})
})

var _ = Describe("warnings on accepted messages that will not do what the sender meant", func() {
	var s *mockdingtalk.Server
	var tok string
	BeforeEach(func() {
		s = newHandler(mockdingtalk.Config{})
		tok = addRobot(s, mockdingtalk.Robot{Name: "warn"})
	})
	send := func(body string) reply {
		GinkgoHelper()
		rep := serve(s, sendReq{query: "access_token=" + tok, contentType: jsonType, body: body}.bad())
		Expect(rep.resp).To(Equal(dingtalk.OK), "accepted with errcode 0 exactly as before")
		return rep
	}

	DescribeTable("answer errcode 0 with the warning in X-Mock-Warning, the journal and the matcher",
		func(body, want string) {
			rep := send(body)
			Expect(rep.header.Values("X-Mock-Warning")).To(ContainElement(ContainSubstring(want)))
			e := last(s)
			Expect(e).To(And(match.BeDelivered(), match.HaveWarning(want)))
			Expect(e).NotTo(match.HaveNoWarnings())
			Expect(s.Entries(journal.Filter{})).NotTo(match.HaveNoWarnings())
		},
		Entry("atMobiles sent as one string, not a list (nobody is mentioned)",
			`{"msgtype":"text","text":{"content":"@13800000000 disk full"},"at":{"atMobiles":"13800000000"}}`, "at.atMobiles is a string"),
		Entry("isAtAll \"yes\"", `{"msgtype":"text","text":{"content":"deploy"},"at":{"isAtAll":"yes"}}`, "at.isAtAll is a string"),
		Entry("@mobile written in the text but not listed in atMobiles (shown, nobody notified)",
			`{"msgtype":"text","text":{"content":"disk full, @13800000000 please look"}}`, "at.atMobiles does not list 13800000000"),
		Entry("a mobile in atMobiles but no @mobile in the text (notified, no mention shown)",
			`{"msgtype":"text","text":{"content":"disk full"},"at":{"atMobiles":["13800000000"]}}`, `does not write "@13800000000"`),
		Entry("@mobile in a markdown text without atMobiles",
			`{"msgtype":"markdown","markdown":{"title":"t","text":"### disk\n@13800000000"}}`, "markdown.text writes @13800000000"),
		Entry("a markdown table", `{"msgtype":"markdown","markdown":{"title":"t","text":"| host | disk |\n|---|---|\n| db1 | 91% |"}}`, "a table"),
		Entry("a fenced code block in markdown", "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"t\",\"text\":\"```\\nlog\\n```\"}}", "fenced code block"),
		Entry("inline code in markdown", "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"t\",\"text\":\"run `make`\"}}", "inline code"),
		Entry("a horizontal rule in markdown", `{"msgtype":"markdown","markdown":{"title":"t","text":"a\n\n---\nb"}}`, "horizontal rule"),
		Entry("strikethrough in markdown", `{"msgtype":"markdown","markdown":{"title":"t","text":"~~old~~ new"}}`, "strikethrough"),
		Entry("an HTML tag DingTalk drops", `{"msgtype":"markdown","markdown":{"title":"t","text":"<div>x</div>"}}`, "<div>"),
		Entry("markdown DingTalk does not render in an actionCard", `{"msgtype":"actionCard","actionCard":{"title":"t","text":"| a | b |\n| --- | --- |","singleTitle":"go","singleURL":"https://a"}}`, "actionCard.text uses a table"),
		Entry("more than 50 people mentioned", `{"msgtype":"text","text":{"content":"x"},"at":{"atUserIds":[`+strings.TrimSuffix(strings.Repeat(`"u",`, 51), ",")+`]}}`, "at most 50"),
	)

	It("gives a clean message no warning, no header, and HaveNoWarnings passes", func() {
		rep := send(`{"msgtype":"markdown","markdown":{"title":"t","text":"#### disk <font color=#ff0000>91%</font>\n> **db-1** @13800000000\n\n- a\n- b"},"at":{"atMobiles":["13800000000"]}}`)
		Expect(rep.header.Values("X-Mock-Warning")).To(BeEmpty())
		Expect(last(s)).To(match.HaveNoWarnings())
		Expect(s.Entries(journal.Filter{})).To(match.HaveNoWarnings())
	})

	It("shows the warnings in HaveNoWarnings' failure message", func() {
		send(`{"msgtype":"text","text":{"content":"x"},"at":{"atMobiles":"13800000000"}}`)
		m := match.HaveNoWarnings()
		ok, err := m.Match(s.Entries(journal.Filter{}))
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeFalse())
		Expect(m.FailureMessage(s.Entries(journal.Filter{}))).To(ContainSubstring("at.atMobiles is a string"))
	})

	It("does not warn about an e-mail address or a short @number", func() {
		rep := send(`{"msgtype":"text","text":{"content":"mail ops@12345678.cn, room @101"}}`)
		Expect(rep.header.Values("X-Mock-Warning")).To(BeEmpty())
	})
})
