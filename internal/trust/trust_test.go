package trust_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/trust"
	"github.com/advocacy/advocacy/internal/valid"
)

// rules is a trust.SettingsStore holding one version of the rules.
type rules struct{ s trust.Settings }

func (r *rules) TrustSettings(context.Context) (trust.Settings, error) { return r.s, nil }
func (r *rules) SaveTrustSettings(_ context.Context, _ staff.Actor, s trust.Settings) (trust.Settings, error) {
	r.s = s
	return s, nil
}

func key(context.Context) ([]byte, error) { return []byte("0123456789abcdef0123456789abcdef"), nil }

func TestSettingsNormaliseAndValidate(t *testing.T) {
	s := trust.Settings{TrustedAddresses: []string{" 192.0.2.7/24 ", "::ffff:198.51.100.1", "", "192.0.2.0/24"},
		HeldDomains: []string{"Mail.Example.", "mail.example"}}.Normalise()
	if got := s.TrustedAddresses; len(got) != 2 || got[0] != "192.0.2.0/24" || got[1] != "198.51.100.1" {
		t.Errorf("addresses %q", got)
	}
	if got := s.HeldDomains; len(got) != 1 || got[0] != "mail.example" {
		t.Errorf("domains %q", got)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("valid settings refused: %v", err)
	}
	tests := []struct {
		name  string
		s     trust.Settings
		field string
	}{
		{"negative rate", trust.Settings{Network: trust.Rate{Sustained: -1}}, "network.sustained"},
		{"huge rate", trust.Settings{Domain: trust.Rate{Burst: trust.MaxRate + 1}}, "domain.burst"},
		{"bad range", trust.Settings{HeldAddresses: []string{"192.0.2.0/33"}}, "held_addresses"},
		{"bad domain", trust.Settings{TrustedDomains: []string{"exa mple.org"}}, "trusted_domains"},
		{"bare word", trust.Settings{HeldDomains: []string{"localhost"}}, "held_domains"},
		{"email for a domain", trust.Settings{HeldDomains: []string{"a@b.example"}}, "held_domains"},
	}
	for _, tt := range tests {
		var fields valid.Errors
		if err := tt.s.Normalise().Validate(); !errors.As(err, &fields) || fields[tt.field] == "" {
			t.Errorf("%s: %v, want an error on %s", tt.name, err, tt.field)
		}
	}
}

func TestMarker(t *testing.T) {
	ctx := context.Background()
	store := &rules{s: trust.Settings{TrustedAddresses: []string{"192.0.2.0/24"}, HeldAddresses: []string{"203.0.113.5"},
		TrustedDomains: []string{"office.example"}, HeldDomains: []string{"spam.example"}, UpdatedAt: time.Unix(1, 0)}}
	m := trust.NewMarker(key, []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}, store)
	tests := []struct {
		addr, email string
		want        petition.Verdict
	}{
		{"192.0.2.9", "a@example.org", petition.VerdictTrusted},
		{"::ffff:192.0.2.9", "a@example.org", petition.VerdictTrusted},
		{"2001:db8::5", "a@example.org", petition.VerdictTrusted},
		{"203.0.113.5", "a@example.org", petition.VerdictHeld},
		{"198.51.100.1", "a@spam.example", petition.VerdictHeld},
		{"198.51.100.1", "a@eu.spam.example", petition.VerdictHeld},
		{"198.51.100.1", "a@notspam.example", petition.VerdictRated},
		{"203.0.113.5", "a@office.example", petition.VerdictTrusted},
		{"198.51.100.1", "a@example.org", petition.VerdictRated},
		{"", "a@example.org", petition.VerdictRated},
		{"not an address", "a@example.org", petition.VerdictRated},
	}
	for _, tt := range tests {
		mk, err := m.Mark(ctx, tt.addr, tt.email)
		if err != nil || mk.Verdict != tt.want {
			t.Errorf("Mark(%q, %q) = %v, %v; want %s", tt.addr, tt.email, mk.Verdict, err, tt.want)
		}
		_, parseErr := netip.ParseAddr(tt.addr)
		if known := parseErr == nil; known == mk.Address.IsZero() {
			t.Errorf("Mark(%q): address hash %x", tt.addr, mk.Address)
		}
	}
	a, _ := m.Mark(ctx, "198.51.100.1", "a@example.org")
	b, _ := m.Mark(ctx, "198.51.100.200", "b@example.org")
	c, _ := m.Mark(ctx, "198.51.101.1", "c@example.org")
	v6a, _ := m.Mark(ctx, "2a00:1:2::1", "d@example.org")
	v6b, _ := m.Mark(ctx, "2a00:1:2:ffff::1", "d@example.org")
	switch {
	case a.Address == b.Address || a.Network != b.Network:
		t.Error("two addresses of one /24 must differ, their network not")
	case a.Network == c.Network:
		t.Error("two /24s must differ")
	case v6a.Network != v6b.Network || v6a.Address == v6b.Address:
		t.Error("two addresses of one /48 must share their network")
	case a.Domain != b.Domain || a.Address == a.Network || a.Address == a.Domain:
		t.Error("hashes of different purposes must differ, one domain's must not")
	}
	// Another key, other hashes: they mean nothing without the key.
	other := trust.NewMarker(func(context.Context) ([]byte, error) { return []byte("another key of thirty-two bytes!!"), nil }, nil, store)
	if o, _ := other.Mark(ctx, "198.51.100.1", "a@example.org"); o.Address == a.Address {
		t.Error("the hash does not depend on the key")
	}
	// A change of the lists is seen as soon as the store gives it.
	store.s.HeldDomains, store.s.UpdatedAt = []string{"example.org"}, time.Unix(2, 0)
	if mk, _ := m.Mark(ctx, "198.51.100.1", "a@example.org"); mk.Verdict != petition.VerdictHeld {
		t.Errorf("after the change: %s", mk.Verdict)
	}
}
