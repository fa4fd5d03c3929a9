// Package finance serves donations to finance staff: the pages under
// /admin/donations and the finance API under /api/v1/admin. Donor personal
// data appears only here, and only to the admin and finance roles.
package finance

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/staff"
)

// Deps are what finance needs.
type Deps struct {
	Donations *donation.Service
	// Desk lists campaigns and releases for the filters' choices.
	Desk staff.Desk
	// Campaigns finds the campaign or release a filter names by slug.
	Campaigns campaign.Store
}

// Finance serves finance staff.
type Finance struct {
	*kit.Kit
	Deps
	guard *kit.Guard
	store donation.Store // what finance reads: Donations.Store()
}

// New returns the finance routes; guard checks who may use each.
func New(k *kit.Kit, guard *kit.Guard, d Deps) *Finance {
	return &Finance{Kit: k, Deps: d, guard: guard, store: d.Donations.Store()}
}

// Routes registers the finance pages on pages (/admin) and its API on api
// (/api/v1/admin). Each action has one handler, mounted in both places: the
// API answers JSON to bearer tokens, the pages answer browser sessions.
//
//	GET  donations                  list with filters and totals per currency
//	GET  donations.csv              the same filters, streamed as CSV
//	GET  donations/:id              one donation with its Stripe events
//	POST donations/:id/review       marks it reviewed by the caller, with a note
//	POST donations/review           marks many reviewed at once, an audit row each
//	GET  giftaid.csv?from=&to=      the Gift Aid claim: paid, unrefunded, declared
//	GET  giftaid/schedule?from=&to= the claim as HMRC's schedule: its rows and parts
//	GET  giftaid/schedule.csv?part= one part of it, at most 1,000 donations
//	GET  stripe-events/unmatched    events that match no donation
//	GET  payouts                    Stripe's payouts, with their donations summed
//	GET  payouts/:id                one payout with its donations
func (f *Finance) Routes(pages, api *gin.RouterGroup) {
	if f.store == nil {
		return // no database, no donations to show
	}
	who := f.guard.Require(staff.FinanceRoles()...)

	api.GET("/donations", who, f.list)
	api.GET("/donations.csv", who, f.donationsCSV)
	api.GET("/donations/:id", who, f.donation)
	api.POST("/donations/:id/review", who, f.review)
	api.POST("/donations/review", who, f.reviewMany)
	api.GET("/giftaid.csv", who, f.giftAidCSV)
	api.GET("/giftaid/schedule", who, f.schedule)
	api.GET("/giftaid/schedule.csv", who, f.scheduleCSV)
	api.GET("/stripe-events/unmatched", who, f.unmatched)
	api.GET("/payouts", who, f.payouts)
	api.GET("/payouts/:id", who, f.payout)

	pages.GET("/donations", who, f.list)
	pages.GET("/donations.csv", who, f.donationsCSV)
	pages.GET("/donations/:id", who, f.donation)
	pages.POST("/donations/:id/review", who, f.RequireCSRF(), f.review)
	pages.POST("/donations/review", who, f.RequireCSRF(), f.reviewMany)
	pages.GET("/giftaid.csv", who, f.giftAidCSV)
	pages.GET("/giftaid/schedule", who, f.schedule)
	pages.GET("/giftaid/schedule.csv", who, f.scheduleCSV)
	pages.GET("/stripe-events/unmatched", who, f.unmatched)
	pages.GET("/payouts", who, f.payouts)
	pages.GET("/payouts/:id", who, f.payout)
}

// fromAPI reports whether the request came through the finance API, which
// answers JSON, rather than a page. Errors need not ask: kit's Fail already
// answers them in the right shape.
func fromAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }
