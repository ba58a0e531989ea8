// Specs for the SNS API's bounds: sessions per account (ZStack's
// maxConcurrent, ID.1006), expiry through the expiry index, logins locked
// after failed attempts (LOGIN_CONTROL.1002), and async jobs capped with
// SYS.1006 before any webhook is called. Each refusal is counted in Stats.

package sns_test

import (
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/sns"
)

var _ = Describe("Limits", Label("hostile"), func() {
	var clock *fakeClock
	BeforeEach(func() { clock = newClock() })

	loginAs := func(a *api, name, password string) reply {
		return a.do(http.MethodPut, "/zstack/v1/accounts/login", map[string]any{
			"logInByAccount": map[string]any{"accountName": name, "password": password}})
	}
	good := sns.SHA512Hex("password")

	It("refuses a login beyond the account's live sessions with ZStack's ID.1006, until one ends", func() {
		a := newAPI(sns.Config{Now: clock.Now, MaxSessionsPerAccount: 3})
		var first string
		for i := range 3 {
			r := loginAs(a, "admin", good)
			Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
			if i == 0 {
				first = r.JSON["inventory"].(map[string]any)["uuid"].(string)
			}
		}
		expectError(loginAs(a, "admin", good), 503, "ID.1006",
			"Login sessions hit limit of max allowed concurrent login sessions, max allowed: 3")
		Expect(a.srv.Stats().SessionLimit).To(BeNumerically("==", 1))

		Expect(a.do(http.MethodDelete, "/zstack/v1/accounts/sessions/"+first, nil).Status).To(Equal(http.StatusOK))
		Expect(loginAs(a, "admin", good).Status).To(Equal(http.StatusOK), "a logout frees a place")
		clock.Advance(sns.DefaultSessionTTL)
		Expect(loginAs(a, "admin", good).Status).To(Equal(http.StatusOK), "expiry frees the rest")
		Expect(sns.LiveSessions(a.srv)).To(Equal(1), "expired sessions are dropped, not kept")
	})

	It("drops expired sessions through their expiry order on the next login", func() {
		a := newAPI(sns.Config{Now: clock.Now, SessionTTL: time.Minute})
		var early []string
		for i := range 400 {
			if i == 200 {
				clock.Advance(30 * time.Second)
			}
			r := loginAs(a, "admin", good)
			Expect(r.Status).To(Equal(http.StatusOK))
			if i < 200 {
				early = append(early, r.JSON["inventory"].(map[string]any)["uuid"].(string))
			}
		}
		Expect(sns.LiveSessions(a.srv)).To(Equal(400))
		clock.Advance(45 * time.Second) // the first 200 are past their minute, the rest are not
		Expect(loginAs(a, "admin", good).Status).To(Equal(http.StatusOK))
		Expect(sns.LiveSessions(a.srv)).To(Equal(201))
		r := a.do(http.MethodGet, "/zstack/v1/accounts/sessions/"+early[0]+"/valid", nil)
		Expect(r.Raw).To(MatchJSON(`{"valid":false}`))
	})

	It("locks logins of an account after 5 failed attempts, a correct password included, for a lock that doubles", func() {
		a := newAPI(sns.Config{Now: clock.Now})
		for range 5 {
			expectError(loginAs(a, "admin", sns.SHA512Hex("guess")), 503, "ID.1000", "wrong account name or password")
		}
		r := loginAs(a, "admin", good)
		expectError(r, 503, "LOGIN_CONTROL.1002",
			"retry after: 1 seconds (logins are locked after 5 failed attempts in a row, for the account and for the address they came from)")
		Expect(a.srv.Stats().LoginsLocked).To(BeNumerically("==", 1))

		clock.Advance(time.Second)
		expectError(loginAs(a, "admin", sns.SHA512Hex("guess")), 503, "ID.1000", "wrong account name or password")
		r = loginAs(a, "admin", good)
		Expect(errorOf(r)["details"]).To(HavePrefix("retry after: 2 seconds"), "the lock doubles")
		clock.Advance(2 * time.Second)
		Expect(loginAs(a, "admin", good).Status).To(Equal(http.StatusOK), "once the lock passes, the right password works")
		for range 4 {
			loginAs(a, "admin", sns.SHA512Hex("guess"))
		}
		Expect(loginAs(a, "admin", good).Status).To(Equal(http.StatusOK), "a success cleared the count")
	})

	It("locks logins from an address after 5 failed attempts, whatever account names it tries", func() {
		a := newAPI(sns.Config{Now: clock.Now})
		for _, name := range []string{"root", "ops", "zstack", "admin1", "test"} {
			expectError(loginAs(a, name, good), 503, "ID.1000", "wrong account name or password")
		}
		r := loginAs(a, "admin", good)
		Expect(r.Status).To(Equal(http.StatusServiceUnavailable))
		Expect(errorOf(r)["code"]).To(Equal("LOGIN_CONTROL.1002"))
	})

	It("caps the async jobs running at once: one more is refused with SYS.1006 and sends nothing", func() {
		rb := newRobot(nil)
		release := make(chan struct{})
		DeferCleanup(func() { close(release) })
		rb.next = func(w http.ResponseWriter, r *http.Request) {
			select { // a silent webhook
			case <-release:
			case <-r.Context().Done():
			}
			_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
		}
		a := newAPI(sns.Config{Async: true, Now: clock.Now, MaxJobs: 2}).login()
		send := func() reply {
			return a.do(http.MethodPost, testConnURL, params(map[string]any{"testMsg": "hi", "url": rb.url()}))
		}
		Expect(send().Status).To(Equal(http.StatusAccepted))
		Expect(send().Status).To(Equal(http.StatusAccepted))
		Eventually(rb.requests).Should(HaveLen(2))
		expectError(send(), 503, "SYS.1006", "too many jobs are running (at most 2 at once); retry when one has finished")
		Consistently(rb.requests, 100*time.Millisecond).Should(HaveLen(2), "the refused job called no webhook")
		Expect(a.srv.Stats().JobsRefused).To(BeNumerically("==", 1))
	})
})

var _ = Describe("Store bounds", Label("hostile"), func() {
	It("refuses an endpoint or an at-person beyond MaxEndpoints / MaxAtPersons with SYS.1006, counted", func() {
		a := newAPI(sns.Config{MaxEndpoints: 2, MaxAtPersons: 3}).login()
		create := func(name string, phones ...string) reply {
			p := map[string]any{"name": name, "url": "http://127.0.0.1:1/robot/send?access_token=t"}
			if len(phones) > 0 {
				p["atPersonPhoneNumbers"] = phones
			}
			return a.do(http.MethodPost, "/zstack/v1/sns/application-endpoints/ding-talk", params(p))
		}
		first := create("a", "+86-13800000001", "+86-13800000002")
		Expect(first.Status).To(Equal(http.StatusOK), first.Raw)
		r := create("b", "+86-13800000003", "+86-13800000004")
		expectError(r, 503, "SYS.1006", "cannot add 2 at-person(s): 2 exist, the limit is 3; remove some first")
		Expect(create("b").Status).To(Equal(http.StatusOK))
		expectError(create("c"), 503, "SYS.1006", "cannot create the endpoint: 2 endpoints exist, the limit; delete some first")
		Expect(a.srv.Stats().StoreFull).To(BeNumerically("==", 2))
	})
})
