package site_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// countHTML is how a page shows a petition's count.
func countHTML(n int64) string { return fmt.Sprintf(`<strong class="js-count">%d</strong>`, n) }

func assertNotFoundPage(t *testing.T, res apptest.Response) {
	t.Helper()
	apptest.AssertPage(t, res, http.StatusNotFound, "find that page", `href="/"`)
}

func TestNewsroom(t *testing.T) {
	t.Parallel()
	e := start(t)
	db := e.db

	apptest.AssertPage(t, e.Get("/"), http.StatusOK, "No releases are published yet.")

	now := time.Now().UTC().Truncate(time.Second)
	oldest := apptest.Seed(t, db, apptest.PublishedAt(now.Add(-72*time.Hour)))
	newest := apptest.Seed(t, db, apptest.PublishedAt(now.Add(-time.Hour)))
	middle := apptest.Seed(t, db, apptest.PublishedAt(now.Add(-24*time.Hour)))
	draft := apptest.Seed(t, db, nil)
	apptest.Exec(t, db, `UPDATE releases SET status = 'draft', published_at = NULL WHERE id = $1`, draft.Release.ID)

	signatures := map[int64]int{oldest.Petition.ID: 1, middle.Petition.ID: 2}
	for id, n := range signatures {
		for i := range n {
			if res := e.PostJSON(apptest.SignaturesPath(id), apptest.SignBody(fmt.Sprintf("newsroom-%d-%d@example.org", id, i))); res.Status != http.StatusCreated {
				t.Fatalf("sign: %d %s", res.Status, res.Body)
			}
		}
	}

	res := e.Get("/")
	apptest.AssertPage(t, res, http.StatusOK)
	if strings.Contains(res.Body, draft.Release.Title+"<") {
		t.Errorf("the newsroom shows the draft %q", draft.Release.Title)
	}
	cards := strings.Split(res.Body, `class="release-card"`)[1:]
	want := []struct {
		f     apptest.Fixture
		count int64
	}{{newest, 0}, {middle, 2}, {oldest, 1}}
	if len(cards) != len(want) {
		t.Fatalf("%d releases on the newsroom, want %d\n%s", len(cards), len(want), res.Body)
	}
	for i, w := range want {
		card := cards[i]
		for _, s := range []string{
			">" + w.f.Release.Title + "<",
			`href="/releases/` + w.f.Release.Slug + `"`,
			">" + w.f.Campaign.Title + "<",
			`href="/campaigns/` + w.f.Campaign.Slug + `"`,
			countHTML(w.count),
		} {
			if !strings.Contains(card, s) {
				t.Errorf("release %d on the newsroom should be %q with %q; card:\n%s", i+1, w.f.Release.Title, s, card)
			}
		}
	}
}

func TestReleasePage(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	draft := apptest.Seed(t, e.db, nil)
	apptest.Exec(t, e.db, `UPDATE releases SET status = 'draft', published_at = NULL WHERE id = $1`, draft.Release.ID)

	res := e.Get("/releases/" + f.Release.Slug)
	apptest.AssertPage(t, res, http.StatusOK,
		"<h1>"+f.Release.Title+"</h1>",
		`<a href="/campaigns/`+f.Campaign.Slug+`">`+f.Campaign.Title+`</a>`,
		"<strong>bold</strong>",
		f.Petition.Title, f.Petition.Ask,
		fmt.Sprintf(`data-petition="%d"`, f.Petition.ID), countHTML(0), "of a goal of 1,000",
		`action="/releases/`+f.Release.Slug+`/sign"`, `name="csrf_token"`,
		"Keep me updated by email")
	if !strings.Contains(res.Body, "Women's rights are human rights.") && !strings.Contains(res.Body, "Women&#39;s rights are human rights.") {
		t.Errorf("the body is not shown as written:\n%s", res.Body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	cookie := res.Header.Get("Set-Cookie")
	if !strings.Contains(cookie, "advocacy_csrf=") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
		t.Errorf("CSRF cookie %q: want advocacy_csrf, HttpOnly, SameSite=Lax", cookie)
	}

	for name, path := range map[string]string{
		"draft":            "/releases/" + draft.Release.Slug,
		"draft thanks":     "/releases/" + draft.Release.Slug + "/thanks",
		"unknown":          "/releases/no-such-release",
		"unknown thanks":   "/releases/no-such-release/thanks",
		"unknown route":    "/no/such/page",
		"unknown campaign": "/campaigns/no-such-campaign",
	} {
		t.Run(name, func(t *testing.T) { assertNotFoundPage(t, e.Get(path)) })
	}
}

func TestSignForm(t *testing.T) {
	t.Parallel()
	e := start(t)

	t.Run("success, then a repeat", func(t *testing.T) {
		f := apptest.Seed(t, e.db, nil)
		token := e.FormToken("/releases/" + f.Release.Slug)
		res := e.PostForm("/releases/"+f.Release.Slug+"/sign", apptest.SignForm(token, "grace@example.org"))
		thanks := "/releases/" + f.Release.Slug + "/thanks"
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != thanks {
			t.Fatalf("got %d to %q, want 303 to %q\n%s", res.Status, res.Header.Get("Location"), thanks, res.Body)
		}
		apptest.AssertStored(t, e.db, f.Petition.ID, 1)
		var email string
		var source int64
		err := e.db.SQL().QueryRowContext(context.Background(),
			`SELECT email, source_release_id FROM signatures WHERE petition_id = $1`, f.Petition.ID).Scan(&email, &source)
		if err != nil {
			t.Fatal(err)
		}
		if email != "grace@example.org" || source != f.Release.ID {
			t.Errorf("stored email %q source %d, want grace@example.org from release %d", email, source, f.Release.ID)
		}
		apptest.AssertPage(t, e.Get(thanks), http.StatusOK, "Thank you for signing", f.Petition.Title, countHTML(1), "signature</span>")

		// The same person again, typed differently: same answer, same count.
		res = e.PostForm("/releases/"+f.Release.Slug+"/sign", apptest.SignForm(token, "  GRACE@Example.ORG "))
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != thanks {
			t.Fatalf("repeat: got %d to %q, want 303 to %q", res.Status, res.Header.Get("Location"), thanks)
		}
		apptest.AssertStored(t, e.db, f.Petition.ID, 1)
		apptest.AssertPage(t, e.Get(thanks), http.StatusOK, countHTML(1))
	})

	t.Run("same-origin browser headers are accepted", func(t *testing.T) {
		f := apptest.Seed(t, e.db, nil)
		token := e.FormToken("/releases/" + f.Release.Slug)
		for i, h := range [][]string{
			{"Origin", e.server.URL},
			{"Sec-Fetch-Site", "same-origin"},
			{"Sec-Fetch-Site", "none"},
		} {
			res := e.PostForm("/releases/"+f.Release.Slug+"/sign", apptest.SignForm(token, fmt.Sprintf("origin-%d@example.org", i)), h...)
			if res.Status != http.StatusSeeOther {
				t.Errorf("%v: status %d, want 303", h, res.Status)
			}
		}
		apptest.AssertStored(t, e.db, f.Petition.ID, 3)
	})

	t.Run("invalid input", func(t *testing.T) {
		f := apptest.Seed(t, e.db, nil)
		token := e.FormToken("/releases/" + f.Release.Slug)
		form := url.Values{"csrf_token": {token}, "full_name": {`<script>alert("name")</script>`},
			"email": {`not-an-email"><b>`}, "postcode": {"SW1A 1AA"}, "country": {"XX"}}
		res := e.PostForm("/releases/"+f.Release.Slug+"/sign", form)
		apptest.AssertPage(t, res, http.StatusUnprocessableEntity,
			"<title>Error: "+f.Release.Title,
			`id="sign-errors" role="alert" tabindex="-1" autofocus`, "There is a problem",
			`<a href="#full_name">Please use only letters and punctuation in your name.</a>`,
			`<a href="#email">Please enter a valid email address`,
			`<a href="#country">Please choose a country from the list`,
			`<div class="field has-error">`,
			"Please use only letters and punctuation in your name.",
			"Please enter a valid email address, like name@example.org.",
			"Please choose a country from the list",
			// What was typed is kept, escaped.
			`value="&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;"`,
			`value="not-an-email&#34;&gt;&lt;b&gt;"`,
			`value="SW1A 1AA"`,
			`id="full_name-error"`, `aria-invalid="true"`,
			`value="`+token+`"`)
		if strings.Contains(res.Body, `<script>alert("name")`) || strings.Contains(res.Body, `"><b>`) {
			t.Errorf("typed values reach the page unescaped:\n%s", res.Body)
		}
		if strings.Contains(res.Body, `name="consent_updates" type="checkbox" value="yes" checked`) {
			t.Error("consent is ticked although it was not")
		}

		res = e.PostForm("/releases/"+f.Release.Slug+"/sign", url.Values{"csrf_token": {token}, "consent_updates": {"yes"}})
		apptest.AssertPage(t, res, http.StatusUnprocessableEntity,
			"Please enter your name.", "Please enter your email address.", "Please choose your country.",
			`value="yes" checked`)
		apptest.AssertStored(t, e.db, f.Petition.ID, 0)
	})

	t.Run("refused", func(t *testing.T) {
		f := apptest.Seed(t, e.db, nil)
		path := "/releases/" + f.Release.Slug + "/sign"
		token := e.FormToken("/releases/" + f.Release.Slug)
		valid := apptest.SignForm(token, "refused@example.org")
		without := func(field string) url.Values {
			v := apptest.SignForm(token, "refused@example.org")
			v.Del(field)
			return v
		}
		with := func(field, value string) url.Values {
			v := apptest.SignForm(token, "refused@example.org")
			v.Set(field, value)
			return v
		}
		cases := []struct {
			name   string
			form   url.Values
			header []string
		}{
			{"no token", without("csrf_token"), nil},
			{"empty token", with("csrf_token", ""), nil},
			{"wrong token", with("csrf_token", strings.Repeat("A", len(token))), nil},
			{"cross-site Origin", valid, []string{"Origin", "https://attacker.example"}},
			{"cross-site Sec-Fetch-Site", valid, []string{"Sec-Fetch-Site", "cross-site"}},
			{"same-site Sec-Fetch-Site", valid, []string{"Sec-Fetch-Site", "same-site"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res := e.PostForm(path, c.form, c.header...)
				apptest.AssertPage(t, res, http.StatusForbidden, "another site")
			})
		}
		apptest.AssertStored(t, e.db, f.Petition.ID, 0)

		// A token from another visitor's cookie, or no cookie at all.
		client := e.Client
		t.Cleanup(func() { e.Client = client })
		e.Client = e.server.Client(t) // an empty cookie jar
		apptest.AssertPage(t, e.PostForm(path, valid), http.StatusForbidden, "another site")
		e.FormToken("/releases/" + f.Release.Slug) // a cookie of its own
		apptest.AssertPage(t, e.PostForm(path, valid), http.StatusForbidden, "another site")
		apptest.AssertStored(t, e.db, f.Petition.ID, 0)
	})

	t.Run("honeypot", func(t *testing.T) {
		f := apptest.Seed(t, e.db, nil)
		form := apptest.SignForm(e.FormToken("/releases/"+f.Release.Slug), "bot@example.org")
		form.Set("website", "https://spam.example")
		res := e.PostForm("/releases/"+f.Release.Slug+"/sign", form)
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/releases/"+f.Release.Slug+"/thanks" {
			t.Fatalf("got %d to %q, want 303 to the thanks page", res.Status, res.Header.Get("Location"))
		}
		apptest.AssertStored(t, e.db, f.Petition.ID, 0)
	})

	t.Run("closed petition", func(t *testing.T) {
		open := apptest.Seed(t, e.db, nil)
		token := e.FormToken("/releases/" + open.Release.Slug) // the cookie's token serves every form
		closed := apptest.Seed(t, e.db, nil)
		apptest.Exec(t, e.db, `UPDATE petitions SET status = 'closed' WHERE id = $1`, closed.Petition.ID)
		expired := apptest.Seed(t, e.db, func(s *postgres.SeedSet) {
			at := time.Now().Add(-time.Minute)
			s.Petition.ClosesAt = &at
		})
		for _, f := range []apptest.Fixture{closed, expired} {
			apptest.AssertPage(t, e.Get("/releases/"+f.Release.Slug), http.StatusOK, "This petition is closed.")
			path := "/releases/" + f.Release.Slug + "/sign"
			for _, form := range []url.Values{
				apptest.SignForm(token, "late@example.org"),
				{"csrf_token": {token}, "full_name": {""}},
			} {
				res := e.PostForm(path, form)
				apptest.AssertPage(t, res, http.StatusConflict, "This petition has closed and no longer takes signatures.")
				if strings.Contains(res.Body, `<form method="post"`) {
					t.Error("a closed petition still shows its form")
				}
			}
			apptest.AssertStored(t, e.db, f.Petition.ID, 0)
		}
	})

	t.Run("unknown or draft release", func(t *testing.T) {
		open := apptest.Seed(t, e.db, nil)
		token := e.FormToken("/releases/" + open.Release.Slug)
		draft := apptest.Seed(t, e.db, nil)
		apptest.Exec(t, e.db, `UPDATE releases SET status = 'draft', published_at = NULL WHERE id = $1`, draft.Release.ID)
		for _, slug := range []string{draft.Release.Slug, "no-such-release"} {
			assertNotFoundPage(t, e.PostForm("/releases/"+slug+"/sign", apptest.SignForm(token, "draft@example.org")))
		}
		apptest.AssertStored(t, e.db, draft.Petition.ID, 0)
	})

	t.Run("malformed form body", func(t *testing.T) {
		f := apptest.Seed(t, e.db, nil)
		token := e.FormToken("/releases/" + f.Release.Slug)
		res := e.Do(http.MethodPost, "/releases/"+f.Release.Slug+"/sign",
			strings.NewReader("csrf_token="+token+"&full_name=%zz&email=a%40example.org&country=GB"),
			"Content-Type", "application/x-www-form-urlencoded")
		apptest.AssertPage(t, res, http.StatusBadRequest)
		apptest.AssertStored(t, e.db, f.Petition.ID, 0)
	})

	t.Run("body over 64 KiB", func(t *testing.T) {
		f := apptest.Seed(t, e.db, nil)
		form := apptest.SignForm(e.FormToken("/releases/"+f.Release.Slug), "large@example.org")
		form.Set("full_name", strings.Repeat("a", 70<<10))
		apptest.AssertPage(t, e.PostForm("/releases/"+f.Release.Slug+"/sign", form), http.StatusRequestEntityTooLarge)
		apptest.AssertStored(t, e.db, f.Petition.ID, 0)
	})
}

func TestThanksPage(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	for i := range 2 {
		e.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody(fmt.Sprintf("thanks-%d@example.org", i)))
	}
	res := e.Get("/releases/" + f.Release.Slug + "/thanks")
	apptest.AssertPage(t, res, http.StatusOK, "Thank you for signing", f.Petition.Title, countHTML(2), "signatures</span>",
		"wa.me", "mailto:", `href="/releases/`+f.Release.Slug+`"`)
	if strings.Contains(res.Body, "donate") {
		t.Error("the thanks page asks for a donation although donations are off")
	}

	withStripe := serve(t, e.db, func(c *config.Config) { c.StripeSecretKey = "sk_test_123" })
	apptest.AssertPage(t, withStripe.Get("/releases/"+f.Release.Slug+"/thanks"), http.StatusOK, "Can you help fund this campaign?")
}

func TestCampaignPage(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	var second int64
	err := e.db.SQL().QueryRowContext(context.Background(), `
		INSERT INTO petitions (campaign_id, slug, title, ask, goal) VALUES ($1, $2, 'A second petition', 'Fund shelters.', 500)
		RETURNING id`, f.Campaign.ID, f.Petition.Slug+"-second").Scan(&second)
	if err != nil {
		t.Fatal(err)
	}
	apptest.Exec(t, e.db, `INSERT INTO releases (campaign_id, slug, title, status) VALUES ($1, $2, 'An unpublished draft', 'draft')`,
		f.Campaign.ID, f.Release.Slug+"-draft")
	for i := range 3 {
		e.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody(fmt.Sprintf("campaign-%d@example.org", i)))
	}
	e.PostJSON(apptest.SignaturesPath(second), apptest.SignBody("campaign-second@example.org"))

	res := e.Get("/campaigns/" + f.Campaign.Slug)
	apptest.AssertPage(t, res, http.StatusOK, "<h1>"+f.Campaign.Title+"</h1>", f.Campaign.Summary, "Target: UK Government",
		f.Petition.Title, f.Petition.Ask, "A second petition", "Fund shelters.",
		fmt.Sprintf(`data-petition="%d"`, f.Petition.ID), fmt.Sprintf(`data-petition="%d"`, second),
		countHTML(3), countHTML(1), "of a goal of 500",
		`<a href="/releases/`+f.Release.Slug+`">`+f.Release.Title+`</a>`)
	if strings.Contains(res.Body, "An unpublished draft") {
		t.Error("the campaign page lists a draft release")
	}
	if i, j := strings.Index(res.Body, countHTML(3)), strings.Index(res.Body, countHTML(1)); i > j {
		t.Error("petitions are not shown oldest first")
	}
	// The release carries the first petition: its sign form is one click
	// away. No release carries the second yet.
	if n := strings.Count(res.Body, `class="button" href="/releases/`+f.Release.Slug+`#petition"`); n != 1 {
		t.Errorf("the campaign page links %d times to the release's sign form, want once", n)
	}

	// A release naming no petition carries the newest open one: the second.
	apptest.Exec(t, e.db, `INSERT INTO releases (campaign_id, slug, title, status, published_at) VALUES ($1, $2, 'Newer news', 'published', now())`,
		f.Campaign.ID, f.Release.Slug+"-newer")
	res = e.Get("/campaigns/" + f.Campaign.Slug)
	apptest.AssertPage(t, res, http.StatusOK,
		`class="button" href="/releases/`+f.Release.Slug+`#petition"`,
		`class="button" href="/releases/`+f.Release.Slug+`-newer#petition"`)

	// A closed petition offers no way to sign.
	apptest.Exec(t, e.db, `UPDATE petitions SET status = 'closed' WHERE id = $1`, f.Petition.ID)
	res = e.Get("/campaigns/" + f.Campaign.Slug)
	apptest.AssertPage(t, res, http.StatusOK, "This petition is closed.")
	if strings.Contains(res.Body, `href="/releases/`+f.Release.Slug+`#petition"`) {
		t.Error("the campaign page offers to sign a closed petition")
	}

	assertNotFoundPage(t, e.Get("/campaigns/no-such-campaign"))
}
