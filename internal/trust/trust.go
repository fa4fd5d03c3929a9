// Package trust is the service's defence against floods of signatures: the
// rules that hold a signature back as suspect (rates per client address,
// per network and per email domain, and lists of addresses and domains
// always trusted or always held), the marking of each signature for them
// with keyed hashes of its client address (never the address itself), and
// what staff do afterwards: review a petition's clusters and invalidate or
// count them.
//
// A held signature is stored as suspect and answered exactly as a counted
// one would be, so whoever floods a petition learns nothing of the line.
package trust

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// Rate is one rule's limits: signatures per clock minute (Burst) and per
// clock hour (Sustained). 0 is no limit.
type Rate struct {
	Burst     int
	Sustained int
}

// MaxRate bounds a rate, and MaxListEntries each list.
const (
	MaxRate        = 10_000_000
	MaxListEntries = 1000
)

// Settings are the trust rules, kept in the database and edited by admins.
type Settings struct {
	// Address, Network and Domain limit the signatures from one client
	// address, one network (/24 IPv4, /48 IPv6) and one email domain.
	Address, Network, Domain Rate
	// TrustedAddresses and HeldAddresses are addresses and CIDR ranges
	// whose signatures are never held, or always held.
	TrustedAddresses, HeldAddresses []string
	// TrustedDomains and HeldDomains are email domains likewise (a
	// disposable mail domain is held); a domain names its subdomains too.
	TrustedDomains, HeldDomains []string
	UpdatedAt                   time.Time
}

// Normalise trims every list entry, lower-cases domains, writes addresses
// and ranges canonically, and drops empty and repeated entries.
func (s Settings) Normalise() Settings {
	s.TrustedAddresses = normaliseList(s.TrustedAddresses, canonicalPrefix)
	s.HeldAddresses = normaliseList(s.HeldAddresses, canonicalPrefix)
	s.TrustedDomains = normaliseList(s.TrustedDomains, canonicalDomain)
	s.HeldDomains = normaliseList(s.HeldDomains, canonicalDomain)
	return s
}

func normaliseList(list []string, canonical func(string) string) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		v = canonical(strings.TrimSpace(v))
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// canonicalPrefix writes an address or range as ParsePrefix does, a lone
// address as itself; anything else is kept as typed, for Validate to name.
func canonicalPrefix(v string) string {
	if p, err := parsePrefix(v); err == nil {
		if p.IsSingleIP() && !strings.Contains(v, "/") {
			return p.Addr().String()
		}
		return p.String()
	}
	return v
}

func canonicalDomain(v string) string { return strings.TrimSuffix(strings.ToLower(v), ".") }

// parsePrefix reads an address (as a one-address range) or a CIDR range,
// IPv4-mapped IPv6 addresses as IPv4.
func parsePrefix(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ParsePrefixes reads addresses and CIDR ranges (TRUSTED_SIGNERS, or a
// list of the settings).
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, v := range list {
		p, err := parsePrefix(strings.TrimSpace(v))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Validate returns a valid.Errors naming each field that fails its rules:
// rates from 0 to MaxRate, lists of at most MaxListEntries addresses or
// ranges, and of domains.
func (s Settings) Validate() error {
	errs := valid.Errors{}
	for field, v := range map[string]int{
		"address.burst": s.Address.Burst, "address.sustained": s.Address.Sustained,
		"network.burst": s.Network.Burst, "network.sustained": s.Network.Sustained,
		"domain.burst": s.Domain.Burst, "domain.sustained": s.Domain.Sustained,
	} {
		if v < 0 || v > MaxRate {
			errs.Add(field, "Give a whole number of signatures from 0 (no limit) to 10,000,000.")
		}
	}
	for field, list := range map[string][]string{"trusted_addresses": s.TrustedAddresses, "held_addresses": s.HeldAddresses} {
		if len(list) > MaxListEntries {
			errs.Add(field, "Give at most 1,000 addresses or ranges.")
		}
		for _, v := range list {
			if _, err := parsePrefix(v); err != nil {
				errs.Add(field, "Give IP addresses or CIDR ranges such as 192.0.2.0/24; this is not one: "+clip(v))
			}
		}
	}
	for field, list := range map[string][]string{"trusted_domains": s.TrustedDomains, "held_domains": s.HeldDomains} {
		if len(list) > MaxListEntries {
			errs.Add(field, "Give at most 1,000 domains.")
		}
		for _, v := range list {
			if !validDomain(v) {
				errs.Add(field, "Give email domains such as example.org; this is not one: "+clip(v))
			}
		}
	}
	return errs.Err()
}

// clip keeps a refused value short in a message.
func clip(v string) string {
	if len(v) > 60 {
		return v[:60] + "…"
	}
	return v
}

// validDomain accepts a host name with at least one dot: labels of letters,
// digits and hyphens (internationalised domains in their ASCII form).
func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// SettingsStore keeps the rules.
type SettingsStore interface {
	// TrustSettings returns the rules.
	TrustSettings(ctx context.Context) (Settings, error)
	// SaveTrustSettings replaces the rules, with its audit row in the same
	// transaction, and returns them as stored.
	SaveTrustSettings(ctx context.Context, actor staff.Actor, s Settings) (Settings, error)
}
