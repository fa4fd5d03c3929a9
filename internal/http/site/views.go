package site

import (
	"context"
	"errors"
	"html/template"
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/storecache"
)

// Pages read releases far more often than staff change them, so a release's
// view (the release, its campaign, its petition and its rendered body) is
// kept for viewTTL. Counts are not part of it: they come from the petition
// store's own cache on every read.
const viewTTL = 2 * time.Second

// newsroomSize is how many releases the newsroom shows.
const newsroomSize = 50

// releaseView is a published release with what its page shows.
type releaseView struct {
	Release  campaign.Release
	Campaign campaign.Campaign
	Petition *petition.Petition // nil when the campaign has no petition
	BodyHTML template.HTML
}

// viewCache holds release views by slug, each with the Version it was
// loaded at: a view older than the current version is not used, so a
// change staff make shows at once.
type viewCache struct {
	version func() uint64
	ttl     *storecache.TTL[string, versionedView]
}

type versionedView struct {
	view    releaseView
	version uint64
}

func newViewCache(version func() uint64) *viewCache {
	return &viewCache{version: version, ttl: storecache.NewTTL[string, versionedView](viewTTL)}
}

func (vc *viewCache) get(slug string, now time.Time) (releaseView, bool) {
	e, ok := vc.ttl.Get(slug, now)
	if !ok || e.version != vc.version() {
		return releaseView{}, false
	}
	return e.view, true
}

// put keeps v, loaded at version, unless staff have changed something since.
func (vc *viewCache) put(slug string, v releaseView, version uint64, now time.Time) {
	if version != vc.version() {
		return
	}
	vc.ttl.Put(slug, versionedView{view: v, version: version}, now)
}

// releaseView loads a published release with its campaign, petition (with
// its current count) and rendered body. Returns campaign.ErrNotFound for an
// unknown or draft slug.
func (s *Site) releaseView(ctx context.Context, slug string) (releaseView, error) {
	now := time.Now()
	v, ok := s.views.get(slug, now)
	if !ok {
		version := s.Version()
		rel, err := s.Campaigns.PublishedReleaseBySlug(ctx, slug)
		if err != nil {
			return releaseView{}, err
		}
		if v, err = s.viewOf(ctx, rel); err != nil {
			return releaseView{}, err
		}
		s.views.put(slug, v, version, now)
	}
	return s.withCount(ctx, v)
}

// viewOf builds the view of any release, published or not (staff preview
// drafts with it), without its count.
func (s *Site) viewOf(ctx context.Context, rel campaign.Release) (releaseView, error) {
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

// withCount returns v with its petition's current count.
func (s *Site) withCount(ctx context.Context, v releaseView) (releaseView, error) {
	if v.Petition == nil {
		return v, nil
	}
	counts, err := s.Petitions.SignatureCounts(ctx, []int64{v.Petition.ID})
	if err != nil {
		return releaseView{}, err
	}
	p := *v.Petition
	p.SignatureCount = counts[p.ID]
	v.Petition = &p
	return v, nil
}

// publishedViews returns the newsroom: published releases, newest first,
// each with its campaign and live count.
func (s *Site) publishedViews(ctx context.Context) ([]releaseView, error) {
	releases, err := s.Campaigns.PublishedReleases(ctx, newsroomSize)
	if err != nil {
		return nil, err
	}
	views := make([]releaseView, 0, len(releases))
	for _, r := range releases {
		v, err := s.releaseView(ctx, r.Slug)
		if isNotFound(err) {
			continue // unpublished since the list was read
		}
		if err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	return views, nil
}

func isNotFound(err error) bool {
	return errors.Is(err, campaign.ErrNotFound) || errors.Is(err, petition.ErrNotFound)
}
