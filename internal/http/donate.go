package http

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// donateRoute is the donation form's route. The Stripe Checkout flow
// registers it through Deps.Routes; until it does, donatePlaceholder answers.
const donateRoute = "/releases/:slug/donate"

var errDonationsDisabled = newAPIError(http.StatusServiceUnavailable, CodeDonationsDisabled,
	"Donations are not available at the moment. Thank you for wanting to help.")

// POST /releases/:slug/donate, while no donation flow is registered: 503
// donations_disabled without STRIPE_SECRET_KEY, as the contract requires, and
// 501 when a key is set but nothing here can take the payment.
func (s *Server) donatePlaceholder(c *gin.Context) {
	if !s.Config.DonationsEnabled() {
		s.fail(c, errDonationsDisabled)
		return
	}
	s.fail(c, newAPIError(http.StatusNotImplemented, CodeNotImplemented,
		"Donations are not available on this server yet."))
}

// hasRoute reports whether r already serves method and path.
func hasRoute(r *gin.Engine, method, path string) bool {
	for _, route := range r.Routes() {
		if route.Method == method && route.Path == path {
			return true
		}
	}
	return false
}
