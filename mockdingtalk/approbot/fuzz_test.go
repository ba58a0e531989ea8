// Fuzz target: whatever a client sends to the app robot API, the answer is
// one of the documented ones (200, 400, 404, and 403 once the fuzzer's
// pace passes the per-app rate limit) with a JSON body, never a panic or a
// 500.

package approbot_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
)

func FuzzAppRobotAPI(f *testing.F) {
	fake, err := mockdingtalk.New(mockdingtalk.Config{Apps: []approbot.App{opsApp}, Groups: []approbot.Group{opsGrp}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(fake.Close)
	token, _, err := fake.AppRobots().Token(opsApp.AppKey)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		`{"robotCode":"dingbot-ops","openConversationId":"cidOps","msgKey":"sampleText","msgParam":"{\"content\":\"x\"}"}`,
		`{"robotCode":"dingbot-ops","userIds":["dev1",12,null],"msgKey":"sampleActionCard3","msgParam":"{\"title\":1}"}`,
		`{"appKey":"dingbot-ops","appSecret":"ops-secret"}`, `{"msgParam":{"a":[1,2]}}`, `[]`, `null`, "\xff", ``,
	} {
		for _, path := range []string{approbot.GroupSendPath, approbot.BatchSendPath, approbot.AccessTokenPath, "/v1.0/robot/nope"} {
			f.Add(path, seed, true)
		}
	}
	f.Fuzz(func(t *testing.T, path, body string, withToken bool) {
		if !strings.HasPrefix(path, "/v1.0/") {
			path = approbot.GroupSendPath
		}
		r := httptest.NewRequest(http.MethodPost, "http://mock"+approbot.GroupSendPath, strings.NewReader(body))
		r.URL.Path = path
		r.Header.Set("Content-Type", "application/json")
		if withToken {
			r.Header.Set(approbot.TokenHeader, token)
		}
		w := httptest.NewRecorder()
		fake.ServeHTTP(w, r)
		switch {
		case w.Code == http.StatusOK, w.Code == http.StatusBadRequest, w.Code == http.StatusNotFound:
		case w.Code == http.StatusForbidden && strings.Contains(w.Body.String(), `"code":"Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"`):
			// The fuzzer sends far more than 20 calls a second on the real clock.
		default:
			t.Fatalf("POST %s %q: HTTP %d %s", path, body, w.Code, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("POST %s %q: the answer is not JSON: %q", path, body, w.Body)
		}
	})
}
