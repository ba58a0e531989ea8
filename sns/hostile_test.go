// Specs for hostile callers of the SNS API: with Outbound.DenyPrivate the
// API refuses to send into the server's own network (SYS.1007, nothing
// sent), by URL, by a DNS name and by a stored endpoint; every API that
// needs a session refuses an expired, logged-out or guessed one; session
// ids are random.

package sns_test

import (
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

var _ = Describe("Hostile callers", Label("hostile"), func() {
	Describe("with Outbound.DenyPrivate", func() {
		var (
			a  *api
			rb *robot
		)

		BeforeEach(func() {
			a = newAPI(sns.Config{Now: newClock().Now, Outbound: webhook.Config{DenyPrivate: true, Timeout: 2 * time.Second}}).login()
			rb = newRobot(nil)
		})

		DescribeTable("refuses to test a webhook in a private range: 503 SYS.1007, nothing sent",
			func(webhookURL func() string) {
				r := a.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "probe", "url": webhookURL(), "secret": robotSecret}))
				Expect(r.Status).To(Equal(http.StatusServiceUnavailable), r.Raw)
				e := errorOf(r)
				Expect(e["code"]).To(Equal(sns.CodeInvalidArgument))
				Expect(e["details"]).To(ContainSubstring("deny list"))
				Expect(r.Raw).NotTo(ContainSubstring(robotSecret))
				Expect(rb.requests()).To(BeEmpty())
			},
			Entry("the loopback robot by IP", func() string { return rb.url() }),
			Entry("the loopback robot by the name localhost", func() string { return strings.Replace(rb.url(), "127.0.0.1", "localhost", 1) }),
			Entry("the cloud metadata address", func() string { return "http://169.254.169.254/latest/meta-data/" }),
			Entry("a private address", func() string { return "http://10.0.0.1/robot/send" }),
		)

		It("refuses a stored endpoint that points into a private range, and marks it DOWN", func() {
			r := a.do(http.MethodPost, endpointURL, params(map[string]any{"name": "inside", "url": rb.url(), "secret": robotSecret}))
			Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
			uuid := inventory(r)["uuid"].(string)
			r = a.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "probe", "endpointUuid": uuid}))
			Expect(r.Status).To(Equal(http.StatusServiceUnavailable), r.Raw)
			Expect(errorOf(r)["details"]).To(ContainSubstring("deny list"))
			Expect(rb.requests()).To(BeEmpty())
			Expect(inventories(a.do(http.MethodGet, endpointURL+"/"+uuid, nil))).To(ConsistOf(HaveKeyWithValue("connectionStatus", "DOWN")))
		})
	})

	Describe("sessions", func() {
		var (
			clock *fakeClock
			a     *api
		)

		BeforeEach(func() {
			clock = newClock()
			a = newAPI(sns.Config{Now: clock.Now, SessionTTL: 30 * time.Minute}).login()
		})

		calls := []struct{ method, path, body string }{
			{http.MethodGet, endpointURL, ""},
			{http.MethodGet, "/zstack/v1/sns/application-endpoints", ""},
			{http.MethodPost, endpointURL, `{"params":{"name":"n","url":"http://a.example/"}}`},
			{http.MethodPost, testConnURL, `{"params":{"testMsg":"x","url":"http://a.example/"}}`},
			{http.MethodGet, atPersonURL, ""},
			{http.MethodPost, atPersonURL, `{"params":{"phoneNumber":"+86-13800000000","endpointUuid":"0a5e3c1f6b2d4e7f8a9b0c1d2e3f4a5b"}}`},
			{http.MethodDelete, "/zstack/v1/sns/application-endpoints/0a5e3c1f6b2d4e7f8a9b0c1d2e3f4a5b", ""},
		}

		expectRefusedEverywhere := func() {
			GinkgoHelper()
			for _, c := range calls {
				var body any
				if c.body != "" {
					body = c.body
				}
				expectError(a.do(c.method, c.path, body), 503, "ID.1001", "Session expired")
			}
		}

		It("expire after the TTL on the injected clock, on every API that needs one", func() {
			Expect(a.do(http.MethodGet, endpointURL, nil).Status).To(Equal(http.StatusOK))
			clock.Advance(30 * time.Minute)
			expectRefusedEverywhere()
			r := a.do(http.MethodGet, "/zstack/v1/accounts/sessions/"+a.session+"/valid", nil)
			Expect(r.JSON).To(HaveKeyWithValue("valid", false))
		})

		It("end at logout, everywhere", func() {
			Expect(a.do(http.MethodDelete, "/zstack/v1/accounts/sessions/"+a.session, nil).Status).To(Equal(http.StatusOK))
			expectRefusedEverywhere()
		})

		It("cannot be guessed: ids are 32 random hex digits, different at each login, and near misses fail", func() {
			first := a.session
			second := newAPI(sns.Config{Now: clock.Now}).login().session
			Expect(first).To(MatchRegexp(`^[0-9a-f]{32}$`))
			Expect(second).NotTo(Equal(first))
			for _, guess := range []string{strings.ToUpper(first), first[:31], first + "0", " " + first[:31] + "x"} {
				a.session = guess
				expectError(a.do(http.MethodGet, endpointURL, nil), 503, "ID.1001", "Session expired")
			}
		})
	})
})
