package site

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/newsroom"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/valid"
)

// signForm is the sign form's state: what was typed and what was
// wrong.
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
	newsroom.View
	Form      signForm
	Open      bool
	Consent   petition.Consent
	Countries []petition.Country
	Notice    string          // shown above the form, e.g. that the petition closed
	Preview   *releasePreview // set when staff preview a release before publishing it
	Donate    *donateView     // the donation ask; nil when donations are off
}

// releasePreview marks a release page shown to staff before publication.
type releasePreview struct {
	EditURL   string
	Published bool
}

// GET /releases/:slug
//
// The page a visitor first sees is the same for everyone but its CSRF
// token, so it is rendered at most every pageTTL and served from memory in
// between (see page_cache.go).
func (s *Site) releasePage(c *gin.Context) {
	slug := c.Param("slug")
	now := time.Now()
	if p := s.pages.lookup(slug, now); p != nil {
		s.writeCachedPage(c, p)
		return
	}
	version := s.Version()
	p, err, _ := s.renders.Do(slug, func() (any, error) {
		// Shared by every request waiting on it: one leaving early must not
		// fail the others.
		page, err := s.renderReleasePage(context.WithoutCancel(c.Request.Context()), slug)
		if err != nil {
			s.pages.abandon(slug)
			return nil, err
		}
		return s.pages.store(slug, http.StatusOK, page, now, version), nil
	})
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.writeCachedPage(c, p.(*cachedPage))
}

// renderReleasePage renders a release page with an empty form and the
// cache's placeholder for the CSRF token.
func (s *Site) renderReleasePage(ctx context.Context, slug string) ([]byte, error) {
	v, err := s.Newsroom.Release(ctx, slug)
	if err != nil {
		return nil, err
	}
	page, err := s.releasePageData(ctx, v, signForm{Country: "GB"}, "", s.pages.placeholder)
	if err != nil {
		return nil, err
	}
	page.CSRFToken = s.pages.placeholder
	return s.RenderBytes("release", page)
}

// renderRelease renders the release page for this visitor: the form again,
// with what they typed, after a refusal.
func (s *Site) renderRelease(c *gin.Context, status int, v newsroom.View, form signForm, notice string) {
	page, err := s.releasePageData(c.Request.Context(), v, form, notice, s.CSRFToken(c))
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, status, "release", page)
}

// releasePageData builds the release page. csrfToken goes into its forms:
// the visitor's own, or the page cache's placeholder for it.
func (s *Site) releasePageData(ctx context.Context, v newsroom.View, form signForm, notice, csrfToken string) (kit.Page, error) {
	consent, err := s.Petitions.CurrentConsent(ctx)
	if err != nil {
		return kit.Page{}, err
	}
	d := releasePageData{View: v, Form: form, Consent: consent, Countries: s.countries, Notice: notice,
		Donate: s.donateForm(csrfToken, v, donateInput{}, nil)}
	d.Open = v.Petition != nil && v.Petition.OpenAt(time.Now())
	return kit.Page{Title: v.Release.Title, Description: v.Release.Summary, Data: d}, nil
}

// Preview renders release r as the public will see it once published, with
// a banner for staff that links to editURL. r may be in any status; its
// PublishedAt is shown as it is, so the caller fills it when it is nil.
// Nothing of it is cached, and search engines are told not to index it.
func (s *Site) Preview(c *gin.Context, r campaign.Release, editURL string) {
	ctx := c.Request.Context()
	v, err := s.Newsroom.Preview(ctx, r)
	if err != nil {
		s.Fail(c, err)
		return
	}
	consent, err := s.Petitions.CurrentConsent(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	d := releasePageData{View: v, Form: signForm{Country: "GB"}, Consent: consent, Countries: s.countries,
		Preview: &releasePreview{EditURL: editURL, Published: r.Published()}}
	d.Open = v.Petition != nil && v.Petition.OpenAt(time.Now())
	c.Header("X-Robots-Tag", "noindex")
	s.Render(c, http.StatusOK, "release", kit.Page{Title: "Preview: " + r.Title, Description: r.Summary, Data: d})
}
