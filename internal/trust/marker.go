package trust

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
)

// HashSize is the length of the keyed hashes kept (petition.Hash).
const HashSize = len(petition.Hash{})

// Network sizes: a client's network is its /24 (IPv4) or /48 (IPv6).
const (
	NetworkBits4 = 24
	NetworkBits6 = 48
)

// Key returns the secret the hashes are keyed with (SIGNATURE_KEY, or a
// server key every instance shares).
type Key func(ctx context.Context) ([]byte, error)

// Marker implements petition.Marker: it hashes the client address, its
// network and the email's domain with the key, and settles a signature's
// verdict from the configured trusted ranges (TRUSTED_SIGNERS) and the
// settings' lists. The rates are counted by the signer, in the database.
type Marker struct {
	key      Key
	trusted  []netip.Prefix
	settings SettingsStore

	mu       sync.Mutex
	compiled *compiled
}

// compiled is a version of the settings' lists, parsed once.
type compiled struct {
	at                              time.Time
	trustedAddresses, heldAddresses []netip.Prefix
	trustedDomains, heldDomains     []string
}

var _ petition.Marker = (*Marker)(nil)

// NewMarker returns a Marker. trusted are the configured ranges never held;
// settings is read on every signature, so it should be a cache (see
// storecache.TrustSettings).
func NewMarker(key Key, trusted []netip.Prefix, settings SettingsStore) *Marker {
	return &Marker{key: key, trusted: trusted, settings: settings}
}

// Mark implements petition.Marker.
func (m *Marker) Mark(ctx context.Context, clientAddr, email string) (petition.Marking, error) {
	key, err := m.key(ctx)
	if err != nil {
		return petition.Marking{}, err
	}
	s, err := m.lists(ctx)
	if err != nil {
		return petition.Marking{}, err
	}
	domain := EmailDomain(email)
	mk := petition.Marking{Domain: hashOf(key, "domain", []byte(domain)), Verdict: petition.VerdictRated}
	addr, err := netip.ParseAddr(clientAddr)
	known := err == nil
	if known {
		addr = addr.Unmap()
		mk.Address, mk.Network = addressHash(key, addr), networkHash(key, addr)
	}
	switch {
	case known && (inAny(m.trusted, addr) || inAny(s.trustedAddresses, addr)), domainIn(s.trustedDomains, domain):
		mk.Verdict = petition.VerdictTrusted
	case known && inAny(s.heldAddresses, addr), domainIn(s.heldDomains, domain):
		mk.Verdict = petition.VerdictHeld
	}
	return mk, nil
}

// lists returns the settings' lists, parsed again only when they change.
func (m *Marker) lists(ctx context.Context) (*compiled, error) {
	s, err := m.settings.TrustSettings(ctx)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.compiled != nil && m.compiled.at.Equal(s.UpdatedAt) {
		return m.compiled, nil
	}
	c := &compiled{at: s.UpdatedAt, trustedDomains: s.TrustedDomains, heldDomains: s.HeldDomains}
	// Stored lists were validated when saved; an entry that no longer
	// parses is skipped rather than stopping every signature.
	c.trustedAddresses = parseLenient(s.TrustedAddresses)
	c.heldAddresses = parseLenient(s.HeldAddresses)
	m.compiled = c
	return c, nil
}

func parseLenient(list []string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(list))
	for _, v := range list {
		if p, err := parsePrefix(v); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func inAny(list []netip.Prefix, a netip.Addr) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// domainIn reports whether domain is one of list or a subdomain of one.
func domainIn(list []string, domain string) bool {
	for _, d := range list {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}

// EmailDomain is the domain of a normalised email address: what follows
// its last @.
func EmailDomain(email string) string {
	return email[strings.LastIndexByte(email, '@')+1:]
}

// hashOf is the keyed hash of v for one purpose: every kind of value has
// its own, so an address's hash can never equal a network's.
func hashOf(key []byte, purpose string, v []byte) petition.Hash {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(purpose))
	mac.Write([]byte{0})
	mac.Write(v)
	return petition.Hash(mac.Sum(nil)[:HashSize])
}

func addressHash(key []byte, a netip.Addr) petition.Hash {
	b := a.As16()
	return hashOf(key, "address", b[:])
}

// networkOf is the /24 or /48 an address belongs to.
func networkOf(a netip.Addr) netip.Prefix {
	bits := NetworkBits6
	if a.Is4() {
		bits = NetworkBits4
	}
	p, _ := a.Prefix(bits)
	return p
}

func networkHash(key []byte, a netip.Addr) petition.Hash {
	p := networkOf(a)
	b := p.Addr().As16()
	return hashOf(key, "network", append(b[:], byte(p.Bits())))
}

// errNoAddress is a selector's address or network that is neither an
// address, a range nor a hash.
var errNoAddress = errors.New("not an address, a range or a hash")

// resolveAddress turns what staff typed into an address hash: an address
// is hashed, a hex hash taken as it is.
func resolveAddress(key []byte, v string) ([]byte, error) {
	if a, err := netip.ParseAddr(v); err == nil {
		h := addressHash(key, a.Unmap())
		return h[:], nil
	}
	return parseHash(v)
}

// resolveNetwork turns what staff typed into a network hash: an address or
// a range inside one network names that network; a hex hash is taken as it is.
func resolveNetwork(key []byte, v string) ([]byte, error) {
	if p, err := parsePrefix(v); err == nil {
		net := networkOf(p.Addr())
		if p.Bits() < net.Bits() {
			return nil, errors.New("wider than one network")
		}
		h := networkHash(key, p.Addr())
		return h[:], nil
	}
	return parseHash(v)
}
