// Specs for injected faults: errcode, http, delay, drop and hang, per robot
// or for all, counted or seeded-probabilistic, and journaled with their id.

package mockdingtalk_test

import (
	"context"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

var _ = Describe("Faults", func() {
	var (
		s   *mockdingtalk.Server
		tok string
	)
	BeforeEach(func() {
		s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
		tok = addRobot(s, mockdingtalk.Robot{RateLimitPerMinute: intp(0)})
	})
	addFault := func(f mockdingtalk.Fault) mockdingtalk.Fault {
		GinkgoHelper()
		got, err := s.AddFault(f)
		Expect(err).NotTo(HaveOccurred())
		return got
	}

	It("errcode: answers the next N sends with that errcode, with DingTalk's text by default", func() {
		f := addFault(mockdingtalk.Fault{AccessToken: tok, Kind: mockdingtalk.FaultErrcode, ErrCode: -1, Times: 2})
		Expect(f.ID).To(MatchRegexp(`^f\d+$`))
		Expect(f.Remaining).To(Equal(2))
		Expect(f.ErrMsg).To(Equal("系统繁忙"))
		for range 2 {
			rep, err := post(checked, s.WebhookURL(tok), jsonType, textBody)
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.status).To(Equal(http.StatusOK))
			Expect(rep.resp).To(Equal(dingtalk.Response{ErrCode: -1, ErrMsg: "系统繁忙"}))
			Expect(rep.header.Get("X-Mock-Fault")).To(Equal(f.ID))
			e := last(s)
			Expect(e.Fault).To(Equal(f.ID))
			Expect(e.Reason).To(Equal(reasonFault))
			Expect(e.Delivered).To(BeFalse())
		}
		Expect(s.Faults()).To(BeEmpty(), "a counted fault is removed when used up")
		rep, err := post(checked, s.WebhookURL(tok), jsonType, textBody)
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.resp).To(Equal(dingtalk.OK))
	})

	It("http: answers any status, body and content type", func() {
		f := addFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultHTTP, Status: 502, Body: "<html>bad gateway</html>", ContentType: "text/html"})
		Expect(f.Remaining).To(Equal(-1), "Times 0 lasts until removed")
		rep, err := post(checked, s.WebhookURL(tok), jsonType, textBody)
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.status).To(Equal(502))
		Expect(rep.header.Get("Content-Type")).To(Equal("text/html"))
		Expect(string(rep.raw)).To(Equal("<html>bad gateway</html>"))
		Expect(last(s).Response.Status).To(Equal(502))
		Expect(s.Faults()).To(HaveLen(1))
		Expect(s.RemoveFault(f.ID)).To(Succeed())
		Expect(s.RemoveFault(f.ID)).To(MatchError(mockdingtalk.ErrFaultNotFound))
	})

	It("delay: waits, then handles the request normally", func() {
		f := addFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultDelay, Delay: 50 * time.Millisecond, Times: 1})
		start := time.Now()
		rep, err := post(checked, s.WebhookURL(tok), jsonType, textBody)
		Expect(err).NotTo(HaveOccurred())
		Expect(time.Since(start)).To(BeNumerically(">=", 50*time.Millisecond))
		Expect(rep.resp).To(Equal(dingtalk.OK))
		e := last(s)
		Expect(e.Delivered).To(BeTrue())
		Expect(e.Fault).To(Equal(f.ID))
	})

	It("delay: is cut short when the client gives up", func() {
		addFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultDelay, Delay: 10 * time.Minute})
		client := checkedWith(nil, 100*time.Millisecond)
		_, err := post(client, s.WebhookURL(tok), jsonType, textBody)
		Expect(err).To(HaveOccurred())
		Eventually(func() []journal.Entry { return s.Entries(journal.Filter{}) }).Should(HaveLen(1))
		Expect(last(s).Delivered).To(BeFalse())
	})

	It("drop: closes the connection without an answer", func() {
		f := addFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultDrop, AccessToken: tok})
		_, err := post(checked, s.WebhookURL(tok), jsonType, textBody)
		Expect(err).To(HaveOccurred())
		e := last(s)
		Expect(e.Fault).To(Equal(f.ID))
		Expect(e.Response.Status).To(Equal(0))
	})

	It("hang: holds the request until the client gives up; Close then returns promptly", func() {
		addFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultHang})
		client := checkedWith(nil, 100*time.Millisecond)
		_, err := post(client, s.WebhookURL(tok), jsonType, textBody)
		// The client's own timeout ended it. Through a wrapping RoundTripper,
		// net/http adds "Client.Timeout exceeded" only if its timer goroutine
		// ran before the context expired, so match the cause itself.
		Expect(err).To(MatchError(context.DeadlineExceeded))
		Eventually(func() []journal.Entry { return s.Entries(journal.Filter{}) }).Should(ConsistOf(
			HaveField("Reason", reasonFault)))
		closed := make(chan struct{})
		go func() { s.Close(); close(closed) }()
		Eventually(closed).WithTimeout(2 * time.Second).Should(BeClosed())
	})

	It("drop: through a ResponseRecorder writes nothing rather than panicking", func() {
		addFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultDrop})
		rep := serve(s, plain(textBody)(tok))
		Expect(rep.raw).To(BeEmpty())
		Expect(last(s).Response.Status).To(Equal(0))
	})

	It("hang: is released by Close, which returns promptly", func() {
		srv := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
		tok := addRobot(srv, mockdingtalk.Robot{})
		_, err := srv.AddFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultHang})
		Expect(err).NotTo(HaveOccurred())
		errs := make(chan error, 1)
		go func() {
			defer GinkgoRecover()
			_, err := checked.Post(srv.WebhookURL(tok), jsonType, strings.NewReader(textBody))
			errs <- err
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = srv.WaitForEntries(ctx, journal.Filter{}, 1)
		Expect(err).NotTo(HaveOccurred(), "the hung request is journaled on arrival")

		closed := make(chan struct{})
		go func() { srv.Close(); close(closed) }()
		Eventually(closed).WithTimeout(2 * time.Second).Should(BeClosed())
		Eventually(errs).WithTimeout(2 * time.Second).Should(Receive(HaveOccurred()))
	})

	It("applies only after the access_token check, and a robot's fault only to its token", func() {
		addFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultErrcode, ErrCode: 500100, AccessToken: tok})
		other := addRobot(s, mockdingtalk.Robot{})
		Expect(serve(s, plain(textBody)(other)).resp).To(Equal(dingtalk.OK))
		Expect(serve(s, plain(textBody)("").bad()).resp.ErrCode).To(Equal(40035))
		Expect(serve(s, plain(textBody)(tok)).resp.ErrCode).To(Equal(500100))
	})

	It("a fault for all robots applies to every send, even an unknown token", func() {
		addFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultErrcode, ErrCode: 400013, ErrMsg: "群已被解散"})
		Expect(serve(s, plain(textBody)("unknown")).resp).To(Equal(dingtalk.Response{ErrCode: 400013, ErrMsg: "群已被解散"}))
		Expect(serve(s, plain(textBody)(tok)).resp.ErrCode).To(Equal(400013))
	})

	It("probability with a seed reproduces the same sequence", func() {
		pattern := func() []int {
			srv := newHandler(mockdingtalk.Config{})
			tok := addRobot(srv, mockdingtalk.Robot{RateLimitPerMinute: intp(0)})
			_, err := srv.AddFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultErrcode, ErrCode: -1, Probability: 0.5, Seed: 42})
			Expect(err).NotTo(HaveOccurred())
			var codes []int
			for range 40 {
				codes = append(codes, serve(srv, plain(textBody)(tok)).resp.ErrCode)
			}
			return codes
		}
		first := pattern()
		Expect(pattern()).To(Equal(first))
		Expect(first).To(ContainElement(0))
		Expect(first).To(ContainElement(-1))
	})

	It("with Times and a probability, counts only the requests it fired on", func() {
		f := addFault(mockdingtalk.Fault{Kind: mockdingtalk.FaultErrcode, ErrCode: -1, Probability: 0.3, Seed: 7, Times: 3})
		fired := 0
		for range 200 {
			if serve(s, plain(textBody)(tok)).resp.ErrCode == -1 {
				fired++
			}
		}
		Expect(fired).To(Equal(3))
		Expect(s.RemoveFault(f.ID)).To(MatchError(mockdingtalk.ErrFaultNotFound))
	})

	DescribeTable("rejects faults it cannot run, saying what is wrong",
		func(f mockdingtalk.Fault, field string) {
			_, err := s.AddFault(f)
			var ve *mockdingtalk.ValidationError
			Expect(err).To(BeAssignableToTypeOf(ve))
			Expect(err.(*mockdingtalk.ValidationError).Field).To(Equal(field))
		},
		Entry("no kind", mockdingtalk.Fault{}, "kind"),
		Entry("an unknown kind", mockdingtalk.Fault{Kind: "explode"}, "kind"),
		Entry("an errcode not in the table without errmsg", mockdingtalk.Fault{Kind: mockdingtalk.FaultErrcode, ErrCode: 12345}, "errmsg"),
		Entry("a status out of range", mockdingtalk.Fault{Kind: mockdingtalk.FaultHTTP, Status: 99}, "status"),
		Entry("a delay fault without delay", mockdingtalk.Fault{Kind: mockdingtalk.FaultDelay}, "delayMs"),
		Entry("negative times", mockdingtalk.Fault{Kind: mockdingtalk.FaultDrop, Times: -1}, "times"),
		Entry("probability above 1", mockdingtalk.Fault{Kind: mockdingtalk.FaultDrop, Probability: 1.5}, "probability"),
		Entry("an http field on an errcode fault", mockdingtalk.Fault{Kind: mockdingtalk.FaultErrcode, ErrCode: -1, Status: 500}, "status"),
	)
})
