package http

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// newsroomSize is how many releases the newsroom and the list API show.
const newsroomSize = 50

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

func toReleaseJSON(v releaseView, full bool) releaseJSON {
	out := releaseJSON{Slug: v.Release.Slug, Title: v.Release.Title, Summary: v.Release.Summary,
		PublishedAt: v.Release.PublishedAt, Campaign: campaignRef{Slug: v.Campaign.Slug, Title: v.Campaign.Title}}
	if full {
		out.Body = v.Release.Body
		out.BodyHTML = string(v.BodyHTML)
	}
	if v.Petition != nil {
		p := toPetitionJSON(*v.Petition, nil)
		out.Petition = &p
	}
	return out
}

// publishedViews returns the newsroom: published releases, newest first,
// each with its campaign and live count.
func (s *Server) publishedViews(ctx context.Context) ([]releaseView, error) {
	releases, err := s.Campaigns.PublishedReleases(ctx, newsroomSize)
	if err != nil {
		return nil, err
	}
	views := make([]releaseView, 0, len(releases))
	for _, r := range releases {
		v, err := s.releaseView(ctx, r.Slug)
		if isNotFound(err) {
			continue // unpublished since the list was read
		}
		if err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	return views, nil
}

// GET /api/v1/releases
func (s *Server) apiReleases(c *gin.Context) {
	views, err := s.publishedViews(c.Request.Context())
	if err != nil {
		s.apiError(c, err)
		return
	}
	out := make([]releaseJSON, 0, len(views))
	for _, v := range views {
		out = append(out, toReleaseJSON(v, false))
	}
	c.JSON(http.StatusOK, gin.H{"releases": out})
}

// GET /api/v1/releases/:slug
func (s *Server) apiRelease(c *gin.Context) {
	v, err := s.releaseView(c.Request.Context(), c.Param("slug"))
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toReleaseJSON(v, true))
}
