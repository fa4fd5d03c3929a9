package site_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// A petition that no release carries is signed on its campaign's page, in a
// form of its own: refused with a focused summary linking to its fields,
// stored without a release, and thanked on the page it returns to.
func TestCampaignPageSignsAPetitionNoReleaseCarries(t *testing.T) {
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
	page := "/campaigns/" + f.Campaign.Slug
	action := page + "/petitions/" + f.Petition.Slug + "-second/sign"
	prefix := fmt.Sprintf("p%d-", second)

	res := e.Get(page + "?source=newsletter")
	apptest.AssertPage(t, res, http.StatusOK,
		`class="button" href="/releases/`+f.Release.Slug+`#petition"`,
		`action="`+action+`"`, `id="`+prefix+`full_name" name="full_name"`, `for="`+prefix+`email"`,
		`<input type="hidden" name="source" value="newsletter">`)
	if n := strings.Count(res.Body, `<form method="post" action="/campaigns/`); n != 1 {
		t.Errorf("%d sign forms on the campaign page, want one (the first petition's release has the other)", n)
	}
	token := res.FormToken(t)

	bad := e.PostForm(action, url.Values{"csrf_token": {token}, "full_name": {""}, "email": {"nope"}, "country": {"GB"}})
	apptest.AssertPage(t, bad, http.StatusUnprocessableEntity,
		"<title>Error: "+f.Campaign.Title,
		`id="`+prefix+`errors" role="alert" tabindex="-1" autofocus`,
		`<a href="#`+prefix+`full_name">`, `<a href="#`+prefix+`email">`,
		`value="nope"`, `aria-describedby="`+prefix+`email-error"`)

	form := apptest.SignForm(token, "campaign-page@example.org")
	form.Set("source", "newsletter")
	ok := e.PostForm(action, form)
	back := fmt.Sprintf("%s?signed=%s#petition-%d", page, url.QueryEscape(f.Petition.Slug+"-second"), second)
	if ok.Status != http.StatusSeeOther || ok.Header.Get("Location") != back {
		t.Fatalf("sign: %d to %q, want 303 to %q", ok.Status, ok.Header.Get("Location"), back)
	}
	var release *int64
	var code string
	err = e.db.SQL().QueryRowContext(context.Background(),
		`SELECT source_release_id, source_code FROM signatures WHERE petition_id = $1 AND email = 'campaign-page@example.org'`,
		second).Scan(&release, &code)
	if err != nil || release != nil || code != "newsletter" {
		t.Errorf("stored release %v, code %q (%v); want no release and newsletter", release, code, err)
	}
	thanked := e.Get(strings.Split(back, "#")[0])
	apptest.AssertPage(t, thanked, http.StatusOK, "Thank you for signing: your name is on this petition.")
	if n := strings.Count(thanked.Body, "Thank you for signing"); n != 1 {
		t.Errorf("thanked %d times, want once, at the petition signed", n)
	}

	// Unknown petitions and those of other campaigns are not found; a
	// closed one says so.
	other := apptest.Seed(t, e.db, nil)
	for _, path := range []string{page + "/petitions/no-such-petition/sign", page + "/petitions/" + other.Petition.Slug + "/sign"} {
		assertNotFoundPage(t, e.PostForm(path, apptest.SignForm(token, "stray@example.org")))
	}
	apptest.Exec(t, e.db, `UPDATE petitions SET status = 'closed' WHERE id = $1`, second)
	apptest.AssertPage(t, e.PostForm(action, apptest.SignForm(token, "late@example.org")), http.StatusConflict,
		"This petition has closed and no longer takes signatures.")
	apptest.AssertStored(t, e.db, second, 1)
}
