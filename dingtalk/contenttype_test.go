// Specs for IsUTF8JSONContentType: the values it recognises without
// parsing are exactly what mime.ParseMediaType reads as application/json
// in UTF-8, and it leaves every other value to the parser.

package dingtalk_test

import (
	"mime"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

var _ = Describe("IsUTF8JSONContentType", func() {
	DescribeTable("recognises what the parser reads as UTF-8 JSON",
		func(ct string) {
			Expect(dingtalk.IsUTF8JSONContentType(ct)).To(BeTrue())
			mt, params, err := mime.ParseMediaType(ct)
			Expect(err).NotTo(HaveOccurred())
			Expect(mt).To(Equal("application/json"))
			if cs, ok := params["charset"]; ok {
				Expect(strings.ToLower(cs)).To(Equal("utf-8"))
			}
		},
		Entry("no parameters", "application/json"),
		Entry("ZStack's form", "application/json;charset=utf-8"),
		Entry("with a space", "application/json; charset=utf-8"),
		Entry("Java's upper case", "application/json;charset=UTF-8"),
		Entry("upper case with a space", "application/json; charset=UTF-8"),
	)

	DescribeTable("leaves everything else to the parser",
		func(ct string) { Expect(dingtalk.IsUTF8JSONContentType(ct)).To(BeFalse()) },
		Entry("empty", ""),
		Entry("another charset", "application/json;charset=gbk"),
		Entry("upper-case type", "Application/JSON"),
		Entry("text", "text/plain;charset=utf-8"),
		Entry("a trailing space", "application/json "),
	)
})
