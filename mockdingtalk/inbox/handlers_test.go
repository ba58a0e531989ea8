// Handler-level specs for the page around the messages: the robot list,
// filtering, the entries fragment the page polls after each event, the
// live event stream (and that it ends with its client), clearing, the
// embedded assets and the answers to bad requests.

package inbox_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/inbox"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

const (
	tokenA = "aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111"
	tokenB = "bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222"
	secret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"
)

var _ = Describe("The inbox page", func() {
	var f *fixture

	BeforeEach(func() {
		f = newFixture()
		f.AddRobot("Alerts", tokenA, secret)
		f.AddRobot("CI <bot>", tokenB, "")
	})

	It("lists every robot, with its latest message and counts", func() {
		f.Deliver(tokenA, `{"msgtype":"text","text":{"content":"first"}}`)
		f.Deliver(tokenA, `{"msgtype":"markdown","markdown":{"title":"Disk alert","text":"# disk"}}`)
		f.Reject(tokenB, `{"msgtype":"text","text":{"content":"x"}}`, rejKeyword, "keyword missing")
		_, body := get(f, "/")
		Expect(body).To(ContainSubstring("CI &lt;bot&gt;"), "robot names are escaped")
		d := parseDOM(body)
		robots := d.all("#robots a.robot")
		Expect(texts(queryAll(robots[0], ".r-name"))).To(Equal([]string{"All robots"}))
		Expect(hasClass(robots[0], "active")).To(BeTrue())
		Expect(attr(robots[1], "href")).To(Equal("./?robot=" + tokenA))
		Expect(text(queryAll(robots[1], ".r-prev")[0])).To(Equal("Disk alert"))
		Expect(texts(queryAll(robots[1], ".count"))).To(Equal([]string{"2 sent"}))
		Expect(texts(queryAll(robots[2], ".r-prev.bad"))).To(Equal([]string{"Rejected: 310000 keyword_missing"}))
		Expect(texts(queryAll(robots[2], ".count.bad"))).To(Equal([]string{"✕ 1 rejected"}), "a labelled count, not a red badge read as unread messages")
		Expect(queryAll(robots[2], ".pill")).To(BeEmpty())
		Expect(d.all("#stream article.entry")).To(HaveLen(3))
		Expect(attr(d.one("#stream"), "data-last-seq")).To(Equal("3"))
	})

	It("filters by robot and offers its webhook URL and secret, the secret hidden", func() {
		f.Deliver(tokenA, `{"msgtype":"text","text":{"content":"from A"}}`)
		f.Deliver(tokenB, `{"msgtype":"text","text":{"content":"from B"}}`)
		d := parseDOM(mustGet(f, "/?robot="+tokenA))
		Expect(texts(d.all("#stream .bubble.text"))).To(Equal([]string{"from A"}))
		Expect(text(d.one("#title"))).To(Equal("Alerts"))
		Expect(hasClass(d.all("#robots a.robot")[1], "active")).To(BeTrue())
		Expect(text(d.one("#webhook"))).To(Equal(f.Server.URL + "/robot/send?access_token=" + tokenA))
		sec := d.one("#secret")
		Expect(text(sec)).NotTo(ContainSubstring("SEC"), "hidden until revealed")
		Expect(attr(sec, "data-secret")).To(Equal(secret))
		Expect(d.all("#copy-webhook[data-copy-from=webhook]")).To(HaveLen(1))
		Expect(d.all("#copy-secret[data-copy-from=secret]")).To(HaveLen(1))
		Expect(attr(d.one("#clear-form"), "action")).To(Equal("_inbox/clear?robot=" + tokenA))
	})

	It("says when a robot does not sign", func() {
		d := parseDOM(mustGet(f, "/?robot="+tokenB))
		Expect(d.all("#secret")).To(BeEmpty())
		Expect(text(d.one("#robot-info"))).To(ContainSubstring("signing) is off"))
	})

	It("shows how to send a first message when the journal is empty", func() {
		d := parseDOM(mustGet(f, "/?robot="+tokenA))
		Expect(d.all("#empty[hidden]")).To(BeEmpty())
		Expect(text(d.one("#example"))).To(ContainSubstring("curl '" + f.Server.URL + "/robot/send?access_token=" + tokenA + "'"))
		Expect(text(d.one("#empty"))).To(ContainSubstring("加签"))
	})

	It("says how many entries the full journal dropped", func() {
		j := journal.New(journal.Config{Cap: 2})
		srv := httptest.NewServer(inbox.New(inbox.Config{Journal: j}))
		DeferCleanup(srv.Close)
		for range 5 {
			j.Append(journal.Entry{AccessToken: "t", Method: "GET"})
		}
		res, err := checked.Get(srv.URL + "/")
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		d := parseDOM(string(body))
		Expect(text(d.one("#dropped"))).To(HavePrefix("3 older entries were dropped"))
		Expect(d.all("#stream article.entry")).To(HaveLen(2))
		Expect(text(d.one("#robots"))).To(ContainSubstring("No robots configured"))
	})

	Describe("the entries fragment", func() {
		It("returns only entries after since, for the robot asked, and where to continue", func() {
			a1 := f.Deliver(tokenA, `{"msgtype":"text","text":{"content":"a1"}}`)
			f.Deliver(tokenB, `{"msgtype":"text","text":{"content":"b1"}}`)
			f.Deliver(tokenA, `{"msgtype":"text","text":{"content":"a2"}}`)
			f.Deliver(tokenB, `{"msgtype":"text","text":{"content":"b2"}}`)
			res, body := get(f, "/_inbox/entries?since="+itoa(a1.Seq)+"&robot="+tokenA)
			Expect(res.StatusCode).To(Equal(200))
			Expect(texts(parseDOM(body).all("article .bubble.text"))).To(Equal([]string{"a2"}))
			Expect(body).NotTo(ContainSubstring("<html"), "a fragment, not a page")
			Expect(res.Header.Get("X-Inbox-Last-Seq")).To(Equal("4"))
			Expect(res.Header.Get("X-Inbox-Oldest")).To(Equal("1"))
		})

		It("is empty when nothing is new, and reports a cleared journal through X-Inbox-Oldest", func() {
			f.Deliver(tokenA, `{"msgtype":"text","text":{"content":"a1"}}`)
			f.Journal.Clear()
			res, body := get(f, "/_inbox/entries?since=1")
			Expect(strings.TrimSpace(body)).To(BeEmpty())
			Expect(res.Header.Get("X-Inbox-Oldest")).To(Equal("2"), "everything up to Seq 1 is gone")
			Expect(res.Header.Get("X-Inbox-Last-Seq")).To(Equal("1"))
		})

		It("keeps the newest entries when there are too many, and says how many it skipped", func() {
			for range 205 {
				f.Journal.Append(journal.Entry{AccessToken: tokenA, Method: "GET"})
			}
			res, body := get(f, "/_inbox/entries?since=0")
			d := parseDOM(body)
			Expect(d.all("article.entry")).To(HaveLen(200))
			Expect(attr(d.all("article.entry")[0], "data-seq")).To(Equal("6"))
			Expect(res.Header.Get("X-Inbox-Skipped")).To(Equal("5"))
			Expect(text(d.one(".entry.skipped"))).To(HavePrefix("5 older entries are not shown"))
		})

		It("rejects a since that is not a number with a clear 400", func() {
			res, body := get(f, "/_inbox/entries?since=yesterday", negativeCtx)
			Expect(res.StatusCode).To(Equal(400))
			Expect(body).To(ContainSubstring(`since must be a non-negative integer (a Seq), got "yesterday"`))
		})
	})

	It("serves the robot list alone for live refreshes", func() {
		res, body := get(f, "/_inbox/robots?robot="+tokenB)
		Expect(res.StatusCode).To(Equal(200))
		d := parseDOM(body)
		Expect(d.all("a.robot")).To(HaveLen(3))
		Expect(hasClass(d.all("a.robot")[2], "active")).To(BeTrue())
	})

	Describe("clearing", func() {
		BeforeEach(func() {
			f.Deliver(tokenA, `{"msgtype":"text","text":{"content":"a1"}}`)
		})

		It("empties the journal and sends a plain form back to the page", func() {
			res, err := checked.Post(f.Server.URL+"/_inbox/clear?robot="+tokenA, "application/x-www-form-urlencoded", nil)
			Expect(err).NotTo(HaveOccurred())
			res.Body.Close()
			Expect(res.StatusCode).To(Equal(http.StatusSeeOther))
			Expect(res.Header.Get("Location")).To(Equal("/?robot=" + tokenA))
			Expect(f.Journal.Len()).To(Equal(0))
		})

		It("answers 204 to the page's script", func() {
			req, _ := http.NewRequest(http.MethodPost, f.Server.URL+"/_inbox/clear", nil)
			req.Header.Set("X-Requested-With", "inbox")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			res, err := checked.Do(req)
			Expect(err).NotTo(HaveOccurred())
			res.Body.Close()
			Expect(res.StatusCode).To(Equal(http.StatusNoContent))
			Expect(f.Journal.Len()).To(Equal(0))
		})

		DescribeTable("refuses requests another site makes",
			func(header, value string) {
				req, _ := http.NewRequest(http.MethodPost, f.Server.URL+"/_inbox/clear", nil)
				req.Header.Set(header, value)
				res, err := checked.Do(req)
				Expect(err).NotTo(HaveOccurred())
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				Expect(res.StatusCode).To(Equal(http.StatusForbidden))
				Expect(string(body)).To(ContainSubstring("cross-site"))
				Expect(f.Journal.Len()).To(Equal(1))
			},
			Entry("Sec-Fetch-Site: cross-site", "Sec-Fetch-Site", "cross-site"),
			Entry("an Origin of another host", "Origin", "https://evil.example"),
			Entry("Origin: null (sandboxed page)", "Origin", "null"),
		)

		It("is POST only", func() {
			res, body := get(f, "/_inbox/clear", negativeCtx)
			Expect(res.StatusCode).To(Equal(http.StatusMethodNotAllowed))
			Expect(body).To(ContainSubstring("method GET not allowed"))
			Expect(f.Journal.Len()).To(Equal(1))
		})
	})

	Describe("assets", func() {
		It("are embedded, typed, and load nothing from the network", func() {
			for path, ctype := range map[string]string{
				"/_inbox/static/inbox.css":   "text/css; charset=utf-8",
				"/_inbox/static/inbox.js":    "text/javascript; charset=utf-8",
				"/_inbox/static/favicon.svg": "image/svg+xml",
			} {
				res, body := get(f, path)
				Expect(res.StatusCode).To(Equal(200), path)
				Expect(res.Header.Get("Content-Type")).To(Equal(ctype), path)
				Expect(body).NotTo(MatchRegexp(`(?i)(@import|url\(\s*['"]?(https?:)?//|src=["']?https?:)`), path)
			}
			d := parseDOM(mustGet(f, "/"))
			for _, n := range append(d.all("link[href]"), d.all("script")...) {
				ref := attr(n, "href") + attr(n, "src")
				Expect(ref).To(HavePrefix("_inbox/static/"), "every asset is local: %s", ref)
			}
		})

		It("come with a Content-Security-Policy that allows no inline script", func() {
			res, _ := get(f, "/")
			csp := res.Header.Get("Content-Security-Policy")
			Expect(csp).To(ContainSubstring("script-src 'self'"))
			Expect(csp).NotTo(ContainSubstring("unsafe-inline"))
			Expect(res.Header.Get("X-Content-Type-Options")).To(Equal("nosniff"))
		})

		It("answer unknown paths with a plain 404", func() {
			for _, p := range []string{"/_inbox/nope", "/_inbox/static/", "/_inbox/static/missing.js"} {
				res, body := get(f, p, negativeCtx)
				Expect(res.StatusCode).To(Equal(404), p)
				Expect(body).To(HavePrefix("inbox: no "), p)
			}
		})
	})
})

var _ = Describe("Live events", func() {
	var f *fixture

	BeforeEach(func() { f = newFixture() })

	// open starts an event stream and returns a reader of its events.
	open := func(ctx context.Context, srvURL string) (*http.Response, *bufio.Reader) {
		GinkgoHelper()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srvURL+"/_inbox/events", nil)
		Expect(err).NotTo(HaveOccurred())
		res, err := checked.Do(req)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.StatusCode).To(Equal(200))
		Expect(res.Header.Get("Content-Type")).To(Equal("text/event-stream; charset=utf-8"))
		return res, bufio.NewReader(res.Body)
	}
	// event reads the next event's name and data.
	event := func(r *bufio.Reader) (string, string) {
		GinkgoHelper()
		var name, data string
		for {
			line, err := r.ReadString('\n')
			Expect(err).NotTo(HaveOccurred())
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "" && name != "":
				return name, data
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			}
		}
	}

	It("says change at once, then on every journal change, with the last Seq", func() {
		ctx, cancel := context.WithCancel(context.Background())
		DeferCleanup(cancel)
		res, r := open(ctx, f.Server.URL)
		DeferCleanup(res.Body.Close)
		Expect(eventName(event(r))).To(Equal("change"))
		f.Deliver("t", `{"msgtype":"text","text":{"content":"x"}}`)
		name, data := event(r)
		Expect(name).To(Equal("change"))
		Expect(data).To(Equal("1"))
		f.Journal.Clear()
		Expect(eventName(event(r))).To(Equal("change"))
	})

	It("says robots when the robot list changes", func() {
		ctx, cancel := context.WithCancel(context.Background())
		DeferCleanup(cancel)
		res, r := open(ctx, f.Server.URL)
		DeferCleanup(res.Body.Close)
		Expect(eventName(event(r))).To(Equal("change"))
		f.AddRobot("New", "n", "")
		done := make(chan string, 1)
		go func() {
			defer GinkgoRecover()
			name, _ := event(r)
			done <- name
		}()
		Eventually(done).WithTimeout(10 * time.Second).Should(Receive(Equal("robots")))
	})

	It("ends its handler when the client goes away, leaking no goroutine", func() {
		j := journal.New(journal.Config{Cap: 10})
		in := inbox.New(inbox.Config{Journal: j})
		srv := httptest.NewServer(in)
		before := goleak.IgnoreCurrent()
		ctx, cancel := context.WithCancel(context.Background())
		res, r := open(ctx, srv.URL)
		Expect(eventName(event(r))).To(Equal("change"))
		cancel()
		res.Body.Close()
		checked.CloseIdleConnections()
		closed := make(chan struct{})
		go func() {
			srv.Close() // waits for every running handler
			close(closed)
		}()
		Eventually(closed).WithTimeout(5 * time.Second).Should(BeClosed())
		Eventually(func() error { return goleak.Find(before) }).WithTimeout(5 * time.Second).Should(Succeed())
	})

	It("ends open streams on Close, and tells browsers not to reconnect after", func() {
		ctx, cancel := context.WithCancel(context.Background())
		DeferCleanup(cancel)
		res, r := open(ctx, f.Server.URL)
		DeferCleanup(res.Body.Close)
		Expect(eventName(event(r))).To(Equal("change"))
		f.Inbox.Close()
		ended := make(chan error, 1)
		go func() {
			_, err := io.ReadAll(r)
			ended <- err
		}()
		Eventually(ended).WithTimeout(5 * time.Second).Should(Receive(BeNil()))
		again, err := checked.Get(f.Server.URL + "/_inbox/events")
		Expect(err).NotTo(HaveOccurred())
		again.Body.Close()
		Expect(again.StatusCode).To(Equal(http.StatusNoContent))
	})
})

var rejKeyword = dingtalk.Reject(dingtalk.ReasonKeywordMissing)

// eventName keeps an event's name, dropping its data.
func eventName(name, _ string) string { return name }

func mustGet(f *fixture, path string) string {
	GinkgoHelper()
	res, body := get(f, path)
	Expect(res.StatusCode).To(Equal(200))
	return body
}
