// Package redact is the one place that decides how the project shows a
// credential it must not repeat in full: a robot secret (Secret), an
// access token or session id (Short) and a webhook URL (URL). Logs, API
// answers, hints and error messages of every package use these three.
package redact

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Secret returns the only form in which a secret is ever shown: the "SEC"
// prefix every DingTalk secret has (when it has it), an ellipsis and its
// length in characters, e.g. "SEC…(67 chars)". No character of the secret
// proper is shown: even four of them narrow a guess and tell secrets apart
// to anyone who reads a log. "" stays "".
func Secret(secret string) string {
	if secret == "" {
		return ""
	}
	prefix := ""
	if strings.HasPrefix(secret, "SEC") && len(secret) > len("SEC") {
		prefix = "SEC"
	}
	return fmt.Sprintf("%s…(%d chars)", prefix, utf8.RuneCountInString(secret))
}

// Short shortens an access token or a session id for logs and labels: its
// first 8 characters and "…", or the whole of a value of at most 10
// characters. It never cuts a character in two.
func Short(s string) string {
	if utf8.RuneCountInString(s) <= 10 {
		return s
	}
	return string([]rune(s)[:8]) + "…"
}

// URL returns u as scheme://host/path, without query (which carries the
// access token and the sign), fragment or user information: the form of a
// webhook or target URL in every log line and error. An unparseable u, or
// one without a host, gives "<invalid url>".
func URL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return "<invalid url>"
	}
	return (&url.URL{Scheme: p.Scheme, Host: p.Host, Path: p.Path}).String()
}
