package site

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
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
	Consent   petition.Consent // the wording the petitions' own forms show
}

// campaignPetition is a petition on its campaign's page, with where to sign
// it: a link to the release that carries it, or else a form of its own.
type campaignPetition struct {
	petition.Petition
	Open bool
	// SignURL is the sign form on the newest release that carries the
	// petition; "" when it is closed or no published release carries it.
	SignURL string
	// Form is the petition's own sign form, for an open petition that no
	// published release carries; nil otherwise.
	Form *signFieldsView
	// ErrorSummary lists Form's errors, each linking to its field.
	ErrorSummary []errorLink
	Notice       string // shown above the form, e.g. that the petition closed
	// Signed is set on the page a signature on this petition's form
	// returns to.
	Signed bool
}

// FormPrefix starts the ids of the petition's form, so each form on the page
// has its own.
func (p campaignPetition) FormPrefix() string { return "p" + strconv.FormatInt(p.ID, 10) + "-" }

// GET /campaigns/:slug
//
// After a signature on one of its petitions' own forms, ?signed=<petition
// slug> thanks the supporter there.
func (s *Site) campaignPage(c *gin.Context) {
	d, err := s.loadCampaign(c.Request.Context(), c.Param("slug"), sourceCode(c.Query("source")))
	if err != nil {
		s.Fail(c, err)
		return
	}
	if signed := c.Query("signed"); signed != "" {
		for i := range d.Petitions {
			d.Petitions[i].Signed = d.Petitions[i].Slug == signed
		}
	}
	s.renderCampaign(c, http.StatusOK, d)
}

// renderCampaign renders the campaign page with status; "Error: " starts
// its title when a form on it is refused.
func (s *Site) renderCampaign(c *gin.Context, status int, d campaignPageData) {
	title := d.Campaign.Title
	for _, p := range d.Petitions {
		if len(p.ErrorSummary) > 0 {
			title = errorTitlePrefix + title
			break
		}
	}
	d.Card = card{Type: "website", Title: d.Campaign.Title, Description: d.Campaign.Summary,
		URL: s.Config.BaseURL + "/campaigns/" + url.PathEscape(d.Campaign.Slug), Image: d.Campaign.ImageURL}
	s.Render(c, status, "campaign", kit.Page{Title: title, Description: d.Campaign.Summary, Data: d})
}

// loadCampaign returns campaign.ErrNotFound for an unknown slug. The
// petitions' own forms (if any) are empty but for source.
func (s *Site) loadCampaign(ctx context.Context, slug, source string) (campaignPageData, error) {
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
	consent, err := s.Petitions.CurrentConsent(ctx)
	if err != nil {
		return campaignPageData{}, err
	}
	now := time.Now()
	carriers := releasesCarrying(petitions, releases, now)
	d := campaignPageData{Campaign: camp, Releases: releases, Consent: consent}
	for _, p := range petitions {
		cp := campaignPetition{Petition: p, Open: p.OpenAt(now)}
		slug, carried := carriers[p.ID]
		switch {
		case cp.Open && carried:
			cp.SignURL = "/releases/" + url.PathEscape(slug) + "#petition"
		case cp.Open:
			cp.Form = &signFieldsView{Prefix: cp.FormPrefix(), Form: signForm{Country: "GB", Source: source},
				Countries: s.countries, Consent: consent}
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
