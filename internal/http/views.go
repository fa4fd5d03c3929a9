package http

import (
	"context"
	"html/template"
	"sync"
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
)

// Pages read releases far more often than staff change them, and counts move
// with every batch of signatures. Both are cached briefly in memory: a view
// for viewTTL, a count for countTTL. The contract allows a count to lag by
// at most one second, and a rendered page may be served for a moment after
// it was rendered (pageTTL), so countTTL takes half the second. Counts this
// instance commits are written through, so a signer sees their own
// signature at once.
const (
	viewTTL  = 2 * time.Second
	countTTL = 500 * time.Millisecond
)

// releaseView is a published release with what its page shows.
type releaseView struct {
	Release     campaign.Release
	Campaign    campaign.Campaign
	Petition    *petition.Petition // nil when the campaign has no petition
	BodyHTML    template.HTML
	SummaryText string
}

type cached[T any] struct {
	value   T
	expires time.Time
}

// ttlCache is a small map cache whose entries expire.
type ttlCache[K comparable, V any] struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[K]cached[V]
}

func newTTLCache[K comparable, V any](ttl time.Duration) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, entries: map[K]cached[V]{}}
}

func (c *ttlCache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if !ok || now.After(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// clear forgets every entry, so the next read sees what staff just changed.
func (c *ttlCache[K, V]) clear() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

// ttlCacheMax bounds a cache's entries. Keys can come from requests (a
// source slug), so a flood of distinct keys must not grow it without limit.
const ttlCacheMax = 10000

func (c *ttlCache[K, V]) put(k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= ttlCacheMax {
		for key, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, key)
			}
		}
		if _, ok := c.entries[k]; !ok && len(c.entries) >= ttlCacheMax {
			return // full of live entries: this one goes uncached
		}
	}
	c.entries[k] = cached[V]{value: v, expires: now.Add(c.ttl)}
}

// CountCache holds recent petition counts.
type CountCache struct {
	mu      sync.Mutex
	entries map[int64]cached[int64]
}

// NewCountCache returns an empty cache. Every signature this instance takes
// is observed in it (see sign), so counts committed here are seen at once.
func NewCountCache() *CountCache { return &CountCache{entries: map[int64]cached[int64]{}} }

// Observe records a count committed by this instance. Counts only grow
// between recounts, so a late, smaller observation never wins.
func (c *CountCache) Observe(petitionID, count int64) {
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.entries[petitionID]; !ok || count >= e.value || now.After(e.expires) {
		c.entries[petitionID] = cached[int64]{value: count, expires: now.Add(countTTL)}
	}
	c.mu.Unlock()
}

// counts returns the counts of ids, reading the database only for those
// not seen within countTTL.
func (s *Server) counts(ctx context.Context, ids []int64) (map[int64]int64, error) {
	now := time.Now()
	out := make(map[int64]int64, len(ids))
	var missing []int64
	s.Counts.mu.Lock()
	for _, id := range ids {
		if e, ok := s.Counts.entries[id]; ok && now.Before(e.expires) {
			out[id] = e.value
		} else {
			missing = append(missing, id)
		}
	}
	s.Counts.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	fresh, err := s.Petitions.SignatureCounts(ctx, missing)
	if err != nil {
		return nil, err
	}
	s.Counts.mu.Lock()
	for id, n := range fresh {
		out[id] = n
		s.Counts.entries[id] = cached[int64]{value: n, expires: now.Add(countTTL)}
	}
	s.Counts.mu.Unlock()
	return out, nil
}

// withCount returns p with its current count.
func (s *Server) withCount(ctx context.Context, p petition.Petition) (petition.Petition, error) {
	counts, err := s.counts(ctx, []int64{p.ID})
	if err != nil {
		return p, err
	}
	p.SignatureCount = counts[p.ID]
	return p, nil
}

// releaseView loads a published release with its campaign, petition and
// rendered body. Returns campaign.ErrNotFound for an unknown or draft slug.
func (s *Server) releaseView(ctx context.Context, slug string) (releaseView, error) {
	now := time.Now()
	v, ok := s.views.get(slug, now)
	if !ok {
		var err error
		if v, err = s.loadReleaseView(ctx, slug); err != nil {
			return releaseView{}, err
		}
		s.views.put(slug, v, now)
	}
	if v.Petition != nil {
		p, err := s.withCount(ctx, *v.Petition)
		if err != nil {
			return releaseView{}, err
		}
		v.Petition = &p
	}
	return v, nil
}

func (s *Server) loadReleaseView(ctx context.Context, slug string) (releaseView, error) {
	rel, err := s.Campaigns.PublishedReleaseBySlug(ctx, slug)
	if err != nil {
		return releaseView{}, err
	}
	return s.viewOf(ctx, rel)
}

// viewOf builds the page of any release, published or not (staff preview
// drafts with it).
func (s *Server) viewOf(ctx context.Context, rel campaign.Release) (releaseView, error) {
	camp, err := s.Campaigns.CampaignByID(ctx, rel.CampaignID)
	if err != nil {
		return releaseView{}, err
	}
	v := releaseView{Release: rel, Campaign: camp}
	p, err := s.Petitions.PetitionForRelease(ctx, rel.CampaignID, rel.PetitionID)
	switch {
	case err == nil:
		v.Petition = &p
	case !isNotFound(err):
		return releaseView{}, err
	}
	if v.BodyHTML, err = s.markdown.Render(rel.Body); err != nil {
		return releaseView{}, err
	}
	return v, nil
}
