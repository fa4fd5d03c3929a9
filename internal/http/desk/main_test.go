package desk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
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
	logs   *apptest.Buffer
}

type options struct {
	db       *postgres.DB
	baseURL  string
	throttle staff.ThrottlePolicy
}

// start serves the application as `advocacy serve` does, on 127.0.0.1.
func start(t *testing.T, opts ...func(*options)) *env {
	t.Helper()
	o := options{throttle: staff.ThrottlePolicy{MaxPerAccount: 1000, MaxPerAddress: 1000}}
	for _, f := range opts {
		f(&o)
	}
	if o.db == nil {
		o.db = pkgDB.Open(t)
	}
	authOpts := staff.AuthOptions{Passwords: apptest.CheapPasswords, Throttle: o.throttle}
	srv := apptest.Start(t, o.db, apptest.Options{
		Config: func(cfg *config.Config) {
			if o.baseURL != "" {
				cfg.BaseURL = o.baseURL
			}
		},
		App:      app.Options{StaffAuth: authOpts},
		JSONLogs: true,
	})
	auth, err := staff.NewAuth(o.db.Staff(), authOpts)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: o.db, auth: auth, server: srv, logs: srv.Logs}
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

func (e *env) exec(query string, args ...any) {
	e.t.Helper()
	if _, err := e.db.SQL().ExecContext(context.Background(), query, args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

// client is one browser (its own cookie jar) or one integration (a token).
type client struct {
	e     *env
	http  *http.Client
	token string
}

// browser returns a client that keeps cookies and never follows redirects.
func (e *env) browser() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	e.t.Cleanup(hc.CloseIdleConnections)
	return &client{e: e, http: hc}
}

// api returns a client that sends token as a bearer token ("" for none).
func (e *env) api(token string) *client {
	c := e.browser()
	c.token = token
	return c
}

// response is a finished request.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("not a JSON object (%v): %s", err, r.body)
	}
	return m
}

func (r response) errorCode(t *testing.T) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (c *client) do(method, path string, body io.Reader, header ...string) response {
	t := c.e.t
	t.Helper()
	req, err := http.NewRequest(method, c.e.server.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) response {
	c.e.t.Helper()
	return c.do(http.MethodGet, path, nil)
}

// sendJSON sends body, marshalled, as application/json.
func (c *client) sendJSON(method, path string, body any) response {
	c.e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return c.do(method, path, strings.NewReader(string(b)), "Content-Type", "application/json")
}

// post sends a browser form as it is, with no token added.
func (c *client) post(path string, form url.Values) response {
	c.e.t.Helper()
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf loads a page as a browser would before posting, and returns the
// form token (its cookie lands in the jar).
func (c *client) csrf() string {
	c.e.t.Helper()
	res := c.get("/admin/login")
	if res.status == http.StatusSeeOther { // signed in already: the desk has the logout form
		res = c.get(res.header.Get("Location"))
	}
	m := csrfField.FindStringSubmatch(res.body)
	if m == nil {
		c.e.t.Fatalf("the login page has no csrf_token field (status %d)", res.status)
	}
	return m[1]
}

// submit posts a form with the page's CSRF token, as a browser does.
func (c *client) submit(path string, form url.Values) response {
	c.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", c.csrf())
	return c.post(path, form)
}

// login signs the browser in as m.
func (c *client) login(m staff.Member) {
	c.e.t.Helper()
	res := c.submit("/admin/login", url.Values{"email": {m.Email}, "password": {goodPassword}})
	if res.status != http.StatusSeeOther {
		c.e.t.Fatalf("login as %s: status %d\n%s", m.Role, res.status, res.body)
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
func (e *env) sign(petitionID int64, email string) response {
	e.t.Helper()
	return e.api("").sendJSON(http.MethodPost, fmt.Sprintf("/api/v1/petitions/%d/signatures", petitionID),
		map[string]any{"full_name": "Ada Lovelace", "email": email, "country": "GB", "consent_updates": true})
}

// expired makes every session of m expire, as the clock would.
func (e *env) expireSessions(m staff.Member) {
	e.t.Helper()
	e.exec(`UPDATE staff_sessions SET expires_at = now() - interval '1 second' WHERE staff_id = $1`, m.ID)
}
