package e2estaff

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/testbrowser"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "e2e_staff", &pkgDB) }

const password = "correct horse battery staple"

// serve starts the application on 127.0.0.1 over the package database.
func serve(t *testing.T) (*apptest.Server, *postgres.DB, *staff.Auth) {
	t.Helper()
	// A database of its own, so that repeated runs (-count) start afresh.
	_, db := pkgDB.Fresh(t)
	srv := apptest.Start(t, db, apptest.Options{})
	auth, err := staff.NewAuth(db.Staff(), staff.AuthOptions{Passwords: apptest.CheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	return srv, db, auth
}

// browser starts a headless Chromium with its own throwaway profile and
// collects what the page logs (Content-Security-Policy violations show there).
// navigator returns a function that runs steps that leave the page and
// waits for the next page to load (RunResponse) before anything looks at
// it, so nothing is read from the page being left; a load that fails or
// answers other than 200 ends the test, with what the browser logged.
func navigator(t *testing.T, b context.Context, console *consoleLog) func(what string, steps ...chromedp.Action[chromedp.Void]) {
	return func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		res, err := chromedp.RunResponse(b, steps...)
		if err != nil {
			t.Fatalf("%s: %v\nconsole:\n%s", what, err, console)
		}
		if res.Status != 200 {
			t.Fatalf("%s: the page loaded with status %d", what, res.Status)
		}
	}
}

func browser(t *testing.T) (context.Context, *consoleLog) {
	t.Helper()
	opts := testbrowser.Options(testbrowser.Require(t), t.TempDir())
	logs := &consoleLog{}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(func(ev any) {
		switch ev := ev.(type) {
		case *cdplog.EventEntryAdded:
			logs.add(ev.Entry.Text)
		case *runtime.EventExceptionThrown:
			logs.add(ev.ExceptionDetails.Text)
		}
	}))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser; chromedp enables the log and runtime
	// domains of every tab, so the listener sees their events.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx, logs
}

type consoleLog struct {
	mu      sync.Mutex
	entries []string
}

func (l *consoleLog) add(s string) {
	l.mu.Lock()
	l.entries = append(l.entries, s)
	l.mu.Unlock()
}

func (l *consoleLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.entries, "\n")
}

// A campaigner logs in, writes a release for a campaign, publishes it, and
// the public page shows it; the petition's dashboard draws its chart.
func TestCampaignerPublishesAReleaseAndReadsTheDashboard(t *testing.T) {
	ts, db, auth := serve(t)
	ctx := context.Background()
	who := staff.CommandLine()
	camp, err := db.Desk().CreateCampaign(ctx, who, campaign.Campaign{Slug: "ratify-the-convention",
		Title: "Ratify the trafficking convention", Target: "UK Government", Status: campaign.StatusActive, Currency: "GBP"})
	if err != nil {
		t.Fatal(err)
	}
	pet, err := db.Desk().CreatePetition(ctx, who, petition.Petition{CampaignID: camp.ID, Slug: "ratify-now",
		Title: "Ratify it now", Ask: "Ratify the convention without delay.", Goal: 100, Status: petition.StatusOpen})
	if err != nil {
		t.Fatal(err)
	}
	m, err := auth.CreateMember(ctx, who, "campaigner@example.org", staff.RoleCampaigner, password)
	if err != nil {
		t.Fatal(err)
	}

	b, console := browser(t)
	navigate := navigator(t, b, console)
	// Asking for the desk sends a stranger to the login form.
	navigate("open the desk", chromedp.Navigate(ts.URL+"/admin/releases/new"))
	err = chromedp.Do(b,
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), m.Email),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
	)
	if err != nil {
		t.Fatalf("fill in the login form: %v\nconsole:\n%s", err, console)
	}
	// Logged in, back where they were going.
	navigate("log in", chromedp.Submit(chromedp.CSS(`#password`)))
	heading := text(t, b, `h1`)
	err = chromedp.Do(b,
		chromedp.WaitVisible(chromedp.CSS(`#body`)),
		chromedp.SetValue(chromedp.CSS(`#campaign_id`), fmt.Sprint(camp.ID)),
		chromedp.SendKeys(chromedp.CSS(`#title`), "The convention, at last"),
		chromedp.SendKeys(chromedp.CSS(`#slug`), "the-convention-at-last"),
		chromedp.SendKeys(chromedp.CSS(`#summary`), "Ratification day."),
		chromedp.SendKeys(chromedp.CSS(`#body`), "Women's rights's words, *exactly* as typed."),
	)
	if err != nil {
		t.Fatalf("write the release: %v\nconsole:\n%s", err, console)
	}
	navigate("save the draft", chromedp.Submit(chromedp.CSS(`#body`)))
	navigate("publish", chromedp.Click(chromedp.CSS(`#publish`)))
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.CSS(`.notice`))); err != nil {
		t.Fatalf("the notice after publishing: %v\nconsole:\n%s", err, console)
	}
	if notice := text(t, b, `.notice`); heading != "New release" || !strings.HasPrefix(notice, "Published") {
		t.Errorf("heading %q, notice %q", heading, notice)
	}

	navigate("public page", chromedp.Navigate(ts.URL+"/releases/the-convention-at-last"))
	title, campaignLink := text(t, b, `article.release h1`), text(t, b, `article.release .meta a`)
	body, err := chromedp.Run(b, chromedp.InnerHTML(chromedp.CSS(`article.release .body`)))
	if err != nil {
		t.Fatal(err)
	}
	if title != "The convention, at last" || !strings.Contains(body, "Women's rights's words, <em>exactly</em> as typed.") ||
		campaignLink != camp.Title {
		t.Errorf("public page: title %q, campaign %q, body %q", title, campaignLink, body)
	}

	// Supporters sign the petition the release carries.
	signer := db.NewSigner(postgres.SignerOptions{})
	defer signer.Close()
	for i, country := range []string{"GB", "GB", "FR"} {
		if _, err := signer.Sign(ctx, petition.Signature{PetitionID: pet.ID, FullName: "Supporter", Country: country,
			Email: fmt.Sprintf("supporter%d@example.org", i), ConsentVersion: "2026-11-v1"}); err != nil {
			t.Fatal(err)
		}
	}
	navigate("dashboard", chromedp.Navigate(fmt.Sprintf("%s/admin/petitions/%d", ts.URL, pet.ID)))
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.CSS(`#per-day svg rect.bar`))); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	bars := evaluate[int](t, b, `document.querySelectorAll('svg.chart-svg rect.bar').length`)
	tall := evaluate[int](t, b, `[...document.querySelectorAll('svg.chart-svg rect.bar')].filter(r => r.getBBox().height > 0).length`)
	if bars != 30+48 || tall != 2 { // today's bar in each chart
		t.Errorf("%d bars of which %d drawn with a height; want 78 and 2", bars, tall)
	}
	total, countries := text(t, b, `.totals .total .figure`), text(t, b, `table.breakdown:last-of-type tbody`)
	if total != "3" || !strings.Contains(countries, "United Kingdom") || !strings.Contains(countries, "France") {
		t.Errorf("total %q, countries %q", total, countries)
	}
	if strings.Contains(console.String(), "Content Security Policy") {
		t.Errorf("the pages broke their own Content-Security-Policy:\n%s", console)
	}
}

// text returns the visible text of the first element matching a CSS selector.
func text(t *testing.T, b context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// evaluate runs a JavaScript expression in the page.
func evaluate[T any](t *testing.T, b context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}
