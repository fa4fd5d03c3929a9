package site_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// unsubscribeFixture is a signed petition on a running server, with the
// server's own token makers.
type unsubscribeFixture struct {
	e           *env
	f           apptest.Fixture
	signatureID int64
	unsubscribe *petition.Tokens
	confirm     *petition.Tokens
}

func newUnsubscribeFixture(t *testing.T) unsubscribeFixture {
	t.Helper()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	if res := e.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody("unsubscribe@example.org")); res.Status != http.StatusCreated {
		t.Fatalf("sign: %d %s", res.Status, res.Body)
	}
	var id int64
	if err := e.db.SQL().QueryRowContext(t.Context(), `SELECT id FROM signatures WHERE petition_id = $1`, f.Petition.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	key := func(name string) func(context.Context) ([]byte, error) {
		return func(ctx context.Context) ([]byte, error) { return e.db.ServerKey(ctx, name) }
	}
	return unsubscribeFixture{e: e, f: f, signatureID: id,
		unsubscribe: petition.NewTokensFor(petition.PurposeUnsubscribe, key(app.UnsubscribeKey)),
		confirm:     petition.NewTokens(key(app.ConfirmKey))}
}

func (u unsubscribeFixture) issue(t *testing.T, tokens *petition.Tokens, id int64) string {
	t.Helper()
	tok, err := tokens.Issue(t.Context(), id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// withdrawnAt is when the fixture's signer withdrew consent (nil: not).
func withdrawnAt(t *testing.T, db *postgres.DB, id int64) (bool, *time.Time) {
	t.Helper()
	var consent bool
	var at *time.Time
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT consent_updates, consent_withdrawn_at FROM signatures WHERE id = $1`,
		id).Scan(&consent, &at); err != nil {
		t.Fatal(err)
	}
	return consent, at
}

// Links we did not make for unsubscribing, altered ones, and confirmation
// links get a 404 and change nothing; an unsubscribe link is no
// confirmation link either.
func TestBadUnsubscribeLinksChangeNothing(t *testing.T) {
	t.Parallel()
	u := newUnsubscribeFixture(t)
	good := u.issue(t, u.unsubscribe, u.signatureID)
	flip := []byte(good)
	flip[20] ^= 1
	foreign := petition.NewTokensFor(petition.PurposeUnsubscribe, petition.StaticKey([]byte(strings.Repeat("k", 32))))
	for _, tc := range []struct{ name, token string }{
		{"tampered", string(flip)},
		{"confirmation link", u.issue(t, u.confirm, u.signatureID)},
		{"foreign key", u.issue(t, foreign, u.signatureID)},
		{"no such signature", u.issue(t, u.unsubscribe, u.signatureID+1000)},
		{"truncated", good[:30]},
		{"junk", strings.Repeat("x", 43)},
		{"not base64", strings.Repeat("!", 43)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apptest.AssertPage(t, u.e.Get("/unsubscribe/"+tc.token), http.StatusNotFound, "We can't find that link")
			apptest.AssertPage(t, u.e.Do("POST", "/unsubscribe/"+tc.token, strings.NewReader("List-Unsubscribe=One-Click"),
				"Content-Type", "application/x-www-form-urlencoded"), http.StatusNotFound, "We can't find that link")
			if consent, at := withdrawnAt(t, u.e.db, u.signatureID); !consent || at != nil {
				t.Fatalf("after a %s link: consent %v, withdrawn at %v", tc.name, consent, at)
			}
		})
	}
	// The unsubscribe link confirms nothing.
	apptest.AssertPage(t, u.e.Do("POST", "/confirm/"+good, nil), http.StatusNotFound, "We can't find that link")
	apptest.AssertPage(t, u.e.Get("/confirm/"+good), http.StatusNotFound, "We can't find that link")
}

// The button on the page works from a browser (same origin), and a mail
// provider's one-click POST works even when it names the provider's own
// origin: the token is the authority.
func TestUnsubscribeFromTheButtonAndFromAProvider(t *testing.T) {
	t.Parallel()
	u := newUnsubscribeFixture(t)
	path := "/unsubscribe/" + u.issue(t, u.unsubscribe, u.signatureID)
	page := u.e.Get(path)
	apptest.AssertPage(t, page, http.StatusOK, `<form method="post" action="`+path+`">`, "Unsubscribe me")
	if page.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy %q: the token could leak", page.Header.Get("Referrer-Policy"))
	}
	apptest.AssertPage(t, u.e.Do("POST", path, nil, "Sec-Fetch-Site", "same-origin", "Origin", u.e.server.URL),
		http.StatusOK, "We will send you no more updates")
	if consent, at := withdrawnAt(t, u.e.db, u.signatureID); consent || at == nil {
		t.Fatalf("after the button: consent %v, withdrawn at %v", consent, at)
	}

	// Another signer, unsubscribed by their provider naming its origin.
	if res := u.e.PostJSON(apptest.SignaturesPath(u.f.Petition.ID), apptest.SignBody("provider@example.org")); res.Status != http.StatusCreated {
		t.Fatalf("sign: %d %s", res.Status, res.Body)
	}
	var other int64
	if err := u.e.db.SQL().QueryRowContext(t.Context(), `SELECT id FROM signatures WHERE email = 'provider@example.org'`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), "POST", u.e.server.URL+"/unsubscribe/"+u.issue(t, u.unsubscribe, other),
		strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://mail.provider.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "We will send you no more updates") {
		t.Fatalf("one-click with a foreign Origin: %d\n%s", res.StatusCode, body)
	}
	if consent, at := withdrawnAt(t, u.e.db, other); consent || at == nil {
		t.Fatalf("after one-click: consent %v, withdrawn at %v", consent, at)
	}
	// Other posts from another site are still refused.
	if res := u.e.Do("POST", "/releases/"+u.f.Release.Slug+"/sign", nil, "Origin", "https://mail.provider.example"); res.Status != http.StatusForbidden {
		t.Errorf("a cross-site sign post: %d, want 403", res.Status)
	}
}

// Many presses at once (a provider retrying, a person clicking twice)
// withdraw consent once: one request says it is done, the rest that it was
// done already, and all name the same time.
func TestConcurrentUnsubscribesWithdrawOnce(t *testing.T) {
	t.Parallel()
	u := newUnsubscribeFixture(t)
	url := u.e.server.URL + "/unsubscribe/" + u.issue(t, u.unsubscribe, u.signatureID)
	const n = 20
	var wg sync.WaitGroup
	bodies := make([]string, n)
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() {
			res, err := http.Post(url, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			statuses[i], bodies[i] = res.StatusCode, string(b)
		})
	}
	wg.Wait()
	done := 0
	for i := range n {
		switch {
		case statuses[i] != http.StatusOK:
			t.Errorf("request %d: %d\n%s", i, statuses[i], bodies[i])
		case strings.Contains(bodies[i], "We will send you no more updates"):
			done++
		case !strings.Contains(bodies[i], "You unsubscribed already"):
			t.Errorf("request %d says neither done nor already:\n%s", i, bodies[i])
		}
	}
	if done != 1 {
		t.Errorf("%d requests withdrew consent, want exactly 1", done)
	}
	if consent, at := withdrawnAt(t, u.e.db, u.signatureID); consent || at == nil {
		t.Fatalf("consent %v, withdrawn at %v", consent, at)
	}
}
