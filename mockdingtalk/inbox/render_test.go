// Handler-level specs: how the inbox renders each message type, mentions,
// rejected and repeated requests, and that nothing a message carries can
// become live markup or a live javascript: link.

package inbox_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

const token = "4d5a1e7c0b6f4e2d9a8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e"

var _ = Describe("Rendering messages as DingTalk shows them", func() {
	var f *fixture

	BeforeEach(func() {
		f = newFixture()
		f.AddRobot("Prometheus Alerts", token, "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc")
	})

	// page renders the inbox page and returns its DOM.
	page := func(path string) dom {
		GinkgoHelper()
		res, body := get(f, path)
		Expect(res.StatusCode).To(Equal(200))
		Expect(res.Header.Get("Content-Type")).To(Equal("text/html; charset=utf-8"))
		return parseDOM(body)
	}

	Describe("mentions and warnings as a client's mistakes show them", func() {
		It("highlights @mobile in a markdown message as in a text message", func() {
			f.Deliver(token, `{"msgtype":"markdown","markdown":{"title":"disk","text":"### disk full\n@13800000000 please look, not @19900000000"},"at":{"atMobiles":["13800000000"]}}`)
			d := page("/")
			Expect(texts(d.all("article .bubble.md span.at"))).To(Equal([]string{"@13800000000"}),
				"only the mobile listed in at.atMobiles is a mention")
			Expect(d.all("article .bubble.md h3")).To(HaveLen(1), "the markdown still renders")
		})

		It("highlights a mention only in text, never inside a link's URL or title", func() {
			f.Deliver(token, `{"msgtype":"markdown","markdown":{"title":"t","text":"[profile @13800000000](https://a.example/u/@13800000000 \"by @13800000000\")"},"at":{"atMobiles":["13800000000"]}}`)
			d := page("/")
			a := d.one("article .bubble.md a")
			Expect(attr(a, "href")).To(Equal("https://a.example/u/@13800000000"))
			Expect(attr(a, "title")).To(Equal("by @13800000000"))
			Expect(texts(d.all("article .bubble.md span.at"))).To(Equal([]string{"@13800000000"}))
		})

		It("shows @所有人 after the text when isAtAll is set but the text does not write it, as DingTalk shows it", func() {
			f.Deliver(token, `{"msgtype":"text","text":{"content":"release frozen"},"at":{"isAtAll":true}}`)
			f.Deliver(token, `{"msgtype":"markdown","markdown":{"title":"t","text":"## frozen"},"at":{"isAtAll":"true"}}`)
			d := page("/")
			Expect(texts(d.all("article .bubble.text span.at"))).To(Equal([]string{"@所有人"}))
			Expect(texts(d.all("article .bubble.md span.at"))).To(Equal([]string{"@所有人"}))
		})

		It("does not add @所有人 twice when the text writes it", func() {
			f.Deliver(token, `{"msgtype":"text","text":{"content":"@所有人 release frozen"},"at":{"isAtAll":true}}`)
			Expect(texts(page("/").all("article .bubble.text span.at"))).To(Equal([]string{"@所有人"}))
		})

		It("shows a delivered message's warnings, visibly but quieter than a rejection", func() {
			f.Deliver(token, `{"msgtype":"text","text":{"content":"disk full @13800000000"},"at":{"atMobiles":"13800000000"}}`)
			d := page("/")
			Expect(d.all("article.delivered")).To(HaveLen(1))
			Expect(d.all("article .reject")).To(BeEmpty(), "not shown as a rejection")
			Expect(texts(d.all("article .meta .tag.soft-warn"))).To(Equal([]string{"2 warnings"}))
			Expect(texts(d.all("article ul.warnings li"))).To(ContainElement(ContainSubstring("at.atMobiles is a string")))
		})
	})

	Describe("text", func() {
		It("highlights @-mentions listed in at.atMobiles / atUserIds and written in the text", func() {
			f.Deliver(token, `{"msgtype":"text","text":{"content":"disk full on db-1 @13800000000 @ops-lead @19900000000"},
				"at":{"atMobiles":["13800000000"],"atUserIds":["ops-lead"]}}`)
			d := page("/")
			bubble := d.one("article[data-msgtype=text] .bubble.text")
			Expect(texts(queryAll(bubble, "span.at"))).To(Equal([]string{"@13800000000", "@ops-lead"}),
				"@19900000000 is not in at.atMobiles, so DingTalk does not highlight it")
			Expect(text(bubble)).To(Equal("disk full on db-1 @13800000000 @ops-lead @19900000000"))
		})

		It("highlights @all when isAtAll is set, and lists everyone notified", func() {
			f.Deliver(token, `{"msgtype":"text","text":{"content":"release frozen @all"},"at":{"isAtAll":true,"atMobiles":["15000000000"]}}`)
			d := page("/")
			Expect(texts(d.all("article .bubble.text span.at"))).To(Equal([]string{"@all"}))
			Expect(texts(d.all("article .mentions .at"))).To(Equal([]string{"@所有人", "@15000000000"}))
			Expect(d.all("article .mentions .at.unwritten")).To(HaveLen(1), "15000000000 is notified but not written in the text")
		})

		It("does not highlight @all without isAtAll", func() {
			f.Deliver(token, `{"msgtype":"text","text":{"content":"hello @all"}}`)
			Expect(page("/").all("span.at")).To(BeEmpty())
		})

		It("escapes markup in the content and keeps it readable", func() {
			f.Deliver(token, `{"msgtype":"text","text":{"content":"<script>window.pwned=1</script><img src=x onerror=\"window.pwned=1\"> & done"}}`)
			_, body := get(f, "/")
			Expect(body).To(ContainSubstring("&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=x onerror=&#34;window.pwned=1&#34;&gt; &amp; done"))
			d := parseDOM(body)
			Expect(d.all("article script")).To(BeEmpty())
			Expect(d.all("article img[onerror]")).To(BeEmpty())
		})
	})

	Describe("markdown", func() {
		It("renders DingTalk's subset with goldmark: headings, quote, bold, italic, links, images, lists", func() {
			f.Deliver(token, `{"msgtype":"markdown","markdown":{"title":"CPU alert","text":"### CPU high on web-3\n> load 12.5 for 5m\n\n**firing** since *09:30*\n\n1. check the deploy\n2. scale out\n\n- one\n- two\n\n[Grafana](https://grafana.example.com/d/cpu)\n\n![graph](https://img.example.com/cpu.png)"}}`)
			d := page("/")
			md := d.one("article[data-msgtype=markdown] .bubble.md")
			Expect(texts(queryAll(md, "h3"))).To(Equal([]string{"CPU high on web-3"}))
			Expect(texts(queryAll(md, "blockquote"))).To(Equal([]string{"load 12.5 for 5m"}))
			Expect(texts(queryAll(md, "strong"))).To(Equal([]string{"firing"}))
			Expect(texts(queryAll(md, "em"))).To(Equal([]string{"09:30"}))
			Expect(queryAll(md, "ol li")).To(HaveLen(2))
			Expect(queryAll(md, "ul li")).To(HaveLen(2))
			a := queryAll(md, "a")
			Expect(a).To(HaveLen(1))
			Expect(attr(a[0], "href")).To(Equal("https://grafana.example.com/d/cpu"))
			Expect(attr(a[0], "target")).To(Equal("_blank"))
			Expect(attr(a[0], "rel")).To(ContainSubstring("noreferrer"))
			Expect(attr(queryAll(md, "img")[0], "src")).To(Equal("https://img.example.com/cpu.png"))
			Expect(text(d.one("article .notif"))).To(Equal("Notification title: CPU alert"))
		})

		It("drops raw HTML, event handlers and javascript: links", func() {
			f.Deliver(token, "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"x\",\"text\":"+
				`"<script>window.pwned=1</script>\n\nhi <img src=x onerror=\"window.pwned=1\"> <b onclick=\"window.pwned=1\">b</b>\n\n`+
				`[click me](javascript:window.pwned=1) [data](data:text/html;base64,PHNjcmlwdD4=) ![p](javascript:alert(1))\n\n`+
				`<a href=\"javascript:alert(1)\">raw link</a> <iframe src=\"https://evil.example\"></iframe>"}}`)
			d := page("/")
			md := d.one("article[data-msgtype=markdown] .bubble.md")
			Expect(queryAll(md, "script")).To(BeEmpty())
			Expect(queryAll(md, "iframe")).To(BeEmpty())
			walk(md, func(n *htmlNode) {
				for _, a := range n.Attr {
					Expect(strings.HasPrefix(a.Key, "on")).To(BeFalse(), "event handler attribute %s survived", a.Key)
					Expect(strings.ToLower(a.Val)).NotTo(HavePrefix("javascript:"))
					Expect(strings.ToLower(a.Val)).NotTo(HavePrefix("data:"))
				}
			})
			Expect(queryAll(md, "a[href]")).To(BeEmpty())
			Expect(text(md)).To(ContainSubstring("click me"), "the link text stays, inert")
		})

		It("colours text with <font color>, as DingTalk's alert templates do, and keeps nothing else of it", func() {
			f.Deliver(token, `{"msgtype":"markdown","markdown":{"title":"t","text":"状态: <font color=#FF0000>告警</font> <font color=\"green\" style=\"position:fixed\" onclick=\"window.pwned=1\">恢复</font> <font color=\"expression(alert(1))\">x</font>"}}`)
			md := page("/").one("article .bubble.md")
			fonts := queryAll(md, "font")
			Expect(fonts).To(HaveLen(2))
			Expect(attr(fonts[0], "color")).To(Equal("#FF0000"))
			Expect(text(fonts[0])).To(Equal("告警"))
			Expect(attr(fonts[1], "color")).To(Equal("green"))
			Expect(fonts[1].Attr).To(HaveLen(1), "only color survives")
			Expect(text(md)).To(ContainSubstring("x"), "a font with a bad colour keeps its text")
		})

		It("leaves out what DingTalk does not render (tables, code blocks) but keeps their text", func() {
			f.Deliver(token, `{"msgtype":"markdown","markdown":{"title":"t","text":"| a | b |\n|---|---|\n| 1 | 2 |\n\n`+"```"+`\nmake test\n`+"```"+`"}}`)
			md := page("/").one("article .bubble.md")
			Expect(queryAll(md, "table")).To(BeEmpty())
			Expect(queryAll(md, "pre")).To(BeEmpty())
			Expect(text(md)).To(ContainSubstring("make test"))
		})
	})

	Describe("link", func() {
		It("is a card with title, text and picture that opens messageUrl", func() {
			f.Deliver(token, `{"msgtype":"link","link":{"title":"Deploy finished","text":"api v2.3.1 is live on prod","messageUrl":"https://ci.example.com/runs/42","picUrl":"https://img.example.com/ok.png"}}`)
			card := page("/").one("article[data-msgtype=link] a.card.link")
			Expect(attr(card, "href")).To(Equal("https://ci.example.com/runs/42"))
			Expect(text(queryAll(card, ".link-title")[0])).To(Equal("Deploy finished"))
			Expect(text(queryAll(card, ".link-text")[0])).To(Equal("api v2.3.1 is live on prod"))
			Expect(attr(queryAll(card, "img.thumb")[0], "src")).To(Equal("https://img.example.com/ok.png"))
		})

		DescribeTable("URLs that stay inert",
			func(messageURL string) {
				f.Deliver(token, `{"msgtype":"link","link":{"title":"t","text":"x","messageUrl":`+quote(messageURL)+`,"picUrl":"javascript:alert(1)"}}`)
				d := page("/")
				Expect(d.all("article a.card")).To(BeEmpty())
				Expect(d.all("article .card.link.inert")).To(HaveLen(1))
				Expect(d.all("article img")).To(BeEmpty())
				Expect(texts(d.all("article .blocked code"))).To(ContainElement(strings.TrimSpace(messageURL)))
			},
			Entry("javascript:", "javascript:window.pwned=1"),
			Entry("JavaScript: in mixed case with spaces", "  JaVaScRiPt:window.pwned=1"),
			Entry("data:", "data:text/html,<script>1</script>"),
			Entry("vbscript:", "vbscript:msgbox(1)"),
			Entry("a relative path", "/robot/send"),
			Entry("http without a host", "http:///x"),
		)

		It("keeps dingtalk:// links (DingTalk's in-app links) live", func() {
			f.Deliver(token, `{"msgtype":"link","link":{"title":"t","text":"x","messageUrl":"dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fexample.com&pc_slide=false"}}`)
			card := page("/").one("article a.card.link")
			Expect(attr(card, "href")).To(Equal("dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fexample.com&pc_slide=false"))
		})
	})

	Describe("actionCard", func() {
		It("shows one button from singleTitle / singleURL", func() {
			f.Deliver(token, `{"msgtype":"actionCard","actionCard":{"title":"Weekly report","text":"#### Week 19\nAll green","singleTitle":"Read more","singleURL":"https://report.example.com/19"}}`)
			d := page("/")
			Expect(texts(d.all("article[data-msgtype=actionCard] .md h4"))).To(Equal([]string{"Week 19"}))
			btns := d.all("article .btns.single a.btn")
			Expect(btns).To(HaveLen(1))
			Expect(text(btns[0])).To(Equal("Read more"))
			Expect(attr(btns[0], "href")).To(Equal("https://report.example.com/19"))
		})

		It("stacks several buttons vertically by default (btnOrientation 0 or absent)", func() {
			f.Deliver(token, `{"msgtype":"actionCard","actionCard":{"title":"Approve?","text":"deploy api to prod","btns":[{"title":"Approve","actionURL":"https://ci.example.com/ok"},{"title":"Reject","actionURL":"https://ci.example.com/no"}]}}`)
			d := page("/")
			Expect(d.all("article .btns.vertical a.btn")).To(HaveLen(2))
			Expect(attr(d.all("article .btns a.btn")[1], "href")).To(Equal("https://ci.example.com/no"))
			Expect(d.all("article .avatar.hidden")).To(BeEmpty())
		})

		It(`lays buttons side by side for btnOrientation "1" and hides the avatar for hideAvatar "1"`, func() {
			f.Deliver(token, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btnOrientation":"1","hideAvatar":"1","btns":[{"title":"A","actionURL":"https://a.example"},{"title":"B","actionURL":"https://b.example"}]}}`)
			d := page("/")
			Expect(texts(d.all("article .btns.horizontal a.btn"))).To(Equal([]string{"A", "B"}))
			Expect(d.all("article .avatar.hidden")).To(HaveLen(1))
		})

		It("accepts btnOrientation and hideAvatar as numbers too", func() {
			f.Deliver(token, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btnOrientation":1,"hideAvatar":1,"btns":[{"title":"A","actionURL":"https://a.example"}]}}`)
			d := page("/")
			Expect(d.all("article .btns.horizontal")).To(HaveLen(1))
			Expect(d.all("article .avatar.hidden")).To(HaveLen(1))
		})

		It("renders a button with a javascript: actionURL inert", func() {
			f.Deliver(token, `{"msgtype":"actionCard","actionCard":{"title":"t","text":"x","btns":[{"title":"Evil","actionURL":"javascript:window.pwned=1"},{"title":"Good","actionURL":"https://ok.example"}]}}`)
			d := page("/")
			Expect(texts(d.all("article .btns span.btn.inert"))).To(Equal([]string{"Evil"}))
			Expect(texts(d.all("article .btns a.btn"))).To(Equal([]string{"Good"}))
		})
	})

	It("shows a feedCard as a list with pictures, the first one large", func() {
		f.Deliver(token, `{"msgtype":"feedCard","feedCard":{"links":[
			{"title":"Incident review","messageURL":"https://wiki.example.com/1","picURL":"https://img.example.com/1.png"},
			{"title":"On-call handbook","messageURL":"https://wiki.example.com/2","picURL":"https://img.example.com/2.png"},
			{"title":"Runbook: disk","messageURL":"https://wiki.example.com/3"}]}}`)
		d := page("/")
		items := d.all("article[data-msgtype=feedCard] .card.feed a.feed-item")
		Expect(items).To(HaveLen(3))
		Expect(hasClass(items[0], "first")).To(BeTrue())
		Expect(texts(d.all("article .feed-title"))).To(Equal([]string{"Incident review", "On-call handbook", "Runbook: disk"}))
		Expect(attr(items[1], "href")).To(Equal("https://wiki.example.com/2"))
		Expect(attr(queryAll(items[1], "img")[0], "src")).To(Equal("https://img.example.com/2.png"))
	})

	It("shows an image message", func() {
		f.Deliver(token, `{"msgtype":"image","image":{"picURL":"https://img.example.com/chart.png"}}`)
		Expect(attr(page("/").one("article[data-msgtype=image] .bubble.image img"), "src")).To(Equal("https://img.example.com/chart.png"))
	})

	Describe("rejected requests", func() {
		It("are marked, with errcode, errmsg, the hint and the raw request one click away", func() {
			f.Reject(token, `{"msgtype":"text","text":{"content":"hello"}}`,
				&dingtalk.Rejection{Reason: dingtalk.ReasonSignMismatch},
				"the robot has 加签 on but the URL has no timestamp and sign",
				func(e *journal.Entry) { e.RawQuery += "&timestamp=1600000000000&sign=abc%2B" })
			d := page("/")
			art := d.one("article.entry.rejected")
			Expect(attr(art, "data-status")).To(Equal("rejected"))
			Expect(text(queryAll(art, ".reject-title")[0])).To(ContainSubstring("errcode 310000"))
			Expect(text(queryAll(art, ".errmsg")[0])).To(ContainSubstring("机器人发送签名不匹配"))
			Expect(text(queryAll(art, ".hint")[0])).To(ContainSubstring("the URL has no timestamp and sign"))
			Expect(texts(queryAll(art, ".meta .tag.bad"))).To(Equal([]string{"rejected"}))
			raw := queryAll(art, "details.raw")
			Expect(raw).To(HaveLen(1))
			Expect(attr(raw[0], "open")).To(BeEmpty(), "collapsed until clicked")
			req := text(queryAll(raw[0], "pre.req")[0])
			Expect(req).To(ContainSubstring("POST /robot/send?access_token=" + token + "&timestamp=1600000000000&sign=abc%2B"))
			Expect(req).To(ContainSubstring("Content-Type: application/json;charset=utf-8"))
			Expect(req).To(ContainSubstring(`{"msgtype":"text","text":{"content":"hello"}}`))
			Expect(text(queryAll(raw[0], "pre.resp")[0])).To(ContainSubstring(`"errcode":310000`))
			Expect(texts(queryAll(raw[0], ".checks li.bad"))).To(ContainElement(ContainSubstring("sign_mismatch")))
		})

		It("show bodies that are not JSON, and unknown tokens", func() {
			f.Reject("nope", `{"msgtype":"text",`, dingtalk.Reject(dingtalk.ReasonMissingJSON), "the body is not valid JSON")
			art := page("/").one("article.rejected")
			Expect(text(queryAll(art, ".meta .name")[0])).To(Equal("Unknown token nope"))
			Expect(queryAll(art, ".bubble")).To(BeEmpty())
			Expect(text(queryAll(art, "pre.req")[0])).To(ContainSubstring(`{"msgtype":"text",`))
		})

		It("show the message that was refused, dimmed", func() {
			f.Reject(token, `{"msgtype":"markdown","markdown":{"title":"t","text":"# no keyword here"}}`,
				dingtalk.Reject(dingtalk.ReasonKeywordMissing), "none of the robot's keywords (告警) is in the message")
			Expect(texts(page("/").all("article.rejected .bubble.md h1"))).To(Equal([]string{"no keyword here"}))
		})

		It("say so when there was no answer at all", func() {
			f.Reject(token, `{"msgtype":"text","text":{"content":"x"}}`, dingtalk.Reject(dingtalk.ReasonSystemError), "fault: drop",
				func(e *journal.Entry) { e.Response = journal.Response{}; e.Fault = "f1" })
			art := page("/").one("article.rejected")
			Expect(text(queryAll(art, ".reject-title")[0])).To(ContainSubstring("No answer"))
			Expect(texts(queryAll(art, ".tag.warn"))).To(ContainElement("fault f1"))
		})
	})

	It("shows a repeated msgUuid as a system line, not a second message", func() {
		first := f.Deliver(token, `{"msgtype":"text","text":{"content":"once"},"msgUuid":"u-1"}`)
		dup := f.Request(token, `{"msgtype":"text","text":{"content":"once"},"msgUuid":"u-1"}`)
		dup.Accepted, dup.Duplicate, dup.Reason = true, true, dingtalk.ReasonOK
		dup.Response = journal.Response{Status: 200, ErrMsg: "ok"}
		f.Journal.Append(dup)
		d := page("/")
		Expect(d.all("article .bubble.text")).To(HaveLen(1))
		Expect(attr(d.one("article.duplicate"), "data-seq")).To(Equal(itoa(first.Seq + 1)))
		Expect(text(d.one("article.duplicate .sys-line"))).To(ContainSubstring("repeated msgUuid"))
	})
})

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
