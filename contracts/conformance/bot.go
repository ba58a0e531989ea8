// Checking a bot's callback endpoint (an app robot in HTTP mode): NewBot
// stands up the fake DingTalk with an app whose callback URL is the bot
// and a group to talk in; the bot rules (family "bot", BotRules) have a
// member talk to it through the fake, signed as DingTalk signs or forged,
// and judge its answers. Without a bot URL the reference bot (ReferenceBot,
// a bot written as DingTalk's docs describe) is checked in-process.

package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
)

// Environment variables of the bot rules.
const (
	EnvBotURL             = "BOT_TARGET_URL"       // the bot's callback URL
	EnvBotSecret          = "BOT_APP_SECRET"       // the app secret the bot verifies signs with
	EnvBotCallbackTimeout = "BOT_CALLBACK_TIMEOUT" // how long the bot may take to answer (default 10s)
)

// DefaultBotReplyWait is how long, after a bot answered a callback, the
// harness waits for replies it posts to the sessionWebhook.
const DefaultBotReplyWait = 2 * time.Second

// The app, robot and group the harness talks to a bot in.
const (
	botAppKey  = "conformance-bot"
	botGroupID = "cidConformance"
)

// botTarget is the bot under check.
type botTarget struct {
	url, secret string
	timeout     time.Duration // the callback timeout
	replyWait   time.Duration
}

// botFromLookup reads the bot's settings into cfg.
func botFromLookup(cfg *Config, get func(string) string) error {
	cfg.BotURL, cfg.BotSecret = get(EnvBotURL), get(EnvBotSecret)
	if v := get(EnvBotCallbackTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("conformance: %s=%q: want a positive Go duration like 10s", EnvBotCallbackTimeout, v)
		}
		cfg.BotCallbackTimeout = d
	}
	return nil
}

// validateBot checks the bot's settings.
func (cfg Config) validateBot() error {
	if cfg.BotURL == "" {
		return nil
	}
	if u, err := url.Parse(cfg.BotURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("conformance: %s=%q: want the bot's callback URL, like http://127.0.0.1:3000/dingtalk", EnvBotURL, cfg.BotURL)
	}
	if cfg.BotSecret == "" {
		return fmt.Errorf("conformance: %s is set, so set %s too: the app secret the bot verifies callbacks with", EnvBotURL, EnvBotSecret)
	}
	if cfg.MockPublicURL == "" && !isLoopback(cfg.BotURL) && (cfg.MockListen == "" || strings.HasPrefix(cfg.MockListen, "127.")) {
		return fmt.Errorf("conformance: the bot at %s must reach the fake's sessionWebhook: set %s (e.g. 0.0.0.0:8091) and %s (e.g. http://<this machine>:8091)",
			cfg.BotURL, EnvMockListen, EnvMockPublicURL)
	}
	return nil
}

// NewBot starts the fake DingTalk for checking a bot's callback endpoint:
// an app with cfg.BotSecret whose callback URL is cfg.BotURL (the
// reference bot, in-process, when empty), a group with the robot and a
// member, and the callback timeout. Run BotRules against it with Check.
func NewBot(_ context.Context, cfg Config) (h *Harness, err error) {
	if err := cfg.validateBot(); err != nil {
		return nil, err
	}
	if cfg.BotCallbackTimeout == 0 {
		cfg.BotCallbackTimeout = approbot.DefaultCallbackTimeout
	}
	if cfg.BotReplyWait == 0 {
		cfg.BotReplyWait = DefaultBotReplyWait
	}
	if cfg.MockListen == "" {
		cfg.MockListen = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h = newHarness(cfg)
	defer func() {
		if err != nil {
			h.Close()
		}
	}()
	if err := h.startFake(); err != nil {
		return nil, err
	}
	bot := &botTarget{url: cfg.BotURL, secret: cfg.BotSecret, timeout: cfg.BotCallbackTimeout, replyWait: cfg.BotReplyWait}
	if bot.url == "" {
		if bot.secret == "" {
			bot.secret = randomHex(16)
		}
		srv := httptest.NewServer(ReferenceBot(bot.secret))
		h.closers = append(h.closers, srv.Close)
		bot.url = srv.URL + "/dingtalk"
	}
	h.bot, h.target = bot, bot.url
	apps := h.fake.AppRobots()
	apps.SetCallbackTimeout(bot.timeout)
	if _, err := apps.AddApp(approbot.App{AppKey: botAppKey, AppSecret: bot.secret, Name: "conformance", CallbackURL: bot.url}); err != nil {
		return nil, fmt.Errorf("conformance: the bot's app: %w", err)
	}
	if _, err := apps.AddGroup(approbot.Group{OpenConversationID: botGroupID, Title: "conformance", RobotCodes: []string{botAppKey}}); err != nil {
		return nil, fmt.Errorf("conformance: the bot's group: %w", err)
	}
	return h, nil
}

// ReferenceBot is a bot written as DingTalk's documentation describes its
// HTTP mode: it refuses a callback whose timestamp is more than an hour
// off or whose sign is not base64(HMAC-SHA256(appSecret, timestamp + "\n" +
// appSecret)) with HTTP 401, and answers any other with a text reply in
// the response: "pong" to "ping", else what it was told.
func ReferenceBot(appSecret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := dingtalk.Verify(appSecret, r.Header.Get("timestamp"), r.Header.Get("sign"), time.Now()); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = fmt.Fprintf(w, `{"error":%q}`, err.Error())
			return
		}
		var cb struct {
			Text struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if json.Unmarshal(body, &cb) != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"not a callback"}`)
			return
		}
		text := strings.TrimSpace(cb.Text.Content)
		if text == "ping" {
			text = "pong"
		}
		reply, _ := json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": text}})
		_, _ = w.Write(reply)
	})
}
