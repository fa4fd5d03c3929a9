package http

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/valid"
)

// releaseFormData is what admin/release_form.html shows.
type releaseFormData struct {
	Release   campaign.Release
	Campaigns []campaign.Campaign
	Petitions []petitionChoice
	Errors    valid.Errors
	Notice    string
}

// New reports whether the form creates a release.
func (d releaseFormData) New() bool { return d.Release.ID == 0 }

// SelectedPetition is the chosen petition id, 0 for the campaign's newest open one.
func (d releaseFormData) SelectedPetition() int64 {
	if d.Release.PetitionID == nil {
		return 0
	}
	return *d.Release.PetitionID
}

// petitionChoice is a petition offered in a select, named with its campaign.
type petitionChoice struct {
	ID    int64
	Label string
}

// releaseForm loads what the release form offers to choose from.
func (s *Server) releaseForm(ctx context.Context, r campaign.Release, errs valid.Errors) (releaseFormData, error) {
	d := releaseFormData{Release: r, Errors: errs}
	var err error
	if d.Campaigns, err = s.Desk.AllCampaigns(ctx); err != nil {
		return d, err
	}
	petitions, err := s.Desk.AllPetitions(ctx)
	if err != nil {
		return d, err
	}
	titles := make(map[int64]string, len(d.Campaigns))
	for _, cp := range d.Campaigns {
		titles[cp.ID] = cp.Title
	}
	for _, p := range petitions {
		d.Petitions = append(d.Petitions, petitionChoice{ID: p.ID, Label: titles[p.CampaignID] + " — " + p.Title})
	}
	return d, nil
}

// releaseFromForm reads the form; ids that do not parse become 0, which
// validation refuses with a message.
func releaseFromForm(c *gin.Context, id int64) campaign.Release {
	r := campaign.Release{ID: id, Slug: c.PostForm("slug"), Title: c.PostForm("title"),
		Summary: c.PostForm("summary"), Body: c.PostForm("body")}
	r.CampaignID, _ = strconv.ParseInt(c.PostForm("campaign_id"), 10, 64)
	if v := c.PostForm("petition_id"); v != "" {
		pid, _ := strconv.ParseInt(v, 10, 64)
		r.PetitionID = &pid
	}
	return r
}

func releasePath(id int64) string { return "/admin/releases/" + strconv.FormatInt(id, 10) }

// GET /admin/releases
func (s *Server) releasesPage(c *gin.Context) {
	ctx := c.Request.Context()
	list, err := s.Desk.AllReleases(ctx)
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
		campaign.Release
		CampaignTitle string
	}
	rows := make([]row, len(list))
	for i, r := range list {
		rows[i] = row{Release: r, CampaignTitle: titles[r.CampaignID]}
	}
	s.render(c, http.StatusOK, "admin/releases", Page{Title: "Releases", Data: rows})
}

// GET /admin/releases/new
func (s *Server) newReleasePage(c *gin.Context) {
	var r campaign.Release
	r.CampaignID, _ = strconv.ParseInt(c.Query("campaign_id"), 10, 64)
	d, err := s.releaseForm(c.Request.Context(), r, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin/release_form", Page{Title: "New release", Data: d})
}

// renderReleaseForm shows the form again with what was typed and what was wrong.
func (s *Server) renderReleaseForm(c *gin.Context, status int, title string, r campaign.Release, errs valid.Errors) {
	d, err := s.releaseForm(c.Request.Context(), r, errs)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, status, "admin/release_form", Page{Title: title, Data: d})
}

// POST /admin/releases
func (s *Server) createReleaseForm(c *gin.Context) {
	in := releaseFromForm(c, 0)
	out, err := s.Desk.CreateRelease(c.Request.Context(), actor(c), in)
	if fields, ok := fieldErrors(err); ok {
		s.renderReleaseForm(c, http.StatusUnprocessableEntity, "New release", in, fields)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	redirectWithNotice(c, releasePath(out.ID)+"/edit", "created")
}

// GET /admin/releases/:id/edit
func (s *Server) editReleasePage(c *gin.Context) {
	r, ok := s.releaseParam(c)
	if !ok {
		return
	}
	d, err := s.releaseForm(c.Request.Context(), r, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Notice = notice(c)
	s.render(c, http.StatusOK, "admin/release_form", Page{Title: "Edit release", Data: d})
}

// releaseParam loads the release named by :id, whatever its status, or
// answers the failure.
func (s *Server) releaseParam(c *gin.Context) (campaign.Release, bool) {
	id, err := idParam(c, campaign.ErrNotFound)
	if err == nil {
		var r campaign.Release
		if r, err = s.Desk.ReleaseByID(c.Request.Context(), id); err == nil {
			return r, true
		}
	}
	s.fail(c, err)
	return campaign.Release{}, false
}

// POST /admin/releases/:id
func (s *Server) updateReleaseForm(c *gin.Context) {
	id, err := idParam(c, campaign.ErrNotFound)
	if err != nil {
		s.fail(c, err)
		return
	}
	in := releaseFromForm(c, id)
	out, err := s.Desk.UpdateRelease(c.Request.Context(), actor(c), in)
	if fields, ok := fieldErrors(err); ok {
		in.Status = c.PostForm("status")
		s.renderReleaseForm(c, http.StatusUnprocessableEntity, "Edit release", in, fields)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.staffChanged()
	redirectWithNotice(c, releasePath(out.ID)+"/edit", "saved")
}

// GET /admin/releases/:id/preview renders the release with the public
// page's own template and Markdown renderer, as the public will see it once
// published, with a banner saying it is a preview.
func (s *Server) previewReleasePage(c *gin.Context) {
	ctx := c.Request.Context()
	r, ok := s.releaseParam(c)
	if !ok {
		return
	}
	if r.PublishedAt == nil {
		now := time.Now().UTC()
		r.PublishedAt = &now // what publishing now would show
	}
	v, err := s.viewOf(ctx, r)
	if err != nil {
		s.fail(c, err)
		return
	}
	if v.Petition != nil {
		p, err := s.withCount(ctx, *v.Petition)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.Petition = &p
	}
	consent, err := s.currentConsent(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := releasePageData{releaseView: v, Form: signForm{Country: "GB"}, Consent: consent, Countries: s.countries,
		Preview: &releasePreview{EditURL: releasePath(r.ID) + "/edit", Published: r.Published()}}
	d.Open = v.Petition != nil && v.Petition.OpenAt(time.Now())
	c.Header("X-Robots-Tag", "noindex")
	s.render(c, http.StatusOK, "release", Page{Title: "Preview: " + r.Title, Description: r.Summary, Data: d})
}

// releasePreview marks a release page shown to staff before publication.
type releasePreview struct {
	EditURL   string
	Published bool
}

// POST /admin/releases/:id/publish
func (s *Server) publishReleaseForm(c *gin.Context) {
	s.releaseStatusForm(c, true)
}

// POST /admin/releases/:id/unpublish
func (s *Server) unpublishReleaseForm(c *gin.Context) {
	s.releaseStatusForm(c, false)
}

func (s *Server) releaseStatusForm(c *gin.Context, publish bool) {
	id, err := idParam(c, campaign.ErrNotFound)
	if err != nil {
		s.fail(c, err)
		return
	}
	change, key := s.Desk.UnpublishRelease, "unpublished"
	if publish {
		change, key = s.Desk.PublishRelease, "published"
	}
	if _, err := change(c.Request.Context(), actor(c), id); err != nil {
		s.fail(c, err)
		return
	}
	s.staffChanged()
	redirectWithNotice(c, releasePath(id)+"/edit", key)
}

// adminReleaseJSON is a release as the staff API shows it, drafts included.
type adminReleaseJSON struct {
	ID          int64      `json:"id"`
	CampaignID  int64      `json:"campaign_id"`
	PetitionID  *int64     `json:"petition_id"`
	Slug        string     `json:"slug"`
	Title       string     `json:"title"`
	Summary     string     `json:"summary"`
	Body        string     `json:"body"`
	Status      string     `json:"status"`
	PublishedAt *time.Time `json:"published_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func toAdminReleaseJSON(r campaign.Release) adminReleaseJSON {
	return adminReleaseJSON{ID: r.ID, CampaignID: r.CampaignID, PetitionID: r.PetitionID, Slug: r.Slug,
		Title: r.Title, Summary: r.Summary, Body: r.Body, Status: r.Status, PublishedAt: r.PublishedAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// releasePatch is the body of POST and PATCH /api/v1/admin/releases. A
// petition_id of null means "the campaign's newest open petition".
type releasePatch struct {
	CampaignID *int64          `json:"campaign_id"`
	PetitionID optional[int64] `json:"petition_id"`
	Slug       *string         `json:"slug"`
	Title      *string         `json:"title"`
	Summary    *string         `json:"summary"`
	Body       *string         `json:"body"`
}

func (p releasePatch) apply(r *campaign.Release) {
	setIf(&r.CampaignID, p.CampaignID)
	if p.PetitionID.Set {
		r.PetitionID = p.PetitionID.Value
	}
	setIf(&r.Slug, p.Slug)
	setIf(&r.Title, p.Title)
	setIf(&r.Summary, p.Summary)
	setIf(&r.Body, p.Body)
}

// GET /api/v1/admin/releases
func (s *Server) apiAdminReleases(c *gin.Context) {
	list, err := s.Desk.AllReleases(c.Request.Context())
	if err != nil {
		s.apiError(c, err)
		return
	}
	out := make([]adminReleaseJSON, len(list))
	for i, r := range list {
		out[i] = toAdminReleaseJSON(r)
	}
	c.JSON(http.StatusOK, gin.H{"releases": out})
}

// POST /api/v1/admin/releases creates a draft.
func (s *Server) apiCreateRelease(c *gin.Context) {
	var p releasePatch
	if err := decodeStaffJSON(c, &p); err != nil {
		s.apiError(c, err)
		return
	}
	var in campaign.Release
	p.apply(&in)
	out, err := s.Desk.CreateRelease(c.Request.Context(), actor(c), in)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toAdminReleaseJSON(out))
}

// GET /api/v1/admin/releases/:id
func (s *Server) apiAdminRelease(c *gin.Context) {
	id, err := idParam(c, campaign.ErrNotFound)
	if err != nil {
		s.apiError(c, err)
		return
	}
	r, err := s.Desk.ReleaseByID(c.Request.Context(), id)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toAdminReleaseJSON(r))
}

// PATCH /api/v1/admin/releases/:id
func (s *Server) apiUpdateRelease(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := idParam(c, campaign.ErrNotFound)
	if err != nil {
		s.apiError(c, err)
		return
	}
	var p releasePatch
	if err := decodeStaffJSON(c, &p); err != nil {
		s.apiError(c, err)
		return
	}
	r, err := s.Desk.ReleaseByID(ctx, id)
	if err != nil {
		s.apiError(c, err)
		return
	}
	p.apply(&r)
	out, err := s.Desk.UpdateRelease(ctx, actor(c), r)
	if err != nil {
		s.apiError(c, err)
		return
	}
	s.staffChanged()
	c.JSON(http.StatusOK, toAdminReleaseJSON(out))
}

// POST /api/v1/admin/releases/:id/publish
func (s *Server) apiPublishRelease(c *gin.Context) { s.apiReleaseStatus(c, true) }

// POST /api/v1/admin/releases/:id/unpublish
func (s *Server) apiUnpublishRelease(c *gin.Context) { s.apiReleaseStatus(c, false) }

func (s *Server) apiReleaseStatus(c *gin.Context, publish bool) {
	id, err := idParam(c, campaign.ErrNotFound)
	if err != nil {
		s.apiError(c, err)
		return
	}
	change := s.Desk.UnpublishRelease
	if publish {
		change = s.Desk.PublishRelease
	}
	out, err := change(c.Request.Context(), actor(c), id)
	if err != nil {
		s.apiError(c, err)
		return
	}
	s.staffChanged()
	c.JSON(http.StatusOK, toAdminReleaseJSON(out))
}
