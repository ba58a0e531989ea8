// Specs for the SNS API on the binary's listener: one command gives the
// whole offline stack, so a login and a test-connection against the
// built-in robot work as the README shows them.

package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
	"github.com/dingtalk-mock/mockdingtalk/sns"
)

// zstack sends a ZStack API request with checked and returns the status
// and body.
func zstack(method, u, session, body string) (int, string) {
	GinkgoHelper()
	h := http.Header{}
	if session != "" {
		h.Set("Authorization", "OAuth "+session)
	}
	a := testhttp.Must(checked, testhttp.Request{Method: method, URL: u, Body: body, ContentType: "application/json;charset=UTF-8", Header: h})
	return a.Status, a.Raw
}

func login(base, account, password string) string {
	status, body := zstack(http.MethodPut, base+"/zstack/v1/accounts/login", "",
		`{"logInByAccount":{"accountName":"`+account+`","password":"`+sns.SHA512Hex(password)+`"}}`)
	Expect(status).To(Equal(http.StatusOK), body)
	_, rest, ok := strings.Cut(body, `"uuid":"`)
	Expect(ok).To(BeTrue(), body)
	return rest[:32]
}

var _ = Describe("the SNS API on the same listener", func() {
	It("logs in as admin/password and tests the built-in robot, signed", func() {
		in := start([]string{"-listen", "127.0.0.1:0"}, nil)
		Expect(string(in.stdout.Contents())).To(ContainSubstring(in.base + "/zstack/v1/"))
		session := login(in.base, "admin", "password")
		status, body := zstack(http.MethodPost, in.base+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection", session,
			`{"params":{"testMsg":"hello from ZStack","url":"`+in.base+`/robot/send?access_token=`+DefaultAccessToken+`","secret":"`+DefaultSecret+`"}}`)
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(MatchJSON(`{"success":true,"connected":true,"webhookResp":{"errcode":0,"errmsg":"ok"}}`))
	})

	It("answers ZStack's async job protocol with -sns-async", func() {
		in := start([]string{"-listen", "127.0.0.1:0", "-sns-async"}, nil)
		session := login(in.base, "admin", "password")
		status, body := zstack(http.MethodPost, in.base+"/zstack/v1/sns/application-endpoints/ding-talk/test-connection", session,
			`{"params":{"testMsg":"hi","url":"`+in.base+`/robot/send?access_token=`+DefaultAccessToken+`","secret":"`+DefaultSecret+`"}}`)
		Expect(status).To(Equal(http.StatusAccepted))
		Expect(body).To(ContainSubstring(`"location":"` + in.base + `/zstack/v1/api-jobs/`))
	})

	It("takes accounts from the config file and refuses the default one then", func() {
		path := filepath.Join(GinkgoT().TempDir(), "c.yaml")
		Expect(os.WriteFile(path, []byte("accounts:\n  - name: ops\n    password: s3cret\n"), 0o600)).To(Succeed())
		in := start([]string{"-listen", "127.0.0.1:0", "-config", path}, nil)
		Expect(login(in.base, "ops", "s3cret")).To(HaveLen(32))
		status, body := zstack(http.MethodPut, in.base+"/zstack/v1/accounts/login", "",
			`{"logInByAccount":{"accountName":"admin","password":"`+sns.SHA512Hex("password")+`"}}`)
		Expect(status).To(Equal(http.StatusServiceUnavailable))
		Expect(body).To(ContainSubstring(`"code":"ID.1000"`))
	})

	DescribeTable("refuses bad SNS settings, saying where they came from",
		func(args []string, file, want string) {
			if file != "" {
				path := filepath.Join(GinkgoT().TempDir(), "c.yaml")
				Expect(os.WriteFile(path, []byte(file), 0o600)).To(Succeed())
				args = append(args, "-config", path)
			}
			_, err := loadSettings(args, env(nil), io.Discard)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("retries out of range", []string{"-sns-webhook-retries", "99"}, "", "flag -sns-webhook-retries: must be between 0 and 10"),
		Entry("a timeout that is not a duration", []string{"-sns-webhook-timeout", "soon"}, "", `"soon" is not a positive Go duration`),
		Entry("async that is not a boolean", []string{"-sns-async=maybe"}, "", `flag -sns-async: "maybe" is not true or false`),
		Entry("an account with both password forms", nil, "accounts:\n  - name: a\n    password: x\n    passwordSHA512: y\n", "give exactly one of password and passwordSHA512"),
		Entry("an account hash that is not SHA-512 hex", nil, "accounts:\n  - name: a\n    passwordSHA512: abc\n", "want 128 hex characters"),
		Entry("an account without a name", nil, "accounts:\n  - password: x\n", "name is empty"),
	)
})
