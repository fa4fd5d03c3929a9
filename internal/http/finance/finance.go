// Package finance serves donations to finance staff: the pages under
// /admin/donations and the finance API under /api/v1/admin.
package finance

import (
	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/staff"
)

// Deps are what finance needs.
type Deps struct {
	Donations *donation.Service
	// Desk lists campaigns and releases for the filters.
	Desk staff.Desk
}

// Finance serves finance staff.
type Finance struct {
	*kit.Kit
	Deps
	guard *kit.Guard
}

// New returns the finance routes; guard checks who may use each.
func New(k *kit.Kit, guard *kit.Guard, d Deps) *Finance { return &Finance{Kit: k, Deps: d, guard: guard} }

// Routes registers the finance pages on pages (/admin) and its API on api
// (/api/v1/admin).
func (f *Finance) Routes(pages, api *gin.RouterGroup) {}
