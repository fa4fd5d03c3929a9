package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/mailpittest"
)

// confirmLink finds the confirmation link in an email's text.
var confirmLink = regexp.MustCompile(`https?://[^\s/]+/confirm/([A-Za-z0-9_-]{43})`)

// verifyByEmail makes a petition count signatures only once confirmed.
func verifyByEmail(t *testing.T, db *postgres.DB, petitionID int64) {
	t.Helper()
	apptest.Exec(t, db, `UPDATE petitions SET verification = 'email' WHERE id = $1`, petitionID)
}

// figures returns a petition's count, pending and confirmed figures, and
// its rows in each state.
type figures struct{ count, pending, confirmed, countedRows, pendingRows, tallied int64 }

func petitionFigures(t *testing.T, db *postgres.DB, petitionID int64) figures {
	t.Helper()
	var f figures
	err := db.SQL().QueryRowContext(t.Context(), `
		SELECT c.signature_count, c.pending_count, c.confirmed_count,
		       (SELECT count(*) FROM signatures WHERE petition_id = $1 AND state = 'counted'),
		       (SELECT count(*) FROM signatures WHERE petition_id = $1 AND state = 'pending'),
		       (SELECT coalesce(sum(signature_count), 0) FROM signature_tallies WHERE petition_id = $1 AND dimension = 'country')
		FROM petition_counts c WHERE c.petition_id = $1`, petitionID).
		Scan(&f.count, &f.pending, &f.confirmed, &f.countedRows, &f.pendingRows, &f.tallied)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The whole loop: a signature on a petition that verifies by email waits,
// its owner gets one email with a link, opening the link changes nothing,
// pressing the button counts it once, and the link then says so.
func TestSignatureCountsOnceConfirmed(t *testing.T) {
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	f := apptest.Seed(t, db, nil)
	verifyByEmail(t, db, f.Petition.ID)
	srv := apptest.Start(t, db, apptest.Options{Config: withEmail(mp)})
	c := srv.Client(t)
	to := mailpittest.Recipient("confirm")

	first := c.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody(to))
	repeat := c.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody(strings.ToUpper(to)))
	want := `{"signature_count":0,"status":"pending_confirmation"}`
	if first.Status != http.StatusAccepted || first.Body != want || repeat.Status != first.Status || repeat.Body != first.Body {
		t.Fatalf("sign: %d %s, repeat: %d %s; want 202 %s for both", first.Status, first.Body, repeat.Status, repeat.Body, want)
	}
	if got := petitionFigures(t, db, f.Petition.ID); got != (figures{pending: 1, pendingRows: 1}) {
		t.Fatalf("after signing: %+v, want one pending signature and nothing counted", got)
	}
	if pub := c.Get(fmt.Sprintf("/api/v1/petitions/%d", f.Petition.ID)).JSON(t); pub["verification"] != "email" {
		t.Errorf("public petition JSON: %v, want verification email", pub)
	}

	waitForJobs(t, db, 1)
	msgs := mp.WaitFor(t, to, 1)
	if len(mp.Messages(t, to)) != 1 {
		t.Fatalf("%d emails, want 1 (the repeat within the hour sends none)", len(mp.Messages(t, to)))
	}
	m := msgs[0]
	link := confirmLink.FindStringSubmatch(m.Text)
	if m.Subject != "Please confirm your signature: "+f.Petition.Title || link == nil ||
		!strings.HasPrefix(link[0], srv.URL+"/confirm/") || !strings.Contains(m.HTML, `href="`+link[0]+`"`) {
		t.Fatalf("confirmation email %+v", m)
	}
	path := "/confirm/" + link[1]

	// Opening the link (a mail scanner, or the owner) changes nothing.
	for range 2 {
		apptest.AssertPage(t, c.Get(path), http.StatusOK, "Confirm my signature", f.Petition.Title)
	}
	if got := petitionFigures(t, db, f.Petition.ID); got.count != 0 || got.pending != 1 {
		t.Fatalf("after opening the link: %+v", got)
	}

	// Pressing the button counts it, from a browser without the site's
	// cookies (the link may open anywhere).
	res := srv.Client(t).Do("POST", path, nil, "Content-Type", "application/x-www-form-urlencoded")
	thanks := "/releases/" + url.PathEscape(f.Release.Slug) + "/thanks?confirmed=1"
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != thanks {
		t.Fatalf("confirm: %d to %q, want 303 to %s\n%s", res.Status, res.Header.Get("Location"), thanks, res.Body)
	}
	if got := petitionFigures(t, db, f.Petition.ID); got != (figures{count: 1, confirmed: 1, countedRows: 1, tallied: 1}) {
		t.Fatalf("after confirming: %+v, want one counted, confirmed and tallied signature", got)
	}
	apptest.AssertPage(t, c.Get(thanks), http.StatusOK, "Thank you for signing", ">1</strong>")

	// Again: already confirmed, nothing moves.
	apptest.AssertPage(t, c.Get(path), http.StatusOK, "already counted")
	apptest.AssertPage(t, c.Do("POST", path, nil), http.StatusOK, "already counted")
	if got := petitionFigures(t, db, f.Petition.ID); got.count != 1 || got.confirmed != 1 {
		t.Fatalf("after confirming twice: %+v", got)
	}
	var state string
	var confirmedAt *time.Time
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT state, confirmed_at FROM signatures WHERE petition_id = $1`,
		f.Petition.ID).Scan(&state, &confirmedAt); err != nil || state != petition.StateCounted || confirmedAt == nil {
		t.Errorf("stored: %q at %v (%v)", state, confirmedAt, err)
	}
	if drifts, err := db.Recount(t.Context()); err != nil || len(drifts) != 0 {
		t.Errorf("recount: %+v %v", drifts, err)
	}
}

// The form's thanks page asks a signer to check their inbox.
func TestSignFormSaysCheckYourInbox(t *testing.T) {
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	f := apptest.Seed(t, db, nil)
	verifyByEmail(t, db, f.Petition.ID)
	srv := apptest.Start(t, db, apptest.Options{Config: withEmail(mp)})
	c := srv.Client(t)
	page := "/releases/" + f.Release.Slug
	res := c.PostForm(page+"/sign", apptest.SignForm(c.FormToken(page), mailpittest.Recipient("form")))
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != page+"/thanks" {
		t.Fatalf("sign: %d %v", res.Status, res.Header)
	}
	apptest.AssertPage(t, c.Get(page+"/thanks"), http.StatusOK, "Check your inbox", "Confirm my signature")
}

// Links that are not ours, altered, for a signature that is gone, or too
// old change nothing, and each says so kindly.
func TestBadConfirmationLinksChangeNothing(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	f := apptest.Seed(t, db, nil)
	verifyByEmail(t, db, f.Petition.ID)
	srv := apptest.Start(t, db, apptest.Options{})
	c := srv.Client(t)
	if res := c.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody("bad-links@example.org")); res.Status != http.StatusAccepted {
		t.Fatalf("sign: %d %s", res.Status, res.Body)
	}
	var id int64
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT id FROM signatures WHERE petition_id = $1`, f.Petition.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	ours := petition.NewTokens(func(ctx testingContext) ([]byte, error) { return db.ServerKey(ctx, app.ConfirmKey) })
	foreign := petition.NewTokens(petition.StaticKey([]byte(strings.Repeat("k", 32))))
	issue := func(tokens *petition.Tokens, id int64, at time.Time) string {
		tok, err := tokens.Issue(t.Context(), id, at)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := issue(ours, id, time.Now())
	flip := []byte(good)
	flip[20] ^= 1 // still base64url: a bit of the MAC or the time changes
	if flip[20] == '-' || flip[20] == '_' || string(flip) == good {
		t.Fatalf("bad flip %q", flip)
	}
	for _, tc := range []struct {
		name, token string
		status      int
		page        string
	}{
		{"tampered", string(flip), http.StatusNotFound, "We can't find that link"},
		{"foreign key", issue(foreign, id, time.Now()), http.StatusNotFound, "We can't find that link"},
		{"no such signature", issue(ours, id+1000, time.Now()), http.StatusNotFound, "We can't find that link"},
		{"truncated", good[:30], http.StatusNotFound, "We can't find that link"},
		{"junk", strings.Repeat("x", 43), http.StatusNotFound, "We can't find that link"},
		{"expired", issue(ours, id, time.Now().Add(-8*24*time.Hour)), http.StatusGone, "Sign again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apptest.AssertPage(t, c.Get("/confirm/"+tc.token), tc.status, tc.page)
			apptest.AssertPage(t, c.Do("POST", "/confirm/"+tc.token, nil), tc.status, tc.page)
			if got := petitionFigures(t, db, f.Petition.ID); got != (figures{pending: 1, pendingRows: 1}) {
				t.Fatalf("after a %s link: %+v", tc.name, got)
			}
		})
	}
	// A script asking for JSON gets the API's error shape.
	apptest.AssertAPIError(t, c.Get("/confirm/"+string(flip), "Accept", "application/json"), http.StatusNotFound, "not_found")
	// The good link still works.
	if res := c.Do("POST", "/confirm/"+good, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("good link: %d %s", res.Status, res.Body)
	}
	apptest.AssertStored(t, db, f.Petition.ID, 1)
}

// Confirmations are batched like signatures: a surge of them, duplicates
// among them, moves the count by exactly the number of signatures.
func TestConcurrentConfirmationsCountExactly(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	f := apptest.Seed(t, db, nil)
	verifyByEmail(t, db, f.Petition.ID)
	srv := apptest.Start(t, db, apptest.Options{})
	const signers = 500
	apptest.Exec(t, db, `
		INSERT INTO signatures (petition_id, full_name, email, country, consent_updates, consent_version, state)
		SELECT $1, 'Surge ' || i, 'surge' || i || '@example.org', 'GB', false, '2026-11-v1', 'pending'
		FROM generate_series(1, $2::int) i`, f.Petition.ID, signers)
	apptest.Exec(t, db, `UPDATE petition_counts SET pending_count = $2 WHERE petition_id = $1`, f.Petition.ID, signers)
	tokens := petition.NewTokens(func(ctx testingContext) ([]byte, error) { return db.ServerKey(ctx, app.ConfirmKey) })
	rows, err := db.SQL().QueryContext(t.Context(), `SELECT id FROM signatures WHERE petition_id = $1`, f.Petition.ID)
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		tok, err := tokens.Issue(t.Context(), id, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		links = append(links, "/confirm/"+tok)
	}
	rows.Close()
	links = append(links, links[:100]...) // a hundred pressed twice
	c := srv.Client(t)
	var wg sync.WaitGroup
	for _, link := range links {
		wg.Go(func() {
			res, err := c.Try("POST", link, nil)
			if err != nil || (res.Status != http.StatusSeeOther && res.Status != http.StatusOK) {
				t.Errorf("confirm: %v %d", err, res.Status)
			}
		})
	}
	wg.Wait()
	want := figures{count: signers, confirmed: signers, countedRows: signers, tallied: signers}
	if got := petitionFigures(t, db, f.Petition.ID); got != want {
		t.Errorf("after %d confirmations of %d signatures: %+v, want %+v", len(links), signers, got, want)
	}
	if drifts, err := db.Recount(t.Context()); err != nil || len(drifts) != 0 {
		t.Errorf("recount: %+v %v", drifts, err)
	}
}

// A petition cannot verify by email while email is off: nobody would get
// the link. With email on, staff set it through the API.
func TestEmailVerificationNeedsEmail(t *testing.T) {
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	f := apptest.Seed(t, db, nil)
	for _, tc := range []struct {
		name   string
		server *apptest.Server
		status int
	}{
		{"email off", apptest.Start(t, db, apptest.Options{}), http.StatusUnprocessableEntity},
		{"email on", apptest.Start(t, db, apptest.Options{Config: withEmail(mp)}), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			admin := tc.server.Client(t).Bearer(adminToken(t, db))
			path := fmt.Sprintf("/api/v1/admin/petitions/%d", f.Petition.ID)
			res := admin.SendJSON("PATCH", path, map[string]any{"verification": "email"})
			if tc.status != http.StatusOK {
				apptest.AssertAPIError(t, res, tc.status, "invalid", "verification")
				if got := admin.Get(path).JSON(t)["verification"]; got != "none" {
					t.Errorf("verification after the refusal: %v", got)
				}
				return
			}
			if res.Status != tc.status || res.JSON(t)["verification"] != "email" || res.JSON(t)["pending_count"] != 0.0 {
				t.Fatalf("PATCH: %d %s", res.Status, res.Body)
			}
			apptest.AssertAPIError(t, admin.SendJSON("PATCH", path, map[string]any{"verification": "sms"}),
				http.StatusUnprocessableEntity, "invalid", "verification")
		})
	}
}

// testingContext is the context a token's key loader is given.
type testingContext = context.Context

// adminToken creates an admin and returns an API token for them.
func adminToken(t *testing.T, db *postgres.DB) string {
	t.Helper()
	auth, err := staff.NewAuth(db.Staff(), staff.AuthOptions{Passwords: apptest.CheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	m, err := auth.CreateMember(t.Context(), staff.CommandLine(), mailpittest.Recipient("admin"), staff.RoleAdmin,
		"a long enough password for tests")
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := auth.IssueToken(t.Context(), staff.CommandLine(), m.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}
