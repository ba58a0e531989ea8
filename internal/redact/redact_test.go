// Specs of the three redactions: a secret, a token or session id, a URL.

package redact_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
)

var _ = Describe("Secret", func() {
	It("keeps the SEC prefix and the length, and no character of the secret proper", func() {
		Expect(redact.Secret("SEC" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")).To(Equal("SEC…(67 chars)"))
		Expect(redact.Secret("SECabcdef0123456789")).To(Equal("SEC…(19 chars)"))
	})
	It("shows a secret without the SEC prefix as its length only", func() {
		Expect(redact.Secret("short")).To(Equal("…(5 chars)"))
		Expect(redact.Secret("tiny")).To(Equal("…(4 chars)"))
		Expect(redact.Secret("SEC")).To(Equal("…(3 chars)"))
	})
	It("counts characters, not bytes", func() {
		Expect(redact.Secret("密钥密钥")).To(Equal("…(4 chars)"))
	})
	It("leaves no secret as it is", func() {
		Expect(redact.Secret("")).To(Equal(""))
	})
})

var _ = Describe("Short", func() {
	It("keeps the first 8 characters of a long token", func() {
		Expect(redact.Short("0123456789abcdef0123456789abcdef")).To(Equal("01234567…"))
	})
	It("shows a value of at most 10 characters whole", func() {
		Expect(redact.Short("0123456789")).To(Equal("0123456789"))
		Expect(redact.Short("")).To(Equal(""))
	})
	It("never cuts a character in two", func() {
		Expect(redact.Short("机器人机器人机器人机器人")).To(Equal("机器人机器人机器…"))
	})
})

var _ = Describe("URL", func() {
	It("keeps scheme://host/path and drops the query with its token and sign", func() {
		Expect(redact.URL("https://oapi.dingtalk.com/robot/send?access_token=abc&sign=x")).To(Equal("https://oapi.dingtalk.com/robot/send"))
	})
	It("drops user information and the fragment", func() {
		Expect(redact.URL("https://user:pw@host/p#frag")).To(Equal("https://host/p"))
	})
	It("says so for what is not a URL with a host", func() {
		Expect(redact.URL("::")).To(Equal("<invalid url>"))
		Expect(redact.URL("/robot/send?access_token=abc")).To(Equal("<invalid url>"))
	})
})
