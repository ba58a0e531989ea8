// Specs for login, logout, the Authorization header and session expiry.

package sns_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/sns"
)

var _ = Describe("Sessions", func() {
	var clock *fakeClock
	var a *api

	BeforeEach(func() {
		clock = newClock()
		a = newAPI(sns.Config{Now: clock.Now})
	})

	loginAs := func(name, password string) reply {
		return a.do(http.MethodPut, "/zstack/v1/accounts/login", map[string]any{
			"logInByAccount": map[string]any{"accountName": name, "password": password}})
	}

	It("logs in ZStack's initial admin with the SHA-512 hex of 'password'", func() {
		r := loginAs("admin", sns.SHA512Hex("password"))
		Expect(r.Status).To(Equal(http.StatusOK))
		inv := r.JSON["inventory"].(map[string]any)
		Expect(inv["uuid"]).To(MatchRegexp(`^[0-9a-f]{32}$`))
		Expect(inv["accountUuid"]).To(Equal(sns.AdminAccountUUID))
		Expect(inv["userUuid"]).To(Equal(sns.AdminAccountUUID))
		Expect(inv["createDate"]).To(Equal("Mar 4, 2026 3:04:05 PM"))
		Expect(inv["expiredDate"]).To(Equal("Mar 4, 2026 5:04:05 PM"))
	})

	It("accepts the hash in upper case too", func() {
		r := loginAs("admin", "B109F3BBBC244EB82441917ED06D618B9008DD09B3BEFD1B5E07394C706A8BB980B1D7785E5976EC049B46DF5F1326AF5A2EA6D103FD07C95385FFAB0CACBC86")
		Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
	})

	DescribeTable("refusing a login",
		func(body any, status int, code, details string) {
			r := a.do(http.MethodPut, "/zstack/v1/accounts/login", body)
			expectError(r, status, code, details)
		},
		Entry("ID.1000 wrong account name or password (password)",
			map[string]any{"logInByAccount": map[string]any{"accountName": "admin", "password": sns.SHA512Hex("nope")}},
			503, "ID.1000", "wrong account name or password"),
		Entry("ID.1000 wrong account name or password (clear-text password)",
			map[string]any{"logInByAccount": map[string]any{"accountName": "admin", "password": "password"}},
			503, "ID.1000", "wrong account name or password"),
		Entry("ID.1000 wrong account name or password (account)",
			map[string]any{"logInByAccount": map[string]any{"accountName": "root", "password": sns.SHA512Hex("password")}},
			503, "ID.1000", "wrong account name or password"),
		Entry("SYS.1007 accountName is mandatory",
			map[string]any{"logInByAccount": map[string]any{"password": "x"}},
			503, "SYS.1007", "field[accountName] of message[org.zstack.header.identity.APILogInByAccountMsg] is mandatory, can not be null"),
		Entry("400 without the logInByAccount object", map[string]any{"accountName": "admin"},
			400, "SYS.1007", "the body has no 'logInByAccount' object"),
		Entry("400 for malformed JSON", `{"logInByAccount":`,
			400, "SYS.1007", "the request body is not valid JSON: it ends too early"),
		Entry("400 for a password of the wrong type", `{"logInByAccount":{"accountName":"admin","password":12}}`,
			400, "SYS.1007", "field[logInByAccount.password] must be a string, not a number"),
	)

	It("uses the accounts and TTL from Config", func() {
		b := newAPI(sns.Config{Now: clock.Now, SessionTTL: time.Minute,
			Accounts: []sns.Account{{Name: "ops", PasswordSHA512: sns.SHA512Hex("s3cret")}}})
		r := b.do(http.MethodPut, "/zstack/v1/accounts/login", map[string]any{
			"logInByAccount": map[string]any{"accountName": "ops", "password": sns.SHA512Hex("s3cret")}})
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(r.JSON["inventory"].(map[string]any)["expiredDate"]).To(Equal("Mar 4, 2026 3:05:05 PM"))
		r = b.do(http.MethodPut, "/zstack/v1/accounts/login", map[string]any{
			"logInByAccount": map[string]any{"accountName": "admin", "password": sns.SHA512Hex("password")}})
		Expect(r.Status).To(Equal(503), "the default admin is gone when accounts are configured")
	})

	It("refuses a bad account configuration", func() {
		_, err := sns.New(sns.Config{Accounts: []sns.Account{{Name: "x", PasswordSHA512: "password"}}})
		Expect(err).To(MatchError(ContainSubstring("128 hex digits")))
	})

	Describe("the Authorization header", func() {
		It("is required: 400 text/plain missing header 'Authorization'", func() {
			r := a.do(http.MethodGet, endpointURL, nil)
			Expect(r.Status).To(Equal(http.StatusBadRequest))
			Expect(r.Header.Get("Content-Type")).To(HavePrefix("text/plain"))
			Expect(r.Raw).To(Equal("missing header 'Authorization'"))
		})

		It("must use the OAuth scheme", func() {
			r := a.do(http.MethodGet, endpointURL, nil, "Authorization", "Bearer abc")
			Expect(r.Status).To(Equal(http.StatusBadRequest))
			Expect(r.Raw).To(Equal("Authorization type must be 'OAuth'"))
		})

		It("refuses an unknown session with ID.1001", func() {
			r := a.do(http.MethodGet, endpointURL, nil, "Authorization", "OAuth 0123456789abcdef0123456789abcdef")
			expectError(r, 503, "ID.1001", "Session expired")
		})
	})

	It("expires a session after the TTL, on the injected clock", func() {
		a.login()
		Expect(a.do(http.MethodGet, endpointURL, nil).Status).To(Equal(http.StatusOK))
		clock.Advance(2*time.Hour - time.Second)
		Expect(a.do(http.MethodGet, endpointURL, nil).Status).To(Equal(http.StatusOK))
		clock.Advance(time.Second)
		expectError(a.do(http.MethodGet, endpointURL, nil), 503, "ID.1001", "Session expired")
	})

	It("logs out, after which the session is invalid", func() {
		a.login()
		session := a.session
		r := a.do(http.MethodGet, "/zstack/v1/accounts/sessions/"+session+"/valid", nil)
		Expect(r.JSON).To(HaveKeyWithValue("valid", true))
		r = a.do(http.MethodDelete, "/zstack/v1/accounts/sessions/"+session, nil)
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(r.Raw).To(Equal("{}"))
		expectError(a.do(http.MethodGet, endpointURL, nil), 503, "ID.1001", "Session expired")
		r = a.do(http.MethodGet, "/zstack/v1/accounts/sessions/"+session+"/valid", nil)
		Expect(r.JSON).To(HaveKeyWithValue("valid", false))
	})
})
