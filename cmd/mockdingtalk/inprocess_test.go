// Specs for -sns-webhook-in-process: an SNS test-connection to the binary's
// own robot, delivered in-process, leaves the same journal entry and gets
// the same answer as the same call over loopback TCP (the flag off) — for
// a delivered message, a rejected one, and the faults that break the
// exchange (an HTTP error, a dropped connection, a hang past the timeout).

package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("SNS sends to the binary's own robot (-sns-webhook-in-process)", func() {
	const testConn = "/zstack/v1/sns/application-endpoints/ding-talk/test-connection"
	// signed varies from call to call with the time: the query's timestamp
	// and sign, and the sign check's detail.
	signed := regexp.MustCompile(`timestamp=\d+(&|\\u0026)sign=[^"&\\]+|\b1\d{12}\b`)

	// call makes one test-connection with secret against a fresh binary
	// started with args (after adding fault, when not empty) and returns
	// the SNS answer and the robot's journal entry, its varying parts
	// blanked, and the remote address apart.
	call := func(args []string, fault, secret string) (status int, answer string, entry map[string]any, remote string) {
		in := start(append([]string{"-listen", "127.0.0.1:0", "-sns-webhook-timeout", "1s"}, args...), nil)
		if fault != "" {
			_, code := postJSON(in.base+"/_mock/faults", fault)
			Expect(code).To(Equal(http.StatusCreated))
		}
		session := login(in.base, "admin", "password")
		status, answer = zstack(http.MethodPost, in.base+testConn, session,
			`{"params":{"testMsg":"in or out","url":"`+in.base+`/robot/send?access_token=`+DefaultAccessToken+`","secret":"`+secret+`"}}`)
		answer = strings.ReplaceAll(answer, in.base, "BASE")
		body, code := get(in.base + "/_mock/messages")
		Expect(code).To(Equal(http.StatusOK))
		var list struct {
			Entries []map[string]any `json:"entries"`
		}
		Expect(json.Unmarshal([]byte(signed.ReplaceAllString(body, "SIGNED")), &list)).To(Succeed())
		Expect(list.Entries).To(HaveLen(1))
		entry = list.Entries[0]
		remote = entry["remoteAddr"].(string)
		for _, k := range []string{"seq", "time", "remoteAddr"} {
			delete(entry, k)
		}
		return status, answer, entry, remote
	}

	It("is on by default, and off by flag, environment variable or config file", func() {
		on := func(args []string, vars map[string]string) bool {
			s, err := loadSettings(args, env(vars), io.Discard)
			Expect(err).NotTo(HaveOccurred())
			return s.SNSInProcess
		}
		Expect(on(nil, nil)).To(BeTrue())
		Expect(on([]string{"-sns-webhook-in-process=false"}, nil)).To(BeFalse())
		Expect(on([]string{"-sns-webhook-in-process"}, map[string]string{"MOCKDINGTALK_SNS_WEBHOOK_IN_PROCESS": "false"})).To(BeTrue())
		Expect(on(nil, map[string]string{"MOCKDINGTALK_SNS_WEBHOOK_IN_PROCESS": "false"})).To(BeFalse())
		path := filepath.Join(GinkgoT().TempDir(), "c.yaml")
		Expect(os.WriteFile(path, []byte("snsWebhookInProcess: false\n"), 0o600)).To(Succeed())
		Expect(on([]string{"-config", path}, nil)).To(BeFalse())
	})

	DescribeTable("records and answers as a TCP send does",
		func(fault, secret string) {
			statusIn, answerIn, entryIn, remoteIn := call(nil, fault, secret)
			statusTCP, answerTCP, entryTCP, remoteTCP := call([]string{"-sns-webhook-in-process=false"}, fault, secret)
			Expect(statusIn).To(Equal(statusTCP))
			Expect(answerIn).To(MatchJSON(answerTCP))
			in, err := json.MarshalIndent(entryIn, "", " ")
			Expect(err).NotTo(HaveOccurred())
			tcp, err := json.MarshalIndent(entryTCP, "", " ")
			Expect(err).NotTo(HaveOccurred())
			Expect(string(in)).To(Equal(string(tcp)))
			Expect(entryIn["headers"]).To(HaveKey("User-Agent"))
			Expect(entryIn["headers"]).To(HaveKey("Accept-Encoding"))
			Expect(entryIn["headers"]).To(HaveKey("Content-Length"))

			hostIn, portIn, err := net.SplitHostPort(remoteIn)
			Expect(err).NotTo(HaveOccurred())
			hostTCP, portTCP, err := net.SplitHostPort(remoteTCP)
			Expect(err).NotTo(HaveOccurred())
			Expect(hostIn).To(Equal(hostTCP))
			Expect(portIn).To(Equal("0"), "an in-process send shows port 0")
			Expect(portTCP).NotTo(Equal("0"))
		},
		Entry("delivered", "", DefaultSecret),
		Entry("rejected: unsigned, for a robot with a secret", "", ""),
		Entry("an HTTP 500 fault", `{"kind":"http","status":500,"body":"upstream broke"}`, DefaultSecret),
		Entry("an errcode fault", `{"kind":"errcode","errcode":310000}`, DefaultSecret),
		Entry("a dropped connection", `{"kind":"drop"}`, DefaultSecret),
		Entry("a hang past the webhook timeout", `{"kind":"hang"}`, DefaultSecret),
	)
})
