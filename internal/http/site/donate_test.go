package site_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/config"
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

// A refused donation form comes back with "Error: " in its title and a
// focused summary that links to each field; each message sits above the
// field it concerns, the Gift Aid ones inside the Gift Aid box.
func TestDonateFormErrors(t *testing.T) {
	t.Parallel()
	_, db := pkgDB.Fresh(t)
	e := serve(t, db, func(c *config.Config) { c.StripeSecretKey = "sk_test_123" })
	f := apptest.Seed(t, e.db, nil)
	token := e.FormToken("/releases/" + f.Release.Slug)
	form := url.Values{"csrf_token": {token}, "amount": {"other"}, "amount_other": {"0.01"},
		"gift_aid": {"yes"}, "gift_aid_first_name": {""}, "gift_aid_last_name": {"Hopper"}, "gift_aid_house": {"1"},
		"gift_aid_address": {"1 High Street"}, "gift_aid_postcode": {"SW1A 1AA"}}
	res := e.PostForm("/releases/"+f.Release.Slug+"/donate", form)
	apptest.AssertPage(t, res, http.StatusUnprocessableEntity,
		"<title>Error: Donate: "+f.Campaign.Title,
		`id="donate-errors" role="alert" tabindex="-1" autofocus`,
		`<a href="#amount-5">`, `<a href="#gift_aid_first_name">Gift Aid needs your first name.</a>`,
		`<a href="#gift_aid_confirm">Please confirm the UK taxpayer statement`,
		`id="gift_aid" name="gift_aid" type="checkbox" value="yes" checked`)
	body := res.Body
	order := []string{`id="donate-errors"`, `<a href="#amount-5">`, `<a href="#gift_aid_first_name">`, `<a href="#gift_aid_confirm">`,
		`<fieldset class="gift-aid">`, `id="gift_aid_first_name-error"`, `id="gift_aid_first_name"`, `id="gift_aid_confirm-error"`, `id="gift_aid_confirm"`}
	last := -1
	for _, s := range order {
		i := strings.Index(body, s)
		if i < last {
			t.Errorf("%s comes before what should precede it", s)
		}
		last = i
	}
}
