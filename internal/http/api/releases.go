package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
)

// newsroomSize is how many releases the list shows, as many as the newsroom.
const newsroomSize = 50

// releaseJSON is a published release with its campaign and petition; the
// body, as written and rendered, only when one release is asked for.
type releaseJSON struct {
	Slug        string        `json:"slug"`
	Title       string        `json:"title"`
	Summary     string        `json:"summary"`
	Body        string        `json:"body,omitempty"`
	BodyHTML    string        `json:"body_html,omitempty"`
	PublishedAt *time.Time    `json:"published_at"`
	Campaign    campaignRef   `json:"campaign"`
	Petition    *petitionJSON `json:"petition"`
}

// releaseView is a release with what its JSON names.
type releaseView struct {
	release  campaign.Release
	campaign campaign.Campaign
	petition *petition.Petition // nil when the campaign has no petition
}

// json is the release as the list shows it, without its body.
func (v releaseView) json() releaseJSON {
	out := releaseJSON{Slug: v.release.Slug, Title: v.release.Title, Summary: v.release.Summary,
		PublishedAt: v.release.PublishedAt, Campaign: campaignRef{Slug: v.campaign.Slug, Title: v.campaign.Title}}
	if v.petition != nil {
		p := toPetitionJSON(*v.petition, nil)
		out.Petition = &p
	}
	return out
}

// view loads the campaign of rel and the petition its page carries, with
// its count. campaigns holds those already loaded for this request (a list
// names few campaigns) and gains the one loaded here.
func (a *API) view(ctx context.Context, rel campaign.Release, campaigns map[int64]campaign.Campaign) (releaseView, error) {
	camp, ok := campaigns[rel.CampaignID]
	if !ok {
		var err error
		if camp, err = a.Campaigns.CampaignByID(ctx, rel.CampaignID); err != nil {
			return releaseView{}, err
		}
		campaigns[rel.CampaignID] = camp
	}
	v := releaseView{release: rel, campaign: camp}
	p, err := a.Petitions.PetitionForRelease(ctx, rel.CampaignID, rel.PetitionID)
	switch {
	case err == nil:
		v.petition = &p
	case !errors.Is(err, petition.ErrNotFound):
		return releaseView{}, err
	}
	return v, nil
}

// releases serves GET /api/v1/releases: the published releases, newest
// first, each with its campaign and its petition's live count.
func (a *API) releases(c *gin.Context) {
	ctx := c.Request.Context()
	releases, err := a.Campaigns.PublishedReleases(ctx, newsroomSize)
	if err != nil {
		a.APIError(c, err)
		return
	}
	campaigns := map[int64]campaign.Campaign{}
	out := make([]releaseJSON, 0, len(releases))
	for _, rel := range releases {
		v, err := a.view(ctx, rel, campaigns)
		if errors.Is(err, campaign.ErrNotFound) {
			continue // its campaign is gone since the list was read: leave it out
		}
		if err != nil {
			a.APIError(c, err)
			return
		}
		out = append(out, v.json())
	}
	c.JSON(http.StatusOK, gin.H{"releases": out})
}

// release serves GET /api/v1/releases/:slug: one published release with
// its body as written and as rendered, its campaign and its petition.
func (a *API) release(c *gin.Context) {
	ctx := c.Request.Context()
	rel, err := a.Campaigns.PublishedReleaseBySlug(ctx, c.Param("slug"))
	if err != nil {
		a.APIError(c, err)
		return
	}
	v, err := a.view(ctx, rel, map[int64]campaign.Campaign{})
	if err != nil {
		a.APIError(c, err)
		return
	}
	body, err := a.markdown.Render(rel.Body)
	if err != nil {
		a.APIError(c, err)
		return
	}
	out := v.json()
	out.Body, out.BodyHTML = rel.Body, string(body)
	c.JSON(http.StatusOK, out)
}
