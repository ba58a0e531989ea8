// Specs that run the real fake robot and the real SNS API in-process and
// drive every documented operation through the validating client, with the
// validating middleware on the server side too: whatever either side sends
// must match openapi.yaml.

package contracts_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

const liveSecret = "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"

// live is the fake robot and the SNS API, each behind the validating
// middleware, and a validating client.
type live struct {
	fakeURL string // checks requests too: only contract-abiding senders use it
	rawURL  string // the same fake, answers checked but not requests
	snsURL  string // checks requests too
	snsRaw  string // the same API, answers checked but not requests
	client  *http.Client
	session string
	token   string // a robot with liveSecret
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func startLive(async bool) *live {
	v := contracts.Default()
	rec := &contracts.Recorder{}
	DeferCleanup(func() {
		Expect(rec.Err()).NotTo(HaveOccurred(), "a server answered (or sns sent) something openapi.yaml does not allow")
	})

	fake, err := mockdingtalk.New(mockdingtalk.Config{Logger: quiet()})
	Expect(err).NotTo(HaveOccurred())
	checked := httptest.NewServer(v.Middleware(fake, rec.Record, contracts.CheckRequests()))
	raw := httptest.NewServer(v.Middleware(fake, rec.Record))

	api, err := sns.New(sns.Config{Logger: quiet(), Async: async, Outbound: snsOutbound()})
	Expect(err).NotTo(HaveOccurred())
	snsSrv := httptest.NewServer(v.Middleware(api, rec.Record, contracts.CheckRequests()))
	snsRaw := httptest.NewServer(v.Middleware(api, rec.Record))
	DeferCleanup(func() {
		snsSrv.Close()
		snsRaw.Close()
		checked.Close()
		raw.Close()
		fake.Close()
		Expect(api.Close()).To(Succeed())
	})

	client := contracts.NewHTTPClient(Fail)
	DeferCleanup(client.CloseIdleConnections)
	l := &live{fakeURL: checked.URL, rawURL: raw.URL, snsURL: snsSrv.URL, snsRaw: snsRaw.URL, client: client}
	var robot struct{ AccessToken string }
	l.do(http.MethodPost, l.fakeURL+"/_mock/robots", `{"name":"live","secret":"`+liveSecret+`"}`, http.StatusCreated, &robot)
	l.token = robot.AccessToken
	var login struct{ Inventory struct{ UUID string } }
	l.do(http.MethodPut, l.snsURL+"/zstack/v1/accounts/login",
		`{"logInByAccount":{"accountName":"admin","password":"`+sns.SHA512Hex("password")+`"}}`, http.StatusOK, &login)
	l.session = login.Inventory.UUID
	return l
}

// snsOutbound is the sender configuration for these specs: a short timeout.
func snsOutbound() webhook.Config { return webhook.Config{Timeout: 5 * time.Second} }

// do sends a request through the validating client and checks its status;
// out, when not nil, receives the JSON answer. It returns the raw body.
func (l *live) do(method, target, body string, status int, out any) string {
	return l.send(context.Background(), method, target, body, status, out)
}

// negative sends a request that breaks the contract on purpose, to the
// listener that does not check requests (a server cannot tell a deliberate
// mistake from a real one).
func (l *live) negative(method, target, body string, status int, out any) string {
	target = strings.Replace(target, l.fakeURL, l.rawURL, 1)
	target = strings.Replace(target, l.snsURL, l.snsRaw, 1)
	return l.send(contracts.Negative(context.Background()), method, target, body, status, out)
}

func (l *live) send(ctx context.Context, method, target, body string, status int, out any) string {
	GinkgoHelper()
	r := testhttp.Request{Method: method, URL: target, Context: ctx, Header: http.Header{}}
	if body != "" {
		r.Body, r.ContentType = body, "application/json;charset=UTF-8"
	}
	if l.session != "" && strings.Contains(target, "/zstack/") {
		r.Header.Set("Authorization", "OAuth "+l.session)
	}
	a := testhttp.Must(l.client, r)
	Expect(a.Status).To(Equal(status), "%s %s answered %s", method, target, a.Raw)
	if out != nil {
		Expect(json.Unmarshal([]byte(a.Raw), out)).To(Succeed())
	}
	return a.Raw
}

// Each spec drives one operation family through the validating client and
// the validating middleware: what it asserts is that every exchange, each
// documented status included, matches openapi.yaml (the Recorder check in
// startLive) and gets the status the contract names. What the answers mean
// is specified where each behaviour lives: the fake robot's suite, the sns
// suite, and the end-to-end suite at the repository root.
var _ = Describe("the in-repo implementations against openapi.yaml", Label("live"), func() {
	Describe("the fake robot", func() {
		var l *live
		var send string // the signed send URL of l's robot
		BeforeEach(func() {
			l = startLive(false)
			var err error
			send, err = dingtalk.SignURL(l.fakeURL+"/robot/send?access_token="+l.token, liveSecret, time.Now())
			Expect(err).NotTo(HaveOccurred())
		})

		It("answers a send it delivers", func() {
			var ans dingtalk.Response
			l.do(http.MethodPost, send, `{"msgtype":"markdown","markdown":{"title":"t","text":"hello"},"at":{"isAtAll":true}}`, 200, &ans)
			Expect(ans.ErrCode).To(Equal(0))
		})

		DescribeTable("answers a send it refuses with HTTP 200 and an errcode",
			func(method, query, body string) {
				var ans dingtalk.Response
				l.negative(method, l.rawURL+"/robot/send"+strings.Replace(query, "TOKEN", l.token, 1), body, 200, &ans)
				Expect(ans.ErrCode).NotTo(BeZero())
			},
			Entry("not a POST", http.MethodGet, "?access_token=TOKEN", ""),
			Entry("no access_token", http.MethodPost, "", `{"msgtype":"text","text":{"content":"x"}}`),
			Entry("unsigned for a signing robot", http.MethodPost, "?access_token=TOKEN", `{"msgtype":"text","text":{"content":"x"}}`),
			Entry("not JSON", http.MethodPost, "?access_token=TOKEN", `not json`),
		)

		It("answers an injected errcode and an injected HTTP status", func() {
			l.do(http.MethodPost, l.fakeURL+"/_mock/faults", `{"kind":"errcode","errcode":130101,"times":1}`, 201, nil)
			l.do(http.MethodPost, l.fakeURL+"/_mock/faults", `{"kind":"http","status":502,"body":"<html>bad gateway</html>","contentType":"text/html","times":1}`, 201, nil)
			raw := strings.Replace(send, l.fakeURL, l.rawURL, 1)
			var ans dingtalk.Response
			l.do(http.MethodPost, raw, `{"msgtype":"text","text":{"content":"x"}}`, 200, &ans)
			Expect(ans.ErrCode).To(Equal(130101))
			Expect(l.do(http.MethodPost, raw, `{"msgtype":"text","text":{"content":"x"}}`, 502, nil)).To(ContainSubstring("bad gateway"))
		})

		It("answers the faults admin API", func() {
			var f struct{ ID string }
			l.do(http.MethodPost, l.fakeURL+"/_mock/faults", `{"kind":"drop","probability":0.5,"seed":7}`, 201, &f)
			l.do(http.MethodGet, l.fakeURL+"/_mock/faults/"+f.ID, "", 200, nil)
			l.do(http.MethodGet, l.fakeURL+"/_mock/faults", "", 200, nil)
			l.do(http.MethodDelete, l.fakeURL+"/_mock/faults/"+f.ID, "", 204, nil)
			l.do(http.MethodDelete, l.fakeURL+"/_mock/faults/"+f.ID, "", 404, nil)
			l.do(http.MethodPost, l.fakeURL+"/_mock/faults", `{"kind":"hang"}`, 201, nil)
			l.do(http.MethodDelete, l.fakeURL+"/_mock/faults", "", 204, nil)
			l.negative(http.MethodPost, l.fakeURL+"/_mock/faults", `{"kind":"explode"}`, 400, nil)
		})

		It("answers the robots admin API", func() {
			var robot struct{ AccessToken string }
			l.do(http.MethodPost, l.fakeURL+"/_mock/robots", "", 201, &robot)
			l.do(http.MethodPost, l.fakeURL+"/_mock/robots", `{"accessToken":"`+robot.AccessToken+`"}`, 409, nil)
			l.do(http.MethodGet, l.fakeURL+"/_mock/robots", "", 200, nil)
			l.do(http.MethodGet, l.fakeURL+"/_mock/robots/"+robot.AccessToken, "", 200, nil)
			l.do(http.MethodPut, l.fakeURL+"/_mock/robots/"+robot.AccessToken, `{"keywords":["deploy"],"ipAllowlist":["127.0.0.1"],"rateLimitPerMinute":0,"disabled":true}`, 200, nil)
			l.do(http.MethodDelete, l.fakeURL+"/_mock/robots/"+robot.AccessToken, "", 204, nil)
			l.do(http.MethodGet, l.fakeURL+"/_mock/robots/"+robot.AccessToken, "", 404, nil)
			l.negative(http.MethodPost, l.fakeURL+"/_mock/robots", `{"nmae":"typo"}`, 400, nil)
		})

		It("answers the messages admin API: pages, waits and clearing", func() {
			l.do(http.MethodPost, send, `{"msgtype":"text","text":{"content":"journal me"},"msgUuid":"u1"}`, 200, nil)
			l.negative(http.MethodPost, l.rawURL+"/robot/send?access_token="+l.token, "\xff\xfe not utf-8", 200, nil)
			var page struct{ Entries []map[string]any }
			l.do(http.MethodGet, l.fakeURL+"/_mock/messages?accessToken="+l.token+"&limit=10&since=0", "", 200, &page)
			Expect(page.Entries).To(HaveLen(2))
			Expect(page.Entries[1]).To(HaveKey("bodyBase64"), "a body that is not UTF-8, as the contract describes it")
			l.do(http.MethodGet, l.fakeURL+"/_mock/messages?delivered=true", "", 200, nil)
			l.do(http.MethodGet, l.fakeURL+"/_mock/messages/wait?count=1&timeout=5s&accessToken="+l.token, "", 200, nil)
			l.do(http.MethodGet, l.fakeURL+"/_mock/messages/wait?count=5&timeout=1ms&accessToken="+l.token, "", 408, nil)
			l.negative(http.MethodGet, l.fakeURL+"/_mock/messages?since=-1", "", 400, nil)
			l.do(http.MethodDelete, l.fakeURL+"/_mock/messages", "", 204, nil)
		})

		DescribeTable("answers the clock admin API",
			func(method string, status int, bodies ...string) {
				for _, body := range bodies[:max(len(bodies)-1, 0)] {
					l.do(http.MethodPut, l.fakeURL+"/_mock/clock", body, 200, nil)
				}
				last := ""
				if len(bodies) > 0 {
					last = bodies[len(bodies)-1]
				}
				if status == 400 {
					l.negative(method, l.fakeURL+"/_mock/clock", last, status, nil)
					return
				}
				l.do(method, l.fakeURL+"/_mock/clock", last, status, nil)
			},
			Entry("read", http.MethodGet, 200),
			Entry("frozen at nowMillis", http.MethodPut, 200, `{"nowMillis":1600000000000,"frozen":true}`),
			Entry("set to now", http.MethodPut, 200, `{"now":"2024-06-01T12:00:00Z"}`),
			Entry("advanced while frozen", http.MethodPut, 200, `{"now":"2024-06-01T12:00:00Z"}`, `{"advanceMs":60000}`),
			Entry("advanced while running", http.MethodPut, 200, `{"advanceMs":60000}`),
			Entry("offset", http.MethodPut, 200, `{"offsetMs":-5000}`),
			Entry("back to real time", http.MethodPut, 200, `{"real":true}`),
			Entry("two changes at once", http.MethodPut, 400, `{"offsetMs":1,"advanceMs":1}`),
		)

		It("answers health and reset", func() {
			l.do(http.MethodGet, l.fakeURL+"/_mock/health", "", 200, nil)
			l.do(http.MethodPost, l.fakeURL+"/_mock/reset", "", 204, nil)
		})
	})

	Describe("the SNS API", func() {
		var l *live
		var testConnection, webhook string
		BeforeEach(func() {
			l = startLive(false)
			testConnection = l.snsURL + "/zstack/v1/sns/application-endpoints/ding-talk/test-connection"
			webhook = l.fakeURL + "/robot/send?access_token=" + l.token
		})

		It("answers session validity, a refused login and logout", func() {
			l.do(http.MethodGet, l.snsURL+"/zstack/v1/accounts/sessions/"+l.session+"/valid", "", 200, nil)
			l.negative(http.MethodPut, l.snsURL+"/zstack/v1/accounts/login", `{"logInByAccount":{"accountName":"admin","password":"password"}}`, 503, nil)
			l.negative(http.MethodPut, l.snsURL+"/zstack/v1/accounts/login", `{"logInByAccount":`, 400, nil)
			l.do(http.MethodDelete, l.snsURL+"/zstack/v1/accounts/sessions/"+l.session, "", 200, nil)
			l.do(http.MethodGet, l.snsURL+"/zstack/v1/accounts/sessions/"+l.session+"/valid", "", 200, nil)
			l.do(http.MethodGet, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk", "", 503, nil)
		})

		It("answers a test-connection whose webhook answered, errcode 0 or not", func() {
			signed := `{"params":{"testMsg":"hello","url":"` + webhook + `","secret":"` + liveSecret + `","atPersonPhoneNumbers":["+86-13800000000"]},"systemTags":[],"userTags":[]}`
			l.do(http.MethodPost, testConnection, signed, 200, nil)
			l.do(http.MethodPost, testConnection, `{"params":{"testMsg":"hello","url":"`+webhook+`"}}`, 200, nil)
		})

		It("answers a test-connection that fails: bad input, an unreachable webhook, a bad session", func() {
			l.negative(http.MethodPost, testConnection, `{"params":{"url":"`+webhook+`"}}`, 503, nil)
			l.negative(http.MethodPost, testConnection, `{"params":{"testMsg":1}}`, 400, nil)
			l.do(http.MethodPost, testConnection, `{"params":{"testMsg":"x","url":"http://127.0.0.1:1/robot/send?access_token=x"}}`, 503, nil)
			unsigned := `{"params":{"testMsg":"hello","url":"` + webhook + `"}}`
			l.session = ""
			l.negative(http.MethodPost, testConnection, unsigned, 400, nil)
			l.session = strings.Repeat("0", 32)
			l.do(http.MethodPost, testConnection, unsigned, 503, nil)
		})

		Describe("endpoints", func() {
			var base, uuid string
			BeforeEach(func() {
				base = l.snsURL + "/zstack/v1/sns/application-endpoints"
				var created struct{ Inventory struct{ UUID string } }
				l.do(http.MethodPost, base+"/ding-talk", `{"params":{"name":"ops","description":"d","url":"`+webhook+`","secret":"`+liveSecret+`",`+
					`"atAll":false,"atPersonPhoneNumbers":["+86-13800000000"],"atPersonList":{"+86-13900000000":"backup"}},"systemTags":[],"userTags":[]}`, 200, &created)
				uuid = created.Inventory.UUID
			})

			It("answers creation with the fewest fields and every form of query", func() {
				l.do(http.MethodPost, base+"/ding-talk", `{"params":{"name":"bare","url":"`+webhook+`"}}`, 200, nil)
				l.do(http.MethodGet, base+"/ding-talk", "", 200, nil)
				l.do(http.MethodGet, base+"/ding-talk?q=name=ops&limit=1&start=0&replyWithCount=true&sort=-createDate", "", 200, nil)
				l.do(http.MethodGet, base+"/ding-talk?count=true", "", 200, nil)
				l.do(http.MethodGet, base+"/ding-talk?fields=uuid,name", "", 200, nil)
				l.do(http.MethodGet, base+"/ding-talk/"+uuid, "", 200, nil)
				l.negative(http.MethodGet, base+"/ding-talk?q=nosuchfield=1", "", 400, nil)
				l.do(http.MethodGet, base, "", 200, nil)
				l.do(http.MethodGet, base+"/"+uuid, "", 200, nil)
			})

			It("answers a test-connection by endpointUuid, the three update actions and deletion", func() {
				l.do(http.MethodPost, testConnection, `{"params":{"testMsg":"via endpoint","endpointUuid":"`+uuid+`"}}`, 200, nil)
				l.do(http.MethodPut, base+"/ding-talk/"+uuid+"/actions", `{"updateSNSDingTalkEndpoint":{"name":"ops2","atAll":true,"secret":""}}`, 200, nil)
				l.do(http.MethodPut, base+"/"+uuid+"/actions", `{"changeSNSApplicationEndpointState":{"stateEvent":"disable"}}`, 200, nil)
				l.do(http.MethodPut, base+"/"+uuid+"/actions", `{"updateSNSApplicationEndpoint":{"name":"ops3"}}`, 200, nil)
				l.do(http.MethodDelete, base+"/"+uuid, "", 200, nil)
				l.do(http.MethodPut, base+"/ding-talk/"+uuid+"/actions", `{"updateSNSDingTalkEndpoint":{"name":"gone"}}`, 503, nil)
			})

			It("answers the at-person operations", func() {
				var person struct{ Inventory struct{ UUID string } }
				l.do(http.MethodPost, base+"/ding-talk/at-persons", `{"params":{"phoneNumber":"+86-13700000000","endpointUuid":"`+uuid+`","remark":"r"}}`, 200, &person)
				l.do(http.MethodPost, base+"/ding-talk/at-persons", `{"params":{"phoneNumber":"+86-13700000000","endpointUuid":"`+uuid+`"}}`, 503, nil)
				l.do(http.MethodGet, base+"/ding-talk/at-persons", "", 200, nil)
				l.do(http.MethodGet, base+"/ding-talk/at-persons/"+person.Inventory.UUID, "", 200, nil)
				l.do(http.MethodPut, base+"/ding-talk/at-persons/"+person.Inventory.UUID+"/actions",
					`{"updateAtPersonOfAtDingTalkEndpoint":{"endpointUuid":"`+uuid+`","phoneNumber":"+86-13700000001"}}`, 200, nil)
				l.do(http.MethodDelete, base+"/ding-talk/"+uuid+"/at-persons/"+url.PathEscape("+86-13700000001"), "", 200, nil)
			})
		})
	})

	Describe("the SNS API with ZStack's async job protocol", func() {
		var l *live
		var testConnection, webhook string
		BeforeEach(func() {
			l = startLive(true)
			testConnection = l.snsURL + "/zstack/v1/sns/application-endpoints/ding-talk/test-connection"
			webhook = l.fakeURL + "/robot/send?access_token=" + l.token
		})
		// jobStatus polls a job's location until it is no longer running.
		jobStatus := func(location string) int {
			GinkgoHelper()
			var status int
			Eventually(func() int {
				status = testhttp.Must(l.client, testhttp.Request{URL: location}).Status
				return status
			}).ShouldNot(Equal(202))
			return status
		}

		It("answers 202 with a location, then the job's result", func() {
			var job struct{ Location string }
			l.do(http.MethodPost, testConnection, `{"params":{"testMsg":"async","url":"`+webhook+`","secret":"`+liveSecret+`"}}`, 202, &job)
			Expect(jobStatus(job.Location)).To(Equal(200))
		})

		It("answers a job that failed (a bad session) with its error", func() {
			l.session = strings.Repeat("0", 32)
			var job struct{ Location string }
			l.do(http.MethodPost, testConnection, `{"params":{"testMsg":"async","url":"`+webhook+`"}}`, 202, &job)
			Expect(jobStatus(job.Location)).To(Equal(503))
		})

		It("answers an unknown job and a method other than GET", func() {
			var job struct{ Location string }
			l.do(http.MethodPost, testConnection, `{"params":{"testMsg":"async","url":"`+webhook+`","secret":"`+liveSecret+`"}}`, 202, &job)
			l.do(http.MethodGet, l.snsURL+"/zstack/v1/api-jobs/"+strings.Repeat("a", 32), "", 404, nil)
			l.do(http.MethodDelete, job.Location, "", 405, nil)
		})
	})
})
