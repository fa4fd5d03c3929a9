package outbound

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// nonPublic are the ranges no webhook may reach besides those netip names
// (loopback, private, link-local, multicast, unspecified): addresses for
// this network, shared address space (carrier-grade NAT), IETF protocol
// assignments, documentation, benchmarking, reserved, broadcast, and the
// IPv6 translation and discard prefixes that can lead back into them.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"), // includes 255.255.255.255
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001::/23"), // IETF protocol assignments, Teredo included
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"), // 6to4 embeds any IPv4 address
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fec0::/10"),
}

// IsPublic reports whether ip is an address a webhook may be delivered to:
// not loopback, private (RFC 1918, fc00::/7), link-local, multicast,
// unspecified, nor any other special-purpose range. IPv4 addresses written
// in IPv6 (::ffff:a.b.c.d) are judged as IPv4.
func IsPublic(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// ErrNotPublic is the error a refused connection carries.
type ErrNotPublic struct{ Addr string }

func (e *ErrNotPublic) Error() string {
	return fmt.Sprintf("refused: %s is not a public address (set WEBHOOK_ALLOW_PRIVATE=true to allow it)", e.Addr)
}

// Guard returns a net.Dialer Control function that refuses to connect to an
// address that is not public, unless allowPrivate. It sees the address
// actually dialled, after name resolution, so a name that resolves (or is
// rebound) to a private address is refused too.
func Guard(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return &ErrNotPublic{Addr: address}
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !IsPublic(ip) {
			return &ErrNotPublic{Addr: host}
		}
		return nil
	}
}
