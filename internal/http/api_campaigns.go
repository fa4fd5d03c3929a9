package http

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
)

type campaignJSON struct {
	Slug      string         `json:"slug"`
	Title     string         `json:"title"`
	Summary   string         `json:"summary"`
	Target    string         `json:"target"`
	Status    string         `json:"status"`
	Petitions []petitionJSON `json:"petitions"`
	Releases  []releaseRef   `json:"releases"`
}

type releaseRef struct {
	Slug        string     `json:"slug"`
	Title       string     `json:"title"`
	PublishedAt *time.Time `json:"published_at"`
}

// campaignPageData is a campaign with its petitions (with counts) and releases.
type campaignPageData struct {
	Campaign  campaign.Campaign
	Petitions []petition.Petition
	Releases  []campaign.Release
}

func (s *Server) loadCampaign(ctx context.Context, slug string) (campaignPageData, error) {
	camp, err := s.Campaigns.CampaignBySlug(ctx, slug)
	if err != nil {
		return campaignPageData{}, err
	}
	petitions, err := s.Petitions.PetitionsByCampaign(ctx, camp.ID)
	if err != nil {
		return campaignPageData{}, err
	}
	releases, err := s.Campaigns.ReleasesByCampaign(ctx, camp.ID)
	if err != nil {
		return campaignPageData{}, err
	}
	return campaignPageData{Campaign: camp, Petitions: petitions, Releases: releases}, nil
}

// GET /api/v1/campaigns/:slug
func (s *Server) apiCampaign(c *gin.Context) {
	d, err := s.loadCampaign(c.Request.Context(), c.Param("slug"))
	if err != nil {
		s.apiError(c, err)
		return
	}
	out := campaignJSON{Slug: d.Campaign.Slug, Title: d.Campaign.Title, Summary: d.Campaign.Summary,
		Target: d.Campaign.Target, Status: d.Campaign.Status,
		Petitions: make([]petitionJSON, 0, len(d.Petitions)), Releases: make([]releaseRef, 0, len(d.Releases))}
	for _, p := range d.Petitions {
		out.Petitions = append(out.Petitions, toPetitionJSON(p, nil))
	}
	for _, r := range d.Releases {
		out.Releases = append(out.Releases, releaseRef{Slug: r.Slug, Title: r.Title, PublishedAt: r.PublishedAt})
	}
	c.JSON(http.StatusOK, out)
}
