package site

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
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
	// Source is the source code the page was reached with (?source=), kept
	// in the form so the signature records it.
	Source string
	Errors valid.Errors
}

// signFields are the sign form's fields in the order it shows them.
var signFields = []string{"full_name", "email", "postcode", "country", "consent_updates"}

// signFieldsView is what partials/signfields.html shows: the form's fields,
// each id starting with Prefix, so one page can hold several forms.
type signFieldsView struct {
	Prefix    string
	Form      signForm
	Countries []petition.Country
	Consent   petition.Consent
}

// signSummary lists the form's errors for its summary, each linking to its
// field's id on a form whose ids start with prefix.
func signSummary(errs valid.Errors, prefix string) []errorLink {
	anchors := make(map[string]string, len(errs))
	for f := range errs {
		anchors[f] = prefix + f
	}
	return errorSummary(errs, signFields, anchors)
}

// card is what a page shows of itself when it is shared: the Open Graph and
// Twitter card tags.
type card struct {
	Type        string // "article" or "website"
	Title       string
	Description string
	URL         string // canonical, absolute
	Image       string // absolute; "" when none is set
}

// releasePageData is what release.html shows.
type releasePageData struct {
	newsroom.View
	Form   signForm
	Fields signFieldsView
	// ErrorSummary lists the form's errors, each linking to its field.
	ErrorSummary []errorLink
	Open         bool
	Consent      petition.Consent
	Countries    []petition.Country
	Notice       string          // shown above the form, e.g. that the petition closed
	Preview      *releasePreview // set when staff preview a release before publishing it
	Donate       *donateView     // the donation ask; nil when donations are off
	Share        shareView
	Card         card
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
//
// A page reached with a source code (?source=share-whatsapp) keeps it in
// its form. Those of the share buttons' codes, a few per release, are cached
// apart, under their code; any other code is rendered for its request, so
// made-up codes cannot fill the cache. A source that no signature may carry
// is dropped.
func (s *Site) releasePage(c *gin.Context) {
	slug := c.Param("slug")
	source := sourceCode(c.Query("source"))
	key := slug
	switch {
	case source == "":
	case isShareCode(source):
		key += "?source=" + source
	default:
		v, err := s.Newsroom.Release(c.Request.Context(), slug)
		if err != nil {
			s.Fail(c, err)
			return
		}
		s.renderRelease(c, http.StatusOK, v, signForm{Country: "GB", Source: source}, "")
		return
	}
	now := time.Now()
	if p := s.pages.lookup(key, now); p != nil {
		s.writeCachedPage(c, p)
		return
	}
	version := s.Version()
	p, err, _ := s.renders.Do(key, func() (any, error) {
		// Shared by every request waiting on it: one leaving early must not
		// fail the others.
		page, err := s.renderReleasePage(context.WithoutCancel(c.Request.Context()), slug, source)
		if err != nil {
			s.pages.abandon(key)
			return nil, err
		}
		return s.pages.store(key, http.StatusOK, page, now, version), nil
	})
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.writeCachedPage(c, p.(*cachedPage))
}

// renderReleasePage renders a release page with an empty form (but for its
// source code) and the cache's placeholder for the CSRF token.
func (s *Site) renderReleasePage(ctx context.Context, slug, source string) ([]byte, error) {
	v, err := s.Newsroom.Release(ctx, slug)
	if err != nil {
		return nil, err
	}
	page, err := s.releasePageData(ctx, v, signForm{Country: "GB", Source: source}, "", s.pages.placeholder)
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
		ErrorSummary: signSummary(form.Errors, ""),
		Fields:       signFieldsView{Form: form, Countries: s.countries, Consent: consent},
		Donate:       s.donateForm(csrfToken, v, donateInput{}, nil)}
	d.Open = v.Petition != nil && v.Petition.OpenAt(time.Now())
	d.Share, d.Card = s.releaseShare(v)
	title := v.Release.Title
	if len(form.Errors) > 0 {
		title = errorTitlePrefix + title
	}
	return kit.Page{Title: title, Description: v.Release.Summary, Data: d}, nil
}

// releaseURL is the canonical address of the release with that slug.
func (s *Site) releaseURL(slug string) string {
	return s.Config.BaseURL + "/releases/" + url.PathEscape(slug)
}

// releaseShare returns the share buttons and the card of release view v.
// What is shared is the release's title, or the petition's when it has one
// open.
func (s *Site) releaseShare(v newsroom.View) (shareView, card) {
	u := s.releaseURL(v.Release.Slug)
	text := v.Release.Title
	if v.Petition != nil && v.Petition.OpenAt(time.Now()) {
		text = "Sign the petition: " + v.Petition.Title
	}
	c := card{Type: "article", Title: v.Release.Title, Description: v.Release.Summary, URL: u,
		Image: cmp.Or(v.Release.ImageURL, v.Campaign.ImageURL)}
	if c.Description == "" && v.Petition != nil {
		c.Description = v.Petition.Ask
	}
	return newShareView(u, text), c
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
	d.Fields = signFieldsView{Form: d.Form, Countries: s.countries, Consent: consent}
	d.Open = v.Petition != nil && v.Petition.OpenAt(time.Now())
	d.Share, d.Card = s.releaseShare(v)
	c.Header("X-Robots-Tag", "noindex")
	s.Render(c, http.StatusOK, "release", kit.Page{Title: "Preview: " + r.Title, Description: r.Summary, Data: d})
}
