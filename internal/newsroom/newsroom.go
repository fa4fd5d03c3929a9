// Package newsroom reads what the public sees of a release: the release,
// its campaign, the petition its page carries with a live count, and its
// body as HTML. The public pages and the public API read releases through
// it, so both see the same thing and pay for it once.
package newsroom

import (
	"context"
	"errors"
	"html"
	"html/template"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/storecache"
)

// ViewTTL is how long a release's view is kept. Releases are read far more
// often than staff change them, and a change staff make through the desk
// moves the stores' version, which drops every view at once. Counts are not
// part of a view: they come from the petition store's own cache on every
// read.
const ViewTTL = 2 * time.Second

// View is a release with what its page shows.
type View struct {
	Release  campaign.Release
	Campaign campaign.Campaign
	Petition *petition.Petition // nil when the campaign has no petition
	BodyHTML template.HTML
}

// Renderer turns a release body written in Markdown into safe HTML.
type Renderer func(body string) (template.HTML, error)

// Service reads release views.
type Service struct {
	campaigns campaign.Store
	petitions petition.Store
	version   func() uint64
	render    Renderer
	views     *storecache.TTL[string, versioned]
	loads     singleflight.Group
}

type versioned struct {
	view    View
	version uint64
}

// New returns a Service over the (cached) stores. version is the stores'
// version (storecache.Stores.Version); render renders the bodies of
// releases saved before bodies were rendered on save.
func New(campaigns campaign.Store, petitions petition.Store, version func() uint64, render Renderer) *Service {
	return &Service{campaigns: campaigns, petitions: petitions, version: version, render: render,
		views: storecache.NewTTL[string, versioned](ViewTTL)}
}

// Release returns the published release with that slug, with its
// petition's current count. Concurrent requests for a release that is not
// cached share one load. Returns campaign.ErrNotFound for an unknown or
// draft slug.
func (s *Service) Release(ctx context.Context, slug string) (View, error) {
	now := time.Now()
	e, ok := s.views.Get(slug, now)
	if !ok || e.version != s.version() {
		loaded, err, _ := s.loads.Do(slug, func() (any, error) {
			// Shared by every request waiting on it: one leaving early must
			// not fail the others.
			ctx := context.WithoutCancel(ctx)
			version := s.version()
			rel, err := s.campaigns.PublishedReleaseBySlug(ctx, slug)
			if err != nil {
				return nil, err
			}
			v, err := s.viewOf(ctx, rel)
			if err != nil {
				return nil, err
			}
			if version == s.version() { // staff changed nothing meanwhile
				s.views.Put(slug, versioned{view: v, version: version}, now)
			}
			return v, nil
		})
		if err != nil {
			return View{}, err
		}
		e.view = loaded.(View)
	}
	return s.withCount(ctx, e.view)
}

// Published returns up to limit published releases, newest first, each with
// its campaign and live count.
func (s *Service) Published(ctx context.Context, limit int) ([]View, error) {
	releases, err := s.campaigns.PublishedReleases(ctx, limit)
	if err != nil {
		return nil, err
	}
	views := make([]View, 0, len(releases))
	for _, r := range releases {
		v, err := s.Release(ctx, r.Slug)
		if errors.Is(err, campaign.ErrNotFound) {
			continue // unpublished since the list was read
		}
		if err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	return views, nil
}

// Preview returns the view of any release, published or not, with its
// petition's current count, for staff to see a draft as the public will.
// Nothing of it is cached.
func (s *Service) Preview(ctx context.Context, rel campaign.Release) (View, error) {
	v, err := s.viewOf(ctx, rel)
	if err != nil {
		return View{}, err
	}
	return s.withCount(ctx, v)
}

// viewOf builds the view of rel, without its count.
func (s *Service) viewOf(ctx context.Context, rel campaign.Release) (View, error) {
	camp, err := s.campaigns.CampaignByID(ctx, rel.CampaignID)
	if err != nil {
		return View{}, err
	}
	v := View{Release: rel, Campaign: camp, BodyHTML: template.HTML(rel.BodyHTML)} //nolint:gosec // rendered and sanitised on save
	p, err := s.petitions.PetitionForRelease(ctx, rel.CampaignID, rel.PetitionID)
	switch {
	case err == nil:
		v.Petition = &p
	case !errors.Is(err, petition.ErrNotFound):
		return View{}, err
	}
	if rel.BodyHTML == "" && rel.Body != "" {
		v.BodyHTML = s.renderUnsaved(rel.Body)
	}
	return v, nil
}

// renderUnsaved renders a body that was saved before bodies were rendered
// on save (the serve command renders those it finds as it starts). A body
// too complex to render is shown as its plain text, escaped.
func (s *Service) renderUnsaved(body string) template.HTML {
	out, err := s.render(body)
	if err == nil {
		return out
	}
	var b strings.Builder
	for para := range strings.SplitSeq(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			b.WriteString("<p>" + html.EscapeString(para) + "</p>\n")
		}
	}
	return template.HTML(b.String()) //nolint:gosec // every text is escaped
}

// withCount returns v with its petition's current count.
func (s *Service) withCount(ctx context.Context, v View) (View, error) {
	if v.Petition == nil {
		return v, nil
	}
	counts, err := s.petitions.SignatureCounts(ctx, []int64{v.Petition.ID})
	if err != nil {
		return View{}, err
	}
	p := *v.Petition
	p.SignatureCount = counts[p.ID]
	v.Petition = &p
	return v, nil
}
