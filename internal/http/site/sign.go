package site

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/newsroom"
	"github.com/advocacy/advocacy/internal/petition"
)

// honeypotField is a form field hidden from people; bots fill it in.
const honeypotField = "website"

// signLimitMessage is what a visitor who signs too often is told.
const signLimitMessage = "Too many signatures from your connection. Please wait a moment and try again."

// POST /releases/:slug/sign
func (s *Site) signForm(c *gin.Context) {
	ctx := c.Request.Context()
	v, err := s.Newsroom.Release(ctx, c.Param("slug"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	if err := kit.ReadForm(c); err != nil {
		s.Fail(c, err)
		return
	}
	thanks := "/releases/" + url.PathEscape(v.Release.Slug) + "/thanks"
	if strings.TrimSpace(c.PostForm(honeypotField)) != "" {
		// Looks like success to the bot; nothing is stored.
		c.Redirect(http.StatusSeeOther, thanks)
		return
	}
	if !s.Limit(c, s.SignLimit, signLimitMessage) {
		return
	}
	if v.Petition == nil {
		s.Fail(c, petition.ErrNotFound)
		return
	}
	form, in := readSignForm(c)
	res, err := s.Signing.Sign(ctx, petition.SignRequest{PetitionID: v.Petition.ID, Input: in, SourceReleaseID: &v.Release.ID,
		ClientAddr: c.ClientIP()})
	fields, invalid := kit.FieldErrors(err)
	switch {
	case err == nil:
		// Lets a donation made next be linked to a new signature.
		s.rememberSupporter(c, v.Petition.ID, in.Email, res.New)
		c.Redirect(http.StatusSeeOther, thanks)
	case invalid:
		form.Errors = fields
		s.renderRelease(c, http.StatusUnprocessableEntity, v, form, "")
	case errors.Is(err, petition.ErrClosed):
		closed := *v.Petition
		closed.Status = petition.StatusClosed
		v.Petition = &closed
		s.renderRelease(c, http.StatusConflict, v, form, "This petition has closed and no longer takes signatures. Thank you for your support.")
	default:
		s.Fail(c, err)
	}
}

// readSignForm reads a posted sign form: what to show again if it is
// refused, and what to sign.
func readSignForm(c *gin.Context) (signForm, petition.SignInput) {
	consent := c.PostForm("consent_updates") == "yes"
	// A source code the form cannot carry is dropped rather than refused:
	// the supporter cannot correct a hidden field.
	form := signForm{FullName: c.PostForm("full_name"), Email: c.PostForm("email"),
		Postcode: c.PostForm("postcode"), Country: c.PostForm("country"), ConsentUpdates: consent,
		Source: sourceCode(c.PostForm("source"))}
	in := petition.SignInput{FullName: form.FullName, Email: form.Email, Postcode: form.Postcode,
		Country: form.Country, ConsentUpdates: &consent, Source: form.Source}
	return form, in
}

// thanksPageData is what thanks.html shows.
type thanksPageData struct {
	newsroom.View
	Share            shareView
	DonationsEnabled bool
	Donate           *donateView // the donation ask; nil when donations are off
	// CheckInbox is true after signing a petition that verifies by email:
	// the signature counts once confirmed from the emailed link.
	CheckInbox bool
}

// GET /releases/:slug/thanks
func (s *Site) thanksPage(c *gin.Context) {
	v, err := s.Newsroom.Release(c.Request.Context(), c.Param("slug"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	d := thanksPageData{View: v, DonationsEnabled: s.Donations.Enabled(),
		Donate: s.donateForm(s.CSRFToken(c), v, donateInput{}, nil)}
	// A confirmation comes back here with confirmed=1; a signature on a
	// petition that verifies by email arrives without it, still pending.
	d.CheckInbox = v.Petition != nil && v.Petition.VerifiesEmail() && c.Query("confirmed") == ""
	text := v.Release.Title
	if v.Petition != nil {
		text = "I signed: " + v.Petition.Title
	}
	d.Share = newShareView(s.releaseURL(v.Release.Slug), text)
	s.Render(c, http.StatusOK, "thanks", kit.Page{Title: "Thank you", Data: d})
}
