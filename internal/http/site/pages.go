package site

import (
	"context"
	"net/http"
	"net/url"
	"time"

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
	Petitions []campaignPetition
	Releases  []campaign.Release
	Card      card
}

// campaignPetition is a petition on its campaign's page, with where to sign
// it.
type campaignPetition struct {
	petition.Petition
	Open bool
	// SignURL is the sign form on the newest release that carries the
	// petition; "" when it is closed or no published release carries it.
	SignURL string
}

// GET /campaigns/:slug
func (s *Site) campaignPage(c *gin.Context) {
	d, err := s.loadCampaign(c.Request.Context(), c.Param("slug"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	d.Card = card{Type: "website", Title: d.Campaign.Title, Description: d.Campaign.Summary,
		URL: s.Config.BaseURL + "/campaigns/" + url.PathEscape(d.Campaign.Slug), Image: d.Campaign.ImageURL}
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
	now := time.Now()
	carriers := releasesCarrying(petitions, releases, now)
	d := campaignPageData{Campaign: camp, Releases: releases}
	for _, p := range petitions {
		cp := campaignPetition{Petition: p, Open: p.OpenAt(now)}
		if slug, ok := carriers[p.ID]; ok && cp.Open {
			cp.SignURL = "/releases/" + url.PathEscape(slug) + "#petition"
		}
		d.Petitions = append(d.Petitions, cp)
	}
	return d, nil
}

// releasesCarrying returns, for each petition of a campaign, the slug of the
// newest of its releases (newest first) whose page carries it: the petition
// a release names, or else, as the release page has it, the campaign's
// newest open petition, or else its newest.
func releasesCarrying(petitions []petition.Petition, releases []campaign.Release, now time.Time) map[int64]string {
	out := map[int64]string{}
	if len(petitions) == 0 {
		return out
	}
	ids := map[int64]bool{}
	fallback := petitions[0]
	for _, p := range petitions {
		ids[p.ID] = true
		fallbackOpen := fallback.OpenAt(now)
		if open := p.OpenAt(now); open && !fallbackOpen || open == fallbackOpen && p.ID > fallback.ID {
			fallback = p
		}
	}
	for _, r := range releases {
		id := fallback.ID
		if r.PetitionID != nil && ids[*r.PetitionID] {
			id = *r.PetitionID
		}
		if _, ok := out[id]; !ok {
			out[id] = r.Slug
		}
	}
	return out
}
