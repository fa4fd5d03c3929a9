package site

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// newsroomSize is how many releases the newsroom shows.
const newsroomSize = 50

// GET /
func (s *Site) newsroomPage(c *gin.Context) {
	views, err := s.Newsroom.Published(c.Request.Context(), newsroomSize)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "newsroom", kit.Page{Title: "Newsroom", Data: views})
}

// campaignPageData is a campaign with its petitions (with counts) and its
// published releases.
type campaignPageData struct {
	Campaign  campaign.Campaign
	Petitions []petition.Petition
	Releases  []campaign.Release
}

// GET /campaigns/:slug
func (s *Site) campaignPage(c *gin.Context) {
	d, err := s.loadCampaign(c.Request.Context(), c.Param("slug"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "campaign", kit.Page{Title: d.Campaign.Title, Description: d.Campaign.Summary, Data: d})
}

// loadCampaign returns campaign.ErrNotFound for an unknown slug.
func (s *Site) loadCampaign(ctx context.Context, slug string) (campaignPageData, error) {
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
