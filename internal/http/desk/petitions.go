package desk

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// petitionFormData is what admin/petition_form.html shows.
type petitionFormData struct {
	Petition  petition.Petition
	ClosesAt  string // as the datetime-local input holds it, UTC
	Campaigns []campaign.Campaign
	Errors    valid.Errors
	Notice    string
}

// New reports whether the form creates a petition.
func (f petitionFormData) New() bool { return f.Petition.ID == 0 }

// closesAtLayout is the value of an HTML datetime-local input.
const closesAtLayout = "2006-01-02T15:04"

// petitionFromForm reads the form over base (the stored petition, or the
// defaults of a new one). A closing time is read as UTC.
func petitionFromForm(c *gin.Context, base petition.Petition) (petition.Petition, string, valid.Errors) {
	p := base
	errs := valid.Errors{}
	p.CampaignID, _ = strconv.ParseInt(c.PostForm("campaign_id"), 10, 64)
	p.Slug, p.Title, p.Ask, p.Target = c.PostForm("slug"), c.PostForm("title"), c.PostForm("ask"), c.PostForm("target")
	p.Verification = c.PostForm("verification")
	goal := strings.TrimSpace(c.PostForm("goal"))
	if n, err := strconv.ParseInt(goal, 10, 64); err == nil {
		p.Goal = n
	} else {
		p.Goal = 0
		errs.Add("goal", "Enter the goal as a whole number of signatures, like 10000.")
	}
	closes := strings.TrimSpace(c.PostForm("closes_at"))
	p.ClosesAt = nil
	if closes != "" {
		t, err := time.ParseInLocation(closesAtLayout, closes, time.UTC)
		if err != nil {
			t, err = time.ParseInLocation(closesAtLayout+":05", closes, time.UTC)
		}
		if err != nil {
			errs.Add("closes_at", "Enter a date and time like 2026-12-31T18:00, or leave it empty.")
		} else {
			p.ClosesAt = &t
		}
	}
	// Report every field at once: the form's own failures and the rules'.
	if len(errs) > 0 {
		if fields, ok := kit.FieldErrors(p.Normalise().Validate()); ok {
			for k, v := range fields {
				errs.Add(k, v)
			}
		}
	}
	return p, closes, errs
}

func formatClosesAt(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(closesAtLayout)
}

func petitionPath(id int64) string { return "/admin/petitions/" + strconv.FormatInt(id, 10) }

// petitionParam loads the petition named by :id, with its count.
func (d *Desk) petitionParam(c *gin.Context) (petition.Petition, error) {
	id, err := kit.IDParam(c, petition.ErrNotFound)
	if err != nil {
		return petition.Petition{}, err
	}
	return d.Petitions.PetitionByID(c.Request.Context(), id)
}

// petitionsPage serves GET /admin/petitions.
func (d *Desk) petitionsPage(c *gin.Context) {
	ctx := c.Request.Context()
	list, err := d.Desk.AllPetitions(ctx)
	if err != nil {
		d.Fail(c, err)
		return
	}
	campaigns, err := d.Desk.AllCampaigns(ctx)
	if err != nil {
		d.Fail(c, err)
		return
	}
	titles := campaignTitles(campaigns)
	type row struct {
		petition.Petition
		CampaignTitle string
		Open          bool
	}
	now := time.Now()
	rows := make([]row, len(list))
	for i, p := range list {
		rows[i] = row{Petition: p, CampaignTitle: titles[p.CampaignID], Open: p.OpenAt(now)}
	}
	d.Render(c, http.StatusOK, "admin/petitions", kit.Page{Title: "Petitions", Data: rows})
}

// renderPetitionForm shows the form with the campaigns to choose from.
func (d *Desk) renderPetitionForm(c *gin.Context, status int, title string, f petitionFormData) {
	var err error
	if f.Campaigns, err = d.Desk.AllCampaigns(c.Request.Context()); err != nil {
		d.Fail(c, err)
		return
	}
	d.Render(c, status, "admin/petition_form", kit.Page{Title: title, Data: f})
}

// newPetitionPage serves GET /admin/petitions/new[?campaign_id=].
func (d *Desk) newPetitionPage(c *gin.Context) {
	p := petition.Petition{Status: petition.StatusOpen, Goal: 10000}
	p.CampaignID, _ = strconv.ParseInt(c.Query("campaign_id"), 10, 64)
	d.renderPetitionForm(c, http.StatusOK, "New petition", petitionFormData{Petition: p})
}

// createPetitionForm serves POST /admin/petitions.
func (d *Desk) createPetitionForm(c *gin.Context) {
	in, closes, errs := petitionFromForm(c, petition.Petition{Status: petition.StatusOpen})
	var out petition.Petition
	err := errs.Err()
	if err == nil {
		out, err = d.Desk.CreatePetition(c.Request.Context(), kit.Actor(c), in)
	}
	if fields, ok := kit.FieldErrors(err); ok {
		d.renderPetitionForm(c, http.StatusUnprocessableEntity, "New petition",
			petitionFormData{Petition: in, ClosesAt: closes, Errors: fields})
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	kit.RedirectWithNotice(c, petitionPath(out.ID), "created")
}

// editPetitionPage serves GET /admin/petitions/:id/edit.
func (d *Desk) editPetitionPage(c *gin.Context) {
	p, err := d.petitionParam(c)
	if err != nil {
		d.Fail(c, err)
		return
	}
	d.renderPetitionForm(c, http.StatusOK, "Edit petition",
		petitionFormData{Petition: p, ClosesAt: formatClosesAt(p.ClosesAt), Notice: kit.Notice(c)})
}

// updatePetitionForm serves POST /admin/petitions/:id.
func (d *Desk) updatePetitionForm(c *gin.Context) {
	stored, err := d.petitionParam(c)
	if err != nil {
		d.Fail(c, err)
		return
	}
	in, closes, errs := petitionFromForm(c, stored)
	err = errs.Err()
	if err == nil {
		_, err = d.Desk.UpdatePetition(c.Request.Context(), kit.Actor(c), in)
	}
	if fields, ok := kit.FieldErrors(err); ok {
		d.renderPetitionForm(c, http.StatusUnprocessableEntity, "Edit petition",
			petitionFormData{Petition: in, ClosesAt: closes, Errors: fields})
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	kit.RedirectWithNotice(c, petitionPath(stored.ID)+"/edit", "saved")
}

// closePetition serves POST /admin/petitions/:id/close (303 to the
// dashboard) and POST /api/v1/admin/petitions/:id/close (the petition).
func (d *Desk) closePetition(c *gin.Context) { d.changePetition(c, d.Desk.ClosePetition, "closed") }

// reopenPetition serves POST /admin/petitions/:id/reopen and POST
// /api/v1/admin/petitions/:id/reopen, as closePetition does.
func (d *Desk) reopenPetition(c *gin.Context) { d.changePetition(c, d.Desk.ReopenPetition, "reopened") }

// changePetition applies change to the petition named by :id and answers
// with the petition (API) or on its dashboard with notice (pages).
func (d *Desk) changePetition(c *gin.Context,
	change func(context.Context, staff.Actor, int64) (petition.Petition, error), notice string) {
	id, err := kit.IDParam(c, petition.ErrNotFound)
	var out petition.Petition
	if err == nil {
		out, err = change(c.Request.Context(), kit.Actor(c), id)
	}
	switch {
	case err != nil:
		d.Fail(c, err)
	case kit.WantsJSON(c):
		c.JSON(http.StatusOK, toPetitionJSON(out))
	default:
		kit.RedirectWithNotice(c, petitionPath(id), notice)
	}
}

// petitionJSON is a petition as the staff API shows it.
type petitionJSON struct {
	ID             int64      `json:"id"`
	CampaignID     int64      `json:"campaign_id"`
	Slug           string     `json:"slug"`
	Title          string     `json:"title"`
	Ask            string     `json:"ask"`
	Target         string     `json:"target"`
	Goal           int64      `json:"goal"`
	Status         string     `json:"status"`
	ClosesAt       *time.Time `json:"closes_at"`
	Verification   string     `json:"verification"`
	SignatureCount int64      `json:"signature_count"`
	// PendingCount is how many signatures await their owner's confirmation.
	PendingCount int64     `json:"pending_count"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toPetitionJSON(p petition.Petition) petitionJSON {
	return petitionJSON{ID: p.ID, CampaignID: p.CampaignID, Slug: p.Slug, Title: p.Title, Ask: p.Ask,
		Target: p.Target, Goal: p.Goal, Status: p.StatusAt(time.Now()), ClosesAt: p.ClosesAt,
		Verification: p.Verification, SignatureCount: p.SignatureCount, PendingCount: p.PendingCount,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// petitionPatch is the body of POST and PATCH /api/v1/admin/petitions. A
// closes_at of null clears the closing time. Status is changed with the
// close and reopen routes; it may be given when creating.
type petitionPatch struct {
	CampaignID *int64                  `json:"campaign_id"`
	Slug       *string                 `json:"slug"`
	Title      *string                 `json:"title"`
	Ask        *string                 `json:"ask"`
	Target     *string                 `json:"target"`
	Goal       *int64                  `json:"goal"`
	Status     *string                 `json:"status"`
	ClosesAt   kit.Optional[time.Time] `json:"closes_at"`
	// Verification is "none" or "email" (which needs email configured).
	Verification *string `json:"verification"`
}

func (p petitionPatch) apply(pt *petition.Petition) {
	kit.SetIf(&pt.CampaignID, p.CampaignID)
	kit.SetIf(&pt.Slug, p.Slug)
	kit.SetIf(&pt.Title, p.Title)
	kit.SetIf(&pt.Ask, p.Ask)
	kit.SetIf(&pt.Target, p.Target)
	kit.SetIf(&pt.Goal, p.Goal)
	kit.SetIf(&pt.Verification, p.Verification)
	if p.ClosesAt.Set {
		pt.ClosesAt = p.ClosesAt.Value
	}
}

// petitionsAPI serves GET /api/v1/admin/petitions.
func (d *Desk) petitionsAPI(c *gin.Context) {
	list, err := d.Desk.AllPetitions(c.Request.Context())
	d.answerJSON(c, http.StatusOK, gin.H{"petitions": listJSON(list, toPetitionJSON)}, err)
}

// createPetitionAPI serves POST /api/v1/admin/petitions.
func (d *Desk) createPetitionAPI(c *gin.Context) {
	var p petitionPatch
	if err := kit.DecodeJSON(c, &p); err != nil {
		d.APIError(c, err)
		return
	}
	in := petition.Petition{Status: petition.StatusOpen}
	p.apply(&in)
	kit.SetIf(&in.Status, p.Status)
	out, err := d.Desk.CreatePetition(c.Request.Context(), kit.Actor(c), in)
	d.answerJSON(c, http.StatusCreated, toPetitionJSON(out), err)
}

// petitionAPI serves GET /api/v1/admin/petitions/:id.
func (d *Desk) petitionAPI(c *gin.Context) {
	p, err := d.petitionParam(c)
	d.answerJSON(c, http.StatusOK, toPetitionJSON(p), err)
}

// updatePetitionAPI serves PATCH /api/v1/admin/petitions/:id.
func (d *Desk) updatePetitionAPI(c *gin.Context) {
	stored, err := d.petitionParam(c)
	if err != nil {
		d.APIError(c, err)
		return
	}
	var p petitionPatch
	if err := kit.DecodeJSON(c, &p); err != nil {
		d.APIError(c, err)
		return
	}
	if p.Status != nil && *p.Status != stored.Status {
		d.APIError(c, valid.Errors{"status": "Use POST …/close or …/reopen to change a petition's status."})
		return
	}
	p.apply(&stored)
	out, err := d.Desk.UpdatePetition(c.Request.Context(), kit.Actor(c), stored)
	d.answerJSON(c, http.StatusOK, toPetitionJSON(out), err)
}
