package http

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/valid"
)

// GET /
func (s *Server) newsroomPage(c *gin.Context) {
	views, err := s.publishedViews(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "newsroom", Page{Title: "Newsroom", Data: views})
}

// GET /campaigns/:slug
func (s *Server) campaignPage(c *gin.Context) {
	d, err := s.loadCampaign(c.Request.Context(), c.Param("slug"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "campaign", Page{Title: d.Campaign.Title, Description: d.Campaign.Summary, Data: d})
}

// signForm is the sign form's state: what was typed and what was wrong.
type signForm struct {
	FullName       string
	Email          string
	Postcode       string
	Country        string
	ConsentUpdates bool
	Errors         valid.Errors
}

// releasePageData is what release.html shows.
type releasePageData struct {
	releaseView
	Form      signForm
	Open      bool
	Consent   petition.Consent
	Countries []petition.Country
	Notice    string          // shown above the form, e.g. that the petition closed
	Preview   *releasePreview // set when staff preview a release before publishing it
	Donate    *donateView     // the donation ask; nil when donations are off
}

func (s *Server) renderRelease(c *gin.Context, status int, v releaseView, form signForm, notice string) {
	page, err := s.releasePageData(c.Request.Context(), v, form, notice, s.csrf.token(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, status, "release", page)
}

// releasePageData builds the release page. csrfToken goes into its forms:
// the visitor's own, or the page cache's placeholder for it.
func (s *Server) releasePageData(ctx context.Context, v releaseView, form signForm, notice, csrfToken string) (Page, error) {
	consent, err := s.currentConsent(ctx)
	if err != nil {
		return Page{}, err
	}
	d := releasePageData{releaseView: v, Form: form, Consent: consent, Countries: s.countries, Notice: notice,
		Donate: s.donateForm(csrfToken, v, donateInput{}, nil)}
	d.Open = v.Petition != nil && v.Petition.OpenAt(time.Now())
	return Page{Title: v.Release.Title, Description: v.Release.Summary, Data: d}, nil
}

// GET /releases/:slug
//
// The page a visitor first sees is the same for everyone but its CSRF
// token, so it is rendered at most every pageTTL and served from memory in
// between (see page_cache.go).
func (s *Server) releasePage(c *gin.Context) {
	slug := c.Param("slug")
	now := time.Now()
	if p := s.pageCache.lookup(slug, now); p != nil {
		s.writeCachedPage(c, p)
		return
	}
	p, err := s.renderReleasePage(c.Request.Context(), slug)
	if err != nil {
		s.pageCache.abandon(slug)
		s.fail(c, err)
		return
	}
	s.writeCachedPage(c, s.pageCache.store(slug, http.StatusOK, p, now))
}

// renderReleasePage renders a release page with an empty form and the
// cache's placeholder for the CSRF token.
func (s *Server) renderReleasePage(ctx context.Context, slug string) ([]byte, error) {
	v, err := s.releaseView(ctx, slug)
	if err != nil {
		return nil, err
	}
	page, err := s.releasePageData(ctx, v, signForm{Country: "GB"}, "", s.pageCache.placeholder)
	if err != nil {
		return nil, err
	}
	page.CSRFToken = s.pageCache.placeholder
	return s.renderBytes("release", page)
}

// honeypotField is a form field hidden from people; bots fill it in.
const honeypotField = "website"

// POST /releases/:slug/sign
func (s *Server) signForm(c *gin.Context) {
	ctx := c.Request.Context()
	v, err := s.releaseView(ctx, c.Param("slug"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.fail(c, errTooLarge)
		} else {
			s.fail(c, newAPIError(http.StatusBadRequest, CodeBadRequest, "The form could not be read. Please try again."))
		}
		return
	}
	if !s.csrf.valid(c) {
		s.fail(c, errCSRF)
		return
	}
	thanks := "/releases/" + url.PathEscape(v.Release.Slug) + "/thanks"
	if strings.TrimSpace(c.PostForm(honeypotField)) != "" {
		// Looks like success to the bot; nothing is stored.
		c.Redirect(http.StatusSeeOther, thanks)
		return
	}
	if !s.limitSigning(c) {
		return
	}
	if v.Petition == nil {
		s.fail(c, petition.ErrNotFound)
		return
	}
	consent := c.PostForm("consent_updates") == "yes"
	form := signForm{FullName: c.PostForm("full_name"), Email: c.PostForm("email"),
		Postcode: c.PostForm("postcode"), Country: c.PostForm("country"), ConsentUpdates: consent}
	in := petition.SignInput{FullName: form.FullName, Email: form.Email, Postcode: form.Postcode,
		Country: form.Country, ConsentUpdates: &consent}
	res, err := s.sign(ctx, *v.Petition, in, &v.Release)
	switch {
	case err == nil:
		if res.New {
			// Lets a donation made next be linked to this signature.
			s.rememberSupporter(c, v.Petition.ID, in.Email)
		}
		c.Redirect(http.StatusSeeOther, thanks)
	case isFieldErrors(err, &form.Errors):
		s.renderRelease(c, http.StatusUnprocessableEntity, v, form, "")
	case isClosed(err):
		closed := *v.Petition
		closed.Status = petition.StatusClosed
		v.Petition = &closed
		s.renderRelease(c, http.StatusConflict, v, form, "This petition has closed and no longer takes signatures. Thank you for your support.")
	default:
		s.fail(c, err)
	}
}

// thanksPageData is what thanks.html shows.
type thanksPageData struct {
	releaseView
	ShareURL         string
	ShareText        string
	DonationsEnabled bool
	Donate           *donateView // the donation ask; nil when donations are off
}

// GET /releases/:slug/thanks
func (s *Server) thanksPage(c *gin.Context) {
	v, err := s.releaseView(c.Request.Context(), c.Param("slug"))
	if err != nil {
		s.fail(c, err)
		return
	}
	d := thanksPageData{releaseView: v, DonationsEnabled: s.donationsEnabled(), Donate: s.donateForm(s.csrf.token(c), v, donateInput{}, nil),
		ShareURL:  s.Config.BaseURL + "/releases/" + url.PathEscape(v.Release.Slug),
		ShareText: v.Release.Title}
	if v.Petition != nil {
		d.ShareText = "I signed: " + v.Petition.Title
	}
	s.render(c, http.StatusOK, "thanks", Page{Title: "Thank you", Data: d})
}
