package e2e_test

import (
	"log/slog"
	"net/http"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/mailpittest"
)

// confirmLink is the link in a confirmation email.
var confirmLink = regexp.MustCompile(`https?://[^\s]+/confirm/[A-Za-z0-9_-]{43}`)

// TestSupporterConfirmsByEmail goes the whole way on a petition that
// verifies by email: sign on the release page, find the email in Mailpit,
// open its link, confirm, and see the count on the release page rise by one.
func TestSupporterConfirmsByEmail(t *testing.T) {
	ctx := browser(t)
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	set, err := db.Seed(t.Context(), postgres.SeedSet{Campaign: demo.Campaign(), Petition: demo.Petition(), Release: demo.Release()})
	if err != nil {
		t.Fatal(err)
	}
	apptest.Exec(t, db, `UPDATE petitions SET verification = 'email' WHERE id = $1`, set.Petition.ID)
	srv := apptest.Start(t, db, apptest.Options{Config: func(c *config.Config) {
		c.LogLevel = slog.LevelWarn
		c.SMTPURL, c.MailFrom, c.OrgName = mp.SMTPURL, "campaigns@example.org", "Anti-Slavery Action"
	}})
	log := watchConsole(ctx)
	release := srv.URL + "/releases/" + demo.ReleaseSlug
	to := mailpittest.Recipient("browser")

	do(t, ctx, "open the release", chromedp.Navigate(release))
	before := countOn(t, ctx, "#petition .js-count")
	do(t, ctx, "fill the sign form",
		chromedp.SendKeys(chromedp.ID("full_name"), "Grace Hopper"),
		chromedp.SendKeys(chromedp.ID("email"), to),
		chromedp.SetValue(chromedp.ID("country"), "GB"),
	)
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.sign button[type="submit"]`)))
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("submit the sign form: %v %v", res, err)
	}
	if got := run(t, ctx, "read the thanks", chromedp.Text(chromedp.CSS(".thanks h1"))); got != "Check your inbox" {
		t.Errorf("after signing the heading is %q, want Check your inbox", got)
	}
	if after := countOn(t, ctx, ".thanks .js-count"); after != before {
		t.Errorf("before confirming the count is %d, want %d", after, before)
	}

	msgs := mp.WaitFor(t, to, 1)
	link := confirmLink.FindString(msgs[0].Text)
	if link == "" {
		t.Fatalf("no confirmation link in %q", msgs[0].Text)
	}
	// The link opens in a fresh browser context: an email client's.
	mail := browser(t)
	do(t, mail, "open the link", chromedp.Navigate(link))
	if got := run(t, mail, "read the page", chromedp.Text(chromedp.CSS(".confirm h1"))); got != "Confirm your signature" {
		t.Errorf("the link's page says %q", got)
	}
	res, err = chromedp.RunResponse(mail, chromedp.Click(chromedp.CSS(`.confirm button[type="submit"]`)))
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("press Confirm my signature: %v %v", res, err)
	}
	if got := run(t, mail, "read the thanks", chromedp.Text(chromedp.CSS(".thanks h1"))); got != "Thank you for signing" {
		t.Errorf("after confirming the heading is %q", got)
	}
	if after := countOn(t, mail, ".thanks .js-count"); after != before+1 {
		t.Errorf("the thanks page shows %d, want %d", after, before+1)
	}
	do(t, ctx, "open the release again", chromedp.Navigate(release))
	if after := countOn(t, ctx, "#petition .js-count"); after != before+1 {
		t.Errorf("the release page shows %d, want %d", after, before+1)
	}
	for _, p := range log.problems(t, ctx, "confirmed") {
		t.Errorf("browser console: %s", p)
	}
}
