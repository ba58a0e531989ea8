// Hints for the IP allowlist.

package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
)

func hintIP(req Request) string {
	ip := req.Rejection.IP
	if ip == "" {
		ip = req.RemoteIP
	}
	var list []string
	if req.Robot != nil {
		list = req.Robot.IPAllowlist
	}
	allow := "(empty)"
	if len(list) > 0 {
		allow = quoteList(list)
	}
	addr, err := netip.ParseAddr(ip)
	if err == nil && addr.Is6() && !addr.Is4In6() {
		return fmt.Sprintf("The request came from %s over IPv6, and the allowlist (%s) only ever matches IPv4 senders: make the client use IPv4 (curl -4, or an IPv4-only resolver/bind address).", quote(ip), allow)
	}
	hint := fmt.Sprintf("The sender's IP %s is not in the robot's allowlist (%s)", quote(ip), allow)
	if err == nil && addr.IsLoopback() {
		return hint + "; a client on this machine is seen as 127.0.0.1, so add 127.0.0.1 to test locally."
	}
	for _, e := range list {
		if strings.Contains(e, "/") {
			return hint + "; check the CIDR prefixes (e.g. 10.0.0.0/8) and that the client's egress address, after any NAT or proxy, is the one listed."
		}
	}
	return hint + "; the check sees the client's egress address (after any NAT or proxy): add it, or a CIDR range covering it."
}
