// Package guard keeps the fake's control surfaces (the admin API under
// /_mock/ and the inbox page) obeying only the user's own tools: curl, test
// code, scripts and the inbox page itself, never another web page the user
// happens to visit.
//
// A Policy refuses two kinds of browser-borne request:
//
//   - DNS rebinding: a Host header that is not one of the server's own
//     names. An attacker's name that resolves to 127.0.0.1 reaches the
//     fake, but the browser still sends that name as Host. Allowed by
//     default: any IP literal (rebinding needs a name), names without a
//     dot (container service names such as "mockdingtalk"), the names
//     RFC 2606 and RFC 6761 reserve so that nobody can register them
//     (localhost, example.com/.net/.org and the .localhost, .test,
//     .example and .invalid domains: httptest.NewRequest's Host is
//     example.com), and the names given to the Policy (the public
//     address, plus the user's list). "*" allows every Host.
//   - Cross-site requests that change state: a non-safe method (anything
//     but GET, HEAD, OPTIONS) that a browser marks as cross-origin, through
//     Sec-Fetch-Site or an Origin that is not the Host (net/http's
//     CrossOriginProtection). Requests that carry neither header (curl,
//     Go's client, every language's HTTP library) are not browser requests
//     and pass.
//
// JSONOnly adds the admin API's rule for bodies: a state-changing request
// may carry no Content-Type or a JSON one, never the form and text types an
// HTML form or a "simple" fetch can send across sites without a preflight.
//
// Refusals are counted, so a health endpoint can report them.
package guard

import (
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

// Policy decides which requests come from the user's own tools. It is safe
// for concurrent use. The zero value is not usable; make one with New.
type Policy struct {
	any      bool
	exact    map[string]bool
	suffixes []string // ".example.com" for "*.example.com"
	cop      *http.CrossOriginProtection

	hostRefused, crossSiteRefused, contentTypeRefused atomic.Uint64
}

// Refusal is why a Policy refused a request: the HTTP status to answer
// (403 or 415) and a message that says what to do.
type Refusal struct {
	Status  int
	Message string
}

func (r *Refusal) Error() string { return r.Message }

// New returns a Policy that allows, besides the defaults, the Host names
// (or "*.suffix" patterns, or "*" for any) in allowed. Entries may be
// URLs ("http://name:8090") or host:port pairs; only the name counts, so a
// published port other than the listen port needs no entry. An entry that
// is not a host name gives an error.
func New(allowed ...string) (*Policy, error) {
	p := &Policy{exact: map[string]bool{}, cop: http.NewCrossOriginProtection()}
	for _, a := range allowed {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if a == "*" {
			p.any = true
			continue
		}
		name := hostName(a)
		if strings.Contains(a, "://") {
			u, err := url.Parse(a)
			if err != nil || u.Hostname() == "" {
				return nil, fmt.Errorf("allowed host %q: not a URL with a host", a)
			}
			name = strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
		}
		if suffix, ok := strings.CutPrefix(name, "*."); ok {
			if suffix == "" || strings.ContainsAny(suffix, "*/ ") {
				return nil, fmt.Errorf("allowed host %q: want a name, *.suffix or *", a)
			}
			p.suffixes = append(p.suffixes, "."+suffix)
			continue
		}
		if name == "" || strings.ContainsAny(name, "*/ @") {
			return nil, fmt.Errorf("allowed host %q: want a name, *.suffix or *", a)
		}
		p.exact[name] = true
	}
	return p, nil
}

// MustDefault returns a Policy with only the defaults (IP literals,
// dotless names, reserved names).
func MustDefault() *Policy {
	p, err := New()
	if err != nil {
		panic(err)
	}
	return p
}

// hostName lower-cases the name of a Host header value, dropping a port,
// the brackets of an IPv6 literal and a trailing dot.
func hostName(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// HostAllowed reports whether a Host header value names this server.
func (p *Policy) HostAllowed(host string) bool {
	if p.any {
		return true
	}
	name := hostName(host)
	switch {
	case name == "":
		return false // HTTP/1.0 without Host: nothing says it is ours
	case net.ParseIP(name) != nil:
		return true
	case reserved(name):
		return true
	case !strings.Contains(name, "."):
		return true
	case p.exact[name]:
		return true
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// reservedNames are names (with their subdomains) that RFC 2606 and RFC
// 6761 keep out of anyone's hands, so no attacker can point them at the
// fake.
var reservedNames = []string{"localhost", "example.com", "example.net", "example.org", "test", "example", "invalid"}

func reserved(name string) bool {
	for _, r := range reservedNames {
		if name == r || strings.HasSuffix(name, "."+r) {
			return true
		}
	}
	return false
}

// Check refuses a request whose Host is not the server's, or a non-safe
// request a browser marks as cross-origin; nil means it may proceed.
func (p *Policy) Check(r *http.Request) *Refusal {
	if !p.HostAllowed(r.Host) {
		p.hostRefused.Add(1)
		return &Refusal{http.StatusForbidden, fmt.Sprintf(
			"refusing Host %q: it is not one of this server's names, so the request may come from a web page "+
				"using DNS rebinding; if you reach the fake under that name on purpose, allow it with "+
				"-allowed-hosts (MOCKDINGTALK_ALLOWED_HOSTS, Config.AllowedHosts)", r.Host)}
	}
	if err := p.cop.Check(r); err != nil {
		p.crossSiteRefused.Add(1)
		return &Refusal{http.StatusForbidden, fmt.Sprintf(
			"refusing a cross-site %s request (Origin %q, Sec-Fetch-Site %q): another web page cannot change "+
				"this fake; tools such as curl and test code send no Origin and are not affected",
			r.Method, r.Header.Get("Origin"), r.Header.Get("Sec-Fetch-Site"))}
	}
	return nil
}

// safe reports whether a method cannot change state.
func safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// JSONOnly refuses a state-changing request whose Content-Type is present
// but not JSON (application/json or any */*+json, parameters allowed).
func (p *Policy) JSONOnly(r *http.Request) *Refusal {
	ct := r.Header.Get("Content-Type")
	if safe(r.Method) || ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	p.contentTypeRefused.Add(1)
	return &Refusal{http.StatusUnsupportedMediaType, fmt.Sprintf(
		"Content-Type %q is not accepted on %s: send JSON with Content-Type: application/json "+
			"(curl: --json or -H 'Content-Type: application/json'), or no body", ct, r.Method)}
}

// Counts is how many requests a Policy refused, by reason.
type Counts struct {
	// Host counts requests refused for a Host that is not the server's.
	Host uint64 `json:"host"`
	// CrossSite counts non-safe requests a browser marked as cross-origin.
	CrossSite uint64 `json:"crossSite"`
	// ContentType counts state-changing requests with a non-JSON body type.
	ContentType uint64 `json:"contentType"`
}

// Counts reports the refusals so far.
func (p *Policy) Counts() Counts {
	return Counts{Host: p.hostRefused.Load(), CrossSite: p.crossSiteRefused.Load(), ContentType: p.contentTypeRefused.Load()}
}
