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
)

// publishedAt sets when the seeded release was published.
func publishedAt(at time.Time) func(*postgres.SeedSet) {
	return func(s *postgres.SeedSet) { s.Release.PublishedAt = &at }
}

// countHTML is how a page shows a petition's count.
func countHTML(n int64) string { return fmt.Sprintf(`<strong class="js-count">%d</strong>`, n) }

func assertPage(t *testing.T, res response, status int, contains ...string) {
	t.Helper()
	if res.status != status {
		t.Fatalf("status %d, want %d\n%s", res.status, status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/html; charset=utf-8", ct)
	}
	for _, s := range contains {
		if !strings.Contains(res.body, s) {
			t.Errorf("page lacks %q\n%s", s, res.body)
		}
	}
	assertNoLeak(t, res.body)
}

func assertNotFoundPage(t *testing.T, res response) {
	t.Helper()
	assertPage(t, res, http.StatusNotFound, "find that page", `href="/"`)
}

func TestNewsroom(t *testing.T) {
	t.Parallel()
	e := start(t)
	db := e.db

	assertPage(t, e.get("/"), http.StatusOK, "No releases are published yet.")

	now := time.Now().UTC().Truncate(time.Second)
	oldest := seed(t, db, publishedAt(now.Add(-72*time.Hour)))
	newest := seed(t, db, publishedAt(now.Add(-time.Hour)))
	middle := seed(t, db, publishedAt(now.Add(-24*time.Hour)))
	draft := seed(t, db, nil)
	exec(t, db, `UPDATE releases SET status = 'draft', published_at = NULL WHERE id = $1`, draft.Release.ID)

	signatures := map[int64]int{oldest.Petition.ID: 1, middle.Petition.ID: 2}
	for id, n := range signatures {
		for i := range n {
			if res := e.postJSON(signaturesPath(id), signBody(fmt.Sprintf("newsroom-%d-%d@example.org", id, i))); res.status != http.StatusCreated {
				t.Fatalf("sign: %d %s", res.status, res.body)
			}
		}
	}

	res := e.get("/")
	assertPage(t, res, http.StatusOK)
	if strings.Contains(res.body, draft.Release.Title+"<") {
		t.Errorf("the newsroom shows the draft %q", draft.Release.Title)
	}
	cards := strings.Split(res.body, `class="release-card"`)[1:]
	want := []struct {
		f     fixture
		count int64
	}{{newest, 0}, {middle, 2}, {oldest, 1}}
	if len(cards) != len(want) {
		t.Fatalf("%d releases on the newsroom, want %d\n%s", len(cards), len(want), res.body)
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
	f := seed(t, e.db, nil)
	draft := seed(t, e.db, nil)
	exec(t, e.db, `UPDATE releases SET status = 'draft', published_at = NULL WHERE id = $1`, draft.Release.ID)

	res := e.get("/releases/" + f.Release.Slug)
	assertPage(t, res, http.StatusOK,
		"<h1>"+f.Release.Title+"</h1>",
		`<a href="/campaigns/`+f.Campaign.Slug+`">`+f.Campaign.Title+`</a>`,
		"<strong>bold</strong>",
		f.Petition.Title, f.Petition.Ask,
		fmt.Sprintf(`data-petition="%d"`, f.Petition.ID), countHTML(0), "of a goal of 1,000",
		`action="/releases/`+f.Release.Slug+`/sign"`, `name="csrf_token"`,
		"Keep me updated by email")
	if !strings.Contains(res.body, "Women's rights are human rights.") && !strings.Contains(res.body, "Women&#39;s rights are human rights.") {
		t.Errorf("the body is not shown as written:\n%s", res.body)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	cookie := res.header.Get("Set-Cookie")
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
		t.Run(name, func(t *testing.T) { assertNotFoundPage(t, e.get(path)) })
	}
}

func TestSignForm(t *testing.T) {
	t.Parallel()
	e := start(t)

	t.Run("success, then a repeat", func(t *testing.T) {
		f := seed(t, e.db, nil)
		token := e.formToken(f.Release.Slug)
		res := e.postForm("/releases/"+f.Release.Slug+"/sign", signFormValues(token, "grace@example.org"))
		thanks := "/releases/" + f.Release.Slug + "/thanks"
		if res.status != http.StatusSeeOther || res.header.Get("Location") != thanks {
			t.Fatalf("got %d to %q, want 303 to %q\n%s", res.status, res.header.Get("Location"), thanks, res.body)
		}
		assertStored(t, e.db, f.Petition.ID, 1)
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
		assertPage(t, e.get(thanks), http.StatusOK, "Thank you for signing", f.Petition.Title, countHTML(1), "signature</span>")

		// The same person again, typed differently: same answer, same count.
		res = e.postForm("/releases/"+f.Release.Slug+"/sign", signFormValues(token, "  GRACE@Example.ORG "))
		if res.status != http.StatusSeeOther || res.header.Get("Location") != thanks {
			t.Fatalf("repeat: got %d to %q, want 303 to %q", res.status, res.header.Get("Location"), thanks)
		}
		assertStored(t, e.db, f.Petition.ID, 1)
		assertPage(t, e.get(thanks), http.StatusOK, countHTML(1))
	})

	t.Run("same-origin browser headers are accepted", func(t *testing.T) {
		f := seed(t, e.db, nil)
		token := e.formToken(f.Release.Slug)
		for i, h := range [][]string{
			{"Origin", e.server.URL},
			{"Sec-Fetch-Site", "same-origin"},
			{"Sec-Fetch-Site", "none"},
		} {
			res := e.postForm("/releases/"+f.Release.Slug+"/sign", signFormValues(token, fmt.Sprintf("origin-%d@example.org", i)), h...)
			if res.status != http.StatusSeeOther {
				t.Errorf("%v: status %d, want 303", h, res.status)
			}
		}
		assertStored(t, e.db, f.Petition.ID, 3)
	})

	t.Run("invalid input", func(t *testing.T) {
		f := seed(t, e.db, nil)
		token := e.formToken(f.Release.Slug)
		form := url.Values{"csrf_token": {token}, "full_name": {`<script>alert("name")</script>`},
			"email": {`not-an-email"><b>`}, "postcode": {"SW1A 1AA"}, "country": {"XX"}}
		res := e.postForm("/releases/"+f.Release.Slug+"/sign", form)
		assertPage(t, res, http.StatusUnprocessableEntity,
			"Please check the fields marked below.",
			"Please use only letters and punctuation in your name.",
			"Please enter a valid email address, like name@example.org.",
			"Please choose a country from the list",
			// What was typed is kept, escaped.
			`value="&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;"`,
			`value="not-an-email&#34;&gt;&lt;b&gt;"`,
			`value="SW1A 1AA"`,
			`id="full_name-error"`, `aria-invalid="true"`,
			`value="`+token+`"`)
		if strings.Contains(res.body, `<script>alert("name")`) || strings.Contains(res.body, `"><b>`) {
			t.Errorf("typed values reach the page unescaped:\n%s", res.body)
		}
		if strings.Contains(res.body, `name="consent_updates" type="checkbox" value="yes" checked`) {
			t.Error("consent is ticked although it was not")
		}

		res = e.postForm("/releases/"+f.Release.Slug+"/sign", url.Values{"csrf_token": {token}, "consent_updates": {"yes"}})
		assertPage(t, res, http.StatusUnprocessableEntity,
			"Please enter your name.", "Please enter your email address.", "Please choose your country.",
			`value="yes" checked`)
		assertStored(t, e.db, f.Petition.ID, 0)
	})

	t.Run("refused", func(t *testing.T) {
		f := seed(t, e.db, nil)
		path := "/releases/" + f.Release.Slug + "/sign"
		token := e.formToken(f.Release.Slug)
		valid := signFormValues(token, "refused@example.org")
		without := func(field string) url.Values {
			v := signFormValues(token, "refused@example.org")
			v.Del(field)
			return v
		}
		with := func(field, value string) url.Values {
			v := signFormValues(token, "refused@example.org")
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
				res := e.postForm(path, c.form, c.header...)
				assertPage(t, res, http.StatusForbidden, "another site")
			})
		}
		assertStored(t, e.db, f.Petition.ID, 0)

		// A token from another visitor's cookie, or no cookie at all.
		client := e.client
		t.Cleanup(func() { e.client = client })
		e.client = e.server.Client(t) // an empty cookie jar
		assertPage(t, e.postForm(path, valid), http.StatusForbidden, "another site")
		e.formToken(f.Release.Slug) // a cookie of its own
		assertPage(t, e.postForm(path, valid), http.StatusForbidden, "another site")
		assertStored(t, e.db, f.Petition.ID, 0)
	})

	t.Run("honeypot", func(t *testing.T) {
		f := seed(t, e.db, nil)
		form := signFormValues(e.formToken(f.Release.Slug), "bot@example.org")
		form.Set("website", "https://spam.example")
		res := e.postForm("/releases/"+f.Release.Slug+"/sign", form)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/releases/"+f.Release.Slug+"/thanks" {
			t.Fatalf("got %d to %q, want 303 to the thanks page", res.status, res.header.Get("Location"))
		}
		assertStored(t, e.db, f.Petition.ID, 0)
	})

	t.Run("closed petition", func(t *testing.T) {
		open := seed(t, e.db, nil)
		token := e.formToken(open.Release.Slug) // the cookie's token serves every form
		closed := seed(t, e.db, nil)
		exec(t, e.db, `UPDATE petitions SET status = 'closed' WHERE id = $1`, closed.Petition.ID)
		expired := seed(t, e.db, func(s *postgres.SeedSet) {
			at := time.Now().Add(-time.Minute)
			s.Petition.ClosesAt = &at
		})
		for _, f := range []fixture{closed, expired} {
			assertPage(t, e.get("/releases/"+f.Release.Slug), http.StatusOK, "This petition is closed.")
			path := "/releases/" + f.Release.Slug + "/sign"
			for _, form := range []url.Values{
				signFormValues(token, "late@example.org"),
				{"csrf_token": {token}, "full_name": {""}},
			} {
				res := e.postForm(path, form)
				assertPage(t, res, http.StatusConflict, "This petition has closed and no longer takes signatures.")
				if strings.Contains(res.body, `<form method="post"`) {
					t.Error("a closed petition still shows its form")
				}
			}
			assertStored(t, e.db, f.Petition.ID, 0)
		}
	})

	t.Run("unknown or draft release", func(t *testing.T) {
		open := seed(t, e.db, nil)
		token := e.formToken(open.Release.Slug)
		draft := seed(t, e.db, nil)
		exec(t, e.db, `UPDATE releases SET status = 'draft', published_at = NULL WHERE id = $1`, draft.Release.ID)
		for _, slug := range []string{draft.Release.Slug, "no-such-release"} {
			assertNotFoundPage(t, e.postForm("/releases/"+slug+"/sign", signFormValues(token, "draft@example.org")))
		}
		assertStored(t, e.db, draft.Petition.ID, 0)
	})

	t.Run("malformed form body", func(t *testing.T) {
		f := seed(t, e.db, nil)
		token := e.formToken(f.Release.Slug)
		res := e.do(http.MethodPost, "/releases/"+f.Release.Slug+"/sign",
			strings.NewReader("csrf_token="+token+"&full_name=%zz&email=a%40example.org&country=GB"),
			"Content-Type", "application/x-www-form-urlencoded")
		assertPage(t, res, http.StatusBadRequest)
		assertStored(t, e.db, f.Petition.ID, 0)
	})

	t.Run("body over 64 KiB", func(t *testing.T) {
		f := seed(t, e.db, nil)
		form := signFormValues(e.formToken(f.Release.Slug), "large@example.org")
		form.Set("full_name", strings.Repeat("a", 70<<10))
		assertPage(t, e.postForm("/releases/"+f.Release.Slug+"/sign", form), http.StatusRequestEntityTooLarge)
		assertStored(t, e.db, f.Petition.ID, 0)
	})
}

func TestThanksPage(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := seed(t, e.db, nil)
	for i := range 2 {
		e.postJSON(signaturesPath(f.Petition.ID), signBody(fmt.Sprintf("thanks-%d@example.org", i)))
	}
	res := e.get("/releases/" + f.Release.Slug + "/thanks")
	assertPage(t, res, http.StatusOK, "Thank you for signing", f.Petition.Title, countHTML(2), "signatures</span>",
		"wa.me", "mailto:", `href="/releases/`+f.Release.Slug+`"`)
	if strings.Contains(res.body, "donate") {
		t.Error("the thanks page asks for a donation although donations are off")
	}

	withStripe := start(t, withDB(e.db), withConfig(func(c *config.Config) { c.StripeSecretKey = "sk_test_123" }))
	assertPage(t, withStripe.get("/releases/"+f.Release.Slug+"/thanks"), http.StatusOK, "Can you help fund this campaign?")
}

func TestCampaignPage(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := seed(t, e.db, nil)
	var second int64
	err := e.db.SQL().QueryRowContext(context.Background(), `
		INSERT INTO petitions (campaign_id, slug, title, ask, goal) VALUES ($1, $2, 'A second petition', 'Fund shelters.', 500)
		RETURNING id`, f.Campaign.ID, f.Petition.Slug+"-second").Scan(&second)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, e.db, `INSERT INTO releases (campaign_id, slug, title, status) VALUES ($1, $2, 'An unpublished draft', 'draft')`,
		f.Campaign.ID, f.Release.Slug+"-draft")
	for i := range 3 {
		e.postJSON(signaturesPath(f.Petition.ID), signBody(fmt.Sprintf("campaign-%d@example.org", i)))
	}
	e.postJSON(signaturesPath(second), signBody("campaign-second@example.org"))

	res := e.get("/campaigns/" + f.Campaign.Slug)
	assertPage(t, res, http.StatusOK, "<h1>"+f.Campaign.Title+"</h1>", f.Campaign.Summary, "Target: UK Government",
		f.Petition.Title, f.Petition.Ask, "A second petition", "Fund shelters.",
		fmt.Sprintf(`data-petition="%d"`, f.Petition.ID), fmt.Sprintf(`data-petition="%d"`, second),
		countHTML(3), countHTML(1), "of a goal of 500",
		`<a href="/releases/`+f.Release.Slug+`">`+f.Release.Title+`</a>`)
	if strings.Contains(res.body, "An unpublished draft") {
		t.Error("the campaign page lists a draft release")
	}
	if i, j := strings.Index(res.body, countHTML(3)), strings.Index(res.body, countHTML(1)); i > j {
		t.Error("petitions are not shown oldest first")
	}

	assertNotFoundPage(t, e.get("/campaigns/no-such-campaign"))
}
