package trust

import (
	"context"
	"encoding/hex"

	"fmt"
	"strings"
	"time"

	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// Cluster dimensions, as the review names them.
const (
	ByAddress = "address"
	ByNetwork = "network"
	ByDomain  = "domain"
	BySource  = "source"
	ByMinute  = "minute"
)

// Dimensions lists the review's cluster dimensions in the order it shows them.
func Dimensions() []string { return []string{ByAddress, ByNetwork, ByDomain, BySource, ByMinute} }

// ClustersShown is how many clusters of each dimension a review shows, and
// SuspectsShown how many suspect signatures.
const (
	ClustersShown = 20
	SuspectsShown = 50
)

// Cluster is a group of one petition's signatures sharing a key: an address
// hash, a network hash, an email domain, a source, or a minute.
type Cluster struct {
	// Key is the hex hash, the domain, the source key ("release:<id>",
	// "code:<code>", "direct") or the minute (RFC 3339, UTC).
	Key                                    string
	Counted, Suspect, Pending, Invalidated int64
	// Confirmed is how many of its suspect signatures their owners confirmed.
	Confirmed   int64
	First, Last time.Time
}

// Total is every signature of the cluster.
func (c Cluster) Total() int64 { return c.Counted + c.Suspect + c.Pending + c.Invalidated }

// Suspect is a suspect signature as the review shows it: no name, no
// email, no address.
type Suspect struct {
	ID          int64
	Domain      string
	Source      string
	AddressHash string // hex; empty when the address was not known
	NetworkHash string
	CreatedAt   time.Time
	// ConfirmedAt is when its owner confirmed it from the email: it proves
	// an inbox, not an honest rate, so the signature stays suspect.
	ConfirmedAt *time.Time
}

// Review is a petition's signatures as the trust rules left them.
type Review struct {
	PetitionID                             int64
	Counted, Pending, Suspect, Invalidated int64
	SuspectConfirmed                       int64
	// Clusters holds the largest clusters of each dimension (see
	// Dimensions), largest first, at most ClustersShown each.
	Clusters map[string][]Cluster
	// Suspects are the newest suspect signatures, at most SuspectsShown.
	Suspects []Suspect
}

// Actions staff take on a cluster.
const (
	// ActionInvalidate takes counted and suspect signatures out.
	ActionInvalidate = "invalidate"
	// ActionCount counts suspect and invalidated signatures (on a petition
	// verifying by email, those never confirmed go back to pending).
	ActionCount = "count"
)

// SelectorInput is a selector as staff give it; every field is optional,
// at least one is required, and those given must all match.
type SelectorInput struct {
	// Address is a client address, or an address hash as the review shows it.
	Address string
	// Network is an address or range within one network, or a network hash.
	Network string
	Domain  string
	Source  string
	Email   string
	From    *time.Time
	To      *time.Time
}

// Selector picks signatures of one petition; resolved from a
// SelectorInput, with addresses already hashed.
type Selector struct {
	AddressHash, NetworkHash []byte
	Domain, Source, Email    string
	// From and To bound the signing time: From ≤ created_at < To.
	From, To *time.Time
}

// Audit is the selector as the audit log keeps it: hashes in hex, and an
// email only as "email given" (no personal data in the audit log).
func (s Selector) Audit() map[string]any {
	out := map[string]any{}
	if s.AddressHash != nil {
		out["address"] = hex.EncodeToString(s.AddressHash)
	}
	if s.NetworkHash != nil {
		out["network"] = hex.EncodeToString(s.NetworkHash)
	}
	if s.Domain != "" {
		out["domain"] = s.Domain
	}
	if s.Source != "" {
		out["source"] = s.Source
	}
	if s.Email != "" {
		out["email"] = "(given)"
	}
	if s.From != nil {
		out["from"] = s.From.UTC()
	}
	if s.To != nil {
		out["to"] = s.To.UTC()
	}
	return out
}

// Outcome is what an action did, or, in a dry run, would do.
type Outcome struct {
	Action string
	DryRun bool
	// Changed is the number of signatures whose state changed (or would).
	Changed int64
	// SignatureCount is the petition's count after the action.
	SignatureCount int64
}

// Store reviews petitions and acts on clusters.
type Store interface {
	SettingsStore
	// PetitionReview returns the petition's review, or petition.ErrNotFound.
	PetitionReview(ctx context.Context, petitionID int64) (Review, error)
	// ApplyTrust changes the state of the signatures sel picks, as action
	// says, in one transaction with the count, the tallies, the webhooks of
	// the change and the audit row (unless dryRun, which changes nothing).
	// Returns petition.ErrNotFound for an unknown petition.
	ApplyTrust(ctx context.Context, actor staff.Actor, petitionID int64, action string, sel Selector, dryRun bool) (Outcome, error)
}

// Service is what staff do with the trust rules: edit them, review a
// petition, act on a cluster.
type Service struct {
	store Store
	key   Key
}

// NewService returns the service over store; key hashes the addresses
// staff select by, as the marker hashed them.
func NewService(store Store, key Key) *Service { return &Service{store: store, key: key} }

// Settings returns the rules.
func (s *Service) Settings(ctx context.Context) (Settings, error) { return s.store.TrustSettings(ctx) }

// SaveSettings validates and stores the rules (audit-logged). Returns a
// valid.Errors naming each bad field.
func (s *Service) SaveSettings(ctx context.Context, actor staff.Actor, in Settings) (Settings, error) {
	in = in.Normalise()
	if err := in.Validate(); err != nil {
		return Settings{}, err
	}
	return s.store.SaveTrustSettings(ctx, actor, in)
}

// Review returns a petition's review, or petition.ErrNotFound.
func (s *Service) Review(ctx context.Context, petitionID int64) (Review, error) {
	return s.store.PetitionReview(ctx, petitionID)
}

// Apply invalidates or counts (action) the signatures of the petition
// that in selects; see Store.ApplyTrust. Returns a valid.Errors for an
// unknown action or a selector that selects nothing in particular.
func (s *Service) Apply(ctx context.Context, actor staff.Actor, petitionID int64, action string, in SelectorInput, dryRun bool) (Outcome, error) {
	if action != ActionInvalidate && action != ActionCount {
		return Outcome{}, valid.Errors{"action": "Invalidate or count."}
	}
	sel, err := s.resolve(ctx, in)
	if err != nil {
		return Outcome{}, err
	}
	out, err := s.store.ApplyTrust(ctx, actor, petitionID, action, sel, dryRun)
	if err != nil {
		return Outcome{}, fmt.Errorf("%s signatures of petition %d: %w", action, petitionID, err)
	}
	return out, nil
}

func (s *Service) resolve(ctx context.Context, in SelectorInput) (Selector, error) {
	errs := valid.Errors{}
	sel := Selector{Domain: canonicalDomain(strings.TrimSpace(in.Domain)), Source: strings.TrimSpace(in.Source),
		Email: strings.ToLower(strings.TrimSpace(in.Email)), From: in.From, To: in.To}
	var key []byte
	if in.Address != "" || in.Network != "" {
		var err error
		if key, err = s.key(ctx); err != nil {
			return Selector{}, err
		}
	}
	if v := strings.TrimSpace(in.Address); v != "" {
		h, err := resolveAddress(key, v)
		if err != nil {
			errs.Add("address", "Give a client address, or an address hash as the review shows it.")
		}
		sel.AddressHash = h
	}
	if v := strings.TrimSpace(in.Network); v != "" {
		h, err := resolveNetwork(key, v)
		if err != nil {
			errs.Add("network", "Give an address or a range within one network (/24, or /48 for IPv6), or a network hash as the review shows it.")
		}
		sel.NetworkHash = h
	}
	if sel.Domain != "" && !validDomain(sel.Domain) {
		errs.Add("domain", "Give an email domain such as example.org.")
	}
	if len(sel.Source) > 80 {
		errs.Add("source", "Give a source as the review shows it: release:<id>, code:<code> or direct.")
	}
	if len(sel.Email) > 254 {
		errs.Add("email", "Give an email address.")
	}
	if sel.From != nil && sel.To != nil && !sel.From.Before(*sel.To) {
		errs.Add("to", "The end of the window must come after its start.")
	}
	if sel.AddressHash == nil && sel.NetworkHash == nil && sel.Domain == "" && sel.Source == "" && sel.Email == "" &&
		sel.From == nil && sel.To == nil && len(errs) == 0 {
		errs.Add("selector", "Select signatures by address, network, domain, source, email or time (from/to).")
	}
	return sel, errs.Err()
}

// parseHash reads a hash as the review shows it: hex.
func parseHash(v string) ([]byte, error) {
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != HashSize {
		return nil, errNoAddress
	}
	return b, nil
}

// HashString writes a hash as the review shows it.
func HashString(h []byte) string { return hex.EncodeToString(h) }
