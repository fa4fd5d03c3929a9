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

// Petition belongs to a campaign and gathers signatures towards a goal.
type Petition struct {
	ID             int64
	CampaignID     int64
	Slug           string
	Title          string
	Ask            string
	Target         string
	Goal           int64
	Status         string
	ClosesAt       *time.Time
	SignatureCount int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
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
	CreatedAt       time.Time
}

// Consent is a wording supporters agree to when they tick "keep me updated".
type Consent struct {
	Version string
	Wording string
}

// SignResult is what a signer learns after signing: the count that already
// includes the signature. New is false for a repeat; it is for the server's
// own use only, since answers must not reveal who has signed.
type SignResult struct {
	SignatureCount int64
	New            bool
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
