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
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, r)
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	if body != "" {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	if l.session != "" && strings.Contains(target, "/zstack/") {
		req.Header.Set("Authorization", "OAuth "+l.session)
	}
	resp, err := l.client.Do(req)
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	ExpectWithOffset(2, resp.StatusCode).To(Equal(status), "%s %s answered %s", method, target, data)
	if out != nil {
		ExpectWithOffset(2, json.Unmarshal(data, out)).To(Succeed())
	}
	return string(data)
}

var _ = Describe("the in-repo implementations against openapi.yaml", Label("live"), func() {
	Describe("the fake robot", func() {
		var l *live
		BeforeEach(func() { l = startLive(false) })

		It("answers the send API as documented, delivered or refused", func() {
			signed, err := dingtalk.SignURL(l.fakeURL+"/robot/send?access_token="+l.token, liveSecret, time.Now())
			Expect(err).NotTo(HaveOccurred())
			var ans dingtalk.Response
			l.do(http.MethodPost, signed, `{"msgtype":"markdown","markdown":{"title":"t","text":"hello"},"at":{"isAtAll":true}}`, 200, &ans)
			Expect(ans.ErrCode).To(Equal(0))

			l.negative(http.MethodGet, l.rawURL+"/robot/send?access_token="+l.token, "", 200, &ans)
			Expect(ans.ErrCode).To(Equal(dingtalk.CodeNotPost))
			l.negative(http.MethodPost, l.rawURL+"/robot/send", `{"msgtype":"text","text":{"content":"x"}}`, 200, &ans)
			Expect(ans.ErrCode).To(Equal(dingtalk.CodeMissingParameter))
			l.negative(http.MethodPost, l.rawURL+"/robot/send?access_token="+l.token, `{"msgtype":"text","text":{"content":"x"}}`, 200, &ans)
			Expect(ans.ErrCode).To(Equal(dingtalk.CodeSecurityCheck))
			l.negative(http.MethodPost, l.rawURL+"/robot/send?access_token="+l.token, `not json`, 200, &ans)
			Expect(ans.ErrCode).To(Equal(dingtalk.CodeMissingParameter))
		})

		It("answers injected faults as documented: errcode with X-Mock-Fault, any status with X-Mock-Fault", func() {
			var f struct{ ID string }
			l.do(http.MethodPost, l.fakeURL+"/_mock/faults", `{"kind":"errcode","errcode":130101,"times":1}`, 201, &f)
			l.do(http.MethodGet, l.fakeURL+"/_mock/faults/"+f.ID, "", 200, nil)
			l.do(http.MethodPost, l.fakeURL+"/_mock/faults", `{"kind":"http","status":502,"body":"<html>bad gateway</html>","contentType":"text/html","times":1}`, 201, nil)
			signed, err := dingtalk.SignURL(l.rawURL+"/robot/send?access_token="+l.token, liveSecret, time.Now())
			Expect(err).NotTo(HaveOccurred())
			var ans dingtalk.Response
			l.do(http.MethodPost, signed, `{"msgtype":"text","text":{"content":"x"}}`, 200, &ans)
			Expect(ans.ErrCode).To(Equal(130101))
			Expect(l.do(http.MethodPost, signed, `{"msgtype":"text","text":{"content":"x"}}`, 502, nil)).To(ContainSubstring("bad gateway"))
			var list struct{ Faults []any }
			l.do(http.MethodGet, l.fakeURL+"/_mock/faults", "", 200, &list)
			Expect(list.Faults).To(BeEmpty())
			l.do(http.MethodPost, l.fakeURL+"/_mock/faults", `{"kind":"drop","probability":0.5,"seed":7}`, 201, &f)
			l.do(http.MethodDelete, l.fakeURL+"/_mock/faults/"+f.ID, "", 204, nil)
			l.do(http.MethodDelete, l.fakeURL+"/_mock/faults/"+f.ID, "", 404, nil)
			l.do(http.MethodPost, l.fakeURL+"/_mock/faults", `{"kind":"hang"}`, 201, nil)
			l.do(http.MethodDelete, l.fakeURL+"/_mock/faults", "", 204, nil)
			l.negative(http.MethodPost, l.fakeURL+"/_mock/faults", `{"kind":"explode"}`, 400, nil)
		})

		It("answers the admin API as documented", func() {
			l.do(http.MethodGet, l.fakeURL+"/_mock/health", "", 200, nil)
			var robot struct{ AccessToken string }
			l.do(http.MethodPost, l.fakeURL+"/_mock/robots", "", 201, &robot)
			l.do(http.MethodPost, l.fakeURL+"/_mock/robots", `{"accessToken":"`+robot.AccessToken+`"}`, 409, nil)
			l.do(http.MethodGet, l.fakeURL+"/_mock/robots", "", 200, nil)
			l.do(http.MethodGet, l.fakeURL+"/_mock/robots/"+robot.AccessToken, "", 200, nil)
			l.do(http.MethodPut, l.fakeURL+"/_mock/robots/"+robot.AccessToken, `{"keywords":["deploy"],"ipAllowlist":["127.0.0.1"],"rateLimitPerMinute":0,"disabled":true}`, 200, nil)
			l.do(http.MethodDelete, l.fakeURL+"/_mock/robots/"+robot.AccessToken, "", 204, nil)
			l.do(http.MethodGet, l.fakeURL+"/_mock/robots/"+robot.AccessToken, "", 404, nil)
			l.negative(http.MethodPost, l.fakeURL+"/_mock/robots", `{"nmae":"typo"}`, 400, nil)

			signed, err := dingtalk.SignURL(l.fakeURL+"/robot/send?access_token="+l.token, liveSecret, time.Now())
			Expect(err).NotTo(HaveOccurred())
			l.do(http.MethodPost, signed, `{"msgtype":"text","text":{"content":"journal me"},"msgUuid":"u1"}`, 200, nil)
			l.negative(http.MethodPost, l.rawURL+"/robot/send?access_token="+l.token, "\xff\xfe not utf-8", 200, nil)
			var page struct {
				Entries []map[string]any
				LastSeq int
			}
			l.do(http.MethodGet, l.fakeURL+"/_mock/messages?accessToken="+l.token+"&limit=10&since=0", "", 200, &page)
			Expect(page.Entries).To(HaveLen(2))
			Expect(page.Entries[1]).To(HaveKey("bodyBase64"))
			l.do(http.MethodGet, l.fakeURL+"/_mock/messages?delivered=true", "", 200, &page)
			l.do(http.MethodGet, l.fakeURL+"/_mock/messages/wait?count=1&timeout=5s&accessToken="+l.token, "", 200, &page)
			l.do(http.MethodGet, l.fakeURL+"/_mock/messages/wait?count=5&timeout=1ms&accessToken="+l.token, "", 408, &page)
			l.negative(http.MethodGet, l.fakeURL+"/_mock/messages?since=-1", "", 400, nil)
			l.do(http.MethodDelete, l.fakeURL+"/_mock/messages", "", 204, nil)

			l.do(http.MethodGet, l.fakeURL+"/_mock/clock", "", 200, nil)
			l.do(http.MethodPut, l.fakeURL+"/_mock/clock", `{"nowMillis":1600000000000,"frozen":true}`, 200, nil)
			l.do(http.MethodPut, l.fakeURL+"/_mock/clock", `{"now":"2024-06-01T12:00:00Z"}`, 200, nil)
			l.do(http.MethodPut, l.fakeURL+"/_mock/clock", `{"advanceMs":60000}`, 200, nil)
			l.do(http.MethodPut, l.fakeURL+"/_mock/clock", `{"offsetMs":-5000}`, 200, nil)
			l.do(http.MethodPut, l.fakeURL+"/_mock/clock", `{"real":true}`, 200, nil)
			l.negative(http.MethodPut, l.fakeURL+"/_mock/clock", `{"offsetMs":1,"advanceMs":1}`, 400, nil)
			l.do(http.MethodPost, l.fakeURL+"/_mock/reset", "", 204, nil)
		})
	})

	Describe("the SNS API", func() {
		var l *live
		BeforeEach(func() { l = startLive(false) })

		It("answers sessions as documented", func() {
			var valid struct{ Valid bool }
			l.do(http.MethodGet, l.snsURL+"/zstack/v1/accounts/sessions/"+l.session+"/valid", "", 200, &valid)
			Expect(valid.Valid).To(BeTrue())
			l.negative(http.MethodPut, l.snsURL+"/zstack/v1/accounts/login", `{"logInByAccount":{"accountName":"admin","password":"password"}}`, 503, nil)
			l.negative(http.MethodPut, l.snsURL+"/zstack/v1/accounts/login", `{"logInByAccount":`, 400, nil)
			l.do(http.MethodDelete, l.snsURL+"/zstack/v1/accounts/sessions/"+l.session, "", 200, nil)
			l.do(http.MethodGet, l.snsURL+"/zstack/v1/accounts/sessions/"+l.session+"/valid", "", 200, &valid)
			Expect(valid.Valid).To(BeFalse())
			l.do(http.MethodGet, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk", "", 503, nil)
		})

		It("answers test-connection as documented, connected or failing", func() {
			webhook := l.fakeURL + "/robot/send?access_token=" + l.token
			var res struct {
				Connected   bool
				WebhookResp map[string]any
			}
			body := `{"params":{"testMsg":"hello","url":"` + webhook + `","secret":"` + liveSecret + `","atPersonPhoneNumbers":["+86-13800000000"]},"systemTags":[],"userTags":[]}`
			l.do(http.MethodPost, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection", body, 200, &res)
			Expect(res.Connected).To(BeTrue())
			Expect(res.WebhookResp).To(HaveKeyWithValue("errcode", BeNumerically("==", 0)))

			unsigned := `{"params":{"testMsg":"hello","url":"` + webhook + `"}}`
			l.do(http.MethodPost, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection", unsigned, 200, &res)
			Expect(res.WebhookResp).To(HaveKeyWithValue("errcode", BeNumerically("==", dingtalk.CodeSecurityCheck)))

			l.negative(http.MethodPost, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection", `{"params":{"url":"`+webhook+`"}}`, 503, nil)
			l.negative(http.MethodPost, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection", `{"params":{"testMsg":1}}`, 400, nil)
			l.do(http.MethodPost, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection",
				`{"params":{"testMsg":"x","url":"http://127.0.0.1:1/robot/send?access_token=x"}}`, 503, nil)

			l.session = ""
			l.negative(http.MethodPost, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection", unsigned, 400, nil)
			l.session = strings.Repeat("0", 32)
			l.do(http.MethodPost, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection", unsigned, 503, nil)
		})

		It("answers endpoint and at-person management as documented", func() {
			base := l.snsURL + "/zstack/v1/sns/application-endpoints"
			webhook := l.fakeURL + "/robot/send?access_token=" + l.token
			var created struct{ Inventory struct{ UUID string } }
			l.do(http.MethodPost, base+"/ding-talk", `{"params":{"name":"ops","description":"d","url":"`+webhook+`","secret":"`+liveSecret+`",`+
				`"atAll":false,"atPersonPhoneNumbers":["+86-13800000000"],"atPersonList":{"+86-13900000000":"backup"}},"systemTags":[],"userTags":[]}`, 200, &created)
			uuid := created.Inventory.UUID
			l.do(http.MethodPost, base+"/ding-talk", `{"params":{"name":"bare","url":"`+webhook+`"}}`, 200, nil)

			l.do(http.MethodGet, base+"/ding-talk", "", 200, nil)
			l.do(http.MethodGet, base+"/ding-talk?q=name=ops&limit=1&start=0&replyWithCount=true&sort=-createDate", "", 200, nil)
			l.do(http.MethodGet, base+"/ding-talk?count=true", "", 200, nil)
			l.do(http.MethodGet, base+"/ding-talk?fields=uuid,name", "", 200, nil)
			l.do(http.MethodGet, base+"/ding-talk/"+uuid, "", 200, nil)
			l.negative(http.MethodGet, base+"/ding-talk?q=nosuchfield=1", "", 400, nil)
			l.do(http.MethodGet, base, "", 200, nil)
			l.do(http.MethodGet, base+"/"+uuid, "", 200, nil)

			l.do(http.MethodPost, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection",
				`{"params":{"testMsg":"via endpoint","endpointUuid":"`+uuid+`"}}`, 200, nil)
			l.do(http.MethodPut, base+"/ding-talk/"+uuid+"/actions", `{"updateSNSDingTalkEndpoint":{"name":"ops2","atAll":true,"secret":""}}`, 200, nil)
			l.do(http.MethodPut, base+"/"+uuid+"/actions", `{"changeSNSApplicationEndpointState":{"stateEvent":"disable"}}`, 200, nil)
			l.do(http.MethodPut, base+"/"+uuid+"/actions", `{"updateSNSApplicationEndpoint":{"name":"ops3"}}`, 200, nil)

			var person struct{ Inventory struct{ UUID string } }
			l.do(http.MethodPost, base+"/ding-talk/at-persons", `{"params":{"phoneNumber":"+86-13700000000","endpointUuid":"`+uuid+`","remark":"r"}}`, 200, &person)
			l.do(http.MethodPost, base+"/ding-talk/at-persons", `{"params":{"phoneNumber":"+86-13700000000","endpointUuid":"`+uuid+`"}}`, 503, nil)
			l.do(http.MethodGet, base+"/ding-talk/at-persons", "", 200, nil)
			l.do(http.MethodGet, base+"/ding-talk/at-persons/"+person.Inventory.UUID, "", 200, nil)
			l.do(http.MethodPut, base+"/ding-talk/at-persons/"+person.Inventory.UUID+"/actions",
				`{"updateAtPersonOfAtDingTalkEndpoint":{"endpointUuid":"`+uuid+`","phoneNumber":"+86-13700000001"}}`, 200, nil)
			l.do(http.MethodDelete, base+"/ding-talk/"+uuid+"/at-persons/"+url.PathEscape("+86-13700000001"), "", 200, nil)
			l.do(http.MethodDelete, base+"/"+uuid, "", 200, nil)
			l.do(http.MethodPut, base+"/ding-talk/"+uuid+"/actions", `{"updateSNSDingTalkEndpoint":{"name":"gone"}}`, 503, nil)
		})
	})

	Describe("the SNS API with ZStack's async job protocol", func() {
		var l *live
		BeforeEach(func() { l = startLive(true) })

		It("answers 202 with a location, then the job as documented", func() {
			webhook := l.fakeURL + "/robot/send?access_token=" + l.token
			var job struct{ Location string }
			l.do(http.MethodPost, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection",
				`{"params":{"testMsg":"async","url":"`+webhook+`","secret":"`+liveSecret+`"}}`, 202, &job)
			Expect(job.Location).To(HavePrefix(l.snsURL + "/zstack/v1/api-jobs/"))
			Eventually(func() int {
				resp, err := l.client.Get(job.Location)
				Expect(err).NotTo(HaveOccurred())
				resp.Body.Close()
				return resp.StatusCode
			}).Should(Equal(200))
			l.do(http.MethodGet, l.snsURL+"/zstack/v1/api-jobs/"+strings.Repeat("a", 32), "", 404, nil)
			l.do(http.MethodDelete, job.Location, "", 405, nil)

			l.session = strings.Repeat("0", 32)
			l.do(http.MethodPost, l.snsURL+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection",
				`{"params":{"testMsg":"async","url":"`+webhook+`"}}`, 202, &job)
			Eventually(func() int {
				resp, err := l.client.Get(job.Location)
				Expect(err).NotTo(HaveOccurred())
				resp.Body.Close()
				return resp.StatusCode
			}).Should(Equal(503))
		})
	})
})
