package desk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "http_desk", &pkgDB) }

const goodPassword = "correct horse battery staple"

var seq atomic.Int64

func unique(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

// env is a running server: the real router over the real stores.
type env struct {
	t      *testing.T
	db     *postgres.DB
	auth   *staff.Auth
	server *apptest.Server
}

type options struct {
	baseURL  string
	throttle staff.ThrottlePolicy
	// trustRules applies the trust rules to the clients, which name their
	// address in X-Forwarded-For (loopback is a trusted proxy).
	trustRules bool
}

// start serves the application as `advocacy serve` does, on 127.0.0.1.
func start(t *testing.T, opts ...func(*options)) *env {
	t.Helper()
	o := options{throttle: staff.ThrottlePolicy{MaxPerAccount: 1000, MaxPerAddress: 1000}}
	for _, f := range opts {
		f(&o)
	}
	db := pkgDB.Open(t)
	authOpts := staff.AuthOptions{Passwords: apptest.CheapPasswords, Throttle: o.throttle}
	srv := apptest.Start(t, db, apptest.Options{
		Config: func(cfg *config.Config) {
			if o.baseURL != "" {
				cfg.BaseURL = o.baseURL
			}
			if o.trustRules {
				cfg.TrustedSigners = []netip.Prefix{}
				cfg.TrustedProxies = []string{"127.0.0.1"}
			}
		},
		App:      app.Options{StaffAuth: authOpts},
		JSONLogs: true,
	})
	auth, err := staff.NewAuth(db.Staff(), authOpts)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, auth: auth, server: srv}
}

// member creates an account with goodPassword.
func (e *env) member(role staff.Role) staff.Member {
	e.t.Helper()
	m, err := e.auth.CreateMember(context.Background(), staff.CommandLine(), unique(string(role))+"@example.org", role, goodPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// token issues an API token for m.
func (e *env) token(m staff.Member) string {
	e.t.Helper()
	secret, _, err := e.auth.IssueToken(context.Background(), staff.CommandLine(), m.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// world is a campaign with an open petition, a published release carrying
// it, and a draft release.
type world struct {
	Campaign campaign.Campaign
	Petition petition.Petition
	Release  campaign.Release
	Draft    campaign.Release
}

func (e *env) world() world {
	e.t.Helper()
	ctx := context.Background()
	who := staff.CommandLine()
	desk := e.server.App.Stores.Desk()
	var w world
	var err error
	if w.Campaign, err = desk.CreateCampaign(ctx, who, campaign.Campaign{Slug: unique("campaign"), Title: "End forced labour",
		Summary: "Supply chains.", Target: "UK Government", Status: campaign.StatusActive, Currency: "GBP"}); err != nil {
		e.t.Fatal(err)
	}
	if w.Petition, err = desk.CreatePetition(ctx, who, petition.Petition{CampaignID: w.Campaign.ID, Slug: unique("petition"),
		Title: "Check supply chains", Ask: "Pass a law that makes companies check.", Goal: 1000, Status: petition.StatusOpen}); err != nil {
		e.t.Fatal(err)
	}
	if w.Release, err = desk.CreateRelease(ctx, who, campaign.Release{CampaignID: w.Campaign.ID, PetitionID: &w.Petition.ID,
		Slug: unique("release"), Title: "Launch", Body: "Women's rights are **human rights**."}); err != nil {
		e.t.Fatal(err)
	}
	if w.Release, err = desk.PublishRelease(ctx, who, w.Release.ID); err != nil {
		e.t.Fatal(err)
	}
	if w.Draft, err = desk.CreateRelease(ctx, who, campaign.Release{CampaignID: w.Campaign.ID, Slug: unique("draft"),
		Title: "Draft", Body: "Not yet."}); err != nil {
		e.t.Fatal(err)
	}
	return w
}

// client is one browser (its own cookie jar) or one integration (a token).
type client struct {
	*apptest.Client
	t *testing.T
}

// browser returns a client that keeps cookies and never follows redirects.
func (e *env) browser() *client {
	return &client{Client: e.server.Client(e.t), t: e.t}
}

// api returns a client that sends token as a bearer token ("" for none).
func (e *env) api(token string) *client {
	c := e.browser()
	c.Bearer(token)
	return c
}

// errorCode is the code of the API error res carries.
func errorCode(t *testing.T, res apptest.Response) string {
	t.Helper()
	e, _ := res.JSON(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// csrf loads a page as a browser would before posting, and returns the
// form token (its cookie lands in the jar).
func (c *client) csrf() string {
	c.t.Helper()
	res := c.Get("/admin/login")
	if res.Status == http.StatusSeeOther { // signed in already: the desk has the logout form
		res = c.Get(res.Header.Get("Location"))
	}
	return res.FormToken(c.t)
}

// submit posts a form with the page's CSRF token, as a browser does.
func (c *client) submit(path string, form url.Values) apptest.Response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", c.csrf())
	return c.PostForm(path, form)
}

// login signs the browser in as m.
func (c *client) login(m staff.Member) {
	c.t.Helper()
	res := c.submit("/admin/login", url.Values{"email": {m.Email}, "password": {goodPassword}})
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("login as %s: status %d\n%s", m.Role, res.Status, res.Body)
	}
}

// signedIn returns a browser signed in as a new member with role.
func (e *env) signedIn(role staff.Role) (*client, staff.Member) {
	e.t.Helper()
	m := e.member(role)
	c := e.browser()
	c.login(m)
	return c, m
}

// sign signs the petition through the public API.
func (e *env) sign(petitionID int64, email string) apptest.Response {
	e.t.Helper()
	return e.browser().PostJSON(apptest.SignaturesPath(petitionID), apptest.SignBody(email))
}

// expired makes every session of m expire, as the clock would.
func (e *env) expireSessions(m staff.Member) {
	e.t.Helper()
	apptest.Exec(e.t, e.db, `UPDATE staff_sessions SET expires_at = now() - interval '1 second' WHERE staff_id = $1`, m.ID)
}
