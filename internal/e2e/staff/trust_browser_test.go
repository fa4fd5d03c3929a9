package e2estaff

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// A campaigner reviews a petition's clusters, previews invalidating the
// largest email domain's, confirms it, and the count drops by exactly it;
// no JavaScript needed.
func TestCampaignerInvalidatesACluster(t *testing.T) {
	ts, db, auth := serve(t)
	ctx := context.Background()
	who := staff.CommandLine()
	camp, err := db.Desk().CreateCampaign(ctx, who, campaign.Campaign{Slug: "trust-review", Title: "Trust review",
		Target: "UK Government", Status: campaign.StatusActive, Currency: "GBP"})
	if err != nil {
		t.Fatal(err)
	}
	pet, err := db.Desk().CreatePetition(ctx, who, petition.Petition{CampaignID: camp.ID, Slug: "trust-review",
		Title: "Count it honestly", Ask: "Count only honest signatures.", Goal: 100, Status: petition.StatusOpen})
	if err != nil {
		t.Fatal(err)
	}
	api := ts.Client(t)
	for i, email := range []string{"a@bots.example", "b@bots.example", "c@bots.example", "ada@example.org", "bob@example.org"} {
		if res := api.PostJSON(apptest.SignaturesPath(pet.ID), apptest.SignBody(email)); res.Status != http.StatusCreated {
			t.Fatalf("sign %d: %d %s", i, res.Status, res.Body)
		}
	}
	m, err := auth.CreateMember(ctx, who, "reviewer@example.org", staff.RoleCampaigner, password)
	if err != nil {
		t.Fatal(err)
	}

	b, console := browser(t)
	navigate := navigator(t, b, console)
	navigate("open the review", chromedp.Navigate(fmt.Sprintf("%s/admin/petitions/%d/trust", ts.URL, pet.ID)))
	if err := chromedp.Do(b,
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), m.Email),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
	); err != nil {
		t.Fatalf("fill in the login form: %v\nconsole:\n%s", err, console)
	}
	navigate("log in", chromedp.Submit(chromedp.CSS(`#password`)))
	if got := text(t, b, `#trust-counted`); got != "5" {
		t.Fatalf("the review shows %q counted, want 5", got)
	}
	if got := text(t, b, `#clusters-domain tbody tr:first-child td:first-child`); got != "bots.example" {
		t.Fatalf("the largest domain cluster is %q", got)
	}
	navigate("preview", chromedp.Click(chromedp.CSS(`#clusters-domain tbody tr:first-child form:first-of-type button`)))
	if got := text(t, b, `#trust-preview`); !strings.Contains(got, "Invalidate 3 signatures?") {
		t.Fatalf("the preview says %q", got)
	}
	apptest.AssertStored(t, db, pet.ID, 5)
	navigate("confirm", chromedp.Click(chromedp.CSS(`#trust-confirm`)))
	if got := text(t, b, `.notice`); !strings.HasPrefix(got, "Invalidated") {
		t.Errorf("the notice says %q", got)
	}
	if counted, invalidated := text(t, b, `#trust-counted`), text(t, b, `#trust-invalidated`); counted != "2" || invalidated != "3" {
		t.Errorf("after: %s counted, %s invalidated; want 2 and 3", counted, invalidated)
	}
	apptest.AssertStored(t, db, pet.ID, 2)
	if c := api.Get(fmt.Sprintf("/api/v1/petitions/%d", pet.ID)).JSON(t)["signature_count"]; c != 2.0 {
		t.Errorf("the public count is %v, want 2", c)
	}
	if logs := console.String(); logs != "" {
		t.Errorf("the pages logged:\n%s", logs)
	}
}
