// Package api serves the public JSON API under /api/v1: campaigns, releases
// and petitions to read, and signatures to add. Every answer is JSON, errors
// included (see kit.APIError).
package api

import (
	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/newsroom"
	"github.com/advocacy/advocacy/internal/petition"
)

// Deps are what the public API needs.
type Deps struct {
	Campaigns campaign.Store
	Petitions petition.Store
	Signing   *petition.Service
	// Newsroom reads releases as the public sees them.
	Newsroom *newsroom.Service
	// SignLimit is the per-address signing limit, shared with the sign form.
	SignLimit *kit.RateLimiter
}

// API serves the public JSON API.
type API struct {
	*kit.Kit
	Deps
}

// New returns the public API.
func New(k *kit.Kit, d Deps) *API { return &API{Kit: k, Deps: d} }

// Routes registers the API on r, the /api/v1 group.
func (a *API) Routes(r gin.IRouter) {
	r.GET("/campaigns/:slug", a.campaign)
	r.GET("/releases", a.releases)
	r.GET("/releases/:slug", a.release)
	r.GET("/petitions/:id", a.petition)
	r.POST("/petitions/:id/signatures", a.sign)
	r.GET("/openapi.json", a.openAPI)
}
