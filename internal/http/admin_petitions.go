package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
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
func (d petitionFormData) New() bool { return d.Petition.ID == 0 }

// closesAtLayout is the value of an HTML datetime-local input.
const closesAtLayout = "2006-01-02T15:04"

// petitionFromForm reads the form over base (the stored petition, or the
// defaults of a new one). A closing time is read as UTC.
func petitionFromForm(c *gin.Context, base petition.Petition) (petition.Petition, string, valid.Errors) {
	p := base
	errs := valid.Errors{}
	p.CampaignID, _ = strconv.ParseInt(c.PostForm("campaign_id"), 10, 64)
	p.Slug, p.Title, p.Ask, p.Target = c.PostForm("slug"), c.PostForm("title"), c.PostForm("ask"), c.PostForm("target")
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
		if fields, ok := fieldErrors(p.Normalise().Validate()); ok {
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

// GET /admin/petitions
func (s *Server) petitionsPage(c *gin.Context) {
	ctx := c.Request.Context()
	list, err := s.Desk.AllPetitions(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	campaigns, err := s.Desk.AllCampaigns(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	titles := make(map[int64]string, len(campaigns))
	for _, cp := range campaigns {
		titles[cp.ID] = cp.Title
	}
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
	s.render(c, http.StatusOK, "admin/petitions", Page{Title: "Petitions", Data: rows})
}

func (s *Server) renderPetitionForm(c *gin.Context, status int, title string, d petitionFormData) {
	var err error
	if d.Campaigns, err = s.Desk.AllCampaigns(c.Request.Context()); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, status, "admin/petition_form", Page{Title: title, Data: d})
}

// GET /admin/petitions/new
func (s *Server) newPetitionPage(c *gin.Context) {
	p := petition.Petition{Status: petition.StatusOpen, Goal: 10000}
	p.CampaignID, _ = strconv.ParseInt(c.Query("campaign_id"), 10, 64)
	s.renderPetitionForm(c, http.StatusOK, "New petition", petitionFormData{Petition: p})
}

// POST /admin/petitions
func (s *Server) createPetitionForm(c *gin.Context) {
	in, closes, errs := petitionFromForm(c, petition.Petition{Status: petition.StatusOpen})
	var out petition.Petition
	err := errs.Err()
	if err == nil {
		out, err = s.Desk.CreatePetition(c.Request.Context(), actor(c), in)
	}
	if fields, ok := fieldErrors(err); ok {
		s.renderPetitionForm(c, http.StatusUnprocessableEntity, "New petition",
			petitionFormData{Petition: in, ClosesAt: closes, Errors: fields})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.staffChanged()
	redirectWithNotice(c, petitionPath(out.ID), "created")
}

// petitionParam404 loads the petition named by :id, or answers the failure.
func (s *Server) adminPetitionParam(c *gin.Context) (petition.Petition, bool) {
	p, err := s.petitionParam(c)
	if err != nil {
		s.fail(c, err)
		return petition.Petition{}, false
	}
	return p, true
}

// GET /admin/petitions/:id/edit
func (s *Server) editPetitionPage(c *gin.Context) {
	p, ok := s.adminPetitionParam(c)
	if !ok {
		return
	}
	s.renderPetitionForm(c, http.StatusOK, "Edit petition",
		petitionFormData{Petition: p, ClosesAt: formatClosesAt(p.ClosesAt), Notice: notice(c)})
}

// POST /admin/petitions/:id
func (s *Server) updatePetitionForm(c *gin.Context) {
	stored, ok := s.adminPetitionParam(c)
	if !ok {
		return
	}
	in, closes, errs := petitionFromForm(c, stored)
	err := errs.Err()
	if err == nil {
		_, err = s.Desk.UpdatePetition(c.Request.Context(), actor(c), in)
	}
	if fields, ok := fieldErrors(err); ok {
		s.renderPetitionForm(c, http.StatusUnprocessableEntity, "Edit petition",
			petitionFormData{Petition: in, ClosesAt: closes, Errors: fields})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.staffChanged()
	redirectWithNotice(c, petitionPath(stored.ID)+"/edit", "saved")
}

// POST /admin/petitions/:id/close
func (s *Server) closePetitionForm(c *gin.Context) { s.petitionStatusForm(c, true) }

// POST /admin/petitions/:id/reopen
func (s *Server) reopenPetitionForm(c *gin.Context) { s.petitionStatusForm(c, false) }

func (s *Server) petitionStatusForm(c *gin.Context, closing bool) {
	id, err := idParam(c, petition.ErrNotFound)
	if err != nil {
		s.fail(c, err)
		return
	}
	change, key := s.Desk.ReopenPetition, "reopened"
	if closing {
		change, key = s.Desk.ClosePetition, "closed"
	}
	if _, err := change(c.Request.Context(), actor(c), id); err != nil {
		s.fail(c, err)
		return
	}
	s.staffChanged()
	redirectWithNotice(c, petitionPath(id), key)
}

// adminPetitionJSON is a petition as the staff API shows it.
type adminPetitionJSON struct {
	ID             int64      `json:"id"`
	CampaignID     int64      `json:"campaign_id"`
	Slug           string     `json:"slug"`
	Title          string     `json:"title"`
	Ask            string     `json:"ask"`
	Target         string     `json:"target"`
	Goal           int64      `json:"goal"`
	Status         string     `json:"status"`
	ClosesAt       *time.Time `json:"closes_at"`
	SignatureCount int64      `json:"signature_count"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func toAdminPetitionJSON(p petition.Petition) adminPetitionJSON {
	return adminPetitionJSON{ID: p.ID, CampaignID: p.CampaignID, Slug: p.Slug, Title: p.Title, Ask: p.Ask,
		Target: p.Target, Goal: p.Goal, Status: effectiveStatus(p), ClosesAt: p.ClosesAt,
		SignatureCount: p.SignatureCount, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// petitionPatch is the body of POST and PATCH /api/v1/admin/petitions. A
// closes_at of null clears the closing time. Status is changed with the
// close and reopen routes; it may be given when creating.
type petitionPatch struct {
	CampaignID *int64              `json:"campaign_id"`
	Slug       *string             `json:"slug"`
	Title      *string             `json:"title"`
	Ask        *string             `json:"ask"`
	Target     *string             `json:"target"`
	Goal       *int64              `json:"goal"`
	Status     *string             `json:"status"`
	ClosesAt   optional[time.Time] `json:"closes_at"`
}

func (p petitionPatch) apply(pt *petition.Petition) {
	setIf(&pt.CampaignID, p.CampaignID)
	setIf(&pt.Slug, p.Slug)
	setIf(&pt.Title, p.Title)
	setIf(&pt.Ask, p.Ask)
	setIf(&pt.Target, p.Target)
	setIf(&pt.Goal, p.Goal)
	if p.ClosesAt.Set {
		pt.ClosesAt = p.ClosesAt.Value
	}
}

// GET /api/v1/admin/petitions
func (s *Server) apiAdminPetitions(c *gin.Context) {
	list, err := s.Desk.AllPetitions(c.Request.Context())
	if err != nil {
		s.apiError(c, err)
		return
	}
	out := make([]adminPetitionJSON, len(list))
	for i, p := range list {
		out[i] = toAdminPetitionJSON(p)
	}
	c.JSON(http.StatusOK, gin.H{"petitions": out})
}

// POST /api/v1/admin/petitions
func (s *Server) apiCreatePetition(c *gin.Context) {
	var p petitionPatch
	if err := decodeStaffJSON(c, &p); err != nil {
		s.apiError(c, err)
		return
	}
	in := petition.Petition{Status: petition.StatusOpen}
	p.apply(&in)
	setIf(&in.Status, p.Status)
	out, err := s.Desk.CreatePetition(c.Request.Context(), actor(c), in)
	if err != nil {
		s.apiError(c, err)
		return
	}
	s.staffChanged()
	c.JSON(http.StatusCreated, toAdminPetitionJSON(out))
}

// GET /api/v1/admin/petitions/:id
func (s *Server) apiAdminPetition(c *gin.Context) {
	p, err := s.petitionParam(c)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toAdminPetitionJSON(p))
}

// PATCH /api/v1/admin/petitions/:id
func (s *Server) apiUpdatePetition(c *gin.Context) {
	stored, err := s.petitionParam(c)
	if err != nil {
		s.apiError(c, err)
		return
	}
	var p petitionPatch
	if err := decodeStaffJSON(c, &p); err != nil {
		s.apiError(c, err)
		return
	}
	if p.Status != nil && *p.Status != stored.Status {
		s.apiError(c, valid.Errors{"status": "Use POST …/close or …/reopen to change a petition's status."})
		return
	}
	p.apply(&stored)
	out, err := s.Desk.UpdatePetition(c.Request.Context(), actor(c), stored)
	if err != nil {
		s.apiError(c, err)
		return
	}
	s.staffChanged()
	c.JSON(http.StatusOK, toAdminPetitionJSON(out))
}

// POST /api/v1/admin/petitions/:id/close
func (s *Server) apiClosePetition(c *gin.Context) { s.apiPetitionStatus(c, true) }

// POST /api/v1/admin/petitions/:id/reopen
func (s *Server) apiReopenPetition(c *gin.Context) { s.apiPetitionStatus(c, false) }

func (s *Server) apiPetitionStatus(c *gin.Context, closing bool) {
	id, err := idParam(c, petition.ErrNotFound)
	if err != nil {
		s.apiError(c, err)
		return
	}
	change := s.Desk.ReopenPetition
	if closing {
		change = s.Desk.ClosePetition
	}
	out, err := change(c.Request.Context(), actor(c), id)
	if err != nil {
		s.apiError(c, err)
		return
	}
	s.staffChanged()
	c.JSON(http.StatusOK, toAdminPetitionJSON(out))
}
