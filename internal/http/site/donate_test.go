package site_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// Without STRIPE_SECRET_KEY the donate route answers 503 donations_disabled,
// as a page to browsers and as JSON to clients that ask for it.
func TestDonateWhenDonationsAreOff(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	path := "/releases/" + f.Release.Slug + "/donate"
	token := e.FormToken("/releases/" + f.Release.Slug)
	form := func() io.Reader { return strings.NewReader("amount=1000&csrf_token=" + token) }
	formType := "application/x-www-form-urlencoded"

	res := e.Do(http.MethodPost, path, form(), "Content-Type", formType, "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	apptest.AssertPage(t, res, http.StatusServiceUnavailable, "Donations are not available")
	if ra := res.Header.Get("Retry-After"); ra != "" {
		t.Errorf("Retry-After %q: donations being off is not something to retry", ra)
	}
	res = e.Do(http.MethodPost, path, form(), "Content-Type", formType, "Accept", "application/json")
	apptest.AssertAPIError(t, res, http.StatusServiceUnavailable, "donations_disabled")
}
