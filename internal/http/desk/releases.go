package desk

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/staff"
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

// PreviewHTML is the body as it was rendered when last saved, for the
// preview beside the editor; empty for a release not saved yet.
func (f releaseFormData) PreviewHTML() template.HTML {
	return template.HTML(f.Release.BodyHTML) //nolint:gosec // rendered and sanitised on save
}

// New reports whether the form creates a release.
func (f releaseFormData) New() bool { return f.Release.ID == 0 }

// SelectedPetition is the chosen petition id, 0 for the campaign's newest open one.
func (f releaseFormData) SelectedPetition() int64 {
	if f.Release.PetitionID == nil {
		return 0
	}
	return *f.Release.PetitionID
}

// petitionChoice is a petition offered to a release, its whole title with
// its campaign's.
type petitionChoice struct {
	ID       int64
	Title    string
	Campaign string
}

// releaseForm loads what the release form offers to choose from.
func (d *Desk) releaseForm(ctx context.Context, r campaign.Release, errs valid.Errors) (releaseFormData, error) {
	f := releaseFormData{Release: r, Errors: errs}
	var err error
	if f.Campaigns, err = d.Desk.AllCampaigns(ctx); err != nil {
		return f, err
	}
	petitions, err := d.Desk.AllPetitions(ctx)
	if err != nil {
		return f, err
	}
	titles := campaignTitles(f.Campaigns)
	for _, p := range petitions {
		f.Petitions = append(f.Petitions, petitionChoice{ID: p.ID, Title: p.Title, Campaign: titles[p.CampaignID]})
	}
	return f, nil
}

// campaignTitles maps each campaign's id to its title.
func campaignTitles(list []campaign.Campaign) map[int64]string {
	titles := make(map[int64]string, len(list))
	for _, cp := range list {
		titles[cp.ID] = cp.Title
	}
	return titles
}

// releaseFromForm reads the form; ids that do not parse become 0, which
// validation refuses with a message.
func releaseFromForm(c *gin.Context, id int64) campaign.Release {
	r := campaign.Release{ID: id, Slug: c.PostForm("slug"), Title: c.PostForm("title"),
		Summary: c.PostForm("summary"), Body: c.PostForm("body"), ImageURL: c.PostForm("image_url")}
	r.CampaignID, _ = strconv.ParseInt(c.PostForm("campaign_id"), 10, 64)
	if v := c.PostForm("petition_id"); v != "" {
		pid, _ := strconv.ParseInt(v, 10, 64)
		r.PetitionID = &pid
	}
	return r
}

func releasePath(id int64) string { return "/admin/releases/" + strconv.FormatInt(id, 10) }

// releasesPage serves GET /admin/releases.
func (d *Desk) releasesPage(c *gin.Context) {
	ctx := c.Request.Context()
	list, err := d.Desk.AllReleases(ctx)
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
		campaign.Release
		CampaignTitle string
	}
	rows := make([]row, len(list))
	for i, r := range list {
		rows[i] = row{Release: r, CampaignTitle: titles[r.CampaignID]}
	}
	d.Render(c, http.StatusOK, "admin/releases", kit.Page{Title: "Releases", Data: rows})
}

// newReleasePage serves GET /admin/releases/new[?campaign_id=].
func (d *Desk) newReleasePage(c *gin.Context) {
	var r campaign.Release
	r.CampaignID, _ = strconv.ParseInt(c.Query("campaign_id"), 10, 64)
	d.renderReleaseForm(c, http.StatusOK, "New release", r, nil, "")
}

// renderReleaseForm shows the form with r and what was wrong with it.
func (d *Desk) renderReleaseForm(c *gin.Context, status int, title string, r campaign.Release, errs valid.Errors, notice string) {
	f, err := d.releaseForm(c.Request.Context(), r, errs)
	if err != nil {
		d.Fail(c, err)
		return
	}
	f.Notice = notice
	d.Render(c, status, "admin/release_form", kit.Page{Title: title, Data: f})
}

// createReleaseForm serves POST /admin/releases: a draft.
func (d *Desk) createReleaseForm(c *gin.Context) {
	in := releaseFromForm(c, 0)
	out, err := d.Desk.CreateRelease(c.Request.Context(), kit.Actor(c), in)
	if fields, ok := kit.FieldErrors(err); ok {
		d.renderReleaseForm(c, http.StatusUnprocessableEntity, "New release", in, fields, "")
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	kit.RedirectWithNotice(c, releasePath(out.ID)+"/edit", "created")
}

// editReleasePage serves GET /admin/releases/:id/edit.
func (d *Desk) editReleasePage(c *gin.Context) {
	r, err := d.releaseParam(c)
	if err != nil {
		d.Fail(c, err)
		return
	}
	d.renderReleaseForm(c, http.StatusOK, "Edit release", r, nil, kit.Notice(c))
}

// releaseParam loads the release named by :id, whatever its status.
func (d *Desk) releaseParam(c *gin.Context) (campaign.Release, error) {
	id, err := kit.IDParam(c, campaign.ErrNotFound)
	if err != nil {
		return campaign.Release{}, err
	}
	return d.Desk.ReleaseByID(c.Request.Context(), id)
}

// updateReleaseForm serves POST /admin/releases/:id: the form holds the
// release's words and links, not its status.
func (d *Desk) updateReleaseForm(c *gin.Context) {
	id, err := kit.IDParam(c, campaign.ErrNotFound)
	if err != nil {
		d.Fail(c, err)
		return
	}
	in := releaseFromForm(c, id)
	out, err := d.Desk.UpdateRelease(c.Request.Context(), kit.Actor(c), in)
	if fields, ok := kit.FieldErrors(err); ok {
		in.Status = c.PostForm("status")
		d.renderReleaseForm(c, http.StatusUnprocessableEntity, "Edit release", in, fields, "")
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	kit.RedirectWithNotice(c, releasePath(out.ID)+"/edit", "saved")
}

// previewReleasePage serves GET /admin/releases/:id/preview: the release
// as the public will see it once published, drawn by the public site.
func (d *Desk) previewReleasePage(c *gin.Context) {
	r, err := d.releaseParam(c)
	if err != nil {
		d.Fail(c, err)
		return
	}
	if r.PublishedAt == nil {
		now := time.Now().UTC()
		r.PublishedAt = &now // what publishing now would show
	}
	d.Preview.Preview(c, r, releasePath(r.ID)+"/edit")
}

// publishRelease serves POST /admin/releases/:id/publish (303 back to the
// form) and POST /api/v1/admin/releases/:id/publish (the release).
func (d *Desk) publishRelease(c *gin.Context) {
	d.changeRelease(c, d.Desk.PublishRelease, "published")
}

// unpublishRelease serves POST /admin/releases/:id/unpublish and POST
// /api/v1/admin/releases/:id/unpublish, as publishRelease does.
func (d *Desk) unpublishRelease(c *gin.Context) {
	d.changeRelease(c, d.Desk.UnpublishRelease, "unpublished")
}

// changeRelease applies change to the release named by :id and answers
// with the release (API) or back on its form with notice (pages).
func (d *Desk) changeRelease(c *gin.Context,
	change func(context.Context, staff.Actor, int64) (campaign.Release, error), notice string) {
	id, err := kit.IDParam(c, campaign.ErrNotFound)
	var out campaign.Release
	if err == nil {
		out, err = change(c.Request.Context(), kit.Actor(c), id)
	}
	switch {
	case err != nil:
		d.Fail(c, err)
	case kit.WantsJSON(c):
		c.JSON(http.StatusOK, toReleaseJSON(out))
	default:
		kit.RedirectWithNotice(c, releasePath(id)+"/edit", notice)
	}
}

// releaseJSON is a release as the staff API shows it, drafts included.
type releaseJSON struct {
	ID          int64      `json:"id"`
	CampaignID  int64      `json:"campaign_id"`
	PetitionID  *int64     `json:"petition_id"`
	Slug        string     `json:"slug"`
	Title       string     `json:"title"`
	Summary     string     `json:"summary"`
	Body        string     `json:"body"`
	ImageURL    string     `json:"image_url"`
	Status      string     `json:"status"`
	PublishedAt *time.Time `json:"published_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func toReleaseJSON(r campaign.Release) releaseJSON {
	return releaseJSON{ID: r.ID, CampaignID: r.CampaignID, PetitionID: r.PetitionID, Slug: r.Slug,
		Title: r.Title, Summary: r.Summary, Body: r.Body, ImageURL: r.ImageURL, Status: r.Status,
		PublishedAt: r.PublishedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// releasePatch is the body of POST and PATCH /api/v1/admin/releases. A
// petition_id of null means "the campaign's newest open petition".
type releasePatch struct {
	CampaignID *int64              `json:"campaign_id"`
	PetitionID kit.Optional[int64] `json:"petition_id"`
	Slug       *string             `json:"slug"`
	Title      *string             `json:"title"`
	Summary    *string             `json:"summary"`
	Body       *string             `json:"body"`
	ImageURL   *string             `json:"image_url"`
}

func (p releasePatch) apply(r *campaign.Release) {
	kit.SetIf(&r.CampaignID, p.CampaignID)
	if p.PetitionID.Set {
		r.PetitionID = p.PetitionID.Value
	}
	kit.SetIf(&r.Slug, p.Slug)
	kit.SetIf(&r.Title, p.Title)
	kit.SetIf(&r.Summary, p.Summary)
	kit.SetIf(&r.Body, p.Body)
	kit.SetIf(&r.ImageURL, p.ImageURL)
}

// releasesAPI serves GET /api/v1/admin/releases.
func (d *Desk) releasesAPI(c *gin.Context) {
	list, err := d.Desk.AllReleases(c.Request.Context())
	d.answerJSON(c, http.StatusOK, gin.H{"releases": listJSON(list, toReleaseJSON)}, err)
}

// createReleaseAPI serves POST /api/v1/admin/releases: a draft.
func (d *Desk) createReleaseAPI(c *gin.Context) {
	var p releasePatch
	if err := kit.DecodeJSON(c, &p); err != nil {
		d.APIError(c, err)
		return
	}
	var in campaign.Release
	p.apply(&in)
	out, err := d.Desk.CreateRelease(c.Request.Context(), kit.Actor(c), in)
	d.answerJSON(c, http.StatusCreated, toReleaseJSON(out), err)
}

// releaseAPI serves GET /api/v1/admin/releases/:id.
func (d *Desk) releaseAPI(c *gin.Context) {
	r, err := d.releaseParam(c)
	d.answerJSON(c, http.StatusOK, toReleaseJSON(r), err)
}

// updateReleaseAPI serves PATCH /api/v1/admin/releases/:id.
func (d *Desk) updateReleaseAPI(c *gin.Context) {
	id, err := kit.IDParam(c, campaign.ErrNotFound)
	if err != nil {
		d.APIError(c, err)
		return
	}
	var p releasePatch
	if err := kit.DecodeJSON(c, &p); err != nil {
		d.APIError(c, err)
		return
	}
	r, err := d.Desk.ReleaseByID(c.Request.Context(), id)
	if err != nil {
		d.APIError(c, err)
		return
	}
	p.apply(&r)
	out, err := d.Desk.UpdateRelease(c.Request.Context(), kit.Actor(c), r)
	d.answerJSON(c, http.StatusOK, toReleaseJSON(out), err)
}
