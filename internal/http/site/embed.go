package site

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// The embeddable sign form: a compact page with a petition's ask, its count
// and the sign form, for an iframe on a partner's page (EMBED_ORIGINS), put
// there by /embed.js. It works without JavaScript inside the frame; with
// it, the frame tells its parent its height.
//
// The embedding origin comes from embed.js (the parent page's
// location.origin, in the "origin" query parameter) or, for a frame written
// by hand, from the Referer. It is taken only when it is listed, when the
// page is being loaded into a frame (Sec-Fetch-Dest, where the browser
// sends it) and when a Referer, if any, agrees; the page then allows only
// that origin to frame it, so a browser shows the form with that origin
// only inside that origin's pages. Without an origin taken, the page shows
// the petition and a link to sign on our site, and no form: every
// signature from an embed names its partner.

// embedOriginParam is the query parameter that names the embedding origin.
const embedOriginParam = "origin"

// embedTokenField is the form field that carries the embed token.
const embedTokenField = "embed_token"

// embedOriginKey is where embedHeaders leaves the origin it took.
const embedOriginKey = "embed_origin"

// embedSourcePrefix starts the source code of a signature made in an embed.
// The dot keeps it apart from release slugs, which hold none.
const embedSourcePrefix = "embed."

// embedScriptMaxAge is how long browsers and proxies may keep /embed.js
// before asking again (with its ETag, so asking is cheap).
const embedScriptMaxAge = time.Hour

// embed is what the embedded form needs, made once by New.
type embed struct {
	// origins are EMBED_ORIGINS, as browsers write an origin.
	origins map[string]bool
	// ownOrigin is BASE_URL's origin, where the frame's own page lives.
	ownOrigin string
	// anyAncestor is the frame-ancestors source list when no origin was
	// taken: every listed origin, or 'none'.
	anyAncestor string
	// script is /embed.js, with its ETag.
	script     []byte
	scriptETag string
}

// newEmbed checks the embed's settings: origins that each make a valid
// source code.
func newEmbed(origins []string, baseURL string) (*embed, error) {
	base, err := url.Parse(baseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("embed: BASE_URL %q has no origin", baseURL)
	}
	e := &embed{origins: map[string]bool{},
		ownOrigin: strings.ToLower(base.Scheme + "://" + base.Host), anyAncestor: "'none'"}
	for _, o := range origins {
		if _, ok := embedSource(o); !ok {
			return nil, fmt.Errorf("embed: origin %q makes no valid source code", o)
		}
		e.origins[o] = true
	}
	if len(origins) > 0 {
		e.anyAncestor = strings.Join(origins, " ")
	}
	f, err := kit.StaticFS().Open("/embed.js")
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	defer f.Close()
	if e.script, err = io.ReadAll(f); err != nil {
		return nil, fmt.Errorf("embed: read embed.js: %w", err)
	}
	sum := sha256.Sum256(e.script)
	e.scriptETag = `"` + hex.EncodeToString(sum[:12]) + `"`
	return e, nil
}

// errEmbedKey is a form key too short to be one.
var errEmbedKey = errors.New("embed: the form key (server key embed_form) must be 32 bytes at least")

// embedTokens returns the token maker with the form key.
func (s *Site) embedTokens(ctx context.Context) (embedTokens, error) {
	if s.EmbedKey == nil {
		return embedTokens{}, errEmbedKey
	}
	key, err := s.EmbedKey(ctx)
	if err != nil {
		return embedTokens{}, fmt.Errorf("embed form key: %w", err)
	}
	if len(key) < 32 {
		return embedTokens{}, errEmbedKey
	}
	return embedTokens{key: key}, nil
}

// embedSource is the source code recorded for a signature made in a frame
// on origin's pages: "embed." and the origin's host name, without its port
// ("embed.partner.example.org"), so the dashboard's breakdown by source
// names the partner.
func embedSource(origin string) (string, bool) {
	u, err := url.Parse(origin)
	if err != nil || u.Hostname() == "" {
		return "", false
	}
	code := embedSourcePrefix + u.Hostname()
	return code, petition.ValidSourceCode(code)
}

// embedCSP is the Content-Security-Policy of the embed's pages: the site's
// own, but framed only by ancestors.
func embedCSP(ancestors string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"form-action 'self'; frame-ancestors " + ancestors + "; base-uri 'none'; object-src 'none'"
}

// embedHeaders works out the embedding origin (see the comment at the top)
// and replaces the site's framing headers: a Content-Security-Policy whose
// frame-ancestors is that origin, or every listed one when none was taken,
// and no X-Frame-Options.
func (s *Site) embedHeaders(c *gin.Context) {
	origin := s.embedOrigin(c)
	ancestors := s.embed.anyAncestor
	if origin != "" {
		ancestors = origin
		c.Set(embedOriginKey, origin)
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", embedCSP(ancestors))
	h.Del("X-Frame-Options")
	c.Next()
}

// embedOrigin returns the origin the request may be attributed to, or "".
func (s *Site) embedOrigin(c *gin.Context) string {
	if dest := c.GetHeader("Sec-Fetch-Dest"); dest != "" && dest != "iframe" {
		return "" // not being loaded into a frame
	}
	referer := refererOrigin(c.GetHeader("Referer"))
	origin := c.Query(embedOriginParam)
	if origin == "" {
		origin = referer // a frame written by hand, without embed.js
	}
	if !s.embed.origins[origin] {
		return ""
	}
	// Past the first page, the frame's own pages refer.
	if referer != "" && referer != origin && referer != s.embed.ownOrigin {
		return ""
	}
	return origin
}

// refererOrigin returns the origin of a Referer header, or "".
func refererOrigin(referer string) string {
	u, err := url.Parse(referer)
	if referer == "" || err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// embedFrame is what every embed page shows about where it is.
type embedFrame struct {
	// Origin is the embedding origin taken (see embedHeaders), or "": the
	// frame posts its height to it.
	Origin string
}

// embedPageData is what embed.html shows.
type embedPageData struct {
	embedFrame
	Petition  petition.Petition
	Open      bool
	Form      signForm
	Token     string
	SignURL   string
	Consent   petition.Consent
	Countries []petition.Country
	Notice    string
	// SiteURL is where to sign instead when no origin was taken.
	SiteURL string
}

// embedThanksData is what embed_thanks.html shows.
type embedThanksData struct {
	embedFrame
	Petition petition.Petition
}

// embedErrorData is what embed_error.html shows.
type embedErrorData struct {
	embedFrame
	Heading string
	Message string
	// ReloadURL, when set, offers a fresh form.
	ReloadURL string
}

// embedPath is the path of an embed page of slug (suffix "", "/sign" or
// "/thanks"), carrying origin.
func embedPath(slug, suffix, origin string) string {
	p := "/embed/petitions/" + url.PathEscape(slug) + suffix
	if origin != "" {
		p += "?" + embedOriginParam + "=" + url.QueryEscape(origin)
	}
	return p
}

// embedFail answers err with the embed's small error page. It offers a
// fresh form for origin, or else for the origin the request was taken to
// come from, if any.
func (s *Site) embedFail(c *gin.Context, err error, origin string) {
	if origin == "" {
		origin = c.GetString(embedOriginKey)
	}
	status, detail := kit.Classify(err)
	s.NoteError(c, status, err)
	if status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", "5")
	}
	d := embedErrorData{embedFrame: embedFrame{Origin: c.GetString(embedOriginKey)},
		Heading: "Something went wrong", Message: detail.Message}
	switch status {
	case http.StatusNotFound:
		d.Heading, d.Message = "We can't find that petition", "It may have moved. Please check the link on the page you came from."
	case http.StatusForbidden, http.StatusTooManyRequests, http.StatusRequestEntityTooLarge, http.StatusBadRequest:
		d.Heading = "Your signature was not sent"
	}
	if origin != "" && status != http.StatusNotFound {
		d.ReloadURL = embedPath(c.Param("slug"), "", origin)
	}
	s.renderEmbedPage(c, status, "embed_error", d.Heading, d)
	c.Abort()
}
