package site_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// The privacy notice names the organisation, its contact for data
// questions and how long signatures keep their details, from the
// configuration.
func TestPrivacyNotice(t *testing.T) {
	t.Parallel()
	_, db := pkgDB.Fresh(t)
	e := serve(t, db, func(c *config.Config) {
		c.OrgName, c.PrivacyContact, c.RetentionDays = "Rights Watch", "dpo@rights.example.org", 90
	})
	apptest.AssertPage(t, e.Get("/privacy"), http.StatusOK, "How we use your details", "Rights Watch runs this site",
		`<a href="mailto:dpo@rights.example.org">dpo@rights.example.org</a>`, "90 days after a petition closes",
		"6 years after the donation")

	// Without a contact the notice says nothing it cannot back.
	bare := serve(t, db, nil)
	res := bare.Get("/privacy")
	apptest.AssertPage(t, res, http.StatusOK, "180 days after a petition closes")
	if strings.Contains(res.Body, "mailto:") {
		t.Errorf("a notice without PRIVACY_CONTACT shows a mail link:\n%s", res.Body)
	}
}

// Every form that asks for personal details links to the notice: the
// release's sign form, the embedded sign form and the donation form.
func TestFormsLinkToThePrivacyNotice(t *testing.T) {
	t.Parallel()
	e := startEmbed(t, []string{partner}, func(c *config.Config) { c.StripeSecretKey = "sk_test_123" })
	f := apptest.Seed(t, e.db, nil)
	const link = `<a href="/privacy"`
	release := e.Get("/releases/" + f.Release.Slug)
	apptest.AssertPage(t, release, http.StatusOK, `class="sign"`, `id="donate-form"`)
	for _, form := range []string{`class="sign"`, `id="donate-form"`} {
		_, rest, _ := strings.Cut(release.Body, form)
		body, _, _ := strings.Cut(rest, "</form>")
		if !strings.Contains(body, link) {
			t.Errorf("the release page's form %s has no link to the privacy notice", form)
		}
	}
	embedded := e.Get(embedPath(f.Petition.Slug, "", partner))
	apptest.AssertPage(t, embedded, http.StatusOK, `class="sign"`, `<a href="/privacy" target="_blank" rel="noopener">`)
}
