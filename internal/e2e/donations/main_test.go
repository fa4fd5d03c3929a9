// Package donations tests the donation feature from the outside: the public
// form, Stripe's webhooks and the finance API over real HTTP, with a real
// database, the real stripe-go client against stripe-mock, and a real
// browser.
package donations_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
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

func TestMain(m *testing.M) {
	var err error
	pkg, err = testdb.Setup("e2e_donations")
	if err != nil {
		fmt.Fprintln(os.Stderr, "test database:", err)
		os.Exit(1)
	}
	mock, err = stripetest.StartMock()
	if err != nil && (!errors.Is(err, stripetest.ErrNoMock) || stripetest.MissingIsFatal()) {
		pkg.Close()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	mock.Close()
	pkg.Close()
	os.Exit(code)
}

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
	a.URL = srv.URL
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
	b.bearer = token
	return b
}

// staffBrowser returns a browser signed in at /admin/login as m.
func (a *app) staffBrowser(t *testing.T, m staff.Member) *browser {
	t.Helper()
	b := a.browser(t)
	res := b.post("/admin/login", url.Values{"email": {m.Email}, "password": {staffPassword},
		"csrf_token": {b.token("/admin/login")}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("login as %s: %d %s", m.Role, res.status, res.body)
	}
	return b
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t      *testing.T
	client *http.Client
	base   string
	bearer string // sent as a bearer token when set
}

func (a *app) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: a.URL, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	if b.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+b.bearer)
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (b *browser) get(path string, header ...string) response {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// token reads the form token from a page this browser loaded.
func (b *browser) token(page string) string {
	b.t.Helper()
	r := b.get(page)
	m := csrfField.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		b.t.Fatalf("GET %s: %d, token found: %v", page, r.status, m != nil)
	}
	return html.UnescapeString(m[1])
}

// post sends a form like a browser on this site does.
func (b *browser) post(path string, form url.Values, header ...string) response {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// donate loads the release page for its token and posts the donation form.
func (b *browser) donate(releaseSlug string, form url.Values, header ...string) response {
	b.t.Helper()
	form = cloneValues(form)
	form.Set("csrf_token", b.token("/releases/"+releaseSlug))
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
