// Specs for the sender's server-side request forgery rails: with
// DenyPrivate, no loopback, private, link-local, shared or unique-local
// address is reached, whether written as an IP literal, an IPv4-mapped
// IPv6 address, an empty or unspecified host, or a DNS name that resolves
// there; and no redirect is ever followed, so a public robot cannot bounce
// the sender into the server's own network. Every blocked destination is
// refused in the dialer's Control hook, before a packet is sent.

package webhook_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

var _ = Describe("Server-side request forgery rails", func() {
	var (
		ctx context.Context
		rc  *recorder // the loopback robot started by live
	)

	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		DeferCleanup(cancel)
	})

	// live starts a loopback robot (rc) and returns its port.
	live := func() string {
		GinkgoHelper()
		r, srv := startRecorder(nil)
		rc = r
		_, p, err := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
		Expect(err).NotTo(HaveOccurred())
		return p
	}

	DescribeTable("DenyPrivate refuses every private destination before dialing",
		func(hostFor func(port string) string, why string) {
			p := live()
			s := newSender(webhook.Config{DenyPrivate: true, Timeout: 2 * time.Second})
			_, err := s.Send(ctx, "http://"+hostFor(p)+"/robot/send?access_token="+token, secret, markdown("hi"))
			we := sendErr(err)
			Expect(we.Kind).To(Equal(webhook.KindBlocked), we.Detail)
			Expect(we.Detail).To(ContainSubstring(why))
			Expect(we.Detail).NotTo(ContainSubstring(secret))
			Expect(we.Detail).NotTo(ContainSubstring("sign="))
			Expect(rc.requests()).To(BeEmpty(), "nothing reached the loopback robot")
		},
		Entry("loopback 127.0.0.1", func(p string) string { return "127.0.0.1:" + p }, "deny list"),
		Entry("loopback 127.1.2.3", func(p string) string { return "127.1.2.3:" + p }, "deny list"),
		Entry("the name localhost, which resolves to loopback", func(p string) string { return "localhost:" + p }, "deny list"),
		Entry("LocalHost in mixed case", func(p string) string { return "LocalHost:" + p }, "deny list"),
		Entry("IPv6 loopback [::1]", func(p string) string { return "[::1]:" + p }, "deny list"),
		Entry("IPv4-mapped loopback [::ffff:127.0.0.1]", func(p string) string { return "[::ffff:127.0.0.1]:" + p }, "deny list"),
		Entry("the unspecified 0.0.0.0, which Linux dials as loopback", func(p string) string { return "0.0.0.0:" + p }, "deny list"),
		Entry("the unspecified [::]", func(p string) string { return "[::]:" + p }, "deny list"),
		Entry("an empty host (dials the local system; refused as uncheckable)", func(p string) string { return ":" + p }, "cannot check dial address"),
		Entry("private 10.0.0.1", func(string) string { return "10.0.0.1" }, "deny list"),
		Entry("private 172.16.0.1", func(string) string { return "172.16.0.1" }, "deny list"),
		Entry("private 172.31.255.254", func(string) string { return "172.31.255.254" }, "deny list"),
		Entry("private 192.168.1.1", func(string) string { return "192.168.1.1" }, "deny list"),
		Entry("link-local cloud metadata 169.254.169.254", func(string) string { return "169.254.169.254" }, "deny list"),
		Entry("shared address space 100.64.0.1", func(string) string { return "100.64.0.1" }, "deny list"),
		Entry("IPv6 unique-local [fd00::1]", func(string) string { return "[fd00::1]" }, "deny list"),
		Entry("IPv6 link-local [fe80::1]", func(string) string { return "[fe80::1]" }, "deny list"),
		Entry("IPv4-mapped private [::ffff:10.0.0.1]", func(string) string { return "[::ffff:10.0.0.1]" }, "deny list"),
	)

	It("reaches the same loopback robot when DenyPrivate is off, so the preset is what blocks", func() {
		p := live()
		_, err := newSender(webhook.Config{}).Send(ctx, "http://localhost:"+p+"/robot/send?access_token="+token, secret, markdown("hi"))
		Expect(err).NotTo(HaveOccurred())
		Expect(rc.requests()).To(HaveLen(1))
	})

	It("lets a deny entry win over an allow entry", func() {
		p := live()
		s := newSender(webhook.Config{DenyPrivate: true, AllowHosts: []string{"127.0.0.1", "localhost"}})
		_, err := s.Send(ctx, "http://127.0.0.1:"+p+"/robot/send", "", markdown("hi"))
		Expect(sendErr(err).Kind).To(Equal(webhook.KindBlocked))
		Expect(rc.requests()).To(BeEmpty())
	})

	It("lists the ranges it denies", func() {
		Expect(webhook.PrivateNetworks()).To(ContainElements("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
			"169.254.0.0/16", "100.64.0.0/10", "0.0.0.0/8", "::1/128", "fc00::/7", "fe80::/10"))
		_, err := webhook.New(webhook.Config{DenyPrivate: true, DenyHosts: []string{"*.internal.example"}})
		Expect(err).NotTo(HaveOccurred())
	})

	Describe("redirects", func() {
		It("are never followed: a redirect to the metadata service is reported, not fetched", func() {
			_, srv := startRecorder(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
			})
			s := newSender(webhook.Config{DenyHosts: []string{"169.254.0.0/16"}})
			res, err := s.Send(ctx, srv.URL+"/robot/send?access_token="+token, secret, markdown("hi"))
			Expect(err).NotTo(HaveOccurred(), "following it would have been refused as blocked")
			Expect(res.Status).To(Equal(http.StatusFound))
			Expect(res.Connected).To(BeFalse())
		})

		It("are never followed: a redirect to another loopback server sends it nothing", func() {
			inner, innerSrv := startRecorder(nil)
			for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
				_, outer := startRecorder(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, innerSrv.URL+"/robot/send?access_token="+token, code)
				})
				res, err := newSender(webhook.Config{}).Send(ctx, outer.URL+"/robot/send", secret, markdown("hi"))
				Expect(err).NotTo(HaveOccurred())
				Expect(res.Status).To(Equal(code))
				Expect(res.Connected).To(BeFalse())
			}
			Expect(inner.requests()).To(BeEmpty())
		})
	})
})
