package desk

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/valid"
)

// campaignFormData is what admin/campaign_form.html shows.
type campaignFormData struct {
	Campaign campaign.Campaign
	Errors   valid.Errors
	Notice   string
}

// New reports whether the form creates a campaign.
func (f campaignFormData) New() bool { return f.Campaign.ID == 0 }

// campaignFromForm reads the whole campaign from the form.
func campaignFromForm(c *gin.Context, id int64) campaign.Campaign {
	return campaign.Campaign{ID: id, Slug: c.PostForm("slug"), Title: c.PostForm("title"),
		Summary: c.PostForm("summary"), Target: c.PostForm("target"), Status: c.PostForm("status"),
		Currency: c.PostForm("currency"), ImageURL: c.PostForm("image_url")}
}

func campaignEditPath(id int64) string {
	return "/admin/campaigns/" + strconv.FormatInt(id, 10) + "/edit"
}

// newCampaign is what a new campaign starts as.
func newCampaign() campaign.Campaign {
	return campaign.Campaign{Status: campaign.StatusActive, Currency: "GBP"}
}

// campaignsPage serves GET /admin/campaigns.
func (d *Desk) campaignsPage(c *gin.Context) {
	list, err := d.Desk.AllCampaigns(c.Request.Context())
	if err != nil {
		d.Fail(c, err)
		return
	}
	d.Render(c, http.StatusOK, "admin/campaigns", kit.Page{Title: "Campaigns", Data: list})
}

// newCampaignPage serves GET /admin/campaigns/new.
func (d *Desk) newCampaignPage(c *gin.Context) {
	d.Render(c, http.StatusOK, "admin/campaign_form",
		kit.Page{Title: "New campaign", Data: campaignFormData{Campaign: newCampaign()}})
}

// createCampaignForm serves POST /admin/campaigns.
func (d *Desk) createCampaignForm(c *gin.Context) {
	in := campaignFromForm(c, 0)
	out, err := d.Desk.CreateCampaign(c.Request.Context(), kit.Actor(c), in)
	if fields, ok := kit.FieldErrors(err); ok {
		d.Render(c, http.StatusUnprocessableEntity, "admin/campaign_form",
			kit.Page{Title: "New campaign", Data: campaignFormData{Campaign: in, Errors: fields}})
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	kit.RedirectWithNotice(c, campaignEditPath(out.ID), "created")
}

// editCampaignPage serves GET /admin/campaigns/:id/edit.
func (d *Desk) editCampaignPage(c *gin.Context) {
	cp, err := d.campaignParam(c)
	if err != nil {
		d.Fail(c, err)
		return
	}
	d.Render(c, http.StatusOK, "admin/campaign_form",
		kit.Page{Title: "Edit campaign", Data: campaignFormData{Campaign: cp, Notice: kit.Notice(c)}})
}

// updateCampaignForm serves POST /admin/campaigns/:id: the form holds the
// whole campaign.
func (d *Desk) updateCampaignForm(c *gin.Context) {
	id, err := kit.IDParam(c, campaign.ErrNotFound)
	if err != nil {
		d.Fail(c, err)
		return
	}
	in := campaignFromForm(c, id)
	_, err = d.Desk.UpdateCampaign(c.Request.Context(), kit.Actor(c), in)
	if fields, ok := kit.FieldErrors(err); ok {
		d.Render(c, http.StatusUnprocessableEntity, "admin/campaign_form",
			kit.Page{Title: "Edit campaign", Data: campaignFormData{Campaign: in, Errors: fields}})
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	kit.RedirectWithNotice(c, campaignEditPath(id), "saved")
}

// campaignParam loads the campaign named by :id.
func (d *Desk) campaignParam(c *gin.Context) (campaign.Campaign, error) {
	id, err := kit.IDParam(c, campaign.ErrNotFound)
	if err != nil {
		return campaign.Campaign{}, err
	}
	return d.Campaigns.CampaignByID(c.Request.Context(), id)
}

// campaignJSON is a campaign as the staff API shows it.
type campaignJSON struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Title     string    `json:"title"`
	Summary   string    `json:"summary"`
	Target    string    `json:"target"`
	Status    string    `json:"status"`
	Currency  string    `json:"currency"`
	ImageURL  string    `json:"image_url"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toCampaignJSON(c campaign.Campaign) campaignJSON {
	return campaignJSON{ID: c.ID, Slug: c.Slug, Title: c.Title, Summary: c.Summary, Target: c.Target,
		Status: c.Status, Currency: c.Currency, ImageURL: c.ImageURL, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
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
	ImageURL *string `json:"image_url"`
}

func (p campaignPatch) apply(c *campaign.Campaign) {
	kit.SetIf(&c.Slug, p.Slug)
	kit.SetIf(&c.Title, p.Title)
	kit.SetIf(&c.Summary, p.Summary)
	kit.SetIf(&c.Target, p.Target)
	kit.SetIf(&c.Status, p.Status)
	kit.SetIf(&c.Currency, p.Currency)
	kit.SetIf(&c.ImageURL, p.ImageURL)
}

// campaignsAPI serves GET /api/v1/admin/campaigns.
func (d *Desk) campaignsAPI(c *gin.Context) {
	list, err := d.Desk.AllCampaigns(c.Request.Context())
	d.answerJSON(c, http.StatusOK, gin.H{"campaigns": listJSON(list, toCampaignJSON)}, err)
}

// createCampaignAPI serves POST /api/v1/admin/campaigns.
func (d *Desk) createCampaignAPI(c *gin.Context) {
	var p campaignPatch
	if err := kit.DecodeJSON(c, &p); err != nil {
		d.APIError(c, err)
		return
	}
	in := newCampaign()
	p.apply(&in)
	out, err := d.Desk.CreateCampaign(c.Request.Context(), kit.Actor(c), in)
	d.answerJSON(c, http.StatusCreated, toCampaignJSON(out), err)
}

// campaignAPI serves GET /api/v1/admin/campaigns/:id.
func (d *Desk) campaignAPI(c *gin.Context) {
	cp, err := d.campaignParam(c)
	d.answerJSON(c, http.StatusOK, toCampaignJSON(cp), err)
}

// updateCampaignAPI serves PATCH /api/v1/admin/campaigns/:id.
func (d *Desk) updateCampaignAPI(c *gin.Context) {
	id, err := kit.IDParam(c, campaign.ErrNotFound)
	if err != nil {
		d.APIError(c, err)
		return
	}
	var p campaignPatch
	if err := kit.DecodeJSON(c, &p); err != nil {
		d.APIError(c, err)
		return
	}
	cp, err := d.Campaigns.CampaignByID(c.Request.Context(), id)
	if err != nil {
		d.APIError(c, err)
		return
	}
	p.apply(&cp)
	out, err := d.Desk.UpdateCampaign(c.Request.Context(), kit.Actor(c), cp)
	d.answerJSON(c, http.StatusOK, toCampaignJSON(out), err)
}
