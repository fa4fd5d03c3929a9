package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// campaignJSON is a campaign with its petitions and published releases.
type campaignJSON struct {
	Slug      string         `json:"slug"`
	Title     string         `json:"title"`
	Summary   string         `json:"summary"`
	Target    string         `json:"target"`
	Status    string         `json:"status"`
	Petitions []petitionJSON `json:"petitions"`
	Releases  []releaseRef   `json:"releases"`
}

// releaseRef names a release of a campaign.
type releaseRef struct {
	Slug        string     `json:"slug"`
	Title       string     `json:"title"`
	PublishedAt *time.Time `json:"published_at"`
}

// campaign serves GET /api/v1/campaigns/:slug: the campaign, its petitions
// with their counts, and its published releases.
func (a *API) campaign(c *gin.Context) {
	ctx := c.Request.Context()
	camp, err := a.Campaigns.CampaignBySlug(ctx, c.Param("slug"))
	if err != nil {
		a.APIError(c, err)
		return
	}
	petitions, err := a.Petitions.PetitionsByCampaign(ctx, camp.ID)
	if err != nil {
		a.APIError(c, err)
		return
	}
	releases, err := a.Campaigns.ReleasesByCampaign(ctx, camp.ID)
	if err != nil {
		a.APIError(c, err)
		return
	}
	out := campaignJSON{Slug: camp.Slug, Title: camp.Title, Summary: camp.Summary, Target: camp.Target,
		Status: camp.Status, Petitions: make([]petitionJSON, 0, len(petitions)),
		Releases: make([]releaseRef, 0, len(releases))}
	for _, p := range petitions {
		out.Petitions = append(out.Petitions, toPetitionJSON(p, nil))
	}
	for _, r := range releases {
		out.Releases = append(out.Releases, releaseRef{Slug: r.Slug, Title: r.Title, PublishedAt: r.PublishedAt})
	}
	c.JSON(http.StatusOK, out)
}
