package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// petitionJSON is a petition as the API shows it.
type petitionJSON struct {
	ID             int64        `json:"id"`
	Slug           string       `json:"slug"`
	Title          string       `json:"title"`
	Ask            string       `json:"ask"`
	Target         string       `json:"target"`
	Campaign       *campaignRef `json:"campaign,omitempty"`
	SignatureCount int64        `json:"signature_count"`
	Goal           int64        `json:"goal"`
	// CurrentGoal is the goal supporters are asked to reach now: Goal until
	// the count reaches it, then the next step (petition.Petition.CurrentGoal).
	CurrentGoal int64      `json:"current_goal"`
	Status      string     `json:"status"`
	ClosesAt    *time.Time `json:"closes_at"`
	// Verification is "none" (a signature counts at once) or "email" (it
	// counts once its owner confirms it).
	Verification string `json:"verification"`
}

// campaignRef names the campaign a petition or release belongs to.
type campaignRef struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

// toPetitionJSON shows p, with its campaign when c is given.
func toPetitionJSON(p petition.Petition, c *campaign.Campaign) petitionJSON {
	out := petitionJSON{ID: p.ID, Slug: p.Slug, Title: p.Title, Ask: p.Ask, Target: p.Target,
		SignatureCount: p.SignatureCount, Goal: p.Goal, CurrentGoal: p.CurrentGoal(), Status: p.StatusAt(time.Now()), ClosesAt: p.ClosesAt,
		Verification: p.Verification}
	if c != nil {
		out.Campaign = &campaignRef{Slug: c.Slug, Title: c.Title}
	}
	return out
}

// petition serves GET /api/v1/petitions/:id: the petition with its live
// count and its campaign.
func (a *API) petition(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := kit.IDParam(c, petition.ErrNotFound)
	if err != nil {
		a.APIError(c, err)
		return
	}
	p, err := a.Petitions.PetitionByID(ctx, id)
	if err != nil {
		a.APIError(c, err)
		return
	}
	camp, err := a.Campaigns.CampaignByID(ctx, p.CampaignID)
	if err != nil {
		a.APIError(c, err)
		return
	}
	c.JSON(http.StatusOK, toPetitionJSON(p, &camp))
}
