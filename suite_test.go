// End-to-end suite: the SNS API (package sns) served over HTTP on
// 127.0.0.1, with the fake robot (package mockdingtalk) as its webhook.
// Every spec asserts both on what the API answered and on what the fake
// recorded: signature valid, timestamp fresh, text equal to testMsg, @
// fields right, each injected fault reported as ZStack would.

package mockdingtalk_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/match"
	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

func TestEndToEnd(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "end to end: sns against mockdingtalk")
}

const secret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"

// stack is one fake robot and one SNS API, both on 127.0.0.1.
type stack struct {
	fake    *mockdingtalk.Server
	api     *httptest.Server
	client  *http.Client // checks every exchange against openapi.yaml
	session string
	// negative marks the next calls as breaking the contract on purpose:
	// their requests are not checked, their answers still are.
	negative bool
}

func logger() *slog.Logger { return slog.New(slog.NewTextHandler(GinkgoWriter, nil)) }

func newStack(cfg sns.Config) *stack {
	fake := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Logger: logger()})
	if cfg.Logger == nil {
		cfg.Logger = logger()
	}
	if cfg.Outbound.Timeout == 0 {
		cfg.Outbound.Timeout = 5 * time.Second
	}
	srv, err := sns.New(cfg)
	Expect(err).NotTo(HaveOccurred())
	api := httptest.NewServer(srv)
	DeferCleanup(func() {
		api.Close()
		Expect(srv.Close()).To(Succeed())
	})
	client := contracts.NewHTTPClient(Fail)
	DeferCleanup(client.CloseIdleConnections)
	st := &stack{fake: fake, api: api, client: client}
	st.session = st.login()
	return st
}

// answer is an HTTP answer of the API.
type answer = testhttp.Answer

// call sends a request to the API with the stack's session (and header,
// given as name, value pairs) through the validating client.
func (st *stack) call(method, path string, body any, header ...string) answer {
	h := http.Header{}
	if st.session != "" {
		h.Set("Authorization", "OAuth "+st.session)
	}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return testhttp.Must(st.client, testhttp.Request{Method: method, URL: st.api.URL + path, Body: body,
		ContentType: "application/json;charset=UTF-8", Header: h, Negative: st.negative})
}

func (st *stack) login() string {
	a := st.call(http.MethodPut, "/zstack/v1/accounts/login", map[string]any{
		"logInByAccount": map[string]any{"accountName": "admin", "password": sns.SHA512Hex("password")}})
	Expect(a.Status).To(Equal(http.StatusOK), a.Raw)
	return a.JSON["inventory"].(map[string]any)["uuid"].(string)
}

func (st *stack) testConnection(p map[string]any) answer {
	return st.call(http.MethodPost, "/zstack/v1/sns/application-endpoints/ding-talk/test-connection",
		map[string]any{"params": p, "systemTags": []string{}, "userTags": []string{}})
}

func (st *stack) robot(r mockdingtalk.Robot) mockdingtalk.Robot {
	rb, err := st.fake.AddRobot(r)
	Expect(err).NotTo(HaveOccurred())
	return rb
}

// entries waits for n journal entries of a robot.
func (st *stack) entries(token string, n int) []journal.Entry {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	es, err := st.fake.WaitForEntries(ctx, journal.Filter{AccessToken: token}, n)
	Expect(err).NotTo(HaveOccurred())
	return es
}

func errorOf(a answer) map[string]any {
	e, ok := a.JSON["error"].(map[string]any)
	ExpectWithOffset(1, ok).To(BeTrue(), "no error object in %s", a.Raw)
	return e
}

// freshTimestamp checks the entry's timestamp is within a minute of the
// fake's clock.
func freshTimestamp(st *stack, e journal.Entry) {
	q, err := url.ParseQuery(e.RawQuery)
	Expect(err).NotTo(HaveOccurred())
	ms, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	Expect(err).NotTo(HaveOccurred())
	Expect(time.UnixMilli(ms)).To(BeTemporally("~", st.fake.Now(), time.Minute))
	Expect(q["sign"]).To(HaveLen(1))
	Expect(dingtalk.Verify(secret, q.Get("timestamp"), q.Get("sign"), st.fake.Now())).To(Succeed())
}

var _ = Describe("SNS test-connection against the fake robot", func() {
	var st *stack
	BeforeEach(func() { st = newStack(sns.Config{}) })

	It("delivers an unsigned markdown test message to a robot without a secret", func() {
		rb := st.robot(mockdingtalk.Robot{Name: "plain"})
		a := st.testConnection(map[string]any{"testMsg": "hello from ZStack", "url": st.fake.WebhookURL(rb.AccessToken)})
		Expect(a.Status).To(Equal(http.StatusOK), a.Raw)
		Expect(a.Raw).To(MatchJSON(`{"success":true,"connected":true,"webhookResp":{"errcode":0,"errmsg":"ok"}}`))
		es := st.entries(rb.AccessToken, 1)
		Expect(es).To(HaveLen(1))
		Expect(es[0]).To(And(match.BeDelivered(), match.HaveMsgType("markdown"), match.HaveTitle("test connected"),
			match.HaveText("hello from ZStack")))
		Expect(es[0].RawQuery).NotTo(ContainSubstring("sign="))
		Expect(es[0].Header.Get("Content-Type")).To(Equal("application/json;charset=utf-8"))
	})

	It("signs for a robot with a secret: signature valid, timestamp fresh", func() {
		rb := st.robot(mockdingtalk.Robot{Secret: secret})
		a := st.testConnection(map[string]any{"testMsg": "signed hello", "url": st.fake.WebhookURL(rb.AccessToken), "secret": secret})
		Expect(a.JSON["webhookResp"]).To(HaveKeyWithValue("errcode", BeNumerically("==", 0)))
		e := st.entries(rb.AccessToken, 1)[0]
		Expect(e).To(And(match.BeSigned(), match.BeDelivered(), match.HaveText("signed hello")))
		freshTimestamp(st, e)
	})

	It("replaces a stale timestamp and sign left in the url", func() {
		rb := st.robot(mockdingtalk.Robot{Secret: secret})
		stale := st.fake.WebhookURL(rb.AccessToken) + "&timestamp=1577262236757&sign=stale"
		a := st.testConnection(map[string]any{"testMsg": "x", "url": stale, "secret": secret})
		Expect(a.JSON["webhookResp"]).To(HaveKeyWithValue("errcode", BeNumerically("==", 0)))
		e := st.entries(rb.AccessToken, 1)[0]
		Expect(e).To(match.BeSigned())
		freshTimestamp(st, e)
	})

	It("reports the robot's 310000 inside webhookResp, connected true, when the secret is missing", func() {
		rb := st.robot(mockdingtalk.Robot{Secret: secret})
		a := st.testConnection(map[string]any{"testMsg": "x", "url": st.fake.WebhookURL(rb.AccessToken)})
		Expect(a.Status).To(Equal(http.StatusOK))
		Expect(a.JSON["connected"]).To(BeTrue())
		Expect(a.Raw).To(ContainSubstring(`"errcode":310000`))
		Expect(st.entries(rb.AccessToken, 1)[0]).To(match.HaveRejectedWith(310000))
	})

	It("passes an unknown token's errcode through", func() {
		a := st.testConnection(map[string]any{"testMsg": "x", "url": st.fake.WebhookURL(strings.Repeat("ab", 32))})
		Expect(a.Status).To(Equal(http.StatusOK))
		Expect(a.JSON["webhookResp"]).To(HaveKeyWithValue("errmsg", "token is not exist"))
	})

	It("mentions everyone with atAll", func() {
		rb := st.robot(mockdingtalk.Robot{})
		st.testConnection(map[string]any{"testMsg": "all hands", "url": st.fake.WebhookURL(rb.AccessToken), "atAll": true,
			"atPersonPhoneNumbers": []string{"+86-13800000001"}})
		e := st.entries(rb.AccessToken, 1)[0]
		Expect(e).To(And(match.BeDelivered(), match.MentionAll(), match.HaveText("all hands")))
		Expect(e.Message.At.AtMobiles).To(BeEmpty())
	})

	It("mentions at-persons with at.atMobiles and @number in the text", func() {
		rb := st.robot(mockdingtalk.Robot{})
		st.testConnection(map[string]any{"testMsg": "you two", "url": st.fake.WebhookURL(rb.AccessToken),
			"atPersonPhoneNumbers": []string{"+86-13800000001", "+86-13800000002"}})
		e := st.entries(rb.AccessToken, 1)[0]
		Expect(e).To(And(match.BeDelivered(), match.MentionMobile("13800000001"), match.MentionMobile("13800000002"),
			match.HaveText("you two\n\n@13800000001 @13800000002"), Not(match.MentionAll())))
	})

	It("uses a stored endpoint's url, secret and at-persons with endpointUuid; testMsg from the request", func() {
		rb := st.robot(mockdingtalk.Robot{Secret: secret})
		decoy := st.robot(mockdingtalk.Robot{})
		c := st.call(http.MethodPost, "/zstack/v1/sns/application-endpoints/ding-talk", map[string]any{"params": map[string]any{
			"name": "ops", "url": st.fake.WebhookURL(rb.AccessToken), "secret": secret,
			"atPersonList": map[string]string{"+86-13900000001": "jack"}}})
		Expect(c.Status).To(Equal(http.StatusOK), c.Raw)
		inv := c.JSON["inventory"].(map[string]any)
		Expect(inv["secret"]).To(Equal("SEC…(67 chars)"))
		uuid := inv["uuid"].(string)

		a := st.testConnection(map[string]any{"testMsg": "via endpoint", "endpointUuid": uuid, "url": st.fake.WebhookURL(decoy.AccessToken)})
		Expect(a.JSON["webhookResp"]).To(HaveKeyWithValue("errcode", BeNumerically("==", 0)))
		e := st.entries(rb.AccessToken, 1)[0]
		Expect(e).To(And(match.BeSigned(), match.BeDelivered(), match.MentionMobile("13900000001"),
			match.HaveText("via endpoint\n\n@13900000001")))
		freshTimestamp(st, e)
		Expect(st.fake.Entries(journal.Filter{AccessToken: decoy.AccessToken})).To(BeEmpty())
	})

	It("tests an endpoint updated to atAll: the message mentions everyone, signed with the stored secret", func() {
		rb := st.robot(mockdingtalk.Robot{Secret: secret})
		const base = "/zstack/v1/sns/application-endpoints/ding-talk"
		c := st.call(http.MethodPost, base, map[string]any{"params": map[string]any{
			"name": "ops", "url": st.fake.WebhookURL(rb.AccessToken), "secret": secret, "atAll": false,
			"atPersonPhoneNumbers": []string{"+86-13800000001"}}, "systemTags": []string{}, "userTags": []string{}})
		Expect(c.Status).To(Equal(http.StatusOK), c.Raw)
		uuid := c.JSON["inventory"].(map[string]any)["uuid"].(string)
		u := st.call(http.MethodPut, base+"/"+uuid+"/actions", map[string]any{"updateSNSDingTalkEndpoint": map[string]any{"atAll": true}})
		Expect(u.Status).To(Equal(http.StatusOK), u.Raw)

		a := st.testConnection(map[string]any{"testMsg": "all", "endpointUuid": uuid})
		Expect(a.Status).To(Equal(http.StatusOK), a.Raw)
		Expect(st.entries(rb.AccessToken, 1)[0]).To(And(match.BeSigned(), match.MentionAll()))
	})

	Describe("each fault the fake injects", func() {
		var rb mockdingtalk.Robot
		var short *stack
		BeforeEach(func() {
			short = newStack(sns.Config{Outbound: webhook.Config{Timeout: 300 * time.Millisecond}})
			rb = short.robot(mockdingtalk.Robot{Secret: secret})
		})
		fault := func(f mockdingtalk.Fault) {
			f.AccessToken = rb.AccessToken
			_, err := short.fake.AddFault(f)
			Expect(err).NotTo(HaveOccurred())
		}
		send := func() answer {
			return short.testConnection(map[string]any{"testMsg": "x", "url": short.fake.WebhookURL(rb.AccessToken), "secret": secret})
		}
		expectFailure := func(a answer, details string) {
			ExpectWithOffset(1, a.Status).To(Equal(http.StatusServiceUnavailable), a.Raw)
			e := errorOf(a)
			ExpectWithOffset(1, e["code"]).To(Equal("SYS.1000"))
			ExpectWithOffset(1, e["description"]).To(Equal("An internal error happened in system"))
			ExpectWithOffset(1, e["details"]).To(Equal(details))
			ExpectWithOffset(1, a.Raw).NotTo(ContainSubstring(rb.AccessToken))
			ExpectWithOffset(1, a.Raw).NotTo(ContainSubstring(secret[:12]))
		}

		It("errcode: passed through, connected true", func() {
			fault(mockdingtalk.Fault{Kind: mockdingtalk.FaultErrcode, ErrCode: 130101})
			a := send()
			Expect(a.Status).To(Equal(http.StatusOK), a.Raw)
			Expect(a.JSON["connected"]).To(BeTrue())
			Expect(a.Raw).To(ContainSubstring(`"errcode":130101`))
			Expect(short.entries(rb.AccessToken, 1)[0]).To(match.HaveRejectedWith(130101))
		})

		It("HTTP 500: SYS.1000 saying so", func() {
			fault(mockdingtalk.Fault{Kind: mockdingtalk.FaultHTTP, Status: 500, Body: "upstream broke"})
			expectFailure(send(), "webhook answered HTTP 500 Internal Server Error: upstream broke")
			Expect(short.entries(rb.AccessToken, 1)).To(HaveLen(1))
		})

		It("a delay beyond the timeout: SYS.1000 'did not answer within'", func() {
			fault(mockdingtalk.Fault{Kind: mockdingtalk.FaultDelay, Delay: time.Minute})
			expectFailure(send(), "webhook did not answer within 300ms")
		})

		It("a hang: SYS.1000 'did not answer within'", func() {
			fault(mockdingtalk.Fault{Kind: mockdingtalk.FaultHang})
			expectFailure(send(), "webhook did not answer within 300ms")
		})

		It("a dropped connection: SYS.1000 saying the webhook closed it", func() {
			fault(mockdingtalk.Fault{Kind: mockdingtalk.FaultDrop})
			u, err := url.Parse(short.fake.URL())
			Expect(err).NotTo(HaveOccurred())
			expectFailure(send(), "webhook "+u.Scheme+"://"+u.Host+"/robot/send closed the connection without answering")
			Expect(short.entries(rb.AccessToken, 1)).To(HaveLen(1))
		})

		It("recovers once the fault is gone", func() {
			fault(mockdingtalk.Fault{Kind: mockdingtalk.FaultHTTP, Status: 502, Times: 1})
			Expect(send().Status).To(Equal(http.StatusServiceUnavailable))
			a := send()
			Expect(a.Status).To(Equal(http.StatusOK), a.Raw)
			Expect(short.entries(rb.AccessToken, 2)[1]).To(And(match.BeSigned(), match.BeDelivered()))
		})
	})

	// What each refusal says is specified in the sns suite; here, that none
	// of them reaches the robot.
	DescribeTable("a bad session never reaches the robot",
		func(spoil func(st *stack) (header []string), status int) {
			rb := st.robot(mockdingtalk.Robot{})
			header := spoil(st)
			st.negative = true
			a := st.call(http.MethodPost, "/zstack/v1/sns/application-endpoints/ding-talk/test-connection",
				map[string]any{"params": map[string]any{"testMsg": "x", "url": st.fake.WebhookURL(rb.AccessToken)}}, header...)
			Expect(a.Status).To(Equal(status), a.Raw)
			Expect(st.fake.Entries(journal.Filter{AccessToken: rb.AccessToken})).To(BeEmpty())
		},
		Entry("no Authorization header", func(st *stack) []string { st.session = ""; return nil }, http.StatusBadRequest),
		Entry("another scheme", func(st *stack) []string {
			return []string{"Authorization", "Basic YWRtaW46cGFzc3dvcmQ="}
		}, http.StatusBadRequest),
		Entry("an unknown session", func(st *stack) []string { st.session = strings.Repeat("0", 32); return nil }, http.StatusServiceUnavailable),
		Entry("a logged-out session", func(st *stack) []string {
			Expect(st.call(http.MethodDelete, "/zstack/v1/accounts/sessions/"+st.session, nil).Status).To(Equal(http.StatusOK))
			return nil
		}, http.StatusServiceUnavailable),
	)

	DescribeTable("bad input never reaches the robot",
		func(body any, status int, code string) {
			st.negative = true
			rb := st.robot(mockdingtalk.Robot{})
			if m, ok := body.(map[string]any); ok {
				if p, ok := m["params"].(map[string]any); ok && p["url"] == "ROBOT" {
					p["url"] = st.fake.WebhookURL(rb.AccessToken)
				}
			}
			a := st.call(http.MethodPost, "/zstack/v1/sns/application-endpoints/ding-talk/test-connection", body)
			Expect(a.Status).To(Equal(status), a.Raw)
			Expect(errorOf(a)).To(HaveKeyWithValue("code", code))
			Expect(st.fake.Entries(journal.Filter{AccessToken: rb.AccessToken})).To(BeEmpty())
		},
		Entry("testMsg missing (SYS.1007)", map[string]any{"params": map[string]any{"url": "ROBOT"}}, 503, "SYS.1007"),
		Entry("url not http (SYS.1007)", map[string]any{"params": map[string]any{"testMsg": "x", "url": "file:///etc/passwd"}}, 503, "SYS.1007"),
		Entry("endpointUuid malformed (SYS.1003)", map[string]any{"params": map[string]any{"testMsg": "x", "url": "ROBOT", "endpointUuid": "x"}}, 503, "SYS.1003"),
		Entry("malformed JSON (400)", `{"params":`, 400, "SYS.1007"),
		Entry("wrong type (400)", `{"params":{"testMsg":1}}`, 400, "SYS.1007"),
	)
})

var _ = Describe("SNS async job protocol against the fake robot", func() {
	It("answers 202, then the result at the location, and the robot got the message", func() {
		st := newStack(sns.Config{Async: true})
		rb := st.robot(mockdingtalk.Robot{Secret: secret})
		a := st.testConnection(map[string]any{"testMsg": "async hello", "url": st.fake.WebhookURL(rb.AccessToken), "secret": secret})
		Expect(a.Status).To(Equal(http.StatusAccepted), a.Raw)
		loc := a.JSON["location"].(string)
		Expect(loc).To(HavePrefix(st.api.URL + "/zstack/v1/api-jobs/"))
		path := strings.TrimPrefix(loc, st.api.URL)
		Eventually(func() int { return st.call(http.MethodGet, path, nil).Status }).Should(Equal(http.StatusOK))
		Expect(st.call(http.MethodGet, path, nil).Raw).To(MatchJSON(`{"success":true,"connected":true,"webhookResp":{"errcode":0,"errmsg":"ok"}}`))
		e := st.entries(rb.AccessToken, 1)[0]
		Expect(e).To(And(match.BeSigned(), match.HaveText("async hello")))
		freshTimestamp(st, e)
	})
})

// The one clock hook: a fake robot's Now is a `Now func() time.Time` like
// the webhook sender's, so a test can run the sender on the fake's time
// (docs/go-testing.md).
var _ = Describe("One clock for the fake robot and the webhook sender", func() {
	It("signs on the fake's time when webhook.Config.Now is fake.Now, which the real clock's signature fails", func() {
		fake := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{FreezeAt: time.Date(2023, 5, 1, 12, 0, 0, 0, time.UTC)})
		rb, err := fake.AddRobot(mockdingtalk.Robot{Secret: secret})
		Expect(err).NotTo(HaveOccurred())
		msg := &dingtalk.Message{MsgType: dingtalk.MsgText, Text: &dingtalk.Text{Content: "on the fake's clock"}}
		send := func(cfg webhook.Config) int64 {
			GinkgoHelper()
			cfg.Timeout = 5 * time.Second
			s, err := webhook.New(cfg)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(s.Close)
			res, err := s.Send(context.Background(), fake.WebhookURL(rb.AccessToken), secret, msg)
			Expect(err).NotTo(HaveOccurred())
			return res.ErrCode()
		}

		Expect(send(webhook.Config{Now: fake.Now})).To(BeZero())
		fake.Advance(59 * time.Minute)
		Expect(send(webhook.Config{Now: fake.Now})).To(BeZero(), "the sender follows the fake as it moves")
		Expect(send(webhook.Config{})).To(BeNumerically("==", 310000), "the real clock is years from the fake's")
		es := fake.Entries(journal.Filter{AccessToken: rb.AccessToken})
		Expect(es).To(HaveLen(3))
		Expect(es[:2]).To(HaveEach(match.BeDelivered()))
		Expect(es[2]).To(match.HaveReason(dingtalk.ReasonTimestampExpired))
	})
})
