package site_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/http/site"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

const (
	partner = "https://partner.example.org"
	other   = "http://127.0.0.1:8081"
)

// startEmbed serves a fresh database with EMBED_ORIGINS set to origins
// and change (if any) applied.
func startEmbed(t *testing.T, origins []string, change func(*config.Config)) *env {
	t.Helper()
	_, db := pkgDB.Fresh(t)
	return serve(t, db, func(c *config.Config) {
		c.EmbedOrigins = origins
		if change != nil {
			change(c)
		}
	})
}

func embedPath(slug, suffix, origin string) string {
	p := "/embed/petitions/" + slug + suffix
	if origin != "" {
		p += "?origin=" + url.QueryEscape(origin)
	}
	return p
}

// frameAncestors returns the frame-ancestors directive of res's
// Content-Security-Policy, and fails unless the rest is the site's policy.
func frameAncestors(t *testing.T, res apptest.Response) string {
	t.Helper()
	csp := res.Header.Get("Content-Security-Policy")
	var ancestors string
	for _, d := range strings.Split(csp, ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(d), "frame-ancestors "); ok {
			ancestors = v
		}
	}
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "form-action 'self'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if xfo := res.Header.Get("X-Frame-Options"); xfo != "" {
		t.Errorf("X-Frame-Options %q on an embed page: it would stop every partner framing it", xfo)
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) > 0 {
		t.Errorf("an embed page sets cookies %q: a frame on another site may not get them back", sc)
	}
	return ancestors
}

var embedTokenField = regexp.MustCompile(`name="embed_token" value="([^"]+)"`)

// embedToken returns the embed form's token on the page res holds, or "".
func embedToken(res apptest.Response) string {
	m := embedTokenField.FindStringSubmatch(res.Body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// embedForm is a valid embed sign form with token.
func embedForm(token, email string) url.Values {
	f := apptest.SignForm("", email)
	f.Del("csrf_token")
	f.Set("embed_token", token)
	return f
}

// sourceCodes returns the source code of each signature of the petition.
func sourceCodes(t *testing.T, e *env, petitionID int64) []string {
	t.Helper()
	rows, err := e.db.SQL().QueryContext(context.Background(),
		`SELECT source_code FROM signatures WHERE petition_id = $1 ORDER BY id`, petitionID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestEmbedPage(t *testing.T) {
	t.Parallel()
	e := startEmbed(t, []string{partner, other}, nil)
	f := apptest.Seed(t, e.db, nil)
	slug := f.Petition.Slug

	t.Run("framed by a listed origin", func(t *testing.T) {
		res := e.Get(embedPath(slug, "", partner), "Sec-Fetch-Dest", "iframe")
		apptest.AssertPage(t, res, http.StatusOK, f.Petition.Title, f.Petition.Ask, countHTML(0),
			`action="/embed/petitions/`+slug+`/sign?origin=https%3A%2F%2Fpartner.example.org"`,
			`data-embed-origin="https://partner.example.org"`, `name="full_name"`, `name="website"`)
		if got := frameAncestors(t, res); got != partner {
			t.Errorf("frame-ancestors %q, want only the origin that frames it, %q", got, partner)
		}
		if embedToken(res) == "" {
			t.Error("no embed token in the form")
		}
		for _, chrome := range []string{"Skip to main content", `<header class="site"`, `<footer class="site"`, `name="csrf_token"`} {
			if strings.Contains(res.Body, chrome) {
				t.Errorf("the embed page has %q", chrome)
			}
		}
	})

	t.Run("framed by hand: the Referer names the origin", func(t *testing.T) {
		res := e.Get(embedPath(slug, "", ""), "Referer", other+"/campaign.html")
		apptest.AssertPage(t, res, http.StatusOK, `name="embed_token"`)
		if got := frameAncestors(t, res); got != other {
			t.Errorf("frame-ancestors %q, want %q", got, other)
		}
	})

	// No origin taken: the page shows the petition and a link to sign on our
	// site; every listed origin may frame it.
	noForm := map[string][]string{
		"no origin":                    {embedPath(slug, "", "")},
		"an origin not listed":         {embedPath(slug, "", "https://evil.example")},
		"a listed origin's look-alike": {embedPath(slug, "", partner+".evil.example")},
		"a top-level visit":            {embedPath(slug, "", partner), "Sec-Fetch-Dest", "document"},
		"a Referer that disagrees":     {embedPath(slug, "", partner), "Referer", "https://evil.example/"},
		"an unlisted Referer":          {embedPath(slug, "", ""), "Referer", "https://evil.example/"},
	}
	for name, req := range noForm {
		t.Run(name, func(t *testing.T) {
			res := e.Get(req[0], req[1:]...)
			apptest.AssertPage(t, res, http.StatusOK, f.Petition.Title, countHTML(0),
				`href="`+e.server.URL+`/campaigns/`+f.Campaign.Slug+`"`)
			if embedToken(res) != "" || strings.Contains(res.Body, "<form") {
				t.Errorf("a form without an origin taken:\n%s", res.Body)
			}
			if strings.Contains(res.Body, "data-embed-origin") {
				t.Error("the page would post its height to an origin not taken")
			}
			if got := frameAncestors(t, res); got != partner+" "+other {
				t.Errorf("frame-ancestors %q, want every listed origin", got)
			}
		})
	}

	t.Run("unknown petition", func(t *testing.T) {
		res := e.Get(embedPath("no-such-petition", "", partner))
		apptest.AssertPage(t, res, http.StatusNotFound, "find that petition")
		if got := frameAncestors(t, res); got != partner {
			t.Errorf("frame-ancestors %q on the 404, want %q", got, partner)
		}
		for _, p := range []string{"/embed/petitions/%00", "/embed/petitions/a%ffb", "/embed/petitions/" + strings.Repeat("a", 5000)} {
			if res := e.Get(p); res.Status != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", p, res.Status)
			}
		}
	})

	t.Run("closed petition", func(t *testing.T) {
		closed := apptest.Seed(t, e.db, nil)
		apptest.Exec(t, e.db, `UPDATE petitions SET status = 'closed' WHERE id = $1`, closed.Petition.ID)
		res := e.Get(embedPath(closed.Petition.Slug, "", partner))
		apptest.AssertPage(t, res, http.StatusOK, closed.Petition.Title, "This petition is closed")
		if strings.Contains(res.Body, "<form") {
			t.Error("a closed petition shows its form")
		}
	})
}

func TestEmbedNowhereWithoutOrigins(t *testing.T) {
	t.Parallel()
	e := startEmbed(t, nil, nil)
	f := apptest.Seed(t, e.db, nil)
	res := e.Get(embedPath(f.Petition.Slug, "", partner))
	apptest.AssertPage(t, res, http.StatusOK, f.Petition.Title)
	if got := frameAncestors(t, res); got != "'none'" {
		t.Errorf("frame-ancestors %q without EMBED_ORIGINS, want 'none'", got)
	}
	if strings.Contains(res.Body, "<form") {
		t.Error("a form without EMBED_ORIGINS")
	}
}

func TestEmbedSign(t *testing.T) {
	t.Parallel()
	e := startEmbed(t, []string{partner, other}, nil)
	key, err := e.db.ServerKey(context.Background(), "embed_form")
	if err != nil {
		t.Fatal(err)
	}
	f := apptest.Seed(t, e.db, nil)
	slug, id := f.Petition.Slug, f.Petition.ID
	own := []string{"Origin", e.server.URL}
	post := func(origin string, form url.Values, header ...string) apptest.Response {
		return e.PostForm(embedPath(slug, "/sign", origin), form, header...)
	}
	token := embedToken(e.Get(embedPath(slug, "", partner)))
	if token == "" {
		t.Fatal("no token on the embed page")
	}

	refused := []struct {
		name    string
		form    url.Values
		header  []string
		message string
	}{
		{"no token", embedForm("", "a@example.org"), own, "could not be checked"},
		{"a token from another petition", embedForm(site.EmbedToken(key, id+1, partner, time.Now()), "a@example.org"), own, "could not be checked"},
		{"a token with another origin", embedForm(tamperOrigin(t, token), "a@example.org"), own, "could not be checked"},
		{"a token under another key", embedForm(site.EmbedToken(make([]byte, 32), id, partner, time.Now()), "a@example.org"), own, "could not be checked"},
		{"an expired token", embedForm(site.EmbedToken(key, id, partner, time.Now().Add(-7*time.Hour)), "a@example.org"), own, "expired"},
		{"an unlisted origin's token", embedForm(site.EmbedToken(key, id, "https://gone.example.org", time.Now()), "a@example.org"), own, "may no longer show our form"},
		{"a foreign Origin", embedForm(token, "a@example.org"), []string{"Origin", "https://evil.example"}, "another site"},
		{"a partner's Origin", embedForm(token, "a@example.org"), []string{"Origin", partner}, "another site"},
		{"a null Origin", embedForm(token, "a@example.org"), []string{"Origin", "null"}, "another site"},
		{"cross-site by Sec-Fetch-Site", embedForm(token, "a@example.org"), []string{"Sec-Fetch-Site", "cross-site"}, "another site"},
		{"neither Origin nor Sec-Fetch-Site", embedForm(token, "a@example.org"), nil, "another site"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			res := post(partner, tc.form, tc.header...)
			apptest.AssertPage(t, res, http.StatusForbidden, tc.message)
			apptest.AssertStored(t, e.db, id, 0)
		})
	}
	// The expired form offers a fresh one, in the same partner's frame.
	res := post(partner, embedForm(site.EmbedToken(key, id, partner, time.Now().Add(-7*time.Hour)), "a@example.org"), own...)
	apptest.AssertPage(t, res, http.StatusForbidden, `href="/embed/petitions/`+slug+`?origin=https%3A%2F%2Fpartner.example.org"`)

	t.Run("invalid input keeps the values", func(t *testing.T) {
		form := embedForm(token, "not-an-email")
		form.Set("full_name", `Ada "<b>" Lovelace`)
		form.Set("postcode", "N1 9GU")
		res := post(partner, form, own...)
		apptest.AssertPage(t, res, http.StatusUnprocessableEntity, "Please check the fields marked below.",
			`value="not-an-email"`, `value="Ada &#34;&lt;b&gt;&#34; Lovelace"`, `value="N1 9GU"`,
			`<option value="GB" selected>`, `id="email-error"`, `checked`)
		if got := frameAncestors(t, res); got != partner {
			t.Errorf("frame-ancestors %q on the 422, want %q", got, partner)
		}
		if embedToken(res) == "" {
			t.Error("the form again has no token")
		}
		apptest.AssertStored(t, e.db, id, 0)
	})

	t.Run("hostile input", func(t *testing.T) {
		nul := embedForm(token, "nul@example.org")
		nul.Set("full_name", "Ada\x00")
		control := embedForm(token, "bell@example.org")
		control.Set("full_name", "Ada\x07")
		huge := embedForm(token, "huge@example.org")
		huge.Set("full_name", strings.Repeat("a", 70<<10))
		for name, tc := range map[string]struct {
			form   url.Values
			status int
		}{
			"a NUL byte":          {nul, http.StatusBadRequest},
			"a control character": {control, http.StatusUnprocessableEntity},
			"a body over 64 KiB":  {huge, http.StatusRequestEntityTooLarge},
			"a token of 100 KiB":  {embedForm(strings.Repeat("A", 60<<10), "big@example.org"), http.StatusForbidden},
			"a token of dots":     {embedForm("....", "dots@example.org"), http.StatusForbidden},
			"a token of one dot":  {embedForm(".", "dot@example.org"), http.StatusForbidden},
			"a token with no mac": {embedForm(strings.Split(token, ".")[0], "nomac@example.org"), http.StatusForbidden},
		} {
			res := post(partner, tc.form, own...)
			if res.Status != tc.status {
				t.Errorf("%s: %d, want %d\n%s", name, res.Status, tc.status, res.Body)
			}
			apptest.AssertNoLeak(t, res.Body)
		}
		raw := e.Do(http.MethodPost, embedPath(slug, "/sign", partner), strings.NewReader("full_name=%ff%fe&embed_token="+url.QueryEscape(token)),
			"Content-Type", "application/x-www-form-urlencoded", "Origin", e.server.URL)
		if raw.Status != http.StatusBadRequest {
			t.Errorf("bytes that are not UTF-8: %d, want 400", raw.Status)
		}
		if res := e.PostForm(embedPath("no-such-petition", "/sign", partner), embedForm(token, "x@example.org"), own...); res.Status != http.StatusNotFound {
			t.Errorf("an unknown petition: %d, want 404", res.Status)
		}
		apptest.AssertStored(t, e.db, id, 0)
	})

	t.Run("the honeypot stores nothing", func(t *testing.T) {
		form := embedForm(token, "bot@example.org")
		form.Set("website", "https://spam.example")
		res := post(partner, form, own...)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", res.Status)
		}
		apptest.AssertStored(t, e.db, id, 0)
	})

	t.Run("a good post signs once, from the partner", func(t *testing.T) {
		res := post(partner, embedForm(token, "grace@example.org"), own...)
		want := "/embed/petitions/" + slug + "/thanks?origin=https%3A%2F%2Fpartner.example.org"
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Fatalf("status %d to %q, want 303 to %q\n%s", res.Status, res.Header.Get("Location"), want, res.Body)
		}
		apptest.AssertStored(t, e.db, id, 1)
		if got := sourceCodes(t, e, id); len(got) != 1 || got[0] != "embed.partner.example.org" {
			t.Errorf("source codes %q, want [embed.partner.example.org]", got)
		}
		thanks := e.Get(want, "Sec-Fetch-Dest", "iframe", "Referer", e.server.URL+embedPath(slug, "", partner))
		apptest.AssertPage(t, thanks, http.StatusOK, "Thank you for signing", f.Petition.Title, countHTML(1),
			`data-embed-origin="https://partner.example.org"`)
		if got := frameAncestors(t, thanks); got != partner {
			t.Errorf("frame-ancestors %q on the thanks page, want %q", got, partner)
		}
		// Sec-Fetch-Site stands in for a missing Origin.
		res = post(partner, embedForm(token, "hopper@example.org"), "Sec-Fetch-Site", "same-origin")
		if res.Status != http.StatusSeeOther {
			t.Fatalf("same-origin by Sec-Fetch-Site: %d, want 303\n%s", res.Status, res.Body)
		}
		apptest.AssertStored(t, e.db, id, 2)
	})

	t.Run("the dashboard's breakdown names the partner", func(t *testing.T) {
		stats, err := e.db.Desk().PetitionStats(context.Background(), id, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, s := range stats.PerSource {
			found = found || (s.Code == "embed.partner.example.org" && s.Count == 2)
		}
		if !found {
			t.Errorf("per source %+v, want embed.partner.example.org with 2", stats.PerSource)
		}
	})

	// Closed behind the caches' back: the signer's own check refuses it.
	t.Run("closed petition", func(t *testing.T) {
		apptest.Exec(t, e.db, `UPDATE petitions SET status = 'closed' WHERE id = $1`, id)
		res := post(partner, embedForm(token, "late@example.org"), own...)
		apptest.AssertPage(t, res, http.StatusConflict, "This petition is closed")
		if strings.Contains(res.Body, "<form") {
			t.Error("the closed answer shows the form")
		}
		apptest.AssertStored(t, e.db, id, 2)
	})
}

// tamperOrigin returns token with its origin replaced by another listed
// one and its MAC kept.
func tamperOrigin(t *testing.T, token string) string {
	t.Helper()
	payload, mac, ok := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if !ok || err != nil || len(raw) < 8 {
		t.Fatalf("token %q is not a payload and a MAC", token)
	}
	raw = append(raw[:8:8], other...)
	return base64.RawURLEncoding.EncodeToString(raw) + "." + mac
}

func TestEmbedSignConcurrently(t *testing.T) {
	t.Parallel()
	e := startEmbed(t, []string{partner}, nil)
	f := apptest.Seed(t, e.db, nil)
	token := embedToken(e.Get(embedPath(f.Petition.Slug, "", partner)))
	const signers = 40
	var wg sync.WaitGroup
	errs := make(chan error, signers)
	for i := range signers {
		wg.Go(func() {
			form := embedForm(token, fmt.Sprintf("signer-%d@example.org", i%(signers/2))) // each address twice
			res, err := e.Try(http.MethodPost, embedPath(f.Petition.Slug, "/sign", partner), strings.NewReader(form.Encode()),
				"Content-Type", "application/x-www-form-urlencoded", "Origin", e.server.URL)
			if err == nil && res.Status != http.StatusSeeOther {
				err = fmt.Errorf("status %d: %s", res.Status, res.Body)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	apptest.AssertStored(t, e.db, f.Petition.ID, signers/2)
}

func TestEmbedRateLimit(t *testing.T) {
	t.Parallel()
	e := startEmbed(t, []string{partner}, func(c *config.Config) { c.SignRatePerMinute = 4 }) // a burst of 1
	f := apptest.Seed(t, e.db, nil)
	token := embedToken(e.Get(embedPath(f.Petition.Slug, "", partner)))
	post := func(email string) apptest.Response {
		return e.PostForm(embedPath(f.Petition.Slug, "/sign", partner), embedForm(token, email), "Origin", e.server.URL)
	}
	if res := post("first@example.org"); res.Status != http.StatusSeeOther {
		t.Fatalf("first: %d\n%s", res.Status, res.Body)
	}
	res := post("second@example.org")
	apptest.AssertPage(t, res, http.StatusTooManyRequests, "Too many signatures")
	if res.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	apptest.AssertStored(t, e.db, f.Petition.ID, 1)
}

func TestEmbedScript(t *testing.T) {
	t.Parallel()
	e := start(t)
	res := e.Get("/embed.js")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "data-petition") {
		t.Fatalf("GET /embed.js: %d\n%s", res.Status, res.Body)
	}
	for name, want := range map[string]string{
		"Content-Type":  "text/javascript; charset=utf-8",
		"Cache-Control": "public, max-age=3600",
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if again := e.Get("/embed.js", "If-None-Match", etag); again.Status != http.StatusNotModified {
		t.Errorf("with its ETag: %d, want 304", again.Status)
	}
}

// With the database down (even at start), the embed answers 503 with its
// own small page, and a Retry-After.
func TestEmbedUnavailable(t *testing.T) {
	t.Parallel()
	db, err := postgres.Open(context.Background(), "postgres://postgres@127.0.0.1:1/advocacy?sslmode=disable&connect_timeout=5",
		postgres.Options{SkipPing: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := serve(t, db, func(c *config.Config) { c.EmbedOrigins = []string{partner} })
	for _, res := range []apptest.Response{
		e.Get(embedPath("some-petition", "", partner)),
		e.Get(embedPath("some-petition", "/thanks", partner)),
		e.PostForm(embedPath("some-petition", "/sign", partner), embedForm("x.y", "a@example.org"), "Origin", e.server.URL),
	} {
		apptest.AssertPage(t, res, http.StatusServiceUnavailable, "briefly unavailable")
		if res.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		if got := frameAncestors(t, res); got != partner {
			t.Errorf("frame-ancestors %q, want %q", got, partner)
		}
	}
}

// BenchmarkEmbedPage serves the embedded form through the whole server
// over a real database, one view after another, as a partner's visitors
// load it: the petition and the consent wording come from the caches.
func BenchmarkEmbedPage(b *testing.B) {
	_, db := pkgDB.Fresh(b)
	srv := apptest.Start(b, db, apptest.Options{Config: func(c *config.Config) { c.EmbedOrigins = []string{partner} }})
	client := srv.Client(b)
	f := apptest.Seed(b, db, nil)
	path := embedPath(f.Petition.Slug, "", partner)
	var size int
	for b.Loop() {
		res, err := client.Try(http.MethodGet, path, nil)
		if err != nil || res.Status != http.StatusOK {
			b.Fatalf("GET %s: %v %d", path, err, res.Status)
		}
		size = len(res.Body)
	}
	b.SetBytes(int64(size))
}

// On a petition that verifies by email, the embedded form's thanks asks
// the signer to check their inbox, and the signature waits, uncounted.
func TestEmbedSignPendingConfirmation(t *testing.T) {
	t.Parallel()
	e := startEmbed(t, []string{partner}, nil)
	f := apptest.Seed(t, e.db, nil)
	apptest.Exec(t, e.db, `UPDATE petitions SET verification = 'email' WHERE id = $1`, f.Petition.ID)
	token := embedToken(e.Get(embedPath(f.Petition.Slug, "", partner)))
	res := e.PostForm(embedPath(f.Petition.Slug, "/sign", partner), embedForm(token, "pending@example.org"), "Origin", e.server.URL)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("sign: %d\n%s", res.Status, res.Body)
	}
	apptest.AssertStored(t, e.db, f.Petition.ID, 0)
	apptest.AssertPage(t, e.Get(res.Header.Get("Location")), http.StatusOK, "Check your inbox", countHTML(0))
}
