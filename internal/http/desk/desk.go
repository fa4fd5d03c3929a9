// Package desk serves the campaigner's desk and staff administration: the
// pages under /admin and the staff API under /api/v1/admin.
package desk

import (
	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
)

// Previewer renders a release as its public page will look.
type Previewer interface {
	Preview(c *gin.Context, r campaign.Release, editURL string)
}

// Deps are what the desk needs.
type Deps struct {
	Staff     staff.Store
	Desk      staff.Desk
	Campaigns campaign.Store
	Petitions petition.Store
	// Donations gives campaigners each release's donation totals.
	Donations donation.Store
	Preview   Previewer
}

// Desk serves the staff desk.
type Desk struct {
	*kit.Kit
	Deps
	guard *kit.Guard
}

// New returns the desk; guard checks who may use each route.
func New(k *kit.Kit, guard *kit.Guard, d Deps) *Desk { return &Desk{Kit: k, Deps: d, guard: guard} }

// Routes registers the desk's pages on pages (/admin) and its API on api
// (/api/v1/admin).
func (d *Desk) Routes(pages, api *gin.RouterGroup) {}
