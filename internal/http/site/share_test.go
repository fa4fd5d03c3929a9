package site_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// shareHref finds the share link of channel on a page and returns its
// address, unescaped.
func shareHref(t *testing.T, body, channel string) string {
	t.Helper()
	m := regexp.MustCompile(`<a class="share-` + channel + `" href="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s share link on the page", channel)
	}
	return html.UnescapeString(m[1])
}

// sharedAddress digs the shared page's address out of a share link.
func sharedAddress(t *testing.T, channel, href string) string {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil {
		t.Fatalf("%s link %q: %v", channel, href, err)
	}
	q := u.Query()
	switch channel {
	case "facebook":
		return q.Get("u")
	case "x":
		return q.Get("url")
	case "email":
		// mailto:?subject=…&body=… keeps its query in Opaque.
		q, err = url.ParseQuery(strings.TrimPrefix(u.Opaque, "?") + u.RawQuery)
		if err != nil {
			t.Fatalf("email link %q: %v", href, err)
		}
		return lastField(q.Get("body"))
	default: // whatsapp, bluesky: the text ends with the address
		return lastField(q.Get("text"))
	}
}

func lastField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// Every share link, on the release page and on the thanks page, shares the
// release's canonical address with its channel as the source code.
func TestShareLinksCarryTheirChannel(t *testing.T) {
	t.Parallel()
	_, db := pkgDB.Fresh(t)
	e := serve(t, db, func(c *config.Config) { c.BaseURL = "https://campaigns.example.org" })
	f := apptest.Seed(t, e.db, nil)
	canonical := "https://campaigns.example.org/releases/" + f.Release.Slug
	for _, page := range []string{"/releases/" + f.Release.Slug, "/releases/" + f.Release.Slug + "/thanks"} {
		res := e.Get(page)
		apptest.AssertPage(t, res, http.StatusOK,
			`data-url="`+canonical+`?source=share-copy"`, `data-url="`+canonical+`?source=share-native"`)
		for _, channel := range []string{"whatsapp", "facebook", "x", "bluesky", "email"} {
			href := shareHref(t, res.Body, channel)
			if got, want := sharedAddress(t, channel, href), canonical+"?source=share-"+channel; got != want {
				t.Errorf("%s: the %s link %q shares %q, want %q", page, channel, href, got, want)
			}
		}
	}
}

// A page reached by a shared link keeps its source code in the sign form,
// and the signature records both the release and the channel; a source no
// signature may carry is dropped, never refused.
func TestSignFormKeepsTheSource(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	page := "/releases/" + f.Release.Slug

	tests := []struct {
		name      string
		query     string // the page's ?source=
		posted    *string
		wantField string // the hidden field on the page, "" for none
		wantCode  string
	}{
		{name: "whatsapp", query: "share-whatsapp", wantField: "share-whatsapp", wantCode: "share-whatsapp"},
		{name: "email", query: "share-email", wantField: "share-email", wantCode: "share-email"},
		// Not a share button's code: rendered for its request, not cached.
		{name: "campaign code", query: "newsletter-2026", wantField: "newsletter-2026", wantCode: "newsletter-2026"},
		{name: "no source", query: "", wantField: "", wantCode: ""},
		{name: "hostile source", query: `"><script>x</script>`, wantField: "", wantCode: ""},
		{name: "too long", query: strings.Repeat("a", 65), wantField: "", wantCode: ""},
		{name: "tampered form", query: "share-x", posted: ptr("no spaces allowed"), wantField: "share-x", wantCode: ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := page
			if tt.query != "" {
				path += "?source=" + url.QueryEscape(tt.query)
			}
			res := e.Get(path)
			apptest.AssertPage(t, res, http.StatusOK)
			field := regexp.MustCompile(`<input type="hidden" name="source" value="([^"]*)">`).FindStringSubmatch(res.Body)
			switch {
			case tt.wantField == "" && field != nil:
				t.Fatalf("the form carries source %q, want none", field[1])
			case tt.wantField != "" && (field == nil || field[1] != tt.wantField):
				t.Fatalf("the form carries source %v, want %q", field, tt.wantField)
			}
			form := apptest.SignForm(res.FormToken(t), fmt.Sprintf("source-%d@example.org", i))
			if field != nil {
				form.Set("source", field[1])
			}
			if tt.posted != nil {
				form.Set("source", *tt.posted)
			}
			signed := e.PostForm(page+"/sign", form)
			if signed.Status != http.StatusSeeOther {
				t.Fatalf("sign: %d\n%s", signed.Status, signed.Body)
			}
			var release int64
			var code string
			err := e.db.SQL().QueryRowContext(context.Background(),
				`SELECT source_release_id, source_code FROM signatures WHERE petition_id = $1 AND email = $2`,
				f.Petition.ID, form.Get("email")).Scan(&release, &code)
			if err != nil {
				t.Fatal(err)
			}
			if release != f.Release.ID || code != tt.wantCode {
				t.Errorf("stored release %d, code %q; want release %d, code %q", release, code, f.Release.ID, tt.wantCode)
			}
		})
	}

	// The dashboard's tally tells the channels apart.
	var whatsapp int64
	err := e.db.SQL().QueryRowContext(context.Background(),
		`SELECT signature_count FROM signature_tallies WHERE petition_id = $1 AND dimension = 'source' AND key = 'code:share-whatsapp'`,
		f.Petition.ID).Scan(&whatsapp)
	if err != nil || whatsapp != 1 {
		t.Errorf("tally of code:share-whatsapp: %d, %v; want 1", whatsapp, err)
	}
}

func ptr[T any](v T) *T { return &v }

// Release and campaign pages carry their card: title, description and
// canonical address, for link previews.
func TestShareCards(t *testing.T) {
	t.Parallel()
	_, db := pkgDB.Fresh(t)
	e := serve(t, db, func(c *config.Config) { c.BaseURL = "https://campaigns.example.org" })
	f := apptest.Seed(t, e.db, nil)
	release := "https://campaigns.example.org/releases/" + f.Release.Slug
	apptest.AssertPage(t, e.Get("/releases/"+f.Release.Slug+"?source=share-x"), http.StatusOK,
		`<link rel="canonical" href="`+release+`">`,
		`<meta property="og:type" content="article">`,
		`<meta property="og:title" content="`+f.Release.Title+`">`,
		`<meta property="og:description" content="`+f.Release.Summary+`">`,
		`<meta property="og:url" content="`+release+`">`,
		`<meta name="twitter:card" content="summary">`,
		`<meta name="twitter:title" content="`+f.Release.Title+`">`)
	camp := "https://campaigns.example.org/campaigns/" + f.Campaign.Slug
	apptest.AssertPage(t, e.Get("/campaigns/"+f.Campaign.Slug), http.StatusOK,
		`<link rel="canonical" href="`+camp+`">`,
		`<meta property="og:type" content="website">`,
		`<meta property="og:title" content="`+f.Campaign.Title+`">`,
		`<meta property="og:description" content="`+f.Campaign.Summary+`">`,
		`<meta property="og:url" content="`+camp+`">`)
}
