package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/config"
	httpserver "github.com/advocacy/advocacy/internal/http"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/stripe"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "http", &pkgDB) }

// env is a running server: the real router over the real stores and signer.
type env struct {
	t      *testing.T
	db     *postgres.DB
	signer *postgres.Signer
	server *httptest.Server
	client *http.Client // keeps cookies; never follows redirects
	logs   *lockedBuffer
}

type envOptions struct {
	db     *postgres.DB
	config func(*config.Config)
}

// withDB serves from db instead of the package database.
func withDB(db *postgres.DB) func(*envOptions) {
	return func(o *envOptions) { o.db = db }
}

// withConfig changes the configuration the server is built with.
func withConfig(f func(*config.Config)) func(*envOptions) {
	return func(o *envOptions) { o.config = f }
}

// start builds the server as `advocacy serve` does and serves it on
// 127.0.0.1. By default it uses a fresh database of its own (copies are made
// from the package database, so nothing writes there), no signing rate limit
// and no Stripe key.
func start(t *testing.T, opts ...func(*envOptions)) *env {
	t.Helper()
	var o envOptions
	for _, f := range opts {
		f(&o)
	}
	if o.db == nil {
		_, o.db = pkgDB.Fresh(t)
	}
	ts := httptest.NewUnstartedServer(nil)
	cfg := config.Config{
		DatabaseURL: pkgDB.URL,
		HTTPAddr:    ts.Listener.Addr().String(),
		BaseURL:     "http://" + ts.Listener.Addr().String(),
		LogLevel:    slog.LevelInfo,
	}
	if o.config != nil {
		o.config(&cfg)
	}
	logs := &lockedBuffer{}
	counts := httpserver.NewCountCache()
	signer := o.db.NewSigner(postgres.SignerOptions{})
	deps := httpserver.Deps{
		Config: cfg, Logger: slog.New(slog.NewTextHandler(logs, nil)), DB: o.db, Counts: counts,
		Campaigns: o.db.Campaigns(), Petitions: o.db.Petitions(), Signer: signer, Donations: o.db.Donations(),
	}
	if cfg.StripeSecretKey != "" {
		// The real adapter, as serve wires it. These tests never take a
		// payment (the donations tests do, against stripe-mock), so unless
		// told otherwise it points at a port where nothing listens.
		base := cfg.StripeAPIBase
		if base == "" {
			base = "http://127.0.0.1:9"
		}
		g, err := stripe.New(stripe.Config{SecretKey: cfg.StripeSecretKey, APIBase: base})
		if err != nil {
			t.Fatal(err)
		}
		deps.Gateway = g
	}
	srv, err := httpserver.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		signer.Close()
	})
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{
		Jar:           jar,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 100},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(client.CloseIdleConnections)
	return &env{t: t, db: o.db, signer: signer, server: ts, client: client, logs: logs}
}

// response is a finished request: status, headers and the whole body.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request to the server; header holds name, value pairs.
func (e *env) do(method, path string, body io.Reader, header ...string) response {
	e.t.Helper()
	res, err := e.try(method, path, body, header...)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// try is do for other goroutines than the test's: it returns the error.
func (e *env) try(method, path string, body io.Reader, header ...string) (response, error) {
	req, err := http.NewRequest(method, e.server.URL+path, body)
	if err != nil {
		return response{}, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}, nil
}

func (e *env) get(path string, header ...string) response {
	e.t.Helper()
	return e.do(http.MethodGet, path, nil, header...)
}

// postJSON posts body (marshalled unless it is a string) as application/json.
func (e *env) postJSON(path string, body any) response {
	e.t.Helper()
	raw, ok := body.(string)
	if !ok {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		raw = string(b)
	}
	return e.do(http.MethodPost, path, strings.NewReader(raw), "Content-Type", "application/json")
}

// postForm posts form as a browser form, with extra headers.
func (e *env) postForm(path string, form url.Values, header ...string) response {
	e.t.Helper()
	header = append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)
	return e.do(http.MethodPost, path, strings.NewReader(form.Encode()), header...)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// formToken loads the release page, as a browser would before posting its
// form, and returns the form's CSRF token (the cookie lands in the jar).
func (e *env) formToken(slug string) string {
	e.t.Helper()
	res := e.get("/releases/" + slug)
	if res.status != http.StatusOK {
		e.t.Fatalf("GET /releases/%s: status %d", slug, res.status)
	}
	m := csrfField.FindStringSubmatch(res.body)
	if m == nil {
		e.t.Fatalf("release page has no csrf_token field:\n%s", res.body)
	}
	return m[1]
}

// seedN makes slugs unique across the package's tests.
var seedN atomic.Int64

type fixture struct {
	Campaign campaign.Campaign
	Petition petition.Petition
	Release  campaign.Release
}

// seed stores a published campaign, petition and release with unique slugs,
// after change (if any) has adjusted them.
func seed(t *testing.T, db *postgres.DB, change func(*postgres.SeedSet)) fixture {
	t.Helper()
	n := seedN.Add(1)
	published := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	set := postgres.SeedSet{
		Campaign: campaign.Campaign{Slug: fmt.Sprintf("campaign-%d", n), Title: fmt.Sprintf("Campaign %d", n),
			Summary: "End forced labour in supply chains.", Target: "UK Government",
			Status: campaign.StatusActive, Currency: "GBP"},
		Petition: petition.Petition{Slug: fmt.Sprintf("petition-%d", n), Title: fmt.Sprintf("Petition %d", n),
			Ask: "Pass a law that makes companies check their supply chains.", Target: "Parliament",
			Goal: 1000, Status: petition.StatusOpen},
		Release: campaign.Release{Slug: fmt.Sprintf("release-%d", n), Title: fmt.Sprintf("Release %d", n),
			Summary: "A summary of the release.", Body: "First paragraph with **bold** words.\n\nWomen's rights are human rights.",
			Status: campaign.ReleasePublished, PublishedAt: &published},
	}
	if change != nil {
		change(&set)
	}
	out, err := db.Seed(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{Campaign: out.Campaign, Petition: out.Petition, Release: out.Release}
}

// exec runs SQL against db, for state the stores cannot make (drafts,
// closed petitions).
func exec(t *testing.T, db *postgres.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// stored returns the number of signature rows and the stored count of a petition.
func stored(t *testing.T, db *postgres.DB, petitionID int64) (rows, count int64) {
	t.Helper()
	err := db.SQL().QueryRowContext(context.Background(), `
		SELECT (SELECT count(*) FROM signatures WHERE petition_id = $1),
		       (SELECT signature_count FROM petition_counts WHERE petition_id = $1)`, petitionID).Scan(&rows, &count)
	if err != nil {
		t.Fatal(err)
	}
	return rows, count
}

// assertStored fails unless the petition has want rows and a count of want.
func assertStored(t *testing.T, db *postgres.DB, petitionID, want int64) {
	t.Helper()
	rows, count := stored(t, db, petitionID)
	if rows != want || count != want {
		t.Errorf("petition %d: %d rows, count %d; want %d of each", petitionID, rows, count, want)
	}
}

// signBody is a valid API signing body for email.
func signBody(email string) map[string]any {
	return map[string]any{"full_name": "Ada Lovelace", "email": email, "postcode": "N1 9GU",
		"country": "GB", "consent_updates": true}
}

// signForm is a valid browser form for email with token.
func signFormValues(token, email string) url.Values {
	return url.Values{"csrf_token": {token}, "full_name": {"Grace Hopper"}, "email": {email},
		"postcode": {"SW1A 1AA"}, "country": {"GB"}, "consent_updates": {"yes"}}
}

func signaturesPath(petitionID int64) string {
	return fmt.Sprintf("/api/v1/petitions/%d/signatures", petitionID)
}

// leaks are texts that would show a database error or a panic reaching a client.
var leaks = []string{"SQLSTATE", "pq:", "pgx", "pgconn", "goroutine", ".go:", "gorm", "SELECT ", "INSERT ",
	"dial tcp", "failed to connect", "connection refused", "database is closed"}

func assertNoLeak(t *testing.T, body string) {
	t.Helper()
	for _, l := range leaks {
		if strings.Contains(body, l) {
			t.Errorf("response leaks %q:\n%s", l, body)
		}
	}
}

// assertAPIError checks the one error shape: {"error":{"code","message","fields"}}.
// wantFields, when given, are exactly the fields that must be named.
func assertAPIError(t *testing.T, res response, status int, code string, wantFields ...string) map[string]any {
	t.Helper()
	if res.status != status {
		t.Fatalf("status %d, want %d; body %s", res.status, status, res.body)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	assertNoLeak(t, res.body)
	body := res.json(t)
	if len(body) != 1 {
		t.Errorf("error body has keys other than \"error\": %s", res.body)
	}
	detail, ok := body["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %s", res.body)
	}
	if detail["code"] != code {
		t.Errorf("code %v, want %q", detail["code"], code)
	}
	if msg, _ := detail["message"].(string); msg == "" {
		t.Errorf("no message: %s", res.body)
	}
	for k := range detail {
		if k != "code" && k != "message" && k != "fields" {
			t.Errorf("unexpected key %q in error: %s", k, res.body)
		}
	}
	fields, _ := detail["fields"].(map[string]any)
	if len(wantFields) > 0 || fields != nil {
		var got []string
		for f, msg := range fields {
			got = append(got, f)
			if s, _ := msg.(string); s == "" {
				t.Errorf("field %s has no message", f)
			}
		}
		if !sameSet(got, wantFields) {
			t.Errorf("fields %v, want %v", got, wantFields)
		}
	}
	return detail
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		if seen[s] == 0 {
			return false
		}
		seen[s]--
	}
	return true
}

// lockedBuffer collects the server's log lines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
