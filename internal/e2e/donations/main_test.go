// Package donations tests the donation feature from the outside: the public
// form, Stripe's webhooks and the finance API over real HTTP, with a real
// database, the real stripe-go client against stripe-mock, and a real
// browser.
package donations_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"testing"

	wiring "github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/stripe"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/stripetest"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var (
	pkg  *testdb.Package
	mock *stripetest.Mock // nil when stripe-mock is missing outside CI
)

func TestMain(m *testing.M) { stripetest.Main(m, "e2e_donations", &pkg, &mock) }

const webhookSecret = "whsec_e2e_donations"

const staffPassword = "correct horse battery staple"

// account is a staff member with an API token.
type account struct {
	staff.Member
	Token string
}

// recordingGateway passes every request to the real Stripe gateway and
// keeps what it was asked and what it answered.
type recordingGateway struct {
	next donation.Gateway
	mu   sync.Mutex
	reqs []donation.CheckoutRequest
	urls []string
	ids  []string
}

func (g *recordingGateway) CreateCheckout(ctx context.Context, req donation.CheckoutRequest) (string, string, error) {
	id, u, err := g.next.CreateCheckout(ctx, req)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reqs = append(g.reqs, req)
	if err == nil {
		g.ids, g.urls = append(g.ids, id), append(g.urls, u)
	}
	return id, u, err
}

func (g *recordingGateway) last(t *testing.T) (donation.CheckoutRequest, string, string) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.urls) == 0 {
		t.Fatal("the gateway created no checkout session")
	}
	return g.reqs[len(g.reqs)-1], g.ids[len(g.ids)-1], g.urls[len(g.urls)-1]
}

func (g *recordingGateway) calls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.reqs)
}

// app is a running server over a fresh database holding the demo campaign
// (GBP) and a EUR campaign.
type app struct {
	URL     string
	server  *apptest.Server
	db      *postgres.DB
	store   *postgres.DonationStore
	gateway *recordingGateway // nil when donations are off
	demo    postgres.SeedSet
	eur     postgres.SeedSet
	auth    *staff.Auth
	finance account // a finance user, for the finance API
	seq     int
}

type appOptions struct {
	donationsOff bool // no STRIPE_SECRET_KEY
	noWebhooks   bool // no STRIPE_WEBHOOK_SECRET
	refusedKey   bool // a key Stripe (here stripe-mock) refuses
}

func newApp(t *testing.T, opts appOptions) *app {
	t.Helper()
	if !opts.donationsOff && mock == nil {
		t.Skip(stripetest.ErrNoMock)
	}
	_, db := pkg.Fresh(t)
	ctx := t.Context()
	a := &app{db: db, store: db.Donations()}
	var err error
	if a.demo, err = db.Seed(ctx, postgres.SeedSet{Campaign: demo.Campaign(), Petition: demo.Petition(), Release: demo.Release()}); err != nil {
		t.Fatal(err)
	}
	published := demo.ReleasePublishedAt
	a.eur, err = db.Seed(ctx, postgres.SeedSet{
		Campaign: campaign.Campaign{Slug: "eu-campaign", Title: "A European campaign", Target: "The Council", Status: campaign.StatusActive, Currency: "EUR"},
		Petition: petition.Petition{Slug: "eu-petition", Title: "Act now", Ask: "Please act.", Goal: 100, Status: petition.StatusOpen},
		Release:  campaign.Release{Slug: "eu-release", Title: "A European release", Status: campaign.ReleasePublished, PublishedAt: &published},
	})
	if err != nil {
		t.Fatal(err)
	}

	if a.auth, err = staff.NewAuth(db.Staff(), staff.AuthOptions{Passwords: apptest.CheapPasswords}); err != nil {
		t.Fatal(err)
	}
	a.finance = a.account(t, staff.RoleFinance)
	var appOpts wiring.Options
	if !opts.donationsOff {
		g, err := stripe.New(stripe.Config{SecretKey: stripeKey(opts), APIBase: mock.URL})
		if err != nil {
			t.Fatal(err)
		}
		a.gateway = &recordingGateway{next: g}
		appOpts.Gateway = a.gateway
	}
	srv := apptest.Start(t, db, apptest.Options{App: appOpts, Config: func(c *config.Config) {
		c.LogLevel = slog.LevelWarn
		if !opts.donationsOff {
			c.StripeSecretKey, c.StripeAPIBase = stripeKey(opts), mock.URL
		}
		if !opts.noWebhooks {
			c.StripeWebhookSecret = webhookSecret
		}
	}})
	a.URL, a.server = srv.URL, srv
	return a
}

// stripeKey is the secret key the server is given: one stripe-mock takes,
// or, with refusedKey, one it refuses.
func stripeKey(opts appOptions) string {
	if opts.refusedKey {
		return "refused-key"
	}
	return "sk_test_e2e"
}

// account creates a staff account with role, and an API token for it, as
// `advocacy staff add` and `advocacy staff token` do.
func (a *app) account(t *testing.T, role staff.Role) account {
	t.Helper()
	a.seq++
	m, err := a.auth.CreateMember(t.Context(), staff.CommandLine(), fmt.Sprintf("%s-%d@example.org", role, a.seq), role, staffPassword)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := a.auth.IssueToken(t.Context(), staff.CommandLine(), m.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return account{Member: m, Token: token}
}

// api returns a client that sends token as a bearer token ("" for none).
func (a *app) api(t *testing.T, token string) *browser {
	b := a.browser(t)
	b.Bearer(token)
	return b
}

// staffBrowser returns a browser signed in at /admin/login as m.
func (a *app) staffBrowser(t *testing.T, m staff.Member) *browser {
	t.Helper()
	b := a.browser(t)
	res := b.post("/admin/login", url.Values{"email": {m.Email}, "password": {staffPassword},
		"csrf_token": {b.FormToken("/admin/login")}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("login as %s: %d %s", m.Role, res.Status, res.Body)
	}
	return b
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	*apptest.Client
	t    *testing.T
	base string
}

func (a *app) browser(t *testing.T) *browser {
	return &browser{Client: a.server.Client(t), t: t, base: a.URL}
}

// post sends a form like a browser on this site does.
func (b *browser) post(path string, form url.Values, header ...string) apptest.Response {
	b.t.Helper()
	header = append([]string{"Origin", b.base, "Sec-Fetch-Site", "same-origin"}, header...)
	return b.PostForm(path, form, header...)
}

// donate loads the release page for its token and posts the donation form.
func (b *browser) donate(releaseSlug string, form url.Values, header ...string) apptest.Response {
	b.t.Helper()
	form = cloneValues(form)
	form.Set("csrf_token", b.FormToken("/releases/"+releaseSlug))
	return b.post("/releases/"+releaseSlug+"/donate", form, header...)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func (a *app) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := a.db.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM donations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
