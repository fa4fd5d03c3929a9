package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// assertKeys fails unless m has every key in want.
func assertKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("%s has no %q: %v", what, k, m)
		}
	}
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func TestAPIPetition(t *testing.T) {
	t.Parallel()
	e := start(t)
	closesAt := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	f := apptest.Seed(t, e.db, nil)
	closing := apptest.Seed(t, e.db, func(s *postgres.SeedSet) { s.Petition.ClosesAt = &closesAt })
	expired := apptest.Seed(t, e.db, func(s *postgres.SeedSet) {
		at := time.Now().Add(-time.Minute)
		s.Petition.ClosesAt = &at
	})
	e.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody("petition@example.org"))

	res := e.Get(fmt.Sprintf("/api/v1/petitions/%d", f.Petition.ID))
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, Content-Type %q", res.Status, res.Header.Get("Content-Type"))
	}
	p := res.JSON(t)
	assertKeys(t, "petition", p, "id", "slug", "title", "campaign", "signature_count", "goal", "status", "closes_at")
	want := map[string]any{"id": float64(f.Petition.ID), "slug": f.Petition.Slug, "title": f.Petition.Title,
		"campaign":        map[string]any{"slug": f.Campaign.Slug, "title": f.Campaign.Title},
		"signature_count": float64(1), "goal": float64(1000), "status": "open", "closes_at": nil}
	for k, v := range want {
		if !reflect.DeepEqual(p[k], v) {
			t.Errorf("%s = %#v, want %#v", k, p[k], v)
		}
	}

	p = e.Get(fmt.Sprintf("/api/v1/petitions/%d", closing.Petition.ID)).JSON(t)
	got, err := time.Parse(time.RFC3339, fmt.Sprint(p["closes_at"]))
	if err != nil || !got.Equal(closesAt) || p["status"] != "open" {
		t.Errorf("closes_at %v status %v, want %s and open", p["closes_at"], p["status"], closesAt.Format(time.RFC3339))
	}
	if p := e.Get(fmt.Sprintf("/api/v1/petitions/%d", expired.Petition.ID)).JSON(t); p["status"] != "closed" {
		t.Errorf("a petition past its closes_at has status %v, want closed", p["status"])
	}
}

func TestAPICampaign(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	e.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody("campaign-api@example.org"))

	res := e.Get("/api/v1/campaigns/" + f.Campaign.Slug)
	if res.Status != http.StatusOK {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	c := res.JSON(t)
	if c["slug"] != f.Campaign.Slug || c["title"] != f.Campaign.Title {
		t.Errorf("campaign %v", c)
	}
	petitions, _ := c["petitions"].([]any)
	if len(petitions) != 1 {
		t.Fatalf("petitions %v, want one", c["petitions"])
	}
	p := petitions[0].(map[string]any)
	assertKeys(t, "campaign petition", p, "id", "slug", "title", "signature_count", "goal", "status")
	if num(p["id"]) != f.Petition.ID || p["slug"] != f.Petition.Slug || num(p["signature_count"]) != 1 ||
		num(p["goal"]) != 1000 || p["status"] != "open" {
		t.Errorf("petition %v", p)
	}
}

func TestAPIReleases(t *testing.T) {
	t.Parallel()
	e := start(t)
	db := e.db
	now := time.Now().UTC().Truncate(time.Second)
	older := apptest.Seed(t, db, apptest.PublishedAt(now.Add(-48*time.Hour)))
	newer := apptest.Seed(t, db, apptest.PublishedAt(now.Add(-time.Hour)))
	draft := apptest.Seed(t, db, nil)
	apptest.Exec(t, db, `UPDATE releases SET status = 'draft', published_at = NULL WHERE id = $1`, draft.Release.ID)
	e.PostJSON(apptest.SignaturesPath(newer.Petition.ID), apptest.SignBody("releases@example.org"))

	res := e.Get("/api/v1/releases")
	if res.Status != http.StatusOK {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	list, _ := res.JSON(t)["releases"].([]any)
	var slugs []string
	for _, r := range list {
		r := r.(map[string]any)
		slugs = append(slugs, fmt.Sprint(r["slug"]))
		assertKeys(t, "listed release", r, "slug", "title", "summary", "published_at", "campaign", "petition")
	}
	if want := []string{newer.Release.Slug, older.Release.Slug}; !slices.Equal(slugs, want) {
		t.Errorf("releases %v, want %v (newest first, no drafts)", slugs, want)
	}

	res = e.Get("/api/v1/releases/" + newer.Release.Slug)
	if res.Status != http.StatusOK {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	r := res.JSON(t)
	if r["body"] != newer.Release.Body {
		t.Errorf("body %q, want it exactly as written: %q", r["body"], newer.Release.Body)
	}
	if !strings.Contains(fmt.Sprint(r["body_html"]), "<strong>bold</strong>") {
		t.Errorf("body_html %q", r["body_html"])
	}
	if c, _ := r["campaign"].(map[string]any); c["slug"] != newer.Campaign.Slug || c["title"] != newer.Campaign.Title {
		t.Errorf("campaign %v", r["campaign"])
	}
	p, _ := r["petition"].(map[string]any)
	assertKeys(t, "release petition", p, "id", "slug", "title", "signature_count", "goal", "status", "closes_at")
	if num(p["id"]) != newer.Petition.ID || num(p["signature_count"]) != 1 {
		t.Errorf("petition %v", p)
	}
	published, err := time.Parse(time.RFC3339, fmt.Sprint(r["published_at"]))
	if err != nil || !published.Equal(*newer.Release.PublishedAt) {
		t.Errorf("published_at %v, want %v", r["published_at"], newer.Release.PublishedAt)
	}
}

func TestAPISign(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	path := apptest.SignaturesPath(f.Petition.ID)

	first := e.PostJSON(path, apptest.SignBody("ada@example.org"))
	if first.Status != http.StatusCreated {
		t.Fatalf("status %d: %s", first.Status, first.Body)
	}
	if want := map[string]any{"status": "recorded", "signature_count": float64(1)}; !reflect.DeepEqual(first.JSON(t), want) {
		t.Errorf("body %s, want %v", first.Body, want)
	}
	// A repeat, typed differently, gets the very same answer and changes nothing.
	for _, email := range []string{"ada@example.org", "  ADA@Example.ORG ", "Ada@example.org"} {
		repeat := e.PostJSON(path, apptest.SignBody(email))
		if repeat.Status != first.Status || repeat.Body != first.Body {
			t.Errorf("repeat %q: %d %s, want %d %s", email, repeat.Status, repeat.Body, first.Status, first.Body)
		}
	}
	apptest.AssertStored(t, e.db, f.Petition.ID, 1)

	// postcode and source are optional; source is a release slug or a code.
	noPostcode := apptest.SignBody("bob@example.org")
	delete(noPostcode, "postcode")
	noPostcode["consent_updates"] = false
	fromRelease := apptest.SignBody("cy@example.org")
	fromRelease["source"] = f.Release.Slug
	fromCode := apptest.SignBody("dee@example.org")
	fromCode["source"] = "newsletter-2026_11"
	for i, body := range []map[string]any{noPostcode, fromRelease, fromCode} {
		res := e.PostJSON(path, body)
		if want := fmt.Sprintf(`{"signature_count":%d,"status":"recorded"}`, i+2); res.Status != http.StatusCreated || res.Body != want {
			t.Errorf("%v: %d %s, want 201 %s", body, res.Status, res.Body, want)
		}
	}
	apptest.AssertStored(t, e.db, f.Petition.ID, 4)
	rows, err := e.db.SQL().QueryContext(context.Background(), `
		SELECT email, postcode, consent_updates, coalesce(source_release_id, 0), source_code
		FROM signatures WHERE petition_id = $1 ORDER BY id`, f.Petition.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var email, postcode, code string
		var consent bool
		var release int64
		if err := rows.Scan(&email, &postcode, &consent, &release, &code); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s|%s|%t|%d|%s", email, postcode, consent, release, code))
	}
	want := []string{
		"ada@example.org|N1 9GU|true|0|",
		"bob@example.org||false|0|",
		fmt.Sprintf("cy@example.org|N1 9GU|true|%d|", f.Release.ID),
		"dee@example.org|N1 9GU|true|0|newsletter-2026_11",
	}
	if !slices.Equal(got, want) {
		t.Errorf("stored\n%v\nwant\n%v", got, want)
	}

	p := e.Get(fmt.Sprintf("/api/v1/petitions/%d", f.Petition.ID)).JSON(t)
	if num(p["signature_count"]) != 4 {
		t.Errorf("signature_count %v, want 4", p["signature_count"])
	}
	if strings.Contains(e.server.Logs.String(), "@example.org") {
		t.Errorf("the log holds supporters' email addresses:\n%s", e.server.Logs)
	}
}

func TestAPIErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	closed := apptest.Seed(t, e.db, nil)
	apptest.Exec(t, e.db, `UPDATE petitions SET status = 'closed' WHERE id = $1`, closed.Petition.ID)
	expired := apptest.Seed(t, e.db, func(s *postgres.SeedSet) {
		at := time.Now().Add(-time.Minute)
		s.Petition.ClosesAt = &at
	})
	draft := apptest.Seed(t, e.db, nil)
	apptest.Exec(t, e.db, `UPDATE releases SET status = 'draft', published_at = NULL WHERE id = $1`, draft.Release.ID)

	sign := apptest.SignaturesPath(f.Petition.ID)
	valid := `{"full_name":"Ada Lovelace","email":"ada@example.org","country":"GB","consent_updates":true}`
	const (
		get  = http.MethodGet
		post = http.MethodPost
		js   = "application/json"
	)
	cases := []struct {
		name, method, path, contentType, body string
		status                                int
		code                                  string
		fields                                []string
	}{
		{"malformed JSON", post, sign, js, `{"full_name":`, 400, "bad_request", nil},
		{"form body sent as JSON", post, sign, js, `full_name=Ada`, 400, "bad_request", nil},
		{"consent as a string", post, sign, js, `{"full_name":"Ada","email":"a@example.org","country":"GB","consent_updates":"yes"}`, 400, "bad_request", nil},
		{"name as a number", post, sign, js, `{"full_name":5,"email":"a@example.org","country":"GB","consent_updates":true}`, 400, "bad_request", nil},
		{"array body", post, sign, js, "[" + valid + "]", 400, "bad_request", nil},
		{"empty array", post, sign, js, `[]`, 400, "bad_request", nil},
		{"null", post, sign, js, `null`, 400, "bad_request", nil},
		{"string", post, sign, js, `"ada@example.org"`, 400, "bad_request", nil},
		{"two objects", post, sign, js, valid + valid, 400, "bad_request", nil},
		{"empty body", post, sign, js, ``, 400, "bad_request", nil},
		{"JSON with charset", post, apptest.SignaturesPath(closed.Petition.ID), "application/json; charset=utf-8", valid, 409, "petition_closed", nil},
		{"unknown petition", post, apptest.SignaturesPath(999999999), js, valid, 404, "not_found", nil},
		{"non-numeric id", post, "/api/v1/petitions/abc/signatures", js, valid, 404, "not_found", nil},
		{"zero id", post, "/api/v1/petitions/0/signatures", js, valid, 404, "not_found", nil},
		{"negative id", post, "/api/v1/petitions/-1/signatures", js, valid, 404, "not_found", nil},
		{"id out of range", post, "/api/v1/petitions/99999999999999999999/signatures", js, valid, 404, "not_found", nil},
		{"get unknown petition", get, "/api/v1/petitions/999999999", "", "", 404, "not_found", nil},
		{"get non-numeric petition", get, "/api/v1/petitions/abc", "", "", 404, "not_found", nil},
		{"unpublished release", get, "/api/v1/releases/" + draft.Release.Slug, "", "", 404, "not_found", nil},
		{"unknown release", get, "/api/v1/releases/no-such-release", "", "", 404, "not_found", nil},
		{"unknown campaign", get, "/api/v1/campaigns/no-such-campaign", "", "", 404, "not_found", nil},
		{"unknown API route", get, "/api/v1/no-such-thing", "", "", 404, "not_found", nil},
		{"closed petition", post, apptest.SignaturesPath(closed.Petition.ID), js, valid, 409, "petition_closed", nil},
		{"past closes_at", post, apptest.SignaturesPath(expired.Petition.ID), js, valid, 409, "petition_closed", nil},
		{"closed petition, invalid body", post, apptest.SignaturesPath(closed.Petition.ID), js, `{}`, 409, "petition_closed", nil},
		{"text/plain", post, sign, "text/plain", valid, 415, "unsupported_media_type", nil},
		{"no content type", post, sign, "", valid, 415, "unsupported_media_type", nil},
		{"form content type", post, sign, "application/x-www-form-urlencoded", valid, 415, "unsupported_media_type", nil},
		{"empty object", post, sign, js, `{}`, 422, "invalid", []string{"full_name", "email", "country", "consent_updates"}},
		{"invalid fields", post, sign, js, `{"full_name":"<b>Ada</b>","email":"ada@example","postcode":"<script>","country":"XX","consent_updates":true}`,
			422, "invalid", []string{"full_name", "email", "postcode", "country"}},
		{"consent missing", post, sign, js, `{"full_name":"Ada","email":"ada@example.org","country":"gb"}`, 422, "invalid", []string{"consent_updates"}},
		{"bad source", post, sign, js, `{"full_name":"Ada","email":"ada@example.org","country":"GB","consent_updates":true,"source":"<script>"}`,
			422, "invalid", []string{"source"}},
		{"name too long, body under the limit", post, sign, js,
			`{"full_name":"` + strings.Repeat("a", 60<<10) + `","email":"ada@example.org","country":"GB","consent_updates":true}`,
			422, "invalid", []string{"full_name"}},
		{"wrong method", get, sign, "", "", 405, "method_not_allowed", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var header []string
			if c.contentType != "" {
				header = []string{"Content-Type", c.contentType}
			}
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			apptest.AssertAPIError(t, e.Do(c.method, c.path, body, header...), c.status, c.code, c.fields...)
		})
	}
	for _, f := range []apptest.Fixture{f, closed, expired, draft} {
		apptest.AssertStored(t, e.db, f.Petition.ID, 0)
	}
}

func TestAPITooLarge(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	large := `{"full_name":"` + strings.Repeat("a", 70<<10) + `","email":"ada@example.org","country":"GB","consent_updates":true}`
	for name, body := range map[string]func() io.Reader{
		"with Content-Length": func() io.Reader { return strings.NewReader(large) },
		// A reader of unknown length makes the client send the body chunked.
		"chunked": func() io.Reader { return io.MultiReader(strings.NewReader(large)) },
	} {
		t.Run(name, func(t *testing.T) {
			res := e.Do(http.MethodPost, apptest.SignaturesPath(f.Petition.ID), body(), "Content-Type", "application/json")
			apptest.AssertAPIError(t, res, http.StatusRequestEntityTooLarge, "too_large")
		})
	}
	apptest.AssertStored(t, e.db, f.Petition.ID, 0)
}

func TestAPIRateLimit(t *testing.T) {
	t.Parallel()
	// Four a minute: a burst of one, then one every 15 seconds.
	e := start(t, func(c *config.Config) { c.SignRatePerMinute = 4 })
	f := apptest.Seed(t, e.db, nil)
	token := e.FormToken("/releases/" + f.Release.Slug)

	if res := e.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody("first@example.org")); res.Status != http.StatusCreated {
		t.Fatalf("first signature: %d %s", res.Status, res.Body)
	}
	res := e.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody("second@example.org"))
	apptest.AssertAPIError(t, res, http.StatusTooManyRequests, "rate_limited")
	if wait, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || wait < 1 || wait > 60 {
		t.Errorf("Retry-After %q, want whole seconds up to a minute", res.Header.Get("Retry-After"))
	}

	page := e.PostForm("/releases/"+f.Release.Slug+"/sign", apptest.SignForm(token, "third@example.org"))
	apptest.AssertPage(t, page, http.StatusTooManyRequests, "Too many signatures")
	if page.Header.Get("Retry-After") == "" {
		t.Error("the rate-limited page has no Retry-After")
	}
	// Reading is not limited.
	if res := e.Get(fmt.Sprintf("/api/v1/petitions/%d", f.Petition.ID)); res.Status != http.StatusOK {
		t.Errorf("reading a petition while rate limited: %d", res.Status)
	}
	apptest.AssertStored(t, e.db, f.Petition.ID, 1)
}

// TestUnavailable checks that a database that cannot be reached is a 503
// with Retry-After, on every public route, and that nothing of the cause
// reaches the client.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	unreachable := func(t *testing.T) (*postgres.DB, apptest.Fixture) {
		db, err := postgres.Open(context.Background(), "postgres://postgres@127.0.0.1:1/advocacy?sslmode=disable&connect_timeout=5",
			postgres.Options{SkipPing: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db, apptest.Fixture{}
	}
	closed := func(t *testing.T) (*postgres.DB, apptest.Fixture) {
		_, db := pkgDB.Fresh(t)
		f := apptest.Seed(t, db, nil)
		return db, f
	}
	for name, setup := range map[string]func(*testing.T) (*postgres.DB, apptest.Fixture){
		"unreachable server": unreachable,
		"closed pool":        closed,
	} {
		t.Run(name, func(t *testing.T) {
			db, f := setup(t)
			e := serve(t, db)
			slug, campaignSlug, id := "some-release", "some-campaign", int64(1)
			if f.Release.Slug != "" {
				slug, campaignSlug, id = f.Release.Slug, f.Campaign.Slug, f.Petition.ID
				if res := e.Get("/readyz"); res.Status != http.StatusOK || res.Body != `{"status":"ready"}` {
					t.Fatalf("readyz with the database up: %d %s", res.Status, res.Body)
				}
			}
			db.Close()

			for _, path := range []string{
				"/readyz",
				"/api/v1/releases",
				"/api/v1/releases/" + slug,
				"/api/v1/campaigns/" + campaignSlug,
				fmt.Sprintf("/api/v1/petitions/%d", id),
			} {
				res := e.Get(path)
				apptest.AssertAPIError(t, res, http.StatusServiceUnavailable, "unavailable")
				if res.Header.Get("Retry-After") == "" {
					t.Errorf("GET %s: no Retry-After", path)
				}
			}
			res := e.PostJSON(apptest.SignaturesPath(id), apptest.SignBody("down@example.org"))
			apptest.AssertAPIError(t, res, http.StatusServiceUnavailable, "unavailable")
			if res.Header.Get("Retry-After") == "" {
				t.Error("POST signature: no Retry-After")
			}

			for _, path := range []string{"/", "/releases/" + slug, "/releases/" + slug + "/thanks", "/campaigns/" + campaignSlug} {
				res := e.Get(path)
				apptest.AssertPage(t, res, http.StatusServiceUnavailable, "briefly unavailable")
				if res.Header.Get("Retry-After") == "" {
					t.Errorf("GET %s: no Retry-After", path)
				}
			}
		})
	}
}

func TestRateLimitBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	// The test client connects from 127.0.0.1: as a trusted proxy, its
	// X-Forwarded-For names the supporter, and each supporter has a limit.
	e := start(t, func(c *config.Config) {
		c.SignRatePerMinute = 4
		c.TrustedProxies = []string{"127.0.0.1"}
	})
	f := apptest.Seed(t, e.db, nil)
	sign := func(email, client string) apptest.Response {
		body, err := json.Marshal(apptest.SignBody(email))
		if err != nil {
			t.Fatal(err)
		}
		return e.Do(http.MethodPost, apptest.SignaturesPath(f.Petition.ID), strings.NewReader(string(body)),
			"Content-Type", "application/json", "X-Forwarded-For", client)
	}
	if res := sign("a1@example.org", "203.0.113.7"); res.Status != http.StatusCreated {
		t.Fatalf("first supporter: %d %s", res.Status, res.Body)
	}
	apptest.AssertAPIError(t, sign("a2@example.org", "203.0.113.7"), http.StatusTooManyRequests, "rate_limited")
	if res := sign("b1@example.org", "198.51.100.9"); res.Status != http.StatusCreated {
		t.Errorf("another supporter behind the same proxy: %d %s", res.Status, res.Body)
	}
}
