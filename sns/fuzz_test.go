// Fuzz target for request decoding: any body sent to test-connection, the
// endpoint and at-person calls or login must be answered with a JSON object,
// HTTP 200, 400 or 503 (never a 500), and every failure must be ZStack's
// error envelope with a known code and its fixed description. Seeds are the
// specs' cases; the committed corpus is in testdata/fuzz/FuzzRequestBody.
//
// Fuzzing never leaves the machine: the webhook sender may only dial
// 127.0.0.1 (other addresses are refused before connecting), and inputs
// whose strings hold a URL with a host name are skipped, since resolving it
// would query DNS.

package sns_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

// fuzzRoute is one call the fuzz target can send a body to.
type fuzzRoute struct{ method, path string }

// fuzzEndpointUUID is the endpoint the setup creates, so update and
// test-connection bodies can name a real one.
const fuzzEndpointUUID = "0a5e3c1f6b2d4e7f8a9b0c1d2e3f4a5b"

// fuzzRoutes returns the calls, in the order a seed's route number picks.
func fuzzRoutes(atPersonUUID string) []fuzzRoute {
	return []fuzzRoute{
		{http.MethodPost, testConnURL},
		{http.MethodPost, endpointURL},
		{http.MethodPut, endpointURL + "/" + fuzzEndpointUUID + "/actions"},
		{http.MethodPut, "/zstack/v1/sns/application-endpoints/" + fuzzEndpointUUID + "/actions"},
		{http.MethodPost, atPersonURL},
		{http.MethodPut, atPersonURL + "/" + atPersonUUID + "/actions"},
		{http.MethodPut, "/zstack/v1/accounts/login"},
	}
}

// fuzzServer is an SNS API with a session, one endpoint with an at-person
// and a loopback robot that answers errcode 0.
type fuzzServer struct {
	srv     *sns.Server
	session string
	routes  []fuzzRoute
	robot   string
}

func newFuzzServer(tb testing.TB) *fuzzServer {
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	tb.Cleanup(robot.Close)
	srv, err := sns.New(sns.Config{
		Logger: slog.New(slog.DiscardHandler),
		Outbound: webhook.Config{
			Timeout:    2 * time.Second,
			AllowHosts: []string{"127.0.0.1"},
			Logger:     slog.New(slog.DiscardHandler),
		},
	})
	if err != nil {
		tb.Fatalf("sns.New: %v", err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	fs := &fuzzServer{srv: srv, robot: robot.URL + "/robot/send?access_token=" + robotToken}

	status, obj := fs.call(http.MethodPut, "/zstack/v1/accounts/login",
		`{"logInByAccount":{"accountName":"admin","password":"`+sns.SHA512Hex("password")+`"}}`)
	if status != http.StatusOK {
		tb.Fatalf("login: %d %v", status, obj)
	}
	fs.session = obj["inventory"].(map[string]any)["uuid"].(string)
	status, obj = fs.call(http.MethodPost, endpointURL, `{"params":{"name":"fuzz","url":"`+fs.robot+`","secret":"`+robotSecret+
		`","resourceUuid":"`+fuzzEndpointUUID+`","atPersonList":{"+86-13800000000":"on call"}}}`)
	if status != http.StatusOK {
		tb.Fatalf("create endpoint: %d %v", status, obj)
	}
	status, obj = fs.call(http.MethodGet, atPersonURL, "")
	if status != http.StatusOK {
		tb.Fatalf("query at-persons: %d %v", status, obj)
	}
	person := obj["inventories"].([]any)[0].(map[string]any)["uuid"].(string)
	fs.routes = fuzzRoutes(person)
	return fs
}

// call sends body to the handler and decodes a JSON answer.
func (fs *fuzzServer) call(method, path, body string) (int, map[string]any) {
	status, _, raw := fs.raw(method, path, []byte(body))
	var obj map[string]any
	_ = json.Unmarshal(raw, &obj)
	return status, obj
}

func (fs *fuzzServer) raw(method, path string, body []byte) (int, string, []byte) {
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json;charset=UTF-8")
	if fs.session != "" {
		r.Header.Set("Authorization", "OAuth "+fs.session)
	}
	w := httptest.NewRecorder()
	fs.srv.ServeHTTP(w, r)
	return w.Code, w.Header().Get("Content-Type"), w.Body.Bytes()
}

// needsDNS reports whether any string in the JSON body is a URL whose host
// is not an IP address: sending to it would resolve a name.
func needsDNS(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return false // the server refuses it before any send
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			u, err := url.Parse(strings.TrimFunc(v, func(r rune) bool { return r <= ' ' }))
			return err == nil && u.Hostname() != "" && net.ParseIP(u.Hostname()) == nil
		case []any:
			for _, x := range v {
				if walk(x) {
					return true
				}
			}
		case map[string]any:
			for k, x := range v {
				if walk(k) || walk(x) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

func FuzzRequestBody(f *testing.F) {
	robotURL := "http://127.0.0.1:1/robot/send?access_token=" + robotToken
	for _, seed := range []struct {
		route uint8
		body  string
	}{
		{0, `{"params":{"testMsg":"hello","url":"` + robotURL + `","secret":"` + robotSecret + `","atPersonPhoneNumbers":["+86-13800000000"]},"systemTags":[],"userTags":[]}`},
		{0, `{"params":{"testMsg":"via endpoint","endpointUuid":"` + fuzzEndpointUUID + `"}}`},
		{0, `{"params":{"testMsg":"x","atAll":"yes"}}`},
		{0, `{"params":{"testMsg":null,"url":null}}`},
		{0, `{"params":{}}`},
		{0, `{"params":{"testMsg":"x","url":"http://1.2.3.999/robot/send"}}`},
		{0, `{"params":{"testMsg":"x","url":"ftp://127.0.0.1/"}}`},
		{0, `{"params":{"testMsg":"x","endpointUuid":"not-a-uuid"}}`},
		{0, `{"params":[]}`},
		{0, `{"params":{"testMsg":"x"`},
		{0, "{\"params\":{\"testMsg\":\"\xff\xfe\",\"url\":\"http://127.0.0.1:1/\"}}"},
		{0, `{"params":{"testMsg":"x","url":"` + robotURL + `"}} trailing`},
		{1, `{"params":{"name":"ops","url":"` + robotURL + `","secret":"` + robotSecret + `","atPersonList":{"+86-13800000000":"on call"}}}`},
		{1, `{"params":{"name":"ops","url":"` + robotURL + `","atPersonPhoneNumbers":[]}}`},
		{1, `{"params":{"name":"告警","url":"` + robotURL + `","atPersonPhoneNumbers":["13800000000"]}}`},
		{1, `{"params":{"name":5,"url":true}}`},
		{1, `{"params":{"name":"x","url":"` + robotURL + `","resourceUuid":"` + fuzzEndpointUUID + `"}}`},
		{1, `{"params":{"name":"x","url":"` + robotURL + `","atPersonList":{"+86-1":null}}}`},
		{2, `{"updateSNSDingTalkEndpoint":{"name":"renamed","url":"` + robotURL + `","atAll":true,"secret":""}}`},
		{2, `{"updateSNSDingTalkEndpoint":null}`},
		{3, `{"changeSNSApplicationEndpointState":{"stateEvent":"disable"}}`},
		{3, `{"updateSNSApplicationEndpoint":{"name":"n"},"changeSNSApplicationEndpointState":{"stateEvent":"enable"}}`},
		{4, `{"params":{"phoneNumber":"+86-13900000000","endpointUuid":"` + fuzzEndpointUUID + `","remark":"r"}}`},
		{4, `{"params":{"phoneNumber":"139","endpointUuid":"` + fuzzEndpointUUID + `"}}`},
		{5, `{"updateAtPersonOfAtDingTalkEndpoint":{"phoneNumber":"+86-13700000000","remark":"new"}}`},
		{6, `{"logInByAccount":{"accountName":"admin","password":"password"}}`},
		{6, `{"logInByAccount":{"accountName":"admin","password":12}}`},
		{6, strings.Repeat("[", 10001)},
		{6, ``}, {6, `null`}, {6, `"str"`},
	} {
		f.Add(seed.route, []byte(seed.body))
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		if needsDNS(body) {
			t.Skip("a URL with a host name would be resolved; fuzzing stays off the network")
		}
		rt := fs.routes[int(route)%len(fs.routes)]
		status, ctype, raw := fs.raw(rt.method, rt.path, body)
		if status != http.StatusOK && status != http.StatusBadRequest && status != http.StatusServiceUnavailable {
			t.Fatalf("%s %s: status %d, want 200, 400 or 503 (body %q)", rt.method, rt.path, status, raw)
		}
		if !strings.HasPrefix(ctype, "application/json") {
			t.Fatalf("%s %s: Content-Type %q, want JSON (body %q)", rt.method, rt.path, ctype, raw)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			t.Fatalf("%s %s: answer %q is not a JSON object", rt.method, rt.path, raw)
		}
		if status == http.StatusOK {
			if _, ok := obj["error"]; ok {
				t.Fatalf("200 with an error object: %q", raw)
			}
			return
		}
		var env struct {
			Error *map[string]json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(raw, &env); err != nil || env.Error == nil || len(obj) != 1 {
			t.Fatalf("%d answer %q is not the {\"error\":{…}} envelope", status, raw)
		}
		e := *env.Error
		var code, desc, details string
		_ = json.Unmarshal(e["code"], &code)
		_ = json.Unmarshal(e["description"], &desc)
		_ = json.Unmarshal(e["details"], &details)
		if sns.Description(code) == "" || desc != sns.Description(code) || details == "" {
			t.Fatalf("error %q: unknown code, wrong description or no details", raw)
		}
		for _, k := range []string{"elaboration", "opaque", "cause"} {
			if _, ok := e[k]; !ok {
				t.Fatalf("error %q lacks %q", raw, k)
			}
		}
		if status == http.StatusBadRequest && code != sns.CodeInvalidArgument {
			t.Fatalf("400 with code %s, want SYS.1007: %q", code, raw)
		}
	})
}
