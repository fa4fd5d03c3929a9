package site_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "http_site", &pkgDB) }

// env is a running server, wired as `advocacy serve` wires it, with a
// client that keeps cookies and never follows redirects.
type env struct {
	t      *testing.T
	db     *postgres.DB
	server *apptest.Server
	client *apptest.Client
}

type envOptions struct {
	db     *postgres.DB
	config func(*config.Config)
}

// withDB serves from db instead of a fresh database.
func withDB(db *postgres.DB) func(*envOptions) {
	return func(o *envOptions) { o.db = db }
}

// withConfig changes the configuration the server is built with.
func withConfig(f func(*config.Config)) func(*envOptions) {
	return func(o *envOptions) { o.config = f }
}

// start serves a fresh database of its own (copied from the package
// database, so nothing writes there) with apptest's defaults: no signing
// rate limit and no Stripe key.
func start(t *testing.T, opts ...func(*envOptions)) *env {
	t.Helper()
	var o envOptions
	for _, f := range opts {
		f(&o)
	}
	if o.db == nil {
		_, o.db = pkgDB.Fresh(t)
	}
	srv := apptest.Start(t, o.db, apptest.Options{Config: o.config})
	return &env{t: t, db: o.db, server: srv, client: srv.Client(t)}
}

// response is a finished request: status, headers and the whole body.
type response struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(method, path string, body io.Reader, header ...string) response {
	e.t.Helper()
	r := e.client.Do(method, path, body, header...)
	return response{status: r.Status, header: r.Header, body: r.Body}
}

func (e *env) get(path string, header ...string) response {
	e.t.Helper()
	r := e.client.Get(path, header...)
	return response{status: r.Status, header: r.Header, body: r.Body}
}

// postJSON posts body (marshalled unless it is a string) as application/json.
func (e *env) postJSON(path string, body any) response {
	e.t.Helper()
	r := e.client.PostJSON(path, body)
	return response{status: r.Status, header: r.Header, body: r.Body}
}

// postForm posts form as a browser form, with extra headers.
func (e *env) postForm(path string, form url.Values, header ...string) response {
	e.t.Helper()
	r := e.client.PostForm(path, form, header...)
	return response{status: r.Status, header: r.Header, body: r.Body}
}

// formToken loads the release page, as a browser would before posting its
// form, and returns the form's CSRF token (the cookie lands in the jar).
func (e *env) formToken(slug string) string {
	e.t.Helper()
	return e.client.FormToken("/releases/" + slug)
}

type fixture = apptest.Fixture

// seed stores a published campaign, petition and release with unique slugs,
// after change (if any) has adjusted them.
func seed(t *testing.T, db *postgres.DB, change func(*postgres.SeedSet)) fixture {
	t.Helper()
	return apptest.Seed(t, db, change)
}

// exec runs SQL against db, for state the stores cannot make (drafts,
// closed petitions).
func exec(t *testing.T, db *postgres.DB, query string, args ...any) {
	t.Helper()
	apptest.Exec(t, db, query, args...)
}

// assertStored fails unless the petition has want rows and a count of want.
func assertStored(t *testing.T, db *postgres.DB, petitionID, want int64) {
	t.Helper()
	apptest.AssertStored(t, db, petitionID, want)
}

func assertNoLeak(t *testing.T, body string) {
	t.Helper()
	apptest.AssertNoLeak(t, body)
}

// signBody is a valid API signing body for email.
func signBody(email string) map[string]any {
	return map[string]any{"full_name": "Ada Lovelace", "email": email, "postcode": "N1 9GU",
		"country": "GB", "consent_updates": true}
}

// signFormValues is a valid browser form for email with token.
func signFormValues(token, email string) url.Values {
	return url.Values{"csrf_token": {token}, "full_name": {"Grace Hopper"}, "email": {email},
		"postcode": {"SW1A 1AA"}, "country": {"GB"}, "consent_updates": {"yes"}}
}

func signaturesPath(petitionID int64) string {
	return fmt.Sprintf("/api/v1/petitions/%d/signatures", petitionID)
}

// assertAPIError checks the one error shape: {"error":{"code","message","fields"}}.
// wantFields, when given, are exactly the fields that must be named.
func assertAPIError(t *testing.T, res response, status int, code string, wantFields ...string) map[string]any {
	t.Helper()
	return apptest.AssertAPIError(t, apptest.Response{Status: res.status, Header: res.header, Body: res.body},
		status, code, wantFields...)
}
