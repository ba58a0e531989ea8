// Benchmark of one SNS test-connection round trip against the in-process
// fake robot: the SNS handler is called directly (no client network), and
// its outbound webhook call goes over loopback to a fake started in this
// process (tcp), or to its handler in-process as the binary does for its
// own robot (in-process); the fake checks the sign and journals the message. Compare runs
// with benchstat: go test -run='^$' -bench=SNS -benchmem -count=10 .

package mockdingtalk_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

const snsBenchToken = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

func BenchmarkSNSTestConnection(b *testing.B) {
	b.Run("tcp", func(b *testing.B) { benchSNSTestConnection(b, false) })
	b.Run("in-process", func(b *testing.B) { benchSNSTestConnection(b, true) })
}

// benchSNSTestConnection sends test-connections to a fake over loopback
// TCP, or in-process as the binary does for its own robot.
func benchSNSTestConnection(b *testing.B, inProcess bool) {
	quiet := slog.New(slog.DiscardHandler)
	off := 0
	fake, err := mockdingtalk.Start(mockdingtalk.Config{Logger: quiet, Robots: []mockdingtalk.Robot{{
		AccessToken: snsBenchToken, Secret: secret, RateLimitPerMinute: &off,
	}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(fake.Close)
	cfg := sns.Config{Logger: quiet}
	if inProcess {
		u, _ := url.Parse(fake.URL())
		cfg.Outbound.Local = &webhook.Local{Addrs: []string{u.Host}, Paths: []string{mockdingtalk.SendPath}, Handler: fake}
	}
	api, err := sns.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = api.Close() })

	login := httptest.NewRecorder()
	api.ServeHTTP(login, httptest.NewRequest(http.MethodPut, "/zstack/v1/accounts/login", strings.NewReader(
		`{"logInByAccount":{"accountName":"admin","password":"`+sns.SHA512Hex(sns.DefaultAdminPassword)+`"}}`)))
	var session struct {
		Inventory struct {
			UUID string `json:"uuid"`
		} `json:"inventory"`
	}
	if err := json.Unmarshal(login.Body.Bytes(), &session); err != nil || session.Inventory.UUID == "" {
		b.Fatalf("login answered %d %s", login.Code, login.Body)
	}
	body, _ := json.Marshal(map[string]any{"params": map[string]any{
		"url": fake.WebhookURL(snsBenchToken), "secret": secret, "testMsg": "benchmark",
	}})

	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/zstack/v1/sns/application-endpoints/ding-talk/test-connection", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "OAuth "+session.Inventory.UUID)
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"connected":true`) {
			b.Fatalf("test-connection answered %d %s", rec.Code, rec.Body)
		}
	}
}
