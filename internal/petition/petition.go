// Package petition holds petitions, the signatures they gather, and the rules
// a signature must pass before it is stored.
package petition

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors returned by petition stores and signers.
var (
	// ErrNotFound: no petition with that id or slug.
	ErrNotFound = errors.New("petition not found")
	// ErrClosed: the petition no longer takes signatures.
	ErrClosed = errors.New("petition closed")
)

// Petition statuses.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// How a petition verifies its signatures (Petition.Verification).
const (
	// VerifyNone counts a signature as soon as it is stored.
	VerifyNone = "none"
	// VerifyEmail counts a signature once its owner confirms it from the
	// link in an email; until then it is pending.
	VerifyEmail = "email"
)

// Signature states (Signature.State).
const (
	// StateCounted: in the count and the tallies.
	StateCounted = "counted"
	// StatePending: stored, awaiting its owner's confirmation; in neither
	// the count nor the tallies.
	StatePending = "pending"
	// StateSuspect: stored, answered as a counted one would be, but held
	// back by the trust rules: in neither the count nor the tallies until
	// staff count it.
	StateSuspect = "suspect"
	// StateInvalidated: taken out by staff; in neither the count nor the
	// tallies until staff count it again.
	StateInvalidated = "invalidated"
)

// Petition belongs to a campaign and gathers signatures towards a goal.
type Petition struct {
	ID         int64
	CampaignID int64
	Slug       string
	Title      string
	Ask        string
	Target     string
	Goal       int64
	Status     string
	ClosesAt   *time.Time
	// Verification is VerifyNone or VerifyEmail.
	Verification string
	// SignatureCount is the public count: counted signatures only.
	SignatureCount int64
	// PendingCount is how many signatures await their owner's confirmation.
	PendingCount int64
	// ConfirmedCount is how many signatures were counted by confirmation.
	ConfirmedCount int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// VerifiesEmail reports whether the petition counts a signature only once
// its owner has confirmed it.
func (p Petition) VerifiesEmail() bool { return p.Verification == VerifyEmail }

// ConfirmRate is the share of signers who confirmed, of those asked to:
// confirmed / (confirmed + pending), between 0 and 1; ok is false when
// nobody has been asked yet.
func (p Petition) ConfirmRate() (rate float64, ok bool) {
	asked := p.ConfirmedCount + p.PendingCount
	if asked == 0 {
		return 0, false
	}
	return float64(p.ConfirmedCount) / float64(asked), true
}

// OpenAt reports whether the petition takes signatures at time t.
func (p Petition) OpenAt(t time.Time) bool {
	return p.Status == StatusOpen && (p.ClosesAt == nil || t.Before(*p.ClosesAt))
}

// StatusAt is the petition's status as supporters meet it at time t:
// "closed" once its closing time has passed, whatever is stored.
func (p Petition) StatusAt(t time.Time) string {
	if p.OpenAt(t) {
		return StatusOpen
	}
	return StatusClosed
}

// Progress is the share of the goal reached, as a whole percentage capped at 100.
func (p Petition) Progress() int {
	if p.Goal <= 0 {
		return 0
	}
	pct := p.SignatureCount * 100 / p.Goal
	if pct > 100 {
		return 100
	}
	return int(pct)
}

// Signature is one supporter's signature, as stored.
type Signature struct {
	ID              int64
	PetitionID      int64
	FullName        string
	Email           string // normalised
	Postcode        string
	Country         string // ISO 3166-1 alpha-2
	ConsentUpdates  bool
	ConsentVersion  string
	SourceReleaseID *int64
	SourceCode      string
	// State is one of the State… values.
	State string
	// Marking is what the trust rules need of the signer's client address
	// and email: keyed hashes, never the address itself.
	Marking Marking
	// ConfirmedAt is when its owner confirmed it; nil unless it was counted
	// by confirmation.
	ConfirmedAt *time.Time
	// ConsentWithdrawnAt is when its owner withdrew consent to updates
	// (the unsubscribe link); nil while they have not.
	ConsentWithdrawnAt *time.Time
	CreatedAt          time.Time
}

// Consent is a wording supporters agree to when they tick "keep me updated".
type Consent struct {
	Version string
	Wording string
}

// SignResult is what a signer learns after signing: the count that already
// includes the signature, or, when Pending, the count it will join once
// confirmed. New is false for a repeat; it is for the server's own use only,
// since answers must not reveal who has signed.
type SignResult struct {
	SignatureCount int64
	New            bool
	// Pending is true when the petition verifies by email: the signature
	// (new or repeat alike) counts only once confirmed. It depends on the
	// petition alone, so a repeat gets the same answer as a new signature.
	Pending bool
	// Held is true when a new signature was stored as suspect by the trust
	// rules. For the server's own use only: the signer is answered exactly
	// as if it had been counted.
	Held bool
}

// Store reads petitions and their counts.
type Store interface {
	// PetitionByID returns ErrNotFound if no petition has that id.
	PetitionByID(ctx context.Context, id int64) (Petition, error)
	// PetitionBySlug returns ErrNotFound if no petition has that slug.
	PetitionBySlug(ctx context.Context, slug string) (Petition, error)
	// PetitionsByCampaign returns the campaign's petitions, oldest first.
	PetitionsByCampaign(ctx context.Context, campaignID int64) ([]Petition, error)
	// PetitionForRelease returns the petition a release page carries: the one
	// the release names, or else the campaign's newest open petition.
	// Returns ErrNotFound if there is none.
	PetitionForRelease(ctx context.Context, campaignID int64, petitionID *int64) (Petition, error)
	// SignatureCounts returns the counts of the given petitions, keyed by id.
	SignatureCounts(ctx context.Context, ids []int64) (map[int64]int64, error)
	// CurrentConsent returns the newest consent wording.
	CurrentConsent(ctx context.Context) (Consent, error)
}

// Signer stores signatures. Sign returns ErrNotFound for an unknown petition,
// ErrClosed for a closed one, and the same SignResult (with New false) for a
// repeat of an existing signature. The signature is committed before Sign
// returns successfully.
type Signer interface {
	Sign(ctx context.Context, s Signature) (SignResult, error)
}
