package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/valid"
)

// campaignFormData is what admin/campaign_form.html shows.
type campaignFormData struct {
	Campaign campaign.Campaign
	Errors   valid.Errors
	Notice   string
}

// New reports whether the form creates a campaign.
func (d campaignFormData) New() bool { return d.Campaign.ID == 0 }

func campaignFromForm(c *gin.Context, id int64) campaign.Campaign {
	return campaign.Campaign{ID: id, Slug: c.PostForm("slug"), Title: c.PostForm("title"),
		Summary: c.PostForm("summary"), Target: c.PostForm("target"), Status: c.PostForm("status"),
		Currency: c.PostForm("currency")}
}

// GET /admin/campaigns
func (s *Server) campaignsPage(c *gin.Context) {
	list, err := s.Desk.AllCampaigns(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin/campaigns", Page{Title: "Campaigns", Data: list})
}

// GET /admin/campaigns/new
func (s *Server) newCampaignPage(c *gin.Context) {
	d := campaignFormData{Campaign: campaign.Campaign{Status: campaign.StatusActive, Currency: "GBP"}}
	s.render(c, http.StatusOK, "admin/campaign_form", Page{Title: "New campaign", Data: d})
}

// POST /admin/campaigns
func (s *Server) createCampaignForm(c *gin.Context) {
	in := campaignFromForm(c, 0)
	out, err := s.Desk.CreateCampaign(c.Request.Context(), actor(c), in)
	if fields, ok := fieldErrors(err); ok {
		s.render(c, http.StatusUnprocessableEntity, "admin/campaign_form",
			Page{Title: "New campaign", Data: campaignFormData{Campaign: in, Errors: fields}})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.staffChanged()
	redirectWithNotice(c, "/admin/campaigns/"+strconv.FormatInt(out.ID, 10)+"/edit", "created")
}

// GET /admin/campaigns/:id/edit
func (s *Server) editCampaignPage(c *gin.Context) {
	id, err := idParam(c, campaign.ErrNotFound)
	if err != nil {
		s.fail(c, err)
		return
	}
	cp, err := s.Campaigns.CampaignByID(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin/campaign_form",
		Page{Title: "Edit campaign", Data: campaignFormData{Campaign: cp, Notice: notice(c)}})
}

// POST /admin/campaigns/:id
func (s *Server) updateCampaignForm(c *gin.Context) {
	id, err := idParam(c, campaign.ErrNotFound)
	if err != nil {
		s.fail(c, err)
		return
	}
	in := campaignFromForm(c, id)
	_, err = s.Desk.UpdateCampaign(c.Request.Context(), actor(c), in)
	if fields, ok := fieldErrors(err); ok {
		s.render(c, http.StatusUnprocessableEntity, "admin/campaign_form",
			Page{Title: "Edit campaign", Data: campaignFormData{Campaign: in, Errors: fields}})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.staffChanged()
	redirectWithNotice(c, "/admin/campaigns/"+strconv.FormatInt(id, 10)+"/edit", "saved")
}

// adminCampaignJSON is a campaign as the staff API shows it.
type adminCampaignJSON struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Title     string    `json:"title"`
	Summary   string    `json:"summary"`
	Target    string    `json:"target"`
	Status    string    `json:"status"`
	Currency  string    `json:"currency"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toAdminCampaignJSON(c campaign.Campaign) adminCampaignJSON {
	return adminCampaignJSON{ID: c.ID, Slug: c.Slug, Title: c.Title, Summary: c.Summary, Target: c.Target,
		Status: c.Status, Currency: c.Currency, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// campaignPatch is the body of POST and PATCH /api/v1/admin/campaigns:
// absent fields keep their value (or the default, when creating).
type campaignPatch struct {
	Slug     *string `json:"slug"`
	Title    *string `json:"title"`
	Summary  *string `json:"summary"`
	Target   *string `json:"target"`
	Status   *string `json:"status"`
	Currency *string `json:"currency"`
}

func (p campaignPatch) apply(c *campaign.Campaign) {
	setIf(&c.Slug, p.Slug)
	setIf(&c.Title, p.Title)
	setIf(&c.Summary, p.Summary)
	setIf(&c.Target, p.Target)
	setIf(&c.Status, p.Status)
	setIf(&c.Currency, p.Currency)
}

// GET /api/v1/admin/campaigns
func (s *Server) apiCampaigns(c *gin.Context) {
	list, err := s.Desk.AllCampaigns(c.Request.Context())
	if err != nil {
		s.apiError(c, err)
		return
	}
	out := make([]adminCampaignJSON, len(list))
	for i, cp := range list {
		out[i] = toAdminCampaignJSON(cp)
	}
	c.JSON(http.StatusOK, gin.H{"campaigns": out})
}

// POST /api/v1/admin/campaigns
func (s *Server) apiCreateCampaign(c *gin.Context) {
	var p campaignPatch
	if err := decodeStaffJSON(c, &p); err != nil {
		s.apiError(c, err)
		return
	}
	in := campaign.Campaign{Status: campaign.StatusActive, Currency: "GBP"}
	p.apply(&in)
	out, err := s.Desk.CreateCampaign(c.Request.Context(), actor(c), in)
	if err != nil {
		s.apiError(c, err)
		return
	}
	s.staffChanged()
	c.JSON(http.StatusCreated, toAdminCampaignJSON(out))
}

// GET /api/v1/admin/campaigns/:id
func (s *Server) apiAdminCampaign(c *gin.Context) {
	id, err := idParam(c, campaign.ErrNotFound)
	if err != nil {
		s.apiError(c, err)
		return
	}
	cp, err := s.Campaigns.CampaignByID(c.Request.Context(), id)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toAdminCampaignJSON(cp))
}

// PATCH /api/v1/admin/campaigns/:id
func (s *Server) apiUpdateCampaign(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := idParam(c, campaign.ErrNotFound)
	if err != nil {
		s.apiError(c, err)
		return
	}
	var p campaignPatch
	if err := decodeStaffJSON(c, &p); err != nil {
		s.apiError(c, err)
		return
	}
	cp, err := s.Campaigns.CampaignByID(ctx, id)
	if err != nil {
		s.apiError(c, err)
		return
	}
	p.apply(&cp)
	out, err := s.Desk.UpdateCampaign(ctx, actor(c), cp)
	if err != nil {
		s.apiError(c, err)
		return
	}
	s.staffChanged()
	c.JSON(http.StatusOK, toAdminCampaignJSON(out))
}
