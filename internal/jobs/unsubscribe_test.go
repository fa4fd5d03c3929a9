package jobs_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/mailpittest"
)

// unsubscribeLink finds the unsubscribe link in an email's text.
var unsubscribeLink = regexp.MustCompile(`https?://[^\s/]+/unsubscribe/([A-Za-z0-9_-]{43})`)

// consentOf returns a signature's consent to updates and when it was
// withdrawn.
func consentOf(t *testing.T, srv *apptest.Server, petitionID int64, email string) (bool, *time.Time) {
	t.Helper()
	var consent bool
	var withdrawn *time.Time
	if err := srv.DB.SQL().QueryRowContext(t.Context(),
		`SELECT consent_updates, consent_withdrawn_at FROM signatures WHERE petition_id = $1 AND email = $2`,
		petitionID, email).Scan(&consent, &withdrawn); err != nil {
		t.Fatal(err)
	}
	return consent, withdrawn
}

// Every email carries a one-click unsubscribe (List-Unsubscribe and
// List-Unsubscribe-Post, RFC 8058) and a visible link. Opening the link
// changes nothing; a mail provider's one-click POST, from its servers with
// no cookie and no Origin, withdraws consent to updates and records when;
// a second POST says it is done already.
func TestEveryEmailUnsubscribesInOneClick(t *testing.T) {
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	f := apptest.Seed(t, db, nil)
	srv := apptest.Start(t, db, apptest.Options{Config: withEmail(mp)})
	to := mailpittest.Recipient("unsubscribe")
	c := srv.Client(t)
	if res := c.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody(to)); res.Status != http.StatusCreated {
		t.Fatalf("sign: %d %s", res.Status, res.Body)
	}
	m := mp.WaitFor(t, to, 1)[0]
	link := unsubscribeLink.FindStringSubmatch(m.Text)
	if link == nil || !strings.HasPrefix(link[0], srv.URL+"/unsubscribe/") || !strings.Contains(m.HTML, `href="`+link[0]+`"`) {
		t.Fatalf("no unsubscribe link in the text and HTML of %+v", m)
	}
	h := mp.Headers(t, m.ID)
	if got := h["List-Unsubscribe"]; len(got) != 1 || got[0] != "<"+link[0]+">" {
		t.Errorf("List-Unsubscribe %q, want <%s>", got, link[0])
	}
	if got := h["List-Unsubscribe-Post"]; len(got) != 1 || got[0] != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q, want List-Unsubscribe=One-Click", got)
	}
	path := "/unsubscribe/" + link[1]

	for range 2 {
		apptest.AssertPage(t, c.Get(path), http.StatusOK, "Unsubscribe me", f.Petition.Title)
	}
	if consent, withdrawn := consentOf(t, srv, f.Petition.ID, to); !consent || withdrawn != nil {
		t.Fatalf("after opening the link: consent %v, withdrawn at %v; want unchanged", consent, withdrawn)
	}

	// What a mail provider sends: a form body, no cookie, no Origin, no
	// Sec-Fetch-Site.
	oneClick := func() (int, string) {
		res, err := http.Post(link[0], "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	before := time.Now()
	if status, body := oneClick(); status != http.StatusOK || !strings.Contains(body, "We will send you no more updates") {
		t.Fatalf("one-click: %d\n%s", status, body)
	}
	consent, withdrawn := consentOf(t, srv, f.Petition.ID, to)
	if consent || withdrawn == nil || withdrawn.Before(before.Add(-time.Minute)) {
		t.Fatalf("after one-click: consent %v, withdrawn at %v; want false, now", consent, withdrawn)
	}
	if status, body := oneClick(); status != http.StatusOK || !strings.Contains(body, "You unsubscribed already") {
		t.Fatalf("second one-click: %d\n%s", status, body)
	}
	apptest.AssertPage(t, c.Get(path), http.StatusOK, "You unsubscribed already")
	if _, again := consentOf(t, srv, f.Petition.ID, to); again == nil || !again.Equal(*withdrawn) {
		t.Errorf("withdrawn at %v after the second POST, want %v kept", again, withdrawn)
	}
	apptest.AssertStored(t, db, f.Petition.ID, 1) // the signature still counts
	// The dashboard's "opted in" tally moved with it, as a recount agrees.
	var optedIn, declined int
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT
		coalesce(sum(signature_count) FILTER (WHERE key = 'yes'), 0), coalesce(sum(signature_count) FILTER (WHERE key = 'no'), 0)
		FROM signature_tallies WHERE petition_id = $1 AND dimension = 'consent'`, f.Petition.ID).Scan(&optedIn, &declined); err != nil {
		t.Fatal(err)
	}
	if optedIn != 0 || declined != 1 {
		t.Errorf("consent tally: %d opted in, %d not; want 0 and 1", optedIn, declined)
	}
	if drifts, err := db.Recount(t.Context()); err != nil || len(drifts) != 0 {
		t.Errorf("recount: %+v %v", drifts, err)
	}
}

// Withdrawing consent that was given is delivered once as
// consent.withdrawn, with ids only; a second unsubscribe, and the
// unsubscribe of a signer who never consented, send nothing.
func TestConsentWithdrawnIsDeliveredOnce(t *testing.T) {
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	f := apptest.Seed(t, db, nil)
	srv := apptest.Start(t, db, apptest.Options{
		Config: func(c *config.Config) { withEmail(mp)(c); allowPrivate(c) },
		App:    app.Options{Jobs: quickJobs()}})
	r := newReceiver(t, func(int) int { return http.StatusNoContent })
	_, secret := addEndpoint(t, db, r.server.URL, outbound.EventConsentWithdrawn)
	r.setSecret(secret)

	consented, declined := mailpittest.Recipient("withdraws"), mailpittest.Recipient("never-consented")
	c := srv.Client(t)
	for _, to := range []string{consented, declined} {
		body := apptest.SignBody(to)
		body["consent_updates"] = to == consented
		if res := c.PostJSON(apptest.SignaturesPath(f.Petition.ID), body); res.Status != http.StatusCreated {
			t.Fatalf("sign: %d %s", res.Status, res.Body)
		}
	}
	for _, to := range []string{consented, consented, declined} {
		link := unsubscribeLink.FindStringSubmatch(mp.WaitFor(t, to, 1)[0].Text)
		if link == nil {
			t.Fatal("no unsubscribe link")
		}
		res, err := http.Post(link[0], "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("unsubscribe: %d", res.StatusCode)
		}
	}
	var signatureID int64
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT id FROM signatures WHERE email = $1`, consented).Scan(&signatureID); err != nil {
		t.Fatal(err)
	}
	// Every withdrawal has committed: the deliveries it queued are in the
	// table, and once they are done nothing else is on its way.
	waitFor(t, "the delivery", func() bool {
		return count(t, db, `SELECT count(*) FROM webhook_deliveries WHERE status <> 'succeeded'`) == 0 &&
			len(r.received()) == count(t, db, `SELECT count(*) FROM webhook_deliveries`)
	})
	got := r.received()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1: %+v", len(got), got)
	}
	var p struct {
		Type string `json:"type"`
		Data map[string]any
	}
	if err := json.Unmarshal([]byte(got[0].Body), &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != outbound.EventConsentWithdrawn || p.Data["signature_id"] != float64(signatureID) ||
		p.Data["petition_id"] != float64(f.Petition.ID) || p.Data["withdrawn_at"] == nil || len(p.Data) != 3 {
		t.Errorf("delivery %s", got[0].Body)
	}
	if strings.Contains(got[0].Body, "@") {
		t.Errorf("personal data in the delivery: %s", got[0].Body)
	}
}
