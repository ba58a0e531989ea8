// Specs every Store implementation must pass, and the bbolt store's
// durability across a reopen.

package store_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/sns/store"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func endpoint(uuid string, at time.Time) store.Endpoint {
	return store.Endpoint{UUID: uuid, Name: "ep-" + uuid, Type: "DingTalk", State: "Enabled", URL: "https://robot/send",
		Secret: "SECxyz", CreateDate: at, LastOpDate: at}
}

func person(uuid, ep, phone string) store.AtPerson {
	return store.AtPerson{UUID: uuid, EndpointUUID: ep, PhoneNumber: phone, CreateDate: t0, LastOpDate: t0}
}

var _ = DescribeTable("a Store",
	func(open func() store.Store) {
		st := open()
		DeferCleanup(st.Close)

		By("starting empty")
		eps, err := st.Endpoints()
		Expect(err).NotTo(HaveOccurred())
		Expect(eps).To(BeEmpty())
		_, err = st.Endpoint("nope")
		Expect(err).To(MatchError(store.ErrNotFound))

		By("putting endpoints with their at-persons in one call, listing them by creation time")
		Expect(st.PutEndpoint(endpoint("b", t0.Add(time.Minute)), person("p1", "b", "+86-13800000001"))).To(Succeed())
		Expect(st.PutEndpoint(endpoint("a", t0), person("p2", "a", "+86-13800000002"), person("p3", "a", "+86-13800000003"))).To(Succeed())
		eps, err = st.Endpoints()
		Expect(err).NotTo(HaveOccurred())
		Expect(eps).To(HaveLen(2))
		Expect(eps[0].UUID).To(Equal("a"))
		Expect(eps[1].UUID).To(Equal("b"))
		nEndpoints, nPersons, err := st.Counts()
		Expect(err).NotTo(HaveOccurred())
		Expect([]int{nEndpoints, nPersons}).To(Equal([]int{2, 3}), "counted without decoding")
		got, err := st.Endpoint("a")
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Secret).To(Equal("SECxyz"))
		Expect(got.CreateDate.Equal(t0)).To(BeTrue())

		By("replacing a record")
		got.Name = "renamed"
		Expect(st.PutEndpoint(got)).To(Succeed())
		got, _ = st.Endpoint("a")
		Expect(got.Name).To(Equal("renamed"))

		By("managing at-persons")
		ps, err := st.AtPersons()
		Expect(err).NotTo(HaveOccurred())
		Expect(ps).To(HaveLen(3))
		p, err := st.AtPerson("p1")
		Expect(err).NotTo(HaveOccurred())
		p.Remark = "jack"
		Expect(st.PutAtPerson(p)).To(Succeed())
		p, _ = st.AtPerson("p1")
		Expect(p.Remark).To(Equal("jack"))
		Expect(st.DeleteAtPerson("p1")).To(Succeed())
		Expect(st.DeleteAtPerson("p1")).To(Succeed(), "deleting a missing at-person is fine")
		_, err = st.AtPerson("p1")
		Expect(err).To(MatchError(store.ErrNotFound))

		By("deleting an endpoint together with its at-persons")
		Expect(st.DeleteEndpoint("a")).To(Succeed())
		Expect(st.DeleteEndpoint("a")).To(Succeed())
		ps, _ = st.AtPersons()
		Expect(ps).To(BeEmpty())
		eps, _ = st.Endpoints()
		Expect(eps).To(HaveLen(1))

		By("failing after Close")
		Expect(st.Close()).To(Succeed())
		_, err = st.Endpoints()
		Expect(err).To(MatchError(store.ErrClosed))
		Expect(st.PutAtPerson(person("x", "b", "1"))).To(MatchError(store.ErrClosed))
	},
	Entry("in memory", func() store.Store { return store.NewMemory() }),
	Entry("in bbolt", func() store.Store {
		st, err := store.OpenBolt(GinkgoT().TempDir(), nil)
		Expect(err).NotTo(HaveOccurred())
		return st
	}),
)

var _ = Describe("the bbolt store", func() {
	It("keeps what it acknowledged across a reopen", func() {
		dir := GinkgoT().TempDir()
		st, err := store.OpenBolt(dir, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(st.PutEndpoint(endpoint("a", t0), person("p", "a", "+86-13800000000"))).To(Succeed())
		Expect(st.Close()).To(Succeed())

		st, err = store.OpenBolt(dir, nil)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
		ep, err := st.Endpoint("a")
		Expect(err).NotTo(HaveOccurred())
		Expect(ep.URL).To(Equal("https://robot/send"))
		Expect(ep.Secret).To(Equal("SECxyz"))
		p, err := st.AtPerson("p")
		Expect(err).NotTo(HaveOccurred())
		Expect(p.PhoneNumber).To(Equal("+86-13800000000"))
	})

	It("fails clearly when the directory cannot be created", func() {
		_, err := store.OpenBolt("/proc/definitely/not/here", nil)
		Expect(err).To(MatchError(ContainSubstring("create data dir")))
	})
})
