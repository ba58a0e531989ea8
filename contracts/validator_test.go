// Specs of the Validator: what it rejects, and that its messages name the
// operation, the method and path, the JSON pointer, what was expected and
// what was sent.

package contracts_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	root "github.com/dingtalk-mock/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/contracts"
)

const (
	sendURL     = "http://fake.test/robot/send?access_token=24c8d15148dc351e6144418492231688df9a550423e29b4ae39353d2d6a2a44b"
	testConnURL = "http://sns.test/zstack/v1/sns/application-endpoints/ding-talk/test-connection"
	session     = "OAuth 378e144c1c184b9cbc2788ec8f3a91d9"
)

func jsonRequest(method, target, body string) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	return req
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// mismatch asserts err is a *contracts.Mismatch and returns it.
func mismatch(err error) *contracts.Mismatch {
	var m *contracts.Mismatch
	ExpectWithOffset(1, errors.As(err, &m)).To(BeTrue(), "not a *contracts.Mismatch: %v", err)
	return m
}

var _ = Describe("Validator", func() {
	v := contracts.Default()

	It("is built once and shared", func() {
		Expect(contracts.Default()).To(BeIdenticalTo(v))
	})

	Describe("requests", func() {
		It("accepts a signed text message with charset in its Content-Type", func() {
			req := jsonRequest(http.MethodPost, sendURL+"&timestamp=1600000000000&sign=379i51ZpQAvxLHDd%2Ffi11xXbk9pkmRZseEY7prOyuSo%3D",
				`{"msgtype":"text","text":{"content":"hi"},"unknown":"fields are fine"}`)
			Expect(v.ValidateRequest(req)).To(Succeed())
		})

		It("puts the body back, so the request can still be sent", func() {
			body := `{"msgtype":"text","text":{"content":"hi"}}`
			req := jsonRequest(http.MethodPost, sendURL, body)
			Expect(v.ValidateRequest(req)).To(Succeed())
			got, err := io.ReadAll(req.Body)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(got)).To(Equal(body))
		})

		It("names each client mistake: a timestamp in seconds, a sign left unencoded, a markdown without title", func() {
			req := jsonRequest(http.MethodPost, sendURL+"&timestamp=1600000000&sign=379i51ZpQAvxLHDd/fi11xXbk9pkmRZseEY7prOyuSo+=",
				`{"msgtype":"markdown","markdown":{"text":"x"}}`)
			err := v.ValidateRequest(req)
			m := mismatch(err)
			Expect(m.Operation).To(Equal("robotSend"))
			Expect(m.Response).To(BeFalse())
			Expect(err.Error()).To(HavePrefix("openapi.yaml: the request robotSend (POST /robot/send) breaks the contract:"))
			Expect(err.Error()).To(ContainSubstring(`query parameter "timestamp": expected a string matching ^[0-9]{13}$; got "1600000000"`))
			Expect(err.Error()).To(ContainSubstring(`query parameter "sign": expected a string matching`))
			Expect(err.Error()).To(ContainSubstring(`body /markdown/title: expected property "title" (it is required) (as MarkdownMessage); got no such property`))
		})

		It("says which msgtypes exist when msgtype is unknown", func() {
			err := v.ValidateRequest(jsonRequest(http.MethodPost, sendURL, `{"msgtype":"file"}`))
			Expect(err).To(MatchError(ContainSubstring("body: expected one of TextMessage, LinkMessage, MarkdownMessage, ActionCardMessage, FeedCardMessage, ImageMessage")))
		})

		It("refuses a wrong Content-Type and a missing access_token", func() {
			req := httptest.NewRequest(http.MethodPost, "http://fake.test/robot/send", strings.NewReader(`{"msgtype":"text","text":{"content":"hi"}}`))
			req.Header.Set("Content-Type", "text/plain")
			err := v.ValidateRequest(req)
			Expect(err).To(MatchError(ContainSubstring(`content type: expected Content-Type application/json; got "text/plain"`)))
			Expect(err).To(MatchError(ContainSubstring(`query parameter "access_token": expected a value (it is required); got nothing`)))
		})

		It("checks the form of the ZStack session header without showing the credential", func() {
			body := `{"params":{"testMsg":"hi","url":"http://127.0.0.1:1/robot/send?access_token=x"}}`
			req := jsonRequest(http.MethodPost, testConnURL, body)
			Expect(v.ValidateRequest(req)).To(MatchError(ContainSubstring("security: expected 'OAuth <32-hex session uuid>' (header Authorization is missing)")))

			req = jsonRequest(http.MethodPost, testConnURL, body)
			req.Header.Set("Authorization", "Basic c2VjcmV0LXBhc3N3b3Jk")
			err := v.ValidateRequest(req)
			Expect(err).To(MatchError(ContainSubstring(`scheme "Basic" with a 20-character credential`)))
			Expect(err.Error()).NotTo(ContainSubstring("c2VjcmV0"))

			req = jsonRequest(http.MethodPost, testConnURL, body)
			req.Header.Set("Authorization", session)
			Expect(v.ValidateRequest(req)).To(Succeed())
		})

		Describe("the fake's optional admin token", func() {
			adminReq := func(header http.Header) *http.Request {
				req := httptest.NewRequest(http.MethodGet, "http://fake.test/_mock/robots", nil)
				for k, vs := range header {
					req.Header[k] = vs
				}
				return req
			}
			basic := func(user, password string) http.Header {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.SetBasicAuth(user, password)
				return req.Header
			}
			forms := []http.Header{
				{"Authorization": {"Bearer s3cr3t"}},
				{"Authorization": {"bearer s3cr3t"}},
				{"X-Mock-Admin-Token": {"s3cr3t"}},
				basic("", "s3cr3t"),
				basic("me", "s3cr3t"),
			}

			It("is optional: the document accepts an admin request with or without a credential", func() {
				Expect(v.ValidateRequest(adminReq(nil))).To(Succeed())
				for _, h := range forms {
					Expect(v.ValidateRequest(adminReq(h))).To(Succeed(), "%v", h)
				}
			})

			It("is checked for form when a document requires it, without showing the credential", func() {
				strict, err := contracts.New([]byte(strings.ReplaceAll(string(root.OpenAPI()), "        - {}\n", "")))
				Expect(err).NotTo(HaveOccurred())
				for _, h := range forms {
					Expect(strict.ValidateRequest(adminReq(h))).To(Succeed(), "%v", h)
				}
				err = strict.ValidateRequest(adminReq(nil))
				Expect(err).To(MatchError(ContainSubstring("security: expected 'Bearer <admin token>' (header Authorization is missing)")))
				Expect(err).To(MatchError(ContainSubstring("security: expected the admin token (header X-Mock-Admin-Token is missing)")))
				Expect(err).To(MatchError(ContainSubstring("security: expected 'Basic <base64 of user:admin token>' (header Authorization is missing)")))

				err = strict.ValidateRequest(adminReq(http.Header{"Authorization": {"Token s3cr3t"}}))
				Expect(err).To(MatchError(ContainSubstring(`expected 'Bearer <admin token>' (header Authorization is scheme "Token" with a 6-character credential)`)))
				Expect(err.Error()).NotTo(ContainSubstring("s3cr3t"))
				Expect(strict.ValidateRequest(adminReq(basic("me", "")))).To(MatchError(ContainSubstring("with a non-empty password")))
				Expect(strict.ValidateRequest(adminReq(http.Header{"X-Mock-Admin-Token": {""}}))).To(MatchError(ContainSubstring("header X-Mock-Admin-Token is empty")))

				Expect(strict.ValidateRequest(httptest.NewRequest(http.MethodGet, "http://fake.test/_mock/health", nil))).To(Succeed(), "health stays open")
			})
		})

		It("refuses a path no operation documents", func() {
			err := v.ValidateRequest(httptest.NewRequest(http.MethodGet, "http://fake.test/nope", nil))
			Expect(err).To(MatchError("openapi.yaml: the request GET /nope breaks the contract:\n  - route: expected an operation in openapi.yaml for this path; got GET /nope"))
		})

		It("refuses a query parameter of the wrong type", func() {
			err := v.ValidateRequest(httptest.NewRequest(http.MethodGet, "http://fake.test/_mock/messages?since=abc", nil))
			Expect(err).To(MatchError(ContainSubstring(`query parameter "since": expected a value of type integer; got "abc"`)))
		})
	})

	Describe("responses", func() {
		sendReq := func() *http.Request {
			return jsonRequest(http.MethodPost, sendURL, `{"msgtype":"text","text":{"content":"hi"}}`)
		}

		It("accepts DingTalk's answer", func() {
			Expect(v.ValidateResponse(sendReq(), 200, jsonHeader(), []byte(`{"errcode":310000,"errmsg":"sign not match"}`))).To(Succeed())
		})

		DescribeTable("rejects a known-bad response with a readable message",
			func(req *http.Request, status int, body string, want ...string) {
				err := v.ValidateResponse(req, status, jsonHeader(), []byte(body))
				m := mismatch(err)
				Expect(m.Response).To(BeTrue())
				Expect(m.Status).To(Equal(status))
				for _, w := range want {
					Expect(err.Error()).To(ContainSubstring(w))
				}
			},
			Entry("errcode as a string (the doc's own example quirk)", jsonRequest(http.MethodPost, sendURL, `{}`), 200, `{"errcode":"0","errmsg":"ok"}`,
				"the response to robotSend (POST /robot/send) with status 200 breaks the contract:",
				`body /errcode: expected type integer; got "0"`),
			Entry("errmsg missing", jsonRequest(http.MethodPost, sendURL, `{}`), 200, `{"errcode":0}`,
				`body /errmsg: expected property "errmsg" (it is required); got no such property`),
			Entry("a 500 that no injected fault explains", jsonRequest(http.MethodPost, sendURL, `{}`), 500, `oops`,
				`header "X-Mock-Fault": expected the header (it is required); got nothing`),
			Entry("test-connection without connected, webhookResp not an object", jsonRequest(http.MethodPost, testConnURL, `{}`), 200,
				`{"success":true,"webhookResp":"ok"}`,
				"the response to SNSDingTalkTestConnection (POST /zstack/v1/sns/application-endpoints/ding-talk/test-connection) with status 200",
				`body /connected: expected property "connected" (it is required); got no such property`,
				`body /webhookResp: expected type object; got "ok"`),
			Entry("connected as a string", jsonRequest(http.MethodPost, testConnURL, `{}`), 200,
				`{"connected":"true","webhookResp":{}}`, `body /connected: expected type boolean; got "true"`),
			Entry("an error envelope with a malformed cause", jsonRequest(http.MethodPost, testConnURL, `{}`), 503,
				`{"error":{"code":"SYS.1000","description":"d","details":"x","cause":{"code":"oops","description":1}}}`,
				`body /error/cause/code: expected a string matching ^[A-Z][A-Z0-9_]*\.[0-9]+$; got "oops"`,
				`body /error/cause/description: expected type string; got 1`,
				`body /error/cause/details: expected property "details" (it is required); got no such property`),
			Entry("a 201 where ZStack answers 200", jsonRequest(http.MethodPost, testConnURL, `{}`), 201, `{}`,
				`status: expected one of the statuses openapi.yaml documents: 200, 202, 400, 503; got 201`),
		)

		It("accepts ZStack's envelope with null elaboration, opaque and cause, and extra fields", func() {
			body := `{"error":{"code":"SYS.1000","description":"d","details":"x","elaboration":null,"opaque":null,"cause":null,"i18nDetails":"x"}}`
			Expect(v.ValidateResponse(jsonRequest(http.MethodPost, testConnURL, `{}`), 503, jsonHeader(), []byte(body))).To(Succeed())
		})

		It("accepts an injected http fault marked with X-Mock-Fault, whatever its body", func() {
			h := http.Header{"Content-Type": {"application/x-anything"}, "X-Mock-Fault": {"f1"}}
			Expect(v.ValidateResponse(sendReq(), 502, h, []byte("<html>bad gateway</html>"))).To(Succeed())
		})

		It("says which Content-Type was expected and which came back", func() {
			err := v.ValidateResponse(sendReq(), 200, http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, []byte(`{"errcode":0,"errmsg":"ok"}`))
			Expect(err).To(MatchError(ContainSubstring(`content type: expected Content-Type application/json; got "text/plain; charset=utf-8"`)))

			err = v.ValidateResponse(sendReq(), 200, http.Header{}, []byte(`{"errcode":0,"errmsg":"ok"}`))
			Expect(err).To(MatchError(ContainSubstring(`content type: expected Content-Type application/json; got nothing`)))
		})

		It("quotes long values only in part", func() {
			long := strings.Repeat("界", 200)
			err := v.ValidateResponse(sendReq(), 200, jsonHeader(), []byte(`{"errcode":"`+long+`","errmsg":"x"}`))
			Expect(err).To(MatchError(ContainSubstring("…(602 bytes)")))
			Expect(len(err.Error())).To(BeNumerically("<", 400))
		})
	})
})
