// Specs for Config.AdminToken: the admin API and the inbox answer 401 with
// a JSON error unless the request carries the token (Bearer, the
// X-Mock-Admin-Token header or an HTTP Basic password); the health check
// and the send API stay open; the token is never logged. Every exchange goes
// through the validating client, so the 401 answer and each credential form
// are checked against openapi.yaml (AdminUnauthorized, the mockAdmin*
// security schemes).

package mockdingtalk_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

var _ = Describe("Admin token", Label("hostile"), func() {
	const token = "s3cr3t-admin-token_0123456789"
	var (
		s     *mockdingtalk.Server
		logs  *gbytes.Buffer
		robot string
	)

	BeforeEach(func() {
		logs = gbytes.NewBuffer()
		log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		s = mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{AdminToken: token, Logger: log})
		robot = addRobot(s, mockdingtalk.Robot{Name: "r", Secret: vectorSecret})
	})

	// do sends through the validating client; pass negativeCtx for a path
	// openapi.yaml does not document.
	do := func(method, path string, header http.Header, ctx ...context.Context) (int, http.Header, string) {
		GinkgoHelper()
		c := context.Background()
		if len(ctx) > 0 {
			c = ctx[0]
		}
		req, err := http.NewRequestWithContext(c, method, s.URL()+path, strings.NewReader(""))
		Expect(err).NotTo(HaveOccurred())
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := checked.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		return resp.StatusCode, resp.Header, string(b)
	}

	basic := func(user, password string) http.Header {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth(user, password)
		return req.Header
	}

	DescribeTable("refuses requests without the token: 401, a JSON error, and Basic and Bearer challenges",
		func(method, path string, header http.Header, ctx ...context.Context) {
			status, h, body := do(method, path, header, ctx...)
			Expect(status).To(Equal(http.StatusUnauthorized), body)
			Expect(h.Get("Content-Type")).To(Equal("application/json"))
			var e struct{ Error string }
			Expect(json.Unmarshal([]byte(body), &e)).To(Succeed())
			Expect(e.Error).To(ContainSubstring("admin token"))
			Expect(h.Values("WWW-Authenticate")).To(ConsistOf(HavePrefix("Basic "), HavePrefix("Bearer ")))
			Expect(body).NotTo(ContainSubstring(vectorSecret))
		},
		Entry("robot listing (it holds secrets)", "GET", "/_mock/robots", nil),
		Entry("the journal", "GET", "/_mock/messages", nil),
		Entry("a reset", "POST", "/_mock/reset", nil),
		Entry("an unknown admin path (no hint of what exists)", "GET", "/_mock/nothing-here", nil, negativeCtx),
		Entry("the inbox page", "GET", "/", nil),
		Entry("the inbox's robot page with the secret", "GET", "/?robot=x", nil),
		Entry("the inbox's live events", "GET", "/_inbox/events", nil),
		Entry("the inbox's clear button", "POST", "/_inbox/clear", nil),
		Entry("a wrong Bearer token", "GET", "/_mock/robots", http.Header{"Authorization": {"Bearer wrong"}}),
		Entry("the token with a suffix", "GET", "/_mock/robots", http.Header{"Authorization": {"Bearer " + token + "x"}}),
		Entry("a prefix of the token", "GET", "/_mock/robots", http.Header{"X-Mock-Admin-Token": {token[:10]}}),
		Entry("the token as a Basic user name", "GET", "/_mock/robots", basic(token, "")),
		Entry("another scheme", "GET", "/_mock/robots", http.Header{"Authorization": {"Token " + token}}),
	)

	DescribeTable("accepts the token in each documented form",
		func(path string, header http.Header) {
			status, _, body := do("GET", path, header)
			Expect(status).To(Equal(http.StatusOK), body)
		},
		Entry("Authorization: Bearer", "/_mock/robots", http.Header{"Authorization": {"Bearer " + token}}),
		Entry("bearer in lower case", "/_mock/robots", http.Header{"Authorization": {"bearer " + token}}),
		Entry("X-Mock-Admin-Token", "/_mock/messages", http.Header{"X-Mock-Admin-Token": {token}}),
		Entry("HTTP Basic with any user name (what a browser sends)", "/", basic("me", token)),
		Entry("HTTP Basic on the inbox fragments", "/_inbox/robots", basic("", token)),
	)

	It("keeps the health check and the send API open", func() {
		status, _, body := do("GET", "/_mock/health", nil)
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(MatchJSON(`{"status":"ok","refused":{"host":0,"crossSite":0,"contentType":0,"robots":0,"faults":0,"streams":0,"waits":0},"forgotten":0,"journal":{"entries":0,"cap":10000,"bytes":0,"maxBytes":25165824,"dropped":0,"truncated":0,"lastSeq":0},"apps":{"apps":0,"groups":0,"tokens":0,"messages":0,"throttled":0,"callbacks":{"ok":0,"failed":0}}}`))
		u, err := dingtalk.SignURL(s.WebhookURL(robot), vectorSecret, s.Now())
		Expect(err).NotTo(HaveOccurred())
		rep, err := post(checked, u, jsonType, textBody)
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.resp).To(Equal(dingtalk.OK))
	})

	It("changes nothing on a refused request, and never logs the token", func() {
		do("POST", "/_mock/reset", http.Header{"Authorization": {"Bearer " + token + "-wrong"}})
		do("DELETE", "/_mock/robots/"+robot, nil)
		_, ok := s.Robot(robot)
		Expect(ok).To(BeTrue(), "the robot survived")
		do("GET", "/_mock/robots", http.Header{"Authorization": {"Bearer " + token}})
		Expect(string(logs.Contents())).To(ContainSubstring("admin request refused"))
		Expect(string(logs.Contents())).NotTo(ContainSubstring(token[:10]))
	})

	It("refuses a token that cannot travel in a header", func() {
		for _, bad := range []string{"has space", "tab\there", "newline\n", "ünïcode"} {
			_, err := mockdingtalk.New(mockdingtalk.Config{AdminToken: bad})
			Expect(err).To(MatchError(ContainSubstring("adminToken")), "%q", bad)
		}
	})
})
