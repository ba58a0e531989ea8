// The harness tests itself: deliberately broken variants of the in-repo
// implementation (its handler wrapped to rewrite requests or answers, or its
// webhook calls passed through a proxy that spoils them) must each fail the
// rule they break, with a message naming it; the real implementation, also
// in async mode, passes every rule.
package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts/conformance"
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/sns"
)

// variant wraps the in-repo API (and may see the fake robot) to break it.
type variant func(api http.Handler, fake *mockdingtalk.Server) http.Handler

// inProcess builds the in-repo API wrapped by v.
func inProcess(v variant) func(*mockdingtalk.Server) (http.Handler, io.Closer, error) {
	return func(fake *mockdingtalk.Server) (http.Handler, io.Closer, error) {
		h, closer, err := conformance.DefaultInProcess(false)(fake)
		if err != nil {
			return nil, nil, err
		}
		return v(h, fake), closer, nil
	}
}

func isTestConnection(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == conformance.PathTestConnection
}

// rewriteParams changes the params of every test-connection request.
func rewriteParams(f func(p map[string]any)) variant {
	return func(api http.Handler, _ *mockdingtalk.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isTestConnection(r) {
				var body map[string]any
				data, _ := io.ReadAll(r.Body)
				if json.Unmarshal(data, &body) == nil {
					if p, ok := body["params"].(map[string]any); ok {
						f(p)
					}
					data, _ = json.Marshal(body)
				}
				r.Body = io.NopCloser(bytes.NewReader(data))
				r.ContentLength = int64(len(data))
			}
			api.ServeHTTP(w, r)
		})
	}
}

// rewriteAnswer changes every successful test-connection answer.
func rewriteAnswer(f func(ans map[string]any)) variant {
	return func(api http.Handler, _ *mockdingtalk.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isTestConnection(r) {
				api.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			var ans map[string]any
			if rec.Code == http.StatusOK && json.Unmarshal(body, &ans) == nil {
				f(ans)
				body, _ = json.Marshal(ans)
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	}
}

// spoilWebhookCalls sends the API's webhook calls through a proxy that
// changes their query before the fake robot sees them.
func spoilWebhookCalls(spoil func(q url.Values, secret string) string) variant {
	return func(api http.Handler, fake *mockdingtalk.Server) http.Handler {
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q, _ := url.ParseQuery(r.URL.RawQuery)
			robot, _ := fake.Robot(q.Get("access_token"))
			r.URL.RawQuery = spoil(q, robot.Secret)
			fake.ServeHTTP(w, r)
		}))
		DeferCleanup(proxy.Close)
		return rewriteParams(func(p map[string]any) {
			if u, ok := p["url"].(string); ok {
				p["url"] = strings.Replace(u, fake.URL(), proxy.URL, 1)
			}
		})(api, fake)
	}
}

// failuresAsConnected answers every failed test-connection with 200 and
// connected: true.
func failuresAsConnected(api http.Handler, _ *mockdingtalk.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isTestConnection(r) {
			api.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, r)
		if rec.Code == http.StatusServiceUnavailable {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"success":true,"connected":true,"webhookResp":{}}`)
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// noAuthCheck lets every call in with a valid session of its own.
func noAuthCheck(api http.Handler, _ *mockdingtalk.Server) http.Handler {
	var once sync.Once
	var session string
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			body := `{"logInByAccount":{"accountName":"admin","password":"` + sns.SHA512Hex("password") + `"}}`
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/zstack/v1/accounts/login", strings.NewReader(body)))
			var out struct{ Inventory struct{ UUID string } }
			_ = json.Unmarshal(rec.Body.Bytes(), &out)
			session = out.Inventory.UUID
		})
		if !strings.HasSuffix(r.URL.Path, "/accounts/login") {
			r.Header.Set("Authorization", "OAuth "+session)
		}
		api.ServeHTTP(w, r)
	})
}

func checkNamed(id string) conformance.Check {
	for _, c := range conformance.Checks() {
		if c.ID == id {
			return c
		}
	}
	Fail("no check " + id)
	return conformance.Check{}
}

func startHarness(ctx context.Context, build func(*mockdingtalk.Server) (http.Handler, io.Closer, error)) *conformance.Harness {
	h, err := conformance.New(ctx, conformance.Config{InProcess: build})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(h.Close)
	return h
}

var _ = Describe("the conformance harness", Label("selftest"), func() {
	DescribeTable("fails each broken variant of the in-repo implementation, naming the broken rule",
		func(ctx SpecContext, v variant, rules map[string]string) {
			h := startHarness(ctx, inProcess(v))
			for id, detail := range rules {
				err := h.Run(ctx, checkNamed(id))
				Expect(err).To(HaveOccurred(), "rule %s passed against the broken variant", id)
				Expect(err.Error()).To(ContainSubstring(detail), "rule %s", id)
			}
		},
		Entry("wrong field types (connected as a string)",
			rewriteAnswer(func(a map[string]any) { a["connected"] = strconv.FormatBool(a["connected"] == true) }),
			map[string]string{"schema.response-conforms.test-connection": `rule schema.response-conforms broken (every answer matches openapi.yaml):
  openapi.yaml: the response to SNSDingTalkTestConnection (POST /zstack/v1/sns/application-endpoints/ding-talk/test-connection) with status 200 breaks the contract:
    - body /connected: expected type boolean; got "true"`}),
		Entry("connected missing",
			rewriteAnswer(func(a map[string]any) { delete(a, "connected") }),
			map[string]string{
				"schema.response-conforms.test-connection": `body /connected: expected property "connected" (it is required); got no such property`,
				"delivery.connected-and-webhookResp":       "rule delivery.connected-and-webhookResp broken (a 2xx webhook answer gives connected: true",
			}),
		Entry("unsigned requests",
			spoilWebhookCalls(func(q url.Values, _ string) string {
				q.Del("timestamp")
				q.Del("sign")
				return q.Encode()
			}),
			map[string]string{
				"signing.signed-when-secret": "rule signing.signed-when-secret broken (with a secret, the webhook URL carries timestamp and sign):\n  the webhook request was not signed",
				"signing.signature-valid":    "rule signing.signature-valid broken",
			}),
		Entry("timestamp in seconds",
			spoilWebhookCalls(func(q url.Values, secret string) string {
				ms, _ := strconv.ParseInt(q.Get("timestamp"), 10, 64)
				ts := strconv.FormatInt(ms/1000, 10)
				q.Set("timestamp", ts)
				q.Set("sign", dingtalk.SignString(secret, ts))
				return q.Encode()
			}),
			map[string]string{"signing.timestamp-milliseconds": `rule signing.timestamp-milliseconds broken (timestamp is the current time in milliseconds (13 digits, within an hour of the robot's clock)):
  timestamp="`}),
		Entry("sign not URL-encoded",
			spoilWebhookCalls(func(q url.Values, _ string) string {
				sign := q.Get("sign")
				q.Del("sign")
				return q.Encode() + "&sign=" + sign
			}),
			map[string]string{
				"signing.sign-url-encoded-once": "holds raw + / or = (not URL-encoded; a + arrives as a space)",
			}),
		Entry("sign encoded twice",
			spoilWebhookCalls(func(q url.Values, _ string) string {
				sign := q.Get("sign")
				q.Del("sign")
				return q.Encode() + "&sign=" + url.QueryEscape(url.QueryEscape(sign))
			}),
			map[string]string{"signing.sign-url-encoded-once": "after one URL-decoding (encoded twice?)"}),
		Entry("atAll ignored",
			rewriteParams(func(p map[string]any) { delete(p, "atAll") }),
			map[string]string{"mentions.at-all": "rule mentions.at-all broken (atAll: true gives at.isAtAll: true):\n  at.isAtAll is not true although atAll was true"}),
		Entry("phone numbers ignored",
			rewriteParams(func(p map[string]any) { delete(p, "atPersonPhoneNumbers") }),
			map[string]string{"mentions.at-persons": "at.atMobiles lacks 13800000000"}),
		Entry("errcode swallowed",
			rewriteAnswer(func(a map[string]any) { a["webhookResp"] = map[string]any{"errcode": 0, "errmsg": "ok"} }),
			map[string]string{"errors.errcode-passed-through": `rule errors.errcode-passed-through broken (a non-zero errcode from the webhook is passed through in webhookResp, with connected: true):
  webhookResp is {"errcode":0,"errmsg":"ok"}; the webhook answered {"errcode":310000`}),
		Entry("failures reported as connected",
			failuresAsConnected,
			map[string]string{
				"errors.http-500":            "rule errors.http-500 broken (a webhook answering HTTP 500 gives an error or connected: false, never connected: true):\n  the webhook failed but the answer says it is connected",
				"errors.unreachable-webhook": "the webhook failed but the answer says it is connected",
				"errors.dropped-connection":  "the webhook failed but the answer says it is connected",
			}),
		Entry("no auth check",
			noAuthCheck,
			map[string]string{
				"auth.missing-header":  "rule auth.missing-header broken (a call without Authorization is refused (400 missing header 'Authorization')):\n  the call was not refused: it was accepted",
				"auth.wrong-scheme":    "rule auth.wrong-scheme broken",
				"auth.invalid-session": "rule auth.invalid-session broken",
			}),
		Entry("endpointUuid ignored",
			rewriteParams(func(p map[string]any) { delete(p, "endpointUuid") }),
			map[string]string{"delivery.endpoint-uuid-precedence": "rule delivery.endpoint-uuid-precedence broken (with endpointUuid, the stored endpoint's url, secret and atAll win over those in the request):\n  the message went to the url given in the request, not to the stored endpoint's url"}),
		Entry("wrong types accepted (testMsg as a number)",
			rewriteParams(func(p map[string]any) {
				if _, ok := p["testMsg"].(float64); ok {
					p["testMsg"] = "coerced"
				}
			}),
			map[string]string{"negative.test-connection/params/testMsg.wrong-type": "it was accepted"}),
	)

	It("passes the real implementation in async mode, following every job", func(ctx SpecContext) {
		h := startHarness(ctx, conformance.DefaultInProcess(true))
		for _, c := range conformance.Checks() {
			Expect(h.Run(ctx, c)).To(Succeed(), c.ID)
		}
	})

	It("refuses a remote target the fake robot cannot be reached from", func() {
		GinkgoT().Setenv(conformance.EnvTargetURL, "http://10.0.0.5:8080")
		GinkgoT().Setenv(conformance.EnvMockListen, "")
		GinkgoT().Setenv(conformance.EnvMockPublicURL, "")
		_, err := conformance.ConfigFromEnv()
		Expect(err).To(MatchError(ContainSubstring("set MOCK_LISTEN")))
	})
})
