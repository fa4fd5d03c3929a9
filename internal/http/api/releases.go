package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/newsroom"
)

// newsroomSize is how many releases the list shows, as many as the newsroom.
const newsroomSize = 50

// releaseJSON is a published release with its campaign and petition; the
// body, as written and rendered, only when one release is asked for.
type releaseJSON struct {
	Slug        string        `json:"slug"`
	Title       string        `json:"title"`
	Summary     string        `json:"summary"`
	Body        string        `json:"body,omitempty"`
	BodyHTML    string        `json:"body_html,omitempty"`
	PublishedAt *time.Time    `json:"published_at"`
	Campaign    campaignRef   `json:"campaign"`
	Petition    *petitionJSON `json:"petition"`
}

// releaseJSONOf is the release as the list shows it, without its body.
func releaseJSONOf(v newsroom.View) releaseJSON {
	out := releaseJSON{Slug: v.Release.Slug, Title: v.Release.Title, Summary: v.Release.Summary,
		PublishedAt: v.Release.PublishedAt, Campaign: campaignRef{Slug: v.Campaign.Slug, Title: v.Campaign.Title}}
	if v.Petition != nil {
		p := toPetitionJSON(*v.Petition, nil)
		out.Petition = &p
	}
	return out
}

// releases serves GET /api/v1/releases: the published releases, newest
// first, each with its campaign and its petition's live count.
func (a *API) releases(c *gin.Context) {
	views, err := a.Newsroom.Published(c.Request.Context(), newsroomSize)
	if err != nil {
		a.APIError(c, err)
		return
	}
	out := make([]releaseJSON, 0, len(views))
	for _, v := range views {
		out = append(out, releaseJSONOf(v))
	}
	c.JSON(http.StatusOK, gin.H{"releases": out})
}

// release serves GET /api/v1/releases/:slug: one published release with
// its body as written and as rendered, its campaign and its petition.
func (a *API) release(c *gin.Context) {
	v, err := a.Newsroom.Release(c.Request.Context(), c.Param("slug"))
	if err != nil {
		a.APIError(c, err)
		return
	}
	out := releaseJSONOf(v)
	out.Body, out.BodyHTML = v.Release.Body, string(v.BodyHTML)
	c.JSON(http.StatusOK, out)
}
