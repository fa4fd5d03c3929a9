package petition

import "context"

// Marking is what the trust rules learn of a signer: keyed hashes of the
// client address, of its network and of the email's domain (never the
// address itself), and whether a list settles the signature's fate before
// any rate is counted.
type Marking struct {
	// Address and Network are keyed hashes of the client address and its
	// network (/24 IPv4, /48 IPv6); zero when the address is unknown.
	Address, Network Hash
	// Domain is a keyed hash of the email's domain, the key of its rate
	// counter; zero when not marked.
	Domain Hash
	// Verdict is VerdictRated, VerdictTrusted or VerdictHeld.
	Verdict Verdict
}

// Hash is a keyed hash of the trust rules: 128 bits, plenty to group
// signatures without collisions.
type Hash [16]byte

// IsZero reports whether h is no hash at all.
func (h Hash) IsZero() bool { return h == Hash{} }

// Verdict is what the trust lists say of a signature before its rates are
// counted.
type Verdict string

// The verdicts.
const (
	// VerdictRated: no list names it; the rates decide.
	VerdictRated Verdict = "rated"
	// VerdictTrusted: a trusted address or domain; never held, never counted
	// against a rate.
	VerdictTrusted Verdict = "trusted"
	// VerdictHeld: an address or domain always held; stored as suspect.
	VerdictHeld Verdict = "held"
)

// Marker marks a signature for the trust rules from the signer's client
// address (as the web layer saw it; empty when unknown) and normalised
// email.
type Marker interface {
	Mark(ctx context.Context, clientAddr, email string) (Marking, error)
}
