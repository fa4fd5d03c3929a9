package site

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// GET /embed/petitions/:slug
//
// Like the release page, the empty form is the same for every visitor from
// a partner but for its token, so it is rendered at most every pageTTL per
// petition and embedding origin, and served from memory in between with
// the token put in (see page_cache.go).
func (s *Site) embedPage(c *gin.Context) {
	ctx := c.Request.Context()
	slug, origin := c.Param("slug"), c.GetString(embedOriginKey)
	// Read on every view, from the caches: the token names the petition.
	p, err := s.Petitions.PetitionBySlug(ctx, slug)
	if err != nil {
		s.embedFail(c, err, "")
		return
	}
	var tokens embedTokens
	if origin != "" {
		if tokens, err = s.embedTokens(ctx); err != nil {
			s.embedFail(c, err, origin)
			return
		}
	}
	// No slug holds a NUL byte: these keys never meet the release pages'.
	key := "embed\x00" + origin + "\x00" + slug
	now := time.Now()
	page := s.pages.lookup(key, now)
	if page == nil {
		version := s.Version()
		rendered, err, _ := s.renders.Do(key, func() (any, error) {
			// Shared by every request waiting on it: one leaving early must
			// not fail the others.
			out, err := s.renderEmbedBytes(context.WithoutCancel(ctx), p, origin)
			if err != nil {
				s.pages.abandon(key)
				return nil, err
			}
			return s.pages.store(key, http.StatusOK, out, now, version), nil
		})
		if err != nil {
			s.embedFail(c, err, origin)
			return
		}
		page = rendered.(*cachedPage)
	}
	token := ""
	if origin != "" {
		token = tokens.issue(p.ID, origin, now)
	}
	s.writePage(c, page, token)
}

// renderEmbedBytes renders the embedded form of p for origin, empty, with
// the page cache's placeholder for its token.
func (s *Site) renderEmbedBytes(ctx context.Context, p petition.Petition, origin string) ([]byte, error) {
	d, err := s.embedData(ctx, p, origin, signForm{Country: "GB"}, "", s.pages.placeholder)
	if err != nil {
		return nil, err
	}
	return s.RenderBytes("embed", kit.Page{Title: p.Title, CSRFToken: embedNoCSRF, Data: d})
}

// renderEmbed renders the embedded form for p, with form's values and
// messages, and notice above it, for this request's origin.
func (s *Site) renderEmbed(c *gin.Context, status int, p petition.Petition, form signForm, notice string) {
	ctx := c.Request.Context()
	origin := c.GetString(embedOriginKey)
	token := ""
	if origin != "" {
		tokens, err := s.embedTokens(ctx)
		if err != nil {
			s.embedFail(c, err, origin)
			return
		}
		token = tokens.issue(p.ID, origin, time.Now())
	}
	d, err := s.embedData(ctx, p, origin, form, notice, token)
	if err != nil {
		s.embedFail(c, err, origin)
		return
	}
	s.renderEmbedPage(c, status, "embed", p.Title, d)
}

// embedData is what the embedded form of p shows in a frame on origin ("":
// none taken), with token in its form.
func (s *Site) embedData(ctx context.Context, p petition.Petition, origin string, form signForm, notice, token string) (embedPageData, error) {
	consent, err := s.Petitions.CurrentConsent(ctx)
	if err != nil {
		return embedPageData{}, err
	}
	d := embedPageData{embedFrame: embedFrame{Origin: origin}, Petition: p, Open: p.OpenAt(time.Now()),
		Form: form, Consent: consent, Countries: s.countries, Notice: notice}
	if origin != "" {
		d.Token, d.SignURL = token, embedPath(p.Slug, "/sign", origin)
	} else if d.SiteURL, err = s.petitionSiteURL(ctx, p); err != nil {
		return embedPageData{}, err
	}
	return d, nil
}

// petitionSiteURL is the page on our site where p can be signed: its
// campaign's.
func (s *Site) petitionSiteURL(ctx context.Context, p petition.Petition) (string, error) {
	camp, err := s.Campaigns.CampaignByID(ctx, p.CampaignID)
	if err != nil {
		return "", err
	}
	return s.Config.BaseURL + "/campaigns/" + url.PathEscape(camp.Slug), nil
}

// embedNoCSRF stands for the site's CSRF token on embed pages, which use
// none: given one, Render sets no CSRF cookie.
const embedNoCSRF = "unused-in-embeds"

// renderEmbedPage renders an embed page. It sets no cookie: the embed's
// form carries its own token, and the page's CSRF token is never used.
func (s *Site) renderEmbedPage(c *gin.Context, status int, name, title string, data any) {
	s.Render(c, status, name, kit.Page{Title: title, CSRFToken: embedNoCSRF, Data: data})
}

// GET /embed/petitions/:slug/thanks
func (s *Site) embedThanks(c *gin.Context) {
	p, err := s.Petitions.PetitionBySlug(c.Request.Context(), c.Param("slug"))
	if err != nil {
		s.embedFail(c, err, "")
		return
	}
	d := embedThanksData{embedFrame: embedFrame{Origin: c.GetString(embedOriginKey)}, Petition: p}
	s.renderEmbedPage(c, http.StatusOK, "embed_thanks", "Thank you", d)
}
