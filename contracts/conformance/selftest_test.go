// The harness tests itself: for every rule there is at least one
// deliberately broken variant of the in-repo implementation (its handler
// wrapped to rewrite requests or answers, its webhook calls passed through
// a proxy that spoils them, or a real configuration that breaks a rule)
// that the rule catches, with a message naming it; a spec fails when a rule
// has none. The real implementation, synchronous and async, passes every
// rule.

package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts/conformance"
	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

// variant wraps the in-repo API (and may see the fake robot) to break it.
type variant func(api http.Handler, fake *mockdingtalk.Server) http.Handler

// build is how a broken variant is started.
type build = func(conformance.InProcessEnv) (http.Handler, io.Closer, error)

// wrapped builds the in-repo API with cfg, wrapped by v (nil: unwrapped).
func wrapped(cfg sns.Config, v variant) build {
	return func(env conformance.InProcessEnv) (http.Handler, io.Closer, error) {
		h, closer, err := conformance.InProcessWith(cfg)(env)
		if err != nil || v == nil {
			return h, closer, err
		}
		return v(h, env.Fake), closer, nil
	}
}

// inProcess is the synchronous in-repo API wrapped by v.
func inProcess(v variant) build { return wrapped(sns.Config{}, v) }

func isTestConnection(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == conformance.PathTestConnection
}

// rewriteBody changes the JSON body of every request match accepts.
func rewriteBody(match func(*http.Request) bool, f func(body map[string]any)) variant {
	return func(api http.Handler, _ *mockdingtalk.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if match(r) {
				var body map[string]any
				data, _ := io.ReadAll(r.Body)
				if json.Unmarshal(data, &body) == nil {
					f(body)
					data, _ = json.Marshal(body)
				}
				r.Body = io.NopCloser(bytes.NewReader(data))
				r.ContentLength = int64(len(data))
			}
			api.ServeHTTP(w, r)
		})
	}
}

// rewriteParams changes the params of every test-connection request.
func rewriteParams(f func(p map[string]any)) variant {
	return rewriteBody(isTestConnection, func(body map[string]any) {
		if p, ok := body["params"].(map[string]any); ok {
			f(p)
		}
	})
}

// rewriteAnswer changes the JSON answer (any status) of every request
// match accepts; f sees the request body too.
func rewriteAnswer(match func(*http.Request) bool, f func(status *int, ans map[string]any, req map[string]any)) variant {
	return func(api http.Handler, _ *mockdingtalk.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				api.ServeHTTP(w, r)
				return
			}
			data, _ := io.ReadAll(r.Body)
			var req map[string]any
			_ = json.Unmarshal(data, &req)
			r.Body = io.NopCloser(bytes.NewReader(data))
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, r)
			body, status := rec.Body.Bytes(), rec.Code
			var ans map[string]any
			if json.Unmarshal(body, &ans) == nil {
				f(&status, ans, req)
				body, _ = json.Marshal(ans)
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Del("Content-Length")
			w.WriteHeader(status)
			_, _ = w.Write(body)
		})
	}
}

// successAnswer rewrites successful test-connection answers.
func successAnswer(f func(ans map[string]any)) variant {
	return rewriteAnswer(isTestConnection, func(status *int, ans, _ map[string]any) {
		if *status == http.StatusOK {
			f(ans)
		}
	})
}

// answerWithout answers requests match accepts with 200 {} and never
// passes them on: the operation does nothing.
func answerWithout(match func(*http.Request) bool) variant {
	return func(api http.Handler, _ *mockdingtalk.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if match(r) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{}`)
				return
			}
			api.ServeHTTP(w, r)
		})
	}
}

// refusalsAsNotConnected answers every refused test-connection with 200 and
// connected: false.
var refusalsAsNotConnected = rewriteAnswer(isTestConnection, func(status *int, ans, _ map[string]any) {
	if *status >= 400 {
		*status = http.StatusOK
		for k := range ans {
			delete(ans, k)
		}
		ans["connected"], ans["webhookResp"] = false, map[string]any{}
	}
})

// failuresAsConnected answers every failed test-connection with 200 and
// connected: true.
var failuresAsConnected = rewriteAnswer(isTestConnection, func(status *int, ans, _ map[string]any) {
	if *status == http.StatusServiceUnavailable {
		*status = http.StatusOK
		delete(ans, "error")
		ans["success"], ans["connected"], ans["webhookResp"] = true, true, map[string]any{}
	}
})

// lenientJSON answers a test-connection body that is not JSON with 200
// and connected: false.
func lenientJSON(api http.Handler, _ *mockdingtalk.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		if isTestConnection(r) && !json.Valid(data) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"connected":false,"webhookResp":{}}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
		api.ServeHTTP(w, r)
	})
}

// noAuthCheck lets every call in with a valid session of its own, except
// those keep accepts.
func noAuthCheck(keep func(*http.Request) bool) variant {
	return func(api http.Handler, _ *mockdingtalk.Server) http.Handler {
		var once sync.Once
		var session string
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() {
				body := `{"logInByAccount":{"accountName":"admin","password":"` + sns.SHA512Hex("password") + `"}}`
				rec := httptest.NewRecorder()
				api.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, conformance.PathLogin, strings.NewReader(body)))
				var out struct{ Inventory struct{ UUID string } }
				_ = json.Unmarshal(rec.Body.Bytes(), &out)
				session = out.Inventory.UUID
			})
			if !strings.HasPrefix(r.URL.Path, "/zstack/v1/accounts/") && (keep == nil || !keep(r)) {
				r.Header.Set("Authorization", "OAuth "+session)
			}
			api.ServeHTTP(w, r)
		})
	}
}

// proxy passes the API's webhook calls (test-connection's url, stored
// endpoints' urls) through a
// proxy that may spoil them, send them again, or follow redirects.
type proxy struct {
	spoil  func(q url.Values, body []byte, secret string) (string, []byte)
	again  func(status int, body []byte) bool
	follow bool
}

func (p proxy) variant(api http.Handler, fake *mockdingtalk.Server) http.Handler {
	client := &http.Client{}
	if !p.follow {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		raw := r.URL.RawQuery
		if p.spoil != nil {
			q, _ := url.ParseQuery(raw)
			robot, _ := fake.Robot(q.Get("access_token"))
			raw, body = p.spoil(q, body, robot.Secret)
		}
		send := func() (int, http.Header, []byte, error) {
			req, _ := http.NewRequestWithContext(r.Context(), r.Method, fake.URL()+r.URL.Path+"?"+raw, bytes.NewReader(body))
			req.Header = r.Header.Clone()
			resp, err := client.Do(req)
			if err != nil {
				return 0, nil, nil, err
			}
			defer resp.Body.Close()
			data, err := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header, data, err
		}
		status, header, data, err := send()
		if err == nil && p.again != nil && p.again(status, data) {
			status, header, data, err = send()
		}
		if err != nil {
			if conn, _, herr := http.NewResponseController(w).Hijack(); herr == nil {
				_ = conn.Close()
			}
			return
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write(data)
	}))
	DeferCleanup(srv.Close)
	// Test-connection's url, and the url of endpoints as they are stored.
	storesURL := func(r *http.Request) bool {
		return isTestConnection(r) || r.Method == http.MethodPost && r.URL.Path == conformance.PathEndpoints
	}
	return rewriteBody(storesURL, func(body map[string]any) {
		if p, ok := body["params"].(map[string]any); ok {
			if u, ok := p["url"].(string); ok {
				p["url"] = strings.Replace(u, fake.URL(), srv.URL, 1)
			}
		}
	})(api, fake)
}

// spoilQuery is a proxy that changes only the query.
func spoilQuery(f func(q url.Values, secret string) string) variant {
	return proxy{spoil: func(q url.Values, body []byte, secret string) (string, []byte) { return f(q, secret), body }}.variant
}

// resign replaces timestamp and sign with a signature for ts.
func resign(q url.Values, secret string, ts int64) string {
	s := strconv.FormatInt(ts, 10)
	q.Set("timestamp", s)
	q.Set("sign", dingtalk.SignString(secret, s))
	return q.Encode()
}

// cachedSignature reuses the first signature seen for each robot.
func cachedSignature() variant {
	var mu sync.Mutex
	cache := map[string][2]string{}
	return spoilQuery(func(q url.Values, _ string) string {
		mu.Lock()
		defer mu.Unlock()
		token := q.Get("access_token")
		if c, ok := cache[token]; ok {
			q.Set("timestamp", c[0])
			q.Set("sign", c[1])
		} else {
			cache[token] = [2]string{q.Get("timestamp"), q.Get("sign")}
		}
		return q.Encode()
	})
}

func pathIs(method string, re string) func(*http.Request) bool {
	rx := regexp.MustCompile("^" + re + "$")
	return func(r *http.Request) bool { return r.Method == method && rx.MatchString(r.URL.Path) }
}

const hex32 = "[0-9a-f]{32}"

// brokenVariant is one deliberately broken implementation and the rules it
// must fail: rule ID (or a prefix ending in "*") → a part of the message
// ("" for just the rule's name).
type brokenVariant struct {
	name    string
	build   build
	catches map[string]string
}

// variantConfig changes the harness's configuration for the variants it
// names.
var variantConfig = map[string]func(*conformance.Config){
	"a webhook timeout longer than the harness's bound (3 s against 2 s)": func(c *conformance.Config) { c.WebhookWait = 2 * time.Second },
}

var variants = []brokenVariant{
	{"wrong field types (connected as a string)", inProcess(successAnswer(func(a map[string]any) { a["connected"] = strconv.FormatBool(a["connected"] == true) })),
		map[string]string{conformance.RuleSchema: `body /connected: expected type boolean; got "true"`}},
	{"connected missing", inProcess(successAnswer(func(a map[string]any) { delete(a, "connected") })),
		map[string]string{"delivery.connected-and-webhookResp": "connected is not true although the webhook answered 200"}},
	{"the test message sent as text", inProcess(proxy{spoil: func(q url.Values, body []byte, _ string) (string, []byte) {
		return q.Encode(), []byte(`{"msgtype":"text","text":{"content":"test connected"}}`)
	}}.variant), map[string]string{"delivery.markdown-test-message": `msgtype is "text"; expected markdown`}},
	{"endpointUuid ignored", inProcess(rewriteParams(func(p map[string]any) { delete(p, "endpointUuid") })),
		map[string]string{
			"delivery.endpoint-uuid-precedence": "the message went to the url given in the request, not to the stored endpoint's url",
			"errors.unknown-endpoint-refused":   `refused with "SYS.1007"; expected SYS.1003`,
		}},
	{"every message sent twice", inProcess(proxy{again: func(int, []byte) bool { return true }}.variant),
		map[string]string{"delivery.one-request.success": "the webhook received 2 requests for one test-connection call"}},
	{"sent again when DingTalk refuses", inProcess(proxy{again: func(_ int, body []byte) bool { return !bytes.Contains(body, []byte(`"errcode":0,`)) }}.variant),
		map[string]string{"delivery.one-request.dingtalk-refusal": "received 2 requests"}},
	{"retries failed webhooks (sns Outbound.Retries: 2)", wrapped(sns.Config{Outbound: webhook.Config{Retries: 2, RetryBackoff: 10 * time.Millisecond}}, nil),
		map[string]string{
			"delivery.one-request.http-error": "received 3 requests",
			"delivery.one-request.dropped":    "received 3 requests",
			"delivery.one-request.timeout":    "received 3 requests",
		}},
	{"follows redirects", inProcess(proxy{follow: true}.variant),
		map[string]string{"delivery.redirect-not-followed": "the redirect was followed"}},
	{"unsigned requests", inProcess(spoilQuery(func(q url.Values, _ string) string {
		q.Del("timestamp")
		q.Del("sign")
		return q.Encode()
	})), map[string]string{
		"signing.signed-when-secret": "the webhook request was not signed",
		"signing.signature-valid":    "the signature does not verify",
	}},
	{"timestamp in seconds", inProcess(spoilQuery(func(q url.Values, secret string) string {
		ms, _ := strconv.ParseInt(q.Get("timestamp"), 10, 64)
		return resign(q, secret, ms/1000)
	})), map[string]string{"signing.timestamp-milliseconds": `timestamp="`}},
	{"clock 10 minutes behind", inProcess(spoilQuery(func(q url.Values, secret string) string {
		ms, _ := strconv.ParseInt(q.Get("timestamp"), 10, 64)
		return resign(q, secret, ms-(10*time.Minute).Milliseconds())
	})), map[string]string{"signing.timestamp-close": "behind the robot's clock"}},
	{"sign not URL-encoded", inProcess(spoilQuery(func(q url.Values, _ string) string {
		sign := q.Get("sign")
		q.Del("sign")
		return q.Encode() + "&sign=" + sign
	})), map[string]string{"signing.sign-url-encoded-once": "holds raw + / or = (not URL-encoded; a + arrives as a space)"}},
	{"sign encoded twice", inProcess(spoilQuery(func(q url.Values, _ string) string {
		sign := q.Get("sign")
		q.Del("sign")
		return q.Encode() + "&sign=" + url.QueryEscape(url.QueryEscape(sign))
	})), map[string]string{"signing.sign-url-encoded-once": "after one URL-decoding (encoded twice?)"}},
	{"signature cached per robot", inProcess(cachedSignature()),
		map[string]string{"signing.fresh-across-calls": "reused the first call's signature"}},
	{"atAll ignored", inProcess(rewriteParams(func(p map[string]any) { delete(p, "atAll") })),
		map[string]string{"mentions.at-all": "at.isAtAll is not true although atAll was true"}},
	{"phone numbers ignored", inProcess(rewriteParams(func(p map[string]any) { delete(p, "atPersonPhoneNumbers") })),
		map[string]string{"mentions.at-persons": "at.atMobiles lacks 13800000000"}},
	{"atMobiles dropped from the message", inProcess(proxy{spoil: func(q url.Values, body []byte, _ string) (string, []byte) {
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			if at, ok := m["at"].(map[string]any); ok {
				delete(at, "atMobiles")
			}
			body, _ = json.Marshal(m)
		}
		return q.Encode(), body
	}}.variant), map[string]string{
		"mentions.at-persons":          "at.atMobiles lacks 13800000000",
		"mentions.endpoint-at-persons": "at.atMobiles lacks the stored at-person 13700000001",
	}},
	{"everyone mentioned", inProcess(rewriteParams(func(p map[string]any) { p["atAll"] = true })),
		map[string]string{"mentions.none": "someone is @-mentioned"}},
	{"errcode swallowed", inProcess(successAnswer(func(a map[string]any) { a["webhookResp"] = map[string]any{"errcode": 0, "errmsg": "ok"} })),
		map[string]string{"errors.errcode-passed-through": `webhookResp is {"errcode":0,"errmsg":"ok"}; the webhook answered {"errcode":310000`}},
	{"failures reported as connected", inProcess(failuresAsConnected),
		map[string]string{
			"errors.http-500":            "the webhook failed but the answer says it is connected",
			"errors.unreachable-webhook": "the webhook failed but the answer says it is connected",
			"errors.dropped-connection":  "the webhook failed but the answer says it is connected",
			"errors.slow-webhook":        "the webhook failed but the answer says it is connected",
		}},
	{"a missing testMsg taken as empty", inProcess(rewriteParams(func(p map[string]any) {
		if _, ok := p["testMsg"]; !ok {
			p["testMsg"] = ""
		}
	})), map[string]string{"errors.missing-testMsg-refused": "it was accepted"}},
	{"a body that is not JSON accepted", inProcess(lenientJSON),
		map[string]string{"errors.malformed-json-refused": "it was accepted"}},
	{"error details carry the secret (as ZStack's \"ding talk sign error <secret>\")", inProcess(rewriteAnswer(isTestConnection, func(status *int, ans, req map[string]any) {
		e, ok := ans["error"].(map[string]any)
		p, _ := req["params"].(map[string]any)
		if ok && p != nil {
			e["details"] = "ding talk sign error " + p["secret"].(string)
		}
	})), map[string]string{
		"secrets.test-connection-answers":         "the answer carries the robot's secret",
		"secrets.test-connection-answers-timeout": "the answer carries the robot's secret",
	}},
	{"endpoint secret returned in clear", inProcess(rewriteAnswer(pathIs(http.MethodPost, conformance.PathEndpoints), func(status *int, ans, req map[string]any) {
		inv, _ := ans["inventory"].(map[string]any)
		p, _ := req["params"].(map[string]any)
		if inv != nil && p != nil && p["secret"] != nil {
			inv["secret"] = p["secret"]
		}
	})), map[string]string{"secrets.endpoint-secret-masked": "the answer to create carries the stored secret in clear"}},
	{"no auth check", inProcess(noAuthCheck(nil)),
		map[string]string{
			"auth.missing-header":      "test-connection was not refused: it was accepted",
			"auth.wrong-scheme":        "was not refused",
			"auth.invalid-session":     "was not refused",
			"auth.logout-ends-session": "was not refused",
		}},
	{"auth checked on test-connection only", inProcess(noAuthCheck(isTestConnection)),
		map[string]string{
			"auth.missing-header":  "create DingTalk endpoint was not refused",
			"auth.wrong-scheme":    "create DingTalk endpoint was not refused",
			"auth.invalid-session": "create DingTalk endpoint was not refused",
		}},
	{"logout does nothing", inProcess(answerWithout(pathIs(http.MethodDelete, conformance.PathSessions+"/"+hex32))),
		map[string]string{"auth.logout-ends-session": "test-connection was not refused"}},
	{"sessions never expire (the target ignores its clock)", wrapped(sns.Config{Now: time.Now}, nil),
		map[string]string{"auth.expired-session": "test-connection was not refused"}},
	{"description dropped on create", inProcess(rewriteBody(pathIs(http.MethodPost, conformance.PathEndpoints), func(b map[string]any) {
		if p, ok := b["params"].(map[string]any); ok {
			delete(p, "description")
		}
	})), map[string]string{"endpoints.create-and-query": "does not hold what was created"}},
	{"query conditions ignored", inProcess(func(api http.Handler, _ *mockdingtalk.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				q := r.URL.Query()
				q.Del("q")
				r.URL.RawQuery = q.Encode()
			}
			api.ServeHTTP(w, r)
		})
	}), map[string]string{"endpoints.query-conditions": "found"}},
	{"update ignores the name", inProcess(rewriteBody(pathIs(http.MethodPut, conformance.PathEndpoints+"/"+hex32+"/actions"), func(b map[string]any) {
		if p, ok := b["updateSNSDingTalkEndpoint"].(map[string]any); ok {
			delete(p, "name")
		}
	})), map[string]string{"endpoints.update": "does not show the update"}},
	{"delete does nothing", inProcess(answerWithout(pathIs(http.MethodDelete, conformance.PathAnyEndpoint+"/"+hex32))),
		map[string]string{"endpoints.delete": "still finds the deleted endpoint"}},
	{"removing an at-person does nothing", inProcess(answerWithout(pathIs(http.MethodDelete, conformance.PathEndpoints+"/"+hex32+"/at-persons/.*"))),
		map[string]string{"endpoints.at-persons": "after the at-person was removed"}},
	{"phone numbers repaired instead of refused", inProcess(rewriteBody(pathIs(http.MethodPost, conformance.PathAtPersons), func(b map[string]any) {
		if p, ok := b["params"].(map[string]any); ok {
			if n, ok := p["phoneNumber"].(string); ok && !strings.HasPrefix(n, "+86-") {
				p["phoneNumber"] = "+86-" + strings.TrimSpace(strings.TrimPrefix(n, "+86"))
			}
		}
	})), map[string]string{"endpoints.at-person-validation": `phone number "13800000003"`}},
	{"job location relative (async)", wrapped(sns.Config{Async: true}, rewriteAnswer(isTestConnection, func(status *int, ans, _ map[string]any) {
		if loc, ok := ans["location"].(string); ok {
			u, _ := url.Parse(loc)
			ans["location"] = u.Path
		}
	})), map[string]string{"async.job-protocol": "is not an absolute http(s) URL"}},
	{"refusals answered as not connected", inProcess(refusalsAsNotConnected),
		map[string]string{"negative.*": "it was accepted"}},
	{"a webhook timeout longer than the harness's bound (3 s against 2 s)", wrapped(sns.Config{Outbound: webhook.Config{Timeout: 3 * time.Second}}, nil),
		map[string]string{"errors.webhook-timeout-bounded": "to give up on a silent webhook; expected at most 2s"}},
}

// caught lists the rules a variant must fail.
func (v brokenVariant) caught() []conformance.Rule {
	var out []conformance.Rule
	for _, r := range conformance.Rules() {
		if _, ok := v.catches[r.ID]; ok {
			out = append(out, r)
			continue
		}
		for k := range v.catches {
			if prefix, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(r.ID, prefix) {
				out = append(out, r)
			}
		}
	}
	return out
}

func (v brokenVariant) detail(id string) string {
	if d, ok := v.catches[id]; ok {
		return d
	}
	for k, d := range v.catches {
		if prefix, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(id, prefix) {
			return d
		}
	}
	return ""
}

func startHarness(ctx context.Context, b build, configure ...func(*conformance.Config)) *conformance.Harness {
	cfg := conformance.Config{InProcess: b}
	for _, f := range configure {
		if f != nil {
			f(&cfg)
		}
	}
	h, err := conformance.New(ctx, cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(h.Close)
	return h
}

var _ = Describe("the conformance harness", Label("selftest"), func() {
	It("has a broken variant for every rule, so no rule goes untested", func() {
		var missing []string
		for _, r := range conformance.Rules() {
			found := false
			for _, v := range variants {
				if containsRule(v.caught(), r.ID) {
					found = true
					break
				}
			}
			if !found {
				missing = append(missing, r.ID)
			}
		}
		Expect(missing).To(BeEmpty(), "rules no broken variant checks: add one to variants")
	})

	for _, v := range variants {
		It("fails the variant with "+v.name+", naming the broken rules", func(ctx SpecContext) {
			rules := v.caught()
			Expect(rules).NotTo(BeEmpty(), "the variant names no existing rule")
			h := startHarness(ctx, v.build, variantConfig[v.name])
			for _, r := range rules {
				res := h.Check(ctx, r)
				Expect(res.Outcome).To(BeElementOf(conformance.Fail, conformance.Warn), "rule %s passed against the broken variant", r.ID)
				if r.Level == conformance.Should {
					Expect(res.Outcome).To(Equal(conformance.Warn), "a should rule that breaks is a warning")
				}
				Expect(res.Message).To(ContainSubstring("rule "+r.ID+" broken"), "rule %s", r.ID)
				Expect(res.Message).To(ContainSubstring(v.detail(r.ID)), "rule %s", r.ID)
				Expect(res.Evidence).NotTo(BeEmpty(), "rule %s reports no evidence", r.ID)
			}
		}, SpecTimeout(2*time.Minute))
	}

	It("skips the rules that judge the answer to a silent webhook when the target outlasts the call timeout, and fails the bounded wait", func(ctx SpecContext) {
		h := startHarness(ctx, conformance.DefaultInProcess(false), func(c *conformance.Config) { c.CallTimeout = time.Second })
		for _, id := range []string{"errors.slow-webhook", "delivery.one-request.timeout", "secrets.test-connection-answers-timeout"} {
			r, ok := conformance.RuleByID(id)
			Expect(ok).To(BeTrue())
			res := h.Check(ctx, r)
			Expect(res.Outcome).To(Equal(conformance.Skip), id)
			Expect(res.Message).To(ContainSubstring("raise --call-timeout"), id)
		}
		r, _ := conformance.RuleByID("errors.webhook-timeout-bounded")
		res := h.Check(ctx, r)
		Expect(res.Outcome).To(Equal(conformance.Warn))
		Expect(res.Message).To(ContainSubstring("no answer within the call timeout 1s"))
	})

	It("fails a should rule under Strict", func(ctx SpecContext) {
		h, err := conformance.New(ctx, conformance.Config{Strict: true, InProcess: variants[indexOf("clock 10 minutes behind")].build})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(h.Close)
		r, ok := conformance.RuleByID("signing.timestamp-close")
		Expect(ok).To(BeTrue())
		Expect(h.Check(ctx, r).Outcome).To(Equal(conformance.Fail))
	})

	DescribeTable("passes the real implementation on every rule",
		func(ctx SpecContext, async bool) {
			h := startHarness(ctx, conformance.DefaultInProcess(async))
			for _, r := range conformance.Rules() {
				res := h.Check(ctx, r)
				if !async && r.ID == "async.job-protocol" {
					Expect(res.Outcome).To(Equal(conformance.Skip))
					continue
				}
				Expect(res.Outcome).To(Equal(conformance.Pass), "%s: %s\n%s", r.ID, res.Message, strings.Join(res.Evidence, "\n"))
			}
		},
		Entry("synchronous", false, SpecTimeout(5*time.Minute)),
		Entry("with ZStack's async job protocol, following every job", true, SpecTimeout(5*time.Minute)),
	)

	It("keeps docs/conformance.md's rule table in step with the rules", func() {
		doc, err := readDoc()
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Contains(doc, conformance.RulesMarkdown())).To(BeTrue(),
			"docs/conformance.md's rule table is out of date: paste the output of `go run ./cmd/mockdingtalk-conform -list-markdown` over it")
	})

	It("refuses a remote target the fake robot cannot be reached from", func() {
		GinkgoT().Setenv(conformance.EnvTargetURL, "http://10.0.0.5:8080")
		GinkgoT().Setenv(conformance.EnvMockListen, "")
		GinkgoT().Setenv(conformance.EnvMockPublicURL, "")
		_, err := conformance.ConfigFromEnv()
		Expect(err).To(MatchError(ContainSubstring("set MOCK_LISTEN")))
	})

	It("refuses a label filter that does not parse", func() {
		_, err := conformance.Selected("signing &&")
		Expect(err).To(MatchError(ContainSubstring("label filter")))
	})
})

func containsRule(rules []conformance.Rule, id string) bool {
	for _, r := range rules {
		if r.ID == id {
			return true
		}
	}
	return false
}

func indexOf(name string) int {
	for i, v := range variants {
		if v.name == name {
			return i
		}
	}
	Fail("no variant " + name)
	return -1
}

// The fake robot the harness stands up refuses every generated broken
// message (a DingTalk refusal: HTTP 200, non-zero errcode), so a target's
// refusals are never mistaken for the fake's.
var _ = Describe("the harness's fake robot", Label("selftest"), func() {
	for _, m := range conformance.Mutations(conformance.Schema("MarkdownMessage"), conformance.GenerateOptions{RequiredOnly: true}) {
		if m.Kind == "wrong-type" {
			if _, isNumber := m.Value.(int); isNumber {
				// DingTalk's Java binder reads a number where a string is
				// expected as its text (12345 is "12345"), so only a value
				// no binder converts is a wrong type for the robot.
				m.Value = map[string]any{"not": "a string"}
			}
		}
		It("refuses a markdown message with "+m.Pointer+" "+conformance.DescribeKind(m), func(ctx SpecContext) {
			fake := mockdingtalk.NewTestServer(GinkgoT(), mockdingtalk.Config{})
			robot, err := fake.AddRobot(mockdingtalk.Robot{Secret: "SEC" + strings.Repeat("ab", 32)})
			Expect(err).NotTo(HaveOccurred())
			body := map[string]any{"msgtype": dingtalk.MsgMarkdown, "markdown": map[string]any{"title": "t", "text": "negative " + m.Name()}}
			m.Apply(body)
			signed, err := dingtalk.SignURL(fake.WebhookURL(robot.AccessToken), robot.Secret, fake.Now())
			Expect(err).NotTo(HaveOccurred())
			data, _ := json.Marshal(body)
			resp, err := http.Post(signed, "application/json", bytes.NewReader(data))
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			Expect(conformance.RefusedByDingTalk(&conformance.Answer{Status: resp.StatusCode, Header: resp.Header, Body: got})).To(Succeed(), "sent %s", data)
		})
	}
})

// readDoc reads docs/conformance.md.
func readDoc() (string, error) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "conformance.md"))
	return string(data), err
}
