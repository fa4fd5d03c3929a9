package http

import (
	"context"
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
)

// signLookupTTL bounds how long the sign path trusts what it looked up about
// a petition or a source release. Under a surge every signature would
// otherwise cost two queries besides its share of a batch, and those queries,
// not the inserts, were what the database spent its time on (see
// docs/performance.md).
//
// Caching is safe for the contract: whether a petition takes signatures is
// decided again by the signer's SQL inside the transaction that stores the
// signature, so a petition closed a moment ago answers 409 all the same; and
// the count a signer is answered comes from that transaction, never from here.
// A release published less than signLookupTTL ago may be recorded as a source
// code rather than as the release for that moment.
const signLookupTTL = time.Second

// signLookups are the sign path's caches.
type signLookups struct {
	petitions *ttlCache[int64, petition.Petition]
	sources   *ttlCache[string, sourceLookup]
}

// sourceLookup is what a source slug resolved to: a published release, or
// nothing (then the source is kept as a code).
type sourceLookup struct {
	release campaign.Release
	found   bool
}

func newSignLookups() *signLookups {
	return &signLookups{
		petitions: newTTLCache[int64, petition.Petition](signLookupTTL),
		sources:   newTTLCache[string, sourceLookup](signLookupTTL),
	}
}

// signingPetition returns the petition to sign, from the cache when it was
// looked up within signLookupTTL. Its count is not for display.
// Returns petition.ErrNotFound for an unknown id.
func (s *Server) signingPetition(ctx context.Context, id int64) (petition.Petition, error) {
	now := time.Now()
	if p, ok := s.lookups.petitions.get(id, now); ok {
		return p, nil
	}
	p, err := s.Petitions.PetitionByID(ctx, id)
	if err != nil {
		return petition.Petition{}, err
	}
	s.lookups.petitions.put(id, p, now)
	return p, nil
}

// sourceRelease resolves a signature's source to a published release.
// found is false when no published release has that slug.
func (s *Server) sourceRelease(ctx context.Context, slug string) (rel campaign.Release, found bool, err error) {
	now := time.Now()
	if l, ok := s.lookups.sources.get(slug, now); ok {
		return l.release, l.found, nil
	}
	rel, err = s.Campaigns.PublishedReleaseBySlug(ctx, slug)
	switch {
	case err == nil:
		found = true
	case isNotFound(err):
		err = nil
	default:
		return campaign.Release{}, false, err
	}
	s.lookups.sources.put(slug, sourceLookup{release: rel, found: found}, now)
	return rel, found, nil
}
