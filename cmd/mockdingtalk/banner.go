// What the binary prints on start: where it listens, each robot's webhook
// URL and secret, a curl command that succeeds now, and a shell one-liner
// that signs with openssl for later.

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/sns"
)

// maxBannerRobots is how many robots the banner details.
const maxBannerRobots = 5

// printBanner writes the banner in one Write, so readers never see half.
func printBanner(out io.Writer, fake *mockdingtalk.Server, base string, s *settings) {
	w := &strings.Builder{}
	defer func() { _, _ = io.WriteString(out, w.String()) }()
	fmt.Fprintf(w, "mockdingtalk listening on %s\n", base)
	fmt.Fprintf(w, "  inbox:     %s/\n  admin API: %s%s/  (robots, messages, faults, clock)\n", base, base, mockdingtalk.AdminPrefix)
	fmt.Fprintf(w, "  SNS API:   %s/zstack/v1/  (ZStack's SNS DingTalk API)\n", base)
	robots := fake.Robots()
	for i, r := range robots {
		if i == maxBannerRobots {
			fmt.Fprintf(w, "\n... and %d more robots: curl %s%s/robots\n", len(robots)-i, base, mockdingtalk.AdminPrefix)
			break
		}
		printRobot(w, fake, r, s.DefaultRobot)
	}
	printSNS(w, base, s)
}

// printSNS shows how to log in to the SNS API and test the first robot.
func printSNS(w io.Writer, base string, s *settings) {
	fmt.Fprintf(w, "\nSNS API (ZStack): log in, then test-connection against a robot:\n")
	if len(s.SNS.Accounts) == 0 {
		fmt.Fprintf(w, "  account: admin / password (ZStack's initial account; the login takes its SHA-512 hex)\n")
	} else {
		names := make([]string, len(s.SNS.Accounts))
		for i, a := range s.SNS.Accounts {
			names[i] = a.Name
		}
		fmt.Fprintf(w, "  accounts: %s (from the config file)\n", strings.Join(names, ", "))
	}
	fmt.Fprintf(w, "  curl -sS -X PUT %s -H 'Content-Type: application/json' -d %s\n",
		shellQuote(base+"/zstack/v1/accounts/login"),
		shellQuote(`{"logInByAccount":{"accountName":"admin","password":"`+sns.SHA512Hex("password")+`"}}`))
}

func printRobot(w io.Writer, fake *mockdingtalk.Server, r mockdingtalk.Robot, isDefault bool) {
	webhook := fake.WebhookURL(r.AccessToken)
	name := r.Name
	if name == "" {
		name = "(unnamed)"
	}
	fmt.Fprintf(w, "\nRobot %q", name)
	if isDefault {
		fmt.Fprint(w, " (the built-in default: this token and secret never change)")
	}
	fmt.Fprintf(w, "\n  webhook URL: %s\n", webhook)
	if r.Secret != "" {
		fmt.Fprintf(w, "  secret:      %s\n", r.Secret)
	}
	if len(r.Keywords) > 0 {
		fmt.Fprintf(w, "  keywords:    %s\n", strings.Join(r.Keywords, ", "))
	}
	if len(r.IPAllowlist) > 0 {
		fmt.Fprintf(w, "  IP allowlist: %s\n", strings.Join(r.IPAllowlist, ", "))
	}
	switch {
	case r.Disabled:
		fmt.Fprintln(w, "  (disabled: every send is answered 400102)")
		return
	case !allowsLoopback(r.IPAllowlist):
		fmt.Fprintln(w, "  (its IP allowlist does not include 127.0.0.1, so a curl from this machine is rejected)")
	}
	body := sampleBody(r)
	if r.Secret == "" {
		fmt.Fprintf(w, "Send a test message:\n  %s\n", curlCommand(webhook, body))
		return
	}
	now := fake.Now()
	signed, err := dingtalk.SignURL(webhook, r.Secret, now)
	if err != nil {
		return // WebhookURL always parses
	}
	fmt.Fprintf(w, "Send a test message (signed at %s and valid for 1 hour, DingTalk's window: re-sign after %s):\n  %s\n",
		now.UTC().Format(time.RFC3339), now.Add(dingtalk.MaxClockSkew).UTC().Format("15:04 MST"), curlCommand(signed, body))
	fmt.Fprintf(w, "Sign a fresh URL any time (bash + openssl):\n  %s\n", opensslCommand(webhook, r.Secret, body))
}

// sampleBody is a text message that passes the robot's keyword check.
func sampleBody(r mockdingtalk.Robot) string {
	content := "hello from mockdingtalk"
	if len(r.Keywords) > 0 {
		content = r.Keywords[0] + ": " + content
	}
	b, _ := json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": content}})
	return string(b)
}

func allowsLoopback(list []string) bool {
	if len(list) == 0 {
		return true
	}
	lo := netip.MustParseAddr("127.0.0.1")
	return slices.ContainsFunc(list, func(e string) bool {
		e = strings.TrimSpace(e)
		if p, err := netip.ParsePrefix(e); err == nil {
			return p.Contains(lo)
		}
		a, err := netip.ParseAddr(e)
		return err == nil && a == lo
	})
}

// curlCommand posts body to url.
func curlCommand(url, body string) string {
	return "curl -sS " + shellQuote(url) + " -H 'Content-Type: application/json' -d " + shellQuote(body)
}

// signSnippet is the shell that sets $ts (milliseconds) and $sign (the
// URL-encoded signature) for secret, as DingTalk documents the algorithm.
func signSnippet(secret string) string {
	return "secret=" + shellQuote(secret) + "; ts=$(($(date +%s)*1000)); " +
		`sign=$(printf '%s\n%s' "$ts" "$secret" | openssl dgst -sha256 -hmac "$secret" -binary | base64 | sed 's/+/%2B/g; s#/#%2F#g; s/=/%3D/g')`
}

// opensslCommand signs with openssl at run time and posts body.
func opensslCommand(webhook, secret, body string) string {
	return signSnippet(secret) + "; curl -sS " + shellQuote(webhook) + `"&timestamp=$ts&sign=$sign"` +
		" -H 'Content-Type: application/json' -d " + shellQuote(body)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
