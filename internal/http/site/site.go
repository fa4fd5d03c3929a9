// Package site serves the public pages: the newsroom, releases with their
// petition, campaigns, the sign and donate forms, and the pages Stripe
// Checkout returns to.
package site

import (
	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// Deps are what the public site needs.
type Deps struct {
	Campaigns campaign.Store
	Petitions petition.Store
	Signing   *petition.Service
	Donations *donation.Service
	// Version changes when staff change something; the rendered pages and
	// release views cached here drop what is older.
	Version func() uint64
	// SignLimit is the per-address signing limit, shared with the API.
	SignLimit *kit.RateLimiter
}

// Site serves the public pages.
type Site struct {
	*kit.Kit
	Deps
}

// New returns the public site.
func New(k *kit.Kit, d Deps) (*Site, error) {
	return &Site{Kit: k, Deps: d}, nil
}

// Routes registers the public pages and forms on r.
func (s *Site) Routes(r gin.IRouter) {}

// Preview renders release r as the public will see it once published, with
// a banner for staff that links to editURL.
func (s *Site) Preview(c *gin.Context, r campaign.Release, editURL string) {}
