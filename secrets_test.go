// End-to-end spec that no secret leaks: a full flow through the SNS API and
// the fake robot (endpoints with secrets, test-connection by uuid and
// inline, signatures the fake rejects, injected failures, queries that try
// to filter on or select the secret, updates, the admin API, the journal,
// the inbox) with every slog record and every HTTP answer captured. The
// secrets may appear only where showing them is the point: the fake's own
// robot settings (admin API robot objects, the inbox's reveal button).
// The SNS API, the logs, the journal and every hint never carry one.

package mockdingtalk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/testhttp"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

// transcript is everything a party may show: answers it gave, by where.
type transcript struct {
	mu      sync.Mutex
	answers map[string][]string // "SNS POST /zstack/…" → bodies and headers
}

func (t *transcript) add(where, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.answers[where] = append(t.answers[where], text)
}

var _ = Describe("Secrets never leak", Label("secrets"), func() {
	const (
		robotSecret = "SECaaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888"
		wrongSecret = "SEC0000999900009999000099990000999900009999000099990000999900009999"
		newSecret   = "SECfeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface"
		adminSecret = "SECadded-over-the-admin-api-so-other-processes-can-sign-0123456789"
	)
	secrets := []string{robotSecret, wrongSecret, newSecret, adminSecret}

	It("keeps every secret out of logs, SNS answers, the journal and hints", func() {
		logs := gbytes.NewBuffer()
		log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		fake := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Logger: log})
		robot, err := fake.AddRobot(mockdingtalk.Robot{Name: "alerts", Secret: robotSecret})
		Expect(err).NotTo(HaveOccurred())
		srv, err := sns.New(sns.Config{Logger: log, Outbound: webhook.Config{Timeout: 5 * time.Second, Logger: log}})
		Expect(err).NotTo(HaveOccurred())
		api := httptest.NewServer(srv)
		DeferCleanup(func() { api.Close(); Expect(srv.Close()).To(Succeed()) })

		seen := &transcript{answers: map[string][]string{}}
		client := &http.Client{Timeout: 10 * time.Second}
		DeferCleanup(client.CloseIdleConnections)
		call := func(who, base, method, path, session, body string) map[string]any {
			GinkgoHelper()
			h := http.Header{}
			if session != "" {
				h.Set("Authorization", "OAuth "+session)
			}
			a := testhttp.Must(client, testhttp.Request{Method: method, URL: base + path, Body: body,
				ContentType: "application/json;charset=UTF-8", Header: h})
			var hdr bytes.Buffer
			Expect(a.Header.Write(&hdr)).To(Succeed())
			seen.add(who+" "+method+" "+strings.SplitN(path, "?", 2)[0], hdr.String()+"\n"+a.Raw)
			obj := a.JSON
			return obj
		}
		zstack := func(method, path, session, body string) map[string]any {
			return call("SNS", api.URL, method, "/zstack/v1"+path, session, body)
		}

		By("logging in to the SNS API")
		inv := zstack(http.MethodPut, "/accounts/login", "", `{"logInByAccount":{"accountName":"admin","password":"`+sns.SHA512Hex("password")+`"}}`)
		session := inv["inventory"].(map[string]any)["uuid"].(string)

		By("creating endpoints with the right and a wrong secret")
		webhook := fake.WebhookURL(robot.AccessToken)
		good := zstack(http.MethodPost, "/sns/application-endpoints/ding-talk", session,
			`{"params":{"name":"good","url":"`+webhook+`","secret":"`+robotSecret+`","atPersonList":{"+86-13800000000":"on call"}}}`)
		goodUUID := good["inventory"].(map[string]any)["uuid"].(string)
		bad := zstack(http.MethodPost, "/sns/application-endpoints/ding-talk", session,
			`{"params":{"name":"bad","url":"`+webhook+`","secret":"`+wrongSecret+`"}}`)
		badUUID := bad["inventory"].(map[string]any)["uuid"].(string)

		By("testing them: signed and accepted, then a signature the fake rejects")
		r := zstack(http.MethodPost, "/sns/application-endpoints/ding-talk/test-connection", session, `{"params":{"testMsg":"by uuid","endpointUuid":"`+goodUUID+`"}}`)
		Expect(r["webhookResp"]).To(HaveKeyWithValue("errcode", BeNumerically("==", 0)))
		r = zstack(http.MethodPost, "/sns/application-endpoints/ding-talk/test-connection", session, `{"params":{"testMsg":"wrong","endpointUuid":"`+badUUID+`"}}`)
		Expect(r["webhookResp"]).To(HaveKeyWithValue("errcode", BeNumerically("==", 310000)))
		zstack(http.MethodPost, "/sns/application-endpoints/ding-talk/test-connection", session,
			`{"params":{"testMsg":"inline","url":"`+webhook+`","secret":"`+robotSecret+`"}}`)
		zstack(http.MethodPost, "/sns/application-endpoints/ding-talk/test-connection", session,
			`{"params":{"testMsg":"inline wrong","url":"`+webhook+`","secret":"`+wrongSecret+`"}}`)

		By("failing on purpose: an HTTP 500, a dropped connection, a non-JSON answer, a refused connection")
		for _, f := range []mockdingtalk.Fault{
			{Kind: mockdingtalk.FaultHTTP, Status: 500, Body: "upstream broke", Times: 1},
			{Kind: mockdingtalk.FaultDrop, Times: 1},
			{Kind: mockdingtalk.FaultHTTP, Status: 200, Body: "<html>not json</html>", Times: 1},
		} {
			_, err := fake.AddFault(f)
			Expect(err).NotTo(HaveOccurred())
			r = zstack(http.MethodPost, "/sns/application-endpoints/ding-talk/test-connection", session,
				`{"params":{"testMsg":"fault","url":"`+webhook+`","secret":"`+robotSecret+`"}}`)
			Expect(r).To(HaveKey("error"))
		}
		zstack(http.MethodPost, "/sns/application-endpoints/ding-talk/test-connection", session,
			`{"params":{"testMsg":"refused","url":"http://127.0.0.1:1/robot/send?access_token=x","secret":"`+robotSecret+`"}}`)

		By("querying, including attempts to select or filter on the secret")
		zstack(http.MethodGet, "/sns/application-endpoints/ding-talk", session, "")
		zstack(http.MethodGet, "/sns/application-endpoints/ding-talk/"+goodUUID, session, "")
		zstack(http.MethodGet, "/sns/application-endpoints", session, "")
		zstack(http.MethodGet, "/sns/application-endpoints/ding-talk?fields=secret,name", session, "")
		zstack(http.MethodGet, "/sns/application-endpoints/ding-talk?q="+url.QueryEscape("secret="+robotSecret), session, "")
		zstack(http.MethodGet, "/sns/application-endpoints/ding-talk?q="+url.QueryEscape("secret~=%"+robotSecret[3:10]+"%"), session, "")
		zstack(http.MethodGet, "/sns/application-endpoints/ding-talk?sort=-secret", session, "")

		By("updating a secret, and creating one that is too long")
		zstack(http.MethodPut, "/sns/application-endpoints/ding-talk/"+goodUUID+"/actions", session,
			`{"updateSNSDingTalkEndpoint":{"secret":"`+newSecret+`"}}`)
		zstack(http.MethodPost, "/sns/application-endpoints/ding-talk", session,
			`{"params":{"name":"long","url":"`+webhook+`","secret":"`+strings.Repeat(newSecret, 3)+`"}}`)

		By("sending to the fake directly with a wrong signature, and reading the admin API and the inbox")
		signed, err := dingtalk.SignURL(webhook, wrongSecret, fake.Now())
		Expect(err).NotTo(HaveOccurred())
		call("fake", "", http.MethodPost, signed, "", `{"msgtype":"text","text":{"content":"x"}}`)
		call("admin", fake.URL(), http.MethodPost, "/_mock/robots", "", `{"name":"other","secret":"`+adminSecret+`"}`)
		robots := call("admin", fake.URL(), http.MethodGet, "/_mock/robots", "", "")
		call("journal", fake.URL(), http.MethodGet, "/_mock/messages", "", "")
		call("journal", fake.URL(), http.MethodGet, "/_mock/messages/wait?count=1&timeout=1s", "", "")
		call("inbox", fake.URL(), http.MethodGet, "/", "", "")
		call("inbox robot page", fake.URL(), http.MethodGet, "/?robot="+robot.AccessToken, "", "")
		call("inbox fragments", fake.URL(), http.MethodGet, "/_inbox/entries", "", "")
		call("inbox fragments", fake.URL(), http.MethodGet, "/_inbox/robots", "", "")
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		entries, _ := fake.WaitForEntries(ctx, journal.Filter{AccessToken: robot.AccessToken}, 1)
		raw, err := json.Marshal(entries)
		Expect(err).NotTo(HaveOccurred())
		seen.add("journal (Go API)", string(raw))

		By("checking where each secret appears")
		Expect(len(seen.answers)).To(BeNumerically(">=", 10))
		for where, texts := range seen.answers {
			all := strings.Join(texts, "\n")
			for _, sec := range secrets {
				switch {
				case where == "admin GET /_mock/robots" && (sec == robotSecret || sec == adminSecret),
					where == "admin POST /_mock/robots" && sec == adminSecret,
					where == "inbox robot page GET /" && sec == robotSecret: // behind the Show button
					Expect(all).To(ContainSubstring(sec), "%s shows the fake robot's secret: that is its purpose", where)
				default:
					Expect(all).NotTo(ContainSubstring(sec), "%s leaks a secret", where)
					Expect(all).NotTo(ContainSubstring(sec[:24]), "%s leaks part of a secret", where)
				}
			}
		}
		Expect(robots["robots"]).To(ContainElement(HaveKeyWithValue("secret", robotSecret)))
		for _, sec := range secrets {
			Expect(string(logs.Contents())).NotTo(ContainSubstring(sec[:24]), "the logs leak a secret")
		}
		Expect(string(logs.Contents())).To(ContainSubstring("SEC…(67 chars)"), "secrets are logged masked, if at all")
		Expect(string(logs.Contents())).NotTo(ContainSubstring("sign="), "signed URLs are never logged")
	})

	It("does not repeat a secret a client sent by mistake in the hint or the log (the journal keeps the raw query it was sent)", func() {
		logs := gbytes.NewBuffer()
		log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		fake := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{Logger: log})
		robot, err := fake.AddRobot(mockdingtalk.Robot{Secret: robotSecret})
		Expect(err).NotTo(HaveOccurred())
		for _, q := range []string{
			"&timestamp=" + strconv.FormatInt(fake.Now().UnixMilli(), 10) + "&sign=" + url.QueryEscape(robotSecret), // the secret as the sign
			"&secret=" + url.QueryEscape(robotSecret), // the secret as a parameter
		} {
			rsp, err := http.Post(fake.WebhookURL(robot.AccessToken)+q, "application/json", strings.NewReader(`{"msgtype":"text","text":{"content":"x"}}`))
			Expect(err).NotTo(HaveOccurred())
			body, _ := io.ReadAll(rsp.Body)
			rsp.Body.Close()
			Expect(string(body)).To(ContainSubstring("310000"))
			Expect(rsp.Header.Get("X-Mock-Hint")).NotTo(BeEmpty())
			Expect(rsp.Header.Get("X-Mock-Hint")).NotTo(ContainSubstring(robotSecret[:24]))
		}
		for _, e := range fake.Entries(journal.Filter{}) {
			Expect(e.Hint).NotTo(ContainSubstring(robotSecret[:24]))
			Expect(e.Hint).To(ContainSubstring("SEC...(67 chars)"))
		}
		Expect(string(logs.Contents())).NotTo(ContainSubstring(robotSecret[:24]))
		http.DefaultClient.CloseIdleConnections()
	})
})
