package layout_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/mailpittest"
	"github.com/advocacy/advocacy/internal/tooling/stripetest"
	"github.com/advocacy/advocacy/internal/tooling/testbrowser"
)

const (
	webhookSecret = "whsec_e2e_layout"
	password      = "correct horse battery staple"
	// verifySlug is the release of a second campaign whose petition
	// verifies signatures by email, for the pages its links open.
	verifySlug = "verify-by-email"
)

// site is the whole server with something on every page: the demo
// campaign, release and petition with signatures; a second campaign whose
// petition verifies by email, signed once (so there are confirm and
// unsubscribe links); a paid donation and a Stripe event that matches
// none; an outbound webhook; and an admin who may open every staff page.
type site struct {
	url    string
	srv    *apptest.Server
	db     *postgres.DB
	demo   postgres.SeedSet
	verify postgres.SeedSet
	admin  staff.Member

	confirmPath     string // a confirmation link's path
	unsubscribePath string // an unsubscribe link's path
	donationID      int64  // the paid donation
	sessionID       string // its Checkout session
	webhookID       int64
}

// The links in a confirmation email.
var (
	confirmLink     = regexp.MustCompile(`https?://[^\s/]+(/confirm/[A-Za-z0-9_-]+)`)
	unsubscribeLink = regexp.MustCompile(`https?://[^\s/]+(/unsubscribe/[A-Za-z0-9_.-]+)`)
)

// newSite starts the server and fills it. Without stripe-mock or Mailpit
// it skips t (and fails it in CI, where TestMain has already refused to
// start without them).
func newSite(t *testing.T) *site {
	t.Helper()
	if mock == nil {
		t.Skip(stripetest.ErrNoMock)
	}
	if mail == nil {
		t.Skip(mailpittest.ErrNoMailpit)
	}
	ctx := t.Context()
	_, db := pkgDB.Fresh(t)
	s := &site{db: db}
	var err error
	if s.demo, err = db.Seed(ctx, postgres.SeedSet{Campaign: demo.Campaign(), Petition: demo.Petition(), Release: demo.Release()}); err != nil {
		t.Fatal(err)
	}
	published := demo.ReleasePublishedAt
	s.verify, err = db.Seed(ctx, postgres.SeedSet{
		Campaign: campaign.Campaign{Slug: "clean-supply-chains", Title: "Clean supply chains", Target: "Parliament",
			Status: campaign.StatusActive, Currency: "GBP", Summary: "Make firms check their suppliers."},
		Petition: petition.Petition{Slug: "check-suppliers", Title: "Make firms check their suppliers",
			Ask: "Pass a law that makes large firms check their supply chains for forced labour.", Goal: 5000,
			Status: petition.StatusOpen},
		Release: campaign.Release{Slug: verifySlug, Title: "Firms must check their suppliers, say 40 charities",
			Summary: "A letter to Parliament.", Body: "Forty charities wrote to Parliament today.",
			Status: campaign.ReleasePublished, PublishedAt: &published},
	})
	if err != nil {
		t.Fatal(err)
	}
	apptest.Exec(t, db, `UPDATE petitions SET verification = 'email' WHERE id = $1`, s.verify.Petition.ID)

	s.srv = apptest.Start(t, db, apptest.Options{Config: func(c *config.Config) {
		c.LogLevel = slog.LevelWarn
		c.StripeSecretKey, c.StripeAPIBase, c.StripeWebhookSecret = "sk_test_layout", mock.URL, webhookSecret
		c.SMTPURL, c.MailFrom, c.OrgName = mail.SMTPURL, "campaigns@example.org", "Anti-Slavery Action"
	}})
	s.url = s.srv.URL
	client := s.srv.Client(t)

	// Supporters sign the demo petition, some of them opting in to updates.
	for i := range 12 {
		body := fmt.Sprintf(`{"full_name":"Supporter %d","email":%q,"country":%q,"consent_updates":%t}`,
			i, fmt.Sprintf("layout-%d@example.org", i), []string{"GB", "FR", "IE"}[i%3], i%2 == 0)
		if res := client.PostJSON(apptest.SignaturesPath(s.demo.Petition.ID), body); res.Status != http.StatusCreated {
			t.Fatalf("sign the demo petition: %d %s", res.Status, res.Body)
		}
	}
	// One signs the petition that verifies by email, and is sent the links.
	to := mailpittest.Recipient("layout")
	body := fmt.Sprintf(`{"full_name":"Ada Lovelace","email":%q,"country":"GB","consent_updates":true}`, to)
	if res := client.PostJSON(apptest.SignaturesPath(s.verify.Petition.ID), body); res.Status/100 != 2 {
		t.Fatalf("sign the petition that verifies by email: %d %s", res.Status, res.Body)
	}
	msg := mail.WaitFor(t, to, 1)[0]
	c, u := confirmLink.FindStringSubmatch(msg.Text), unsubscribeLink.FindStringSubmatch(msg.Text)
	if c == nil || u == nil {
		t.Fatalf("no confirm or unsubscribe link in the email:\n%s", msg.Text)
	}
	s.confirmPath, s.unsubscribePath = c[1], u[1]

	s.donate(t)
	s.admin = s.staff(t)
	return s
}

// donate gives through the form (the server asks stripe-mock for a
// Checkout session), has Stripe report it paid, and sends an event that
// matches no donation.
func (s *site) donate(t *testing.T) {
	t.Helper()
	b := s.srv.Client(t)
	page := "/releases/" + demo.ReleaseSlug
	form := url.Values{"csrf_token": {b.FormToken(page)}, "amount": {"25"}}
	res := b.PostForm(page+"/donate", form, "Origin", s.url, "Sec-Fetch-Site", "same-origin")
	if res.Status != http.StatusSeeOther {
		t.Fatalf("donate: %d %s", res.Status, res.Body)
	}
	var nonce string
	err := s.db.SQL().QueryRowContext(t.Context(),
		`SELECT id, checkout_session_id, checkout_nonce FROM donations ORDER BY id DESC LIMIT 1`).Scan(&s.donationID, &s.sessionID, &nonce)
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{"donation_id": strconv.FormatInt(s.donationID, 10), "donation_nonce": nonce}
	now := time.Now()
	events := [][]byte{
		stripetest.Event(fmt.Sprintf("evt_layout_paid_%d", now.UnixNano()), "checkout.session.completed", now,
			stripetest.CheckoutSession(s.sessionID, "pi_layout_paid", "paid", meta)),
		stripetest.Event(fmt.Sprintf("evt_layout_unknown_%d", now.UnixNano()), "checkout.session.completed", now,
			stripetest.CheckoutSession("cs_test_layout_unknown", "pi_layout_unknown", "paid",
				map[string]string{"donation_id": "999999", "donation_nonce": "x"})),
	}
	for _, ev := range events {
		res := b.Do(http.MethodPost, "/webhooks/stripe", bytes.NewReader(ev),
			"Content-Type", "application/json", "Stripe-Signature", stripetest.Sign(ev, webhookSecret, now))
		if res.Status != http.StatusOK {
			t.Fatalf("Stripe's webhook: %d %s", res.Status, res.Body)
		}
	}
}

// staff makes the admin and an outbound webhook, so the staff pages have
// rows to show.
func (s *site) staff(t *testing.T) staff.Member {
	t.Helper()
	auth, err := staff.NewAuth(s.db.Staff(), staff.AuthOptions{Passwords: apptest.CheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	who := staff.CommandLine()
	m, err := auth.CreateMember(t.Context(), who, "admin@example.org", staff.RoleAdmin, password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.CreateMember(t.Context(), who, "finance@example.org", staff.RoleFinance, password); err != nil {
		t.Fatal(err)
	}
	ep, _, err := s.db.Webhooks().CreateEndpoint(t.Context(), who,
		outbound.NewEndpoint{URL: "https://crm.example.org/hooks/advocacy", Events: outbound.Events()})
	if err != nil {
		t.Fatal(err)
	}
	s.webhookID = ep.ID
	return m
}

// browser starts a headless Chromium for t with a throwaway profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), testbrowser.Options(testbrowser.Require(t), t.TempDir())...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// tab opens a tab in a browser context of its own (no shared cookies).
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

// signIn logs the tab in at the staff login form as m.
func (s *site) signIn(t *testing.T, ctx context.Context, m staff.Member) {
	t.Helper()
	if _, err := testbrowser.Open(ctx, testbrowser.Desktop, s.url+"/admin/login"); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("email"), m.Email),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	if err != nil {
		t.Fatalf("fill in the login form: %v", err)
	}
	res, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.ID("password")))
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("log in: %v %v", res, err)
	}
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != s.url+"/admin" {
		t.Fatalf("after logging in the browser is at %q (%v), want /admin", loc, err)
	}
}
