// The webhook sender's host guard: the allow and deny lists of host names,
// addresses and CIDR ranges (Config.AllowHosts, DenyHosts, DenyPrivate),
// checked on the URL's host name before a send and on the resolved address
// at dial time, so that no DNS name or redirect leads the sender into a
// refused range.

package webhook

import (
	"fmt"
	"net"
	"strings"
	"syscall"
)

// PrivateNetworks returns the address ranges a server that sends to
// user-supplied URLs should not reach (server-side request forgery), in
// DenyHosts syntax: "this network" and the unspecified addresses (which
// Linux dials as loopback), loopback, RFC 1918 private ranges, link-local
// (169.254.169.254 is the cloud metadata service), carrier-grade NAT
// shared space, and IPv6 unique-local and link-local. IPv4-mapped IPv6
// addresses are checked as their IPv4 form. Config.DenyPrivate uses it.
func PrivateNetworks() []string {
	return []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.168.0.0/16", "::/128", "::1/128", "fc00::/7", "fe80::/10",
	}
}

// hostGuard holds the parsed allow and deny lists of a Sender.
type hostGuard struct {
	allowNames []string
	allowNets  []*net.IPNet
	denyNames  []string
	denyNets   []*net.IPNet
}

// newHostGuard parses the allow and deny lists (deny preceded by
// PrivateNetworks when denyPrivate), reporting the first bad entry.
func newHostGuard(allow, deny []string, denyPrivate bool) (hostGuard, error) {
	var g hostGuard
	var err error
	if g.allowNames, g.allowNets, err = parseHostList("allow", allow); err != nil {
		return g, err
	}
	if denyPrivate {
		deny = append(PrivateNetworks(), deny...)
	}
	if g.denyNames, g.denyNets, err = parseHostList("deny", deny); err != nil {
		return g, err
	}
	return g, nil
}

// checkName is the check made on the URL's host name before dialing: a
// KindBlocked *Error when a deny name matches, else whether the allow
// list lets the host through by name (then any address it resolves to
// passes the allow check at dial time; the deny ranges still apply).
func (g *hostGuard) checkName(host string) (nameAllowed bool, blocked *Error) {
	if matchName(g.denyNames, host) {
		return false, &Error{Kind: KindBlocked, Detail: fmt.Sprintf("webhook host %s is on the outbound deny list", host)}
	}
	return len(g.allowNames)+len(g.allowNets) == 0 || matchName(g.allowNames, host), nil
}

// control is the dialer's Control hook: it refuses, with a *blockedError,
// an address in a deny range, or one outside the allow list unless the
// host name was allowed.
func (g *hostGuard) control(nameAllowed bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		h, _, err := net.SplitHostPort(address)
		if err != nil {
			return &blockedError{address, "cannot check dial address " + address}
		}
		ip := net.ParseIP(h)
		if ip == nil {
			return &blockedError{address, "cannot check dial address " + address}
		}
		if ip4 := ip.To4(); ip4 != nil {
			ip = ip4
		}
		if matchIP(g.denyNets, ip) {
			return &blockedError{address, fmt.Sprintf("address %s is on the outbound deny list", ip)}
		}
		if !nameAllowed && !matchIP(g.allowNets, ip) {
			return &blockedError{address, fmt.Sprintf("address %s is not on the outbound allow list", ip)}
		}
		return nil
	}
}

// blockedError is returned from the dialer's Control hook.
type blockedError struct{ addr, why string }

func (e *blockedError) Error() string { return e.why }

func parseHostList(which string, entries []string) (names []string, nets []*net.IPNet, err error) {
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
			continue
		case strings.Contains(e, "/"):
			_, n, perr := net.ParseCIDR(e)
			if perr != nil {
				return nil, nil, fmt.Errorf("webhook: %s list entry %q is not a valid CIDR range", which, e)
			}
			nets = append(nets, n)
		case net.ParseIP(strings.Trim(e, "[]")) != nil:
			ip := net.ParseIP(strings.Trim(e, "[]"))
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			nets = append(nets, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
		case validHostPattern(e):
			names = append(names, e)
		default:
			return nil, nil, fmt.Errorf("webhook: %s list entry %q is neither a host name, an IP address nor a CIDR range", which, e)
		}
	}
	return names, nets, nil
}

func validHostPattern(e string) bool {
	e = strings.TrimPrefix(e, "*.")
	if e == "" || strings.ContainsAny(e, " :/?#@*") {
		return false
	}
	return true
}

func matchName(patterns []string, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range patterns {
		if suffix, ok := strings.CutPrefix(p, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if host == p {
			return true
		}
	}
	return false
}

func matchIP(nets []*net.IPNet, ip net.IP) bool {
	for _, n := range nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}
