// Specs for the path variants real clients produce: a webhook base URL
// written with a trailing slash ("//robot/send"), a stray trailing slash,
// repeated slashes, a trailing '?' or '&'. Each is answered in DingTalk's
// shape (HTTP 200, JSON errcode) over a real connection: never a redirect,
// never another handler's page.

package mockdingtalk_test

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/match"
)

var _ = Describe("path variants of the send API", func() {
	var (
		s      *mockdingtalk.Server
		token  string
		client *http.Client
	)
	BeforeEach(func() {
		var err error
		s, err = mockdingtalk.Start(mockdingtalk.Config{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(s.Close)
		token = addRobot(s, mockdingtalk.Robot{Name: "paths"})
		// A client that shows a redirect instead of following it: the fake
		// must never answer the send API with one.
		tr := &http.Transport{}
		DeferCleanup(tr.CloseIdleConnections)
		client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	})

	send := func(target string) reply {
		GinkgoHelper()
		req, err := http.NewRequest(http.MethodPost, s.URL()+strings.ReplaceAll(target, "TOKEN", token), strings.NewReader(textBody))
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Content-Type", jsonType)
		res, err := client.Do(req)
		Expect(err).NotTo(HaveOccurred())
		r := toReply(res)
		Expect(r.status).To(Equal(http.StatusOK), "never a redirect or a page: %s", r.raw)
		Expect(r.header.Get("Content-Type")).To(Equal(jsonType))
		Expect(r.header.Get("Location")).To(BeEmpty())
		return r
	}

	DescribeTable("delivered as /robot/send",
		func(target string) {
			r := send(target)
			Expect(r.resp).To(Equal(dingtalk.OK))
			Expect(last(s)).To(match.BeDelivered())
			Expect(last(s).Method).To(Equal(http.MethodPost), "the POST arrived as sent, not re-sent as a GET after a redirect")
		},
		Entry("a webhook base URL with a trailing slash joined to /robot/send (//robot/send)", "//robot/send?access_token=TOKEN"),
		Entry("repeated slashes inside the path (/robot//send)", "/robot//send?access_token=TOKEN"),
		Entry("three leading slashes (///robot/send)", "///robot/send?access_token=TOKEN"),
		Entry("a URL template ending in '&' (access_token=…&)", "/robot/send?access_token=TOKEN&"),
		Entry("an empty query pair from '&&' when the sign is appended", "/robot/send?access_token=TOKEN&&"),
	)

	It("warns, on a delivered //robot/send, that the slashes were merged (the fake's choice)", func() {
		r := send("//robot/send?access_token=TOKEN")
		Expect(r.resp.ErrCode).To(Equal(0))
		Expect(r.header.Get("X-Mock-Warning")).To(ContainSubstring("//robot/send"))
		Expect(last(s)).NotTo(match.HaveNoWarnings())
	})

	DescribeTable("answered errcode 404 with a hint naming the path",
		func(target, hint string) {
			r := send(target)
			Expect(r.resp).To(Equal(dingtalk.Response{ErrCode: 404, ErrMsg: "请求的URI地址不存在"}))
			Expect(r.header.Get("X-Mock-Hint")).To(And(ContainSubstring(hint), ContainSubstring("unconfirmed")))
			Expect(last(s)).To(match.HaveReason(dingtalk.ReasonUnknownPath))
		},
		Entry("a stray trailing slash (/robot/send/)", "/robot/send/?access_token=TOKEN", `"/robot/send/" ends in '/'`),
		Entry("a trailing slash after a doubled one (//robot/send/)", "//robot/send/?access_token=TOKEN", `"//robot/send/" ends in '/'`),
		Entry("the path in another letter case (/Robot/Send)", "/Robot/Send?access_token=TOKEN", "case-sensitive"),
		Entry("a path appended after /robot/send", "/robot/send/extra?access_token=TOKEN", "after /robot/send"),
		Entry("the robot prefix alone (/robot)", "/robot?access_token=TOKEN", "not DingTalk's robot send API"),
	)

	It("answers a trailing '?' that left access_token out with 40035 and says why", func() {
		r := send("/robot/send?")
		Expect(r.resp).To(Equal(dingtalk.Response{ErrCode: 40035, ErrMsg: "缺少参数 access_token"}))
	})

	It("names a second '?' (a webhook URL ending in '?' joined with ?access_token=)", func() {
		r := send("/robot/send??access_token=TOKEN")
		Expect(r.resp.ErrCode).To(Equal(40035))
		Expect(r.header.Get("X-Mock-Hint")).To(ContainSubstring("'?'"))
	})

	It("still serves the admin API and the inbox outside /robot", func() {
		res, err := client.Get(s.URL() + "/_mock/robots")
		Expect(err).NotTo(HaveOccurred())
		Expect(toReply(res).status).To(Equal(http.StatusOK))
		res, err = client.Get(s.URL() + "/")
		Expect(err).NotTo(HaveOccurred())
		Expect(toReply(res).status).To(Equal(http.StatusOK))
	})
})
