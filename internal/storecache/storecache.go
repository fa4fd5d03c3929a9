// Package storecache puts short-lived caches in front of the stores that the
// public pages and the sign path read on every request. Each cache is a
// wrapper with the interface of the store it fronts; the writes that make
// one stale go through a wrapper too, and invalidate it, so no handler has
// to remember to clear anything.
//
// Under a surge every signature and every page view would otherwise cost
// several queries besides its share of a batch, and those queries, not the
// inserts, were what the database spent its time on (see
// docs/performance.md). Caching is safe for the contract: whether a petition
// takes signatures is decided again by the signer's SQL inside the
// transaction that stores the signature, and the count a signer is answered
// comes from that transaction, never from here.
package storecache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
)

// How long each kind of read is trusted. Staff changes made on this instance
// show at once (the desk's writes invalidate); those made on another
// instance show within these times.
//
// The contract lets a count lag by at most one second, and a rendered page
// may be served for a moment after it was rendered, so CountTTL takes half
// the second. Counts this instance commits are written through, so a signer
// sees their own signature at once.
const (
	LookupTTL  = time.Second            // a petition by id, a release by slug
	CountTTL   = 500 * time.Millisecond // a petition's signature count
	ConsentTTL = time.Minute            // the consent wording
)

// Stores holds the caching wrappers, which share one notion of "staff
// changed something".
type Stores struct {
	campaigns campaign.Store
	petitions petition.Store
	signer    petition.Signer
	desk      staff.Desk

	version   atomic.Uint64
	byID      *TTL[int64, petition.Petition]
	bySlug    *TTL[string, slugLookup]
	releases  *TTL[string, releaseLookup]
	consent   *TTL[struct{}, petition.Consent]
	countsMu  sync.Mutex
	counts    map[int64]entry[int64]
	clockHook func() time.Time
	// countReads, when set, hears how each read of counts went.
	countReads func(hits, misses int)
}

// Options tune the caches. The zero value is what tools and most tests use.
type Options struct {
	// CountReads, when set, is told after every read of signature counts
	// how many were served from the cache (hits) and how many were read
	// from the database (misses), for metrics. It must be quick.
	CountReads func(hits, misses int)
}

// releaseLookup is what a slug resolved to: a published release, or nothing.
type releaseLookup struct {
	release campaign.Release
	err     error // campaign.ErrNotFound, kept so a flood of bad slugs is cheap
}

// slugLookup is what a petition slug resolved to: an id, or nothing.
type slugLookup struct {
	id  int64
	err error // petition.ErrNotFound, kept so a flood of bad slugs is cheap
}

// New puts caches in front of the given stores. desk may be nil where no
// staff change can happen (tools, some tests).
func New(campaigns campaign.Store, petitions petition.Store, signer petition.Signer, desk staff.Desk, opts Options) *Stores {
	return &Stores{campaigns: campaigns, petitions: petitions, signer: signer, desk: desk,
		byID:     NewTTL[int64, petition.Petition](LookupTTL),
		bySlug:   NewTTL[string, slugLookup](LookupTTL),
		releases: NewTTL[string, releaseLookup](LookupTTL),
		consent:  NewTTL[struct{}, petition.Consent](ConsentTTL),
		counts:   map[int64]entry[int64]{}, clockHook: time.Now,
		countReads: opts.CountReads}
}

// Version changes whenever staff change something through Desk. Caches of
// what is derived from the stores (rendered pages, release views) keep the
// version they were filled at and drop what is older.
func (s *Stores) Version() uint64 { return s.version.Load() }

// changed drops what staff may just have changed and moves Version on.
func (s *Stores) changed() {
	s.byID.Clear()
	s.bySlug.Clear()
	s.releases.Clear()
	s.version.Add(1)
}

// Campaigns returns the campaign store, with published releases by slug
// cached for LookupTTL.
func (s *Stores) Campaigns() *Campaigns { return &Campaigns{Store: s.campaigns, s: s} }

// Petitions returns the petition store, with petitions by id, counts and the
// consent wording cached.
func (s *Stores) Petitions() *Petitions { return &Petitions{Store: s.petitions, s: s} }

// Signer returns the signer, which writes each committed count through to
// the count cache.
func (s *Stores) Signer() petition.Signer { return signer{s: s} }

// Desk returns the staff desk, whose every change invalidates the caches.
func (s *Stores) Desk() staff.Desk { return desk{Desk: s.desk, s: s} }

// Campaigns is campaign.Store with PublishedReleaseBySlug cached. It is also
// the petition.Sources that resolves a signature's source.
type Campaigns struct {
	campaign.Store
	s *Stores
}

// PublishedReleaseBySlug returns campaign.ErrNotFound for an unknown or
// draft release. Both answers are cached for LookupTTL.
func (c *Campaigns) PublishedReleaseBySlug(ctx context.Context, slug string) (campaign.Release, error) {
	now := c.s.clockHook()
	if l, ok := c.s.releases.Get(slug, now); ok {
		return l.release, l.err
	}
	version := c.s.Version()
	rel, err := c.Store.PublishedReleaseBySlug(ctx, slug)
	if err != nil && !errors.Is(err, campaign.ErrNotFound) {
		return campaign.Release{}, err
	}
	if c.s.Version() == version {
		c.s.releases.Put(slug, releaseLookup{release: rel, err: err}, now)
	}
	return rel, err
}

// PublishedReleaseID implements petition.Sources.
func (c *Campaigns) PublishedReleaseID(ctx context.Context, slug string) (int64, bool, error) {
	rel, err := c.PublishedReleaseBySlug(ctx, slug)
	switch {
	case err == nil:
		return rel.ID, true, nil
	case errors.Is(err, campaign.ErrNotFound):
		return 0, false, nil
	default:
		return 0, false, err
	}
}

// Petitions is petition.Store with its hot reads cached.
type Petitions struct {
	petition.Store
	s *Stores
}

// PetitionByID returns petition.ErrNotFound for an unknown id. The petition
// is cached for LookupTTL; its count comes from the count cache.
func (p *Petitions) PetitionByID(ctx context.Context, id int64) (petition.Petition, error) {
	now := p.s.clockHook()
	pet, ok := p.s.byID.Get(id, now)
	if !ok {
		version := p.s.Version()
		var err error
		if pet, err = p.Store.PetitionByID(ctx, id); err != nil {
			return petition.Petition{}, err
		}
		if p.s.Version() == version {
			p.s.byID.Put(id, pet, now)
		}
		p.s.observe(id, pet.SignatureCount, now)
	}
	counts, err := p.SignatureCounts(ctx, []int64{id})
	if err != nil {
		return petition.Petition{}, err
	}
	pet.SignatureCount = counts[id]
	return pet, nil
}

// PetitionBySlug returns petition.ErrNotFound for an unknown slug. What the
// slug resolves to (a petition or nothing) is cached for LookupTTL; the
// petition is then PetitionByID's, with its count from the count cache.
func (p *Petitions) PetitionBySlug(ctx context.Context, slug string) (petition.Petition, error) {
	now := p.s.clockHook()
	if l, ok := p.s.bySlug.Get(slug, now); ok {
		if l.err != nil {
			return petition.Petition{}, l.err
		}
		return p.PetitionByID(ctx, l.id)
	}
	version := p.s.Version()
	pet, err := p.Store.PetitionBySlug(ctx, slug)
	if err != nil && !errors.Is(err, petition.ErrNotFound) {
		return petition.Petition{}, err
	}
	if p.s.Version() == version {
		p.s.bySlug.Put(slug, slugLookup{id: pet.ID, err: err}, now)
		if err == nil {
			p.s.byID.Put(pet.ID, pet, now)
		}
	}
	if err != nil {
		return petition.Petition{}, err
	}
	p.s.observe(pet.ID, pet.SignatureCount, now)
	return pet, nil
}

// SignatureCounts returns the counts of ids, reading the database only for
// those not seen within CountTTL.
func (p *Petitions) SignatureCounts(ctx context.Context, ids []int64) (map[int64]int64, error) {
	now := p.s.clockHook()
	out := make(map[int64]int64, len(ids))
	var missing []int64
	p.s.countsMu.Lock()
	for _, id := range ids {
		if e, ok := p.s.counts[id]; ok && now.Before(e.expires) {
			out[id] = e.value
		} else {
			missing = append(missing, id)
		}
	}
	p.s.countsMu.Unlock()
	if p.s.countReads != nil {
		p.s.countReads(len(ids)-len(missing), len(missing))
	}
	if len(missing) == 0 {
		return out, nil
	}
	fresh, err := p.Store.SignatureCounts(ctx, missing)
	if err != nil {
		return nil, err
	}
	for id, n := range fresh {
		out[id] = n
		p.s.observe(id, n, now)
	}
	return out, nil
}

// CurrentConsent returns the newest consent wording, cached for ConsentTTL.
func (p *Petitions) CurrentConsent(ctx context.Context) (petition.Consent, error) {
	now := p.s.clockHook()
	if c, ok := p.s.consent.Get(struct{}{}, now); ok {
		return c, nil
	}
	c, err := p.Store.CurrentConsent(ctx)
	if err != nil {
		return petition.Consent{}, err
	}
	p.s.consent.Put(struct{}{}, c, now)
	return c, nil
}

// observe records a count read or committed at now. Counts only grow between
// recounts and staff's actions on clusters (which drop the cached count,
// see Trust), so within CountTTL a late, smaller observation never wins.
func (s *Stores) observe(petitionID, count int64, now time.Time) {
	s.countsMu.Lock()
	defer s.countsMu.Unlock()
	if e, ok := s.counts[petitionID]; ok && count < e.value && now.Before(e.expires) {
		return
	}
	if _, ok := s.counts[petitionID]; !ok && len(s.counts) >= MaxEntries {
		for id, e := range s.counts {
			if now.After(e.expires) {
				delete(s.counts, id)
			}
		}
		if len(s.counts) >= MaxEntries {
			return
		}
	}
	s.counts[petitionID] = entry[int64]{value: count, expires: now.Add(CountTTL)}
}

// signer writes every committed count through to the count cache, so pages
// on this instance show a signature as soon as its signer is answered.
type signer struct{ s *Stores }

func (w signer) Sign(ctx context.Context, sig petition.Signature) (petition.SignResult, error) {
	res, err := w.s.signer.Sign(ctx, sig)
	if err == nil {
		w.s.observe(sig.PetitionID, res.SignatureCount, w.s.clockHook())
	}
	return res, err
}

// Confirmer returns c writing each committed count through to the count
// cache, as the signer does, so the thanks page after a confirmation shows
// the count with it.
func (s *Stores) Confirmer(c petition.Confirmer) petition.Confirmer { return confirmer{c: c, s: s} }

type confirmer struct {
	c petition.Confirmer
	s *Stores
}

func (w confirmer) Confirm(ctx context.Context, petitionID, signatureID int64) (petition.ConfirmResult, error) {
	res, err := w.c.Confirm(ctx, petitionID, signatureID)
	if err == nil {
		w.s.observe(petitionID, res.SignatureCount, w.s.clockHook())
	}
	return res, err
}

// desk is staff.Desk whose every successful change invalidates the caches.
type desk struct {
	staff.Desk
	s *Stores
}

// after invalidates the caches once a change has been made, and passes its
// error on.
func (s *Stores) after(err error) error {
	if err == nil {
		s.changed()
	}
	return err
}

func (d desk) CreateCampaign(ctx context.Context, a staff.Actor, c campaign.Campaign) (campaign.Campaign, error) {
	v, err := d.Desk.CreateCampaign(ctx, a, c)
	return v, d.s.after(err)
}

func (d desk) UpdateCampaign(ctx context.Context, a staff.Actor, c campaign.Campaign) (campaign.Campaign, error) {
	v, err := d.Desk.UpdateCampaign(ctx, a, c)
	return v, d.s.after(err)
}

func (d desk) CreateRelease(ctx context.Context, a staff.Actor, r campaign.Release) (campaign.Release, error) {
	v, err := d.Desk.CreateRelease(ctx, a, r)
	return v, d.s.after(err)
}

func (d desk) UpdateRelease(ctx context.Context, a staff.Actor, r campaign.Release) (campaign.Release, error) {
	v, err := d.Desk.UpdateRelease(ctx, a, r)
	return v, d.s.after(err)
}

func (d desk) PublishRelease(ctx context.Context, a staff.Actor, id int64) (campaign.Release, error) {
	v, err := d.Desk.PublishRelease(ctx, a, id)
	return v, d.s.after(err)
}

func (d desk) UnpublishRelease(ctx context.Context, a staff.Actor, id int64) (campaign.Release, error) {
	v, err := d.Desk.UnpublishRelease(ctx, a, id)
	return v, d.s.after(err)
}

func (d desk) CreatePetition(ctx context.Context, a staff.Actor, p petition.Petition) (petition.Petition, error) {
	v, err := d.Desk.CreatePetition(ctx, a, p)
	return v, d.s.after(err)
}

func (d desk) UpdatePetition(ctx context.Context, a staff.Actor, p petition.Petition) (petition.Petition, error) {
	v, err := d.Desk.UpdatePetition(ctx, a, p)
	return v, d.s.after(err)
}

func (d desk) ClosePetition(ctx context.Context, a staff.Actor, id int64) (petition.Petition, error) {
	v, err := d.Desk.ClosePetition(ctx, a, id)
	return v, d.s.after(err)
}

func (d desk) ReopenPetition(ctx context.Context, a staff.Actor, id int64) (petition.Petition, error) {
	v, err := d.Desk.ReopenPetition(ctx, a, id)
	return v, d.s.after(err)
}
