// Specs for the server as a whole: unknown paths, panics, persistence.

package sns_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/store"
)

// panicking is a store whose reads panic.
type panicking struct{ store.Store }

func (panicking) Endpoints() ([]store.Endpoint, error) { panic("disk on fire") }

var _ = Describe("Server", func() {
	It("answers an unknown path with ZStack's 404 text", func() {
		a := newAPI(sns.Config{})
		r := a.do(http.MethodGet, "/zstack/v1/nothing/here", nil)
		Expect(r.Status).To(Equal(http.StatusNotFound))
		Expect(r.Header.Get("Content-Type")).To(HavePrefix("text/plain"))
		Expect(r.Raw).To(Equal("no api mapping to /zstack/v1/nothing/here"))
	})

	It("answers a known path with the wrong method with 405 and the methods it takes", func() {
		a := newAPI(sns.Config{})
		r := a.do(http.MethodPatch, "/zstack/v1/accounts/login", nil)
		Expect(r.Status).To(Equal(http.StatusMethodNotAllowed))
		Expect(r.Header.Get("Allow")).To(Equal("PUT"))
		Expect(r.Raw).To(Equal("no api mapping to PATCH /zstack/v1/accounts/login: only PUT is allowed on this path"))
		Expect(a.do(http.MethodPut, "/zstack/v1/sns/application-endpoints/x", nil).Header.Get("Allow")).To(Equal("GET, DELETE"))
	})

	It("recovers a panic into a SYS.1000 envelope and logs it", func() {
		a := newAPI(sns.Config{}).login()
		sns.ReplaceStore(a.srv, panicking{store.NewMemory()})
		r := a.do(http.MethodGet, endpointURL, nil)
		Expect(r.Status).To(Equal(http.StatusServiceUnavailable))
		Expect(errorOf(r)["code"]).To(Equal("SYS.1000"))
		Expect(errorOf(r)["details"]).To(ContainSubstring("disk on fire"))
		Expect(string(a.logs.Contents())).To(ContainSubstring("panic while serving a request"))
	})

	It("keeps endpoints and at-persons across a restart when DataDir is set", func() {
		dir := GinkgoT().TempDir()
		a := newAPI(sns.Config{DataDir: dir}).login()
		r := a.do(http.MethodPost, endpointURL, params(map[string]any{"name": "ops", "url": "http://a.example/", "secret": robotSecret,
			"atPersonPhoneNumbers": []string{"+86-13800000001"}}))
		Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
		uuid := inventory(r)["uuid"].(string)
		Expect(a.srv.Close()).To(Succeed())

		b := newAPI(sns.Config{DataDir: dir}).login()
		invs := inventories(b.do(http.MethodGet, endpointURL+"/"+uuid, nil))
		Expect(invs).To(HaveLen(1))
		Expect(invs[0]).To(HaveKeyWithValue("secret", "SEC…(67 chars)"))
		Expect(invs[0]).To(HaveKeyWithValue("atPersonPhoneNumbers", []any{"+86-13800000001"}))
	})

	It("refuses a bad configuration", func() {
		_, err := sns.New(sns.Config{PublicURL: "sns.example.org"})
		Expect(err).To(MatchError(ContainSubstring("must start with http")))
	})
})
