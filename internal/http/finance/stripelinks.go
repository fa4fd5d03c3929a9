package finance

import (
	"net/url"
	"strings"
)

// stripeDashboard is the address of Stripe's dashboard.
const stripeDashboard = "https://dashboard.stripe.com/"

// liveMode reports whether key is a live Stripe key (sk_live_…, rk_live_…).
// Without a key donations are off, but past ones are shown: they were taken
// in live mode unless the key said otherwise, so live is assumed.
func liveMode(key string) bool {
	return !strings.Contains(key, "_test_")
}

// stripeURL is the dashboard page of a Stripe object, in live or test mode,
// or "" for an id whose page is not known (a Checkout Session's payment
// is on its payment intent's page).
func stripeURL(id string, live bool) string {
	var section string
	switch {
	case strings.HasPrefix(id, "pi_"), strings.HasPrefix(id, "ch_"), strings.HasPrefix(id, "py_"):
		section = "payments/"
	case strings.HasPrefix(id, "po_"):
		section = "payouts/"
	default:
		return ""
	}
	base := stripeDashboard
	if !live {
		base += "test/"
	}
	return base + section + url.PathEscape(id)
}
