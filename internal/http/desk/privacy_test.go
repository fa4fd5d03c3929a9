package desk_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/privacy"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// scanRow scans the one row query returns into dest.
func scanRow(t *testing.T, db *postgres.DB, query string, args []any, dest ...any) {
	t.Helper()
	if err := db.SQL().QueryRowContext(t.Context(), query, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// giftAidFor is a declaration by the subject of the privacy tests.
func giftAidFor(name string) *donation.GiftAid {
	return &donation.GiftAid{FullName: name, HomeAddress: "1 Privacy Row, Leeds", Postcode: "LS1 4AP",
		TaxpayerConfirmed: true, WordingVersion: donation.GiftAidWordingVersion, DeclaredAt: time.Now().UTC()}
}

// donate stores a donation of the campaign, paid unless status says
// otherwise, with the donor's email as Stripe would give it.
func (e *env) donate(w world, signer, donorEmail string, gift *donation.GiftAid, status string) int64 {
	e.t.Helper()
	nd := donation.NewDonation{CampaignID: w.Campaign.ID, Amount: 2500, Currency: "GBP", GiftAid: gift}
	if signer != "" {
		nd.Supporter = &donation.Supporter{PetitionID: w.Petition.ID, Email: signer}
	}
	d, err := e.db.Donations().CreatePending(e.t.Context(), nd)
	if err != nil {
		e.t.Fatal(err)
	}
	apptest.Exec(e.t, e.db, `UPDATE donations SET donor_email = $2, donor_name = 'Pat Subject',
		checkout_session_id = 'cs_test_privacy_' || id, status = $3,
		paid_at = CASE WHEN $3 IN ('paid', 'refunded') THEN now() END,
		amount_refunded = CASE WHEN $3 = 'refunded' THEN amount ELSE 0 END, fully_refunded = $3 = 'refunded'
		WHERE id = $1`, d.ID, donorEmail, status)
	return d.ID
}

// Subject access lists every signature, consent, donation and Gift Aid
// declaration of an address; erasure anonymises the signatures (the count
// stays), erases the donor's details except a claimable Gift Aid
// declaration (said in the answer), and a Stripe event arriving later
// brings nothing back. Only admins may do either, and neither the audit
// log nor the server's log holds the address.
func TestSubjectAccessAndErasure(t *testing.T) {
	e := start(t)
	w, other := e.world(), e.world()
	admin := e.member(staff.RoleAdmin)
	api := e.api(e.token(admin))
	subject := unique("pat") + "@example.org"
	bystander := unique("bystander") + "@example.org"
	for _, s := range []struct {
		petition int64
		email    string
	}{{w.Petition.ID, subject}, {other.Petition.ID, "  " + strings.ToUpper(subject)}, {w.Petition.ID, bystander}} {
		if res := e.sign(s.petition, s.email); res.Status != http.StatusCreated {
			t.Fatalf("sign: %d %s", res.Status, res.Body)
		}
	}
	claimable := e.donate(w, subject, strings.ToUpper(subject), giftAidFor("Pat Subject"), "paid")
	plain := e.donate(w, "", subject, nil, "paid")
	refunded := e.donate(w, subject, "", giftAidFor("Pat Subject"), "refunded")
	theirs := e.donate(w, bystander, bystander, giftAidFor("Bea Bystander"), "paid")

	for _, role := range []staff.Role{staff.RoleCampaigner, staff.RoleFinance} {
		c := e.api(e.token(e.member(role)))
		if res := c.Get("/api/v1/admin/privacy/subject?email=" + url.QueryEscape(subject)); res.Status != http.StatusForbidden {
			t.Errorf("%s looks up: %d", role, res.Status)
		}
		if res := c.PostJSON("/api/v1/admin/privacy/erase", map[string]any{"email": subject}); res.Status != http.StatusForbidden {
			t.Errorf("%s erases: %d", role, res.Status)
		}
	}
	for _, bad := range []string{"", "not-an-address", "a@b@c", strings.Repeat("x", 250) + "@example.org"} {
		res := api.Get("/api/v1/admin/privacy/subject?email=" + url.QueryEscape(bad))
		if res.Status != http.StatusUnprocessableEntity || errorCode(t, res) != "invalid" {
			t.Errorf("lookup of %q: %d %s", bad, res.Status, res.Body)
		}
	}

	res := api.Get("/api/v1/admin/privacy/subject?email=" + url.QueryEscape(" "+strings.ToUpper(subject)))
	if res.Status != http.StatusOK {
		t.Fatalf("subject access: %d %s", res.Status, res.Body)
	}
	got := res.JSON(t)
	if got["email"] != subject || got["erased_at"] != nil || len(got["signatures"].([]any)) != 2 ||
		len(got["consents"].([]any)) != 2 || strings.Contains(res.Body, bystander) {
		t.Fatalf("subject access answered %s", res.Body)
	}
	consent := got["consents"].([]any)[0].(map[string]any)
	if consent["given"] != true || consent["version"] == "" || !strings.Contains(consent["wording"].(string), "unsubscribe") {
		t.Errorf("consent %v", consent)
	}
	donations := map[int64]map[string]any{}
	for _, d := range got["donations"].([]any) {
		d := d.(map[string]any)
		donations[int64(d["id"].(float64))] = d
	}
	if len(donations) != 3 || donations[claimable] == nil || donations[plain] == nil || donations[refunded] == nil {
		t.Fatalf("donations %v, want %d, %d and %d", donations, claimable, plain, refunded)
	}
	if g, _ := donations[claimable]["gift_aid"].(map[string]any); g["home_address"] != "1 Privacy Row, Leeds" ||
		g["wording_version"] != donation.GiftAidWordingVersion {
		t.Errorf("gift aid %v", g)
	}
	download := api.Get("/api/v1/admin/privacy/subject?download=1&email=" + url.QueryEscape(subject))
	if download.Status != http.StatusOK || !strings.HasPrefix(download.Header.Get("Content-Disposition"), "attachment;") ||
		!strings.Contains(download.Body, `"full_name": "Ada Lovelace"`) {
		t.Errorf("download: %d %q %.300s", download.Status, download.Header.Get("Content-Disposition"), download.Body)
	}

	res = api.PostJSON("/api/v1/admin/privacy/erase", map[string]any{"email": subject})
	if res.Status != http.StatusOK {
		t.Fatalf("erase: %d %s\n%s", res.Status, res.Body, e.server.Logs.String())
	}
	erased := res.JSON(t)
	kept, _ := erased["kept"].([]any)
	if erased["signatures_anonymised"] != 2.0 || erased["donations_erased"] != 3.0 || erased["consents_withdrawn"] != 2.0 ||
		len(kept) != 1 || kept[0].(map[string]any)["donation_id"] != float64(claimable) ||
		kept[0].(map[string]any)["reason"] != privacy.KeptReason || len(erased["elsewhere"].([]any)) != 1 {
		t.Fatalf("erase answered %s", res.Body)
	}
	apptest.AssertStored(t, e.db, w.Petition.ID, 2) // erased signatures still count
	apptest.AssertStored(t, e.db, other.Petition.ID, 1)
	// Their consents left the "opted in" tally.
	var optedIn int64
	scanRow(t, e.db, `SELECT coalesce(sum(signature_count), 0) FROM signature_tallies
		WHERE petition_id = $1 AND dimension = 'consent' AND key = 'yes'`, []any{w.Petition.ID}, &optedIn)
	if optedIn != 1 { // the bystander
		t.Errorf("%d opted in after the erasure, want 1", optedIn)
	}

	for _, g := range got["signatures"].([]any) {
		var name, address, postcode string
		var anonymised bool
		scanRow(t, e.db, `SELECT full_name, email, postcode, anonymised_at IS NOT NULL FROM signatures WHERE id = $1`,
			[]any{int64(g.(map[string]any)["id"].(float64))}, &name, &address, &postcode, &anonymised)
		if name != "" || postcode != "" || !strings.HasPrefix(address, "erased-") || !anonymised {
			t.Errorf("signature %v keeps %q %q %q", g, name, address, postcode)
		}
	}
	type donorRow struct {
		name, email, giftName, address, postcode string
	}
	row := func(id int64) donorRow {
		var r donorRow
		scanRow(t, e.db, `SELECT donor_name, donor_email, gift_aid_full_name, gift_aid_home_address, gift_aid_postcode
			FROM donations WHERE id = $1`, []any{id}, &r.name, &r.email, &r.giftName, &r.address, &r.postcode)
		return r
	}
	for id, want := range map[int64]donorRow{
		claimable: {giftName: "Pat Subject", address: "1 Privacy Row, Leeds", postcode: "LS1 4AP"},
		plain:     {}, refunded: {},
		theirs: {name: "Pat Subject", email: bystander, giftName: "Bea Bystander", address: "1 Privacy Row, Leeds", postcode: "LS1 4AP"},
	} {
		if got := row(id); got != want {
			t.Errorf("donation %d holds %+v, want %+v", id, got, want)
		}
	}

	// Stripe's completion of the claimable donation arrives late, with the
	// donor's name and email: the state moves, the details stay gone.
	_, err := e.db.Donations().ApplyEvent(t.Context(), donation.Event{ID: "evt_privacy_late_" + unique("e"),
		Type: "checkout.session.completed", Kind: donation.EventCompleted, Created: time.Now(), PaymentStatus: "paid",
		Ref:        donation.Ref{CheckoutSessionID: fmt.Sprintf("cs_test_privacy_%d", claimable)},
		DonorEmail: subject, DonorName: "Pat Subject",
		Payload: []byte(`{"customer_details":{"email":"` + subject + `","name":"Pat Subject"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if got := row(claimable); got.name != "" || got.email != "" {
		t.Errorf("a late event brought back %+v", got)
	}
	var payloads int
	scanRow(t, e.db, `SELECT count(*) FROM stripe_events WHERE convert_from(payload, 'UTF8') LIKE '%' || $1 || '%'`,
		[]any{subject}, &payloads)
	if payloads != 0 {
		t.Errorf("%d stored Stripe events hold the address", payloads)
	}

	after := api.Get("/api/v1/admin/privacy/subject?email=" + url.QueryEscape(subject)).JSON(t)
	if after["erased_at"] == nil || len(after["signatures"].([]any)) != 0 || len(after["donations"].([]any)) != 0 {
		t.Errorf("after the erasure: %v", after)
	}
	again := api.PostJSON("/api/v1/admin/privacy/erase", map[string]any{"email": subject}).JSON(t)
	if again["signatures_anonymised"] != 0.0 || again["donations_erased"] != 0.0 || again["first_erased_at"] != erased["first_erased_at"] {
		t.Errorf("erasing again: %v", again)
	}

	// Signing again is new consent: a new signature, counted.
	if res := e.sign(w.Petition.ID, subject); res.Status != http.StatusCreated {
		t.Fatalf("sign again: %d %s", res.Status, res.Body)
	}
	apptest.AssertStored(t, e.db, w.Petition.ID, 3)
	back := api.Get("/api/v1/admin/privacy/subject?email=" + url.QueryEscape(subject)).JSON(t)
	if back["erased_at"] == nil || len(back["signatures"].([]any)) != 1 {
		t.Errorf("after signing again: %v", back)
	}

	var audit string
	scanRow(t, e.db, `SELECT string_agg(action || ' ' || coalesce(after::text, ''), E'\n' ORDER BY id) FROM audit_log
		WHERE action LIKE 'privacy.%' AND actor_id = $1`, []any{admin.ID}, &audit)
	if strings.Count(audit, "privacy.erase") != 2 || strings.Count(audit, "privacy.subject_access") < 4 ||
		!strings.Contains(audit, got["subject"].(string)) {
		t.Errorf("audit log:\n%s", audit)
	}
	var everything string
	scanRow(t, e.db, `SELECT coalesce(string_agg(coalesce(before::text, '') || coalesce(after::text, ''), ' '), '')
		FROM audit_log`, nil, &everything)
	for _, s := range []string{everything, e.server.Logs.String()} {
		if strings.Contains(strings.ToLower(s), subject) {
			t.Errorf("the address is in the audit log or the logs: %.500s", s)
		}
	}
}

// The pages do the same from a form: the address is posted, never in a
// URL; erasing asks first, and nothing changes until it is confirmed.
func TestPrivacyPagesAskBeforeErasing(t *testing.T) {
	e := start(t)
	w := e.world()
	subject := unique("page") + "@example.org"
	if res := e.sign(w.Petition.ID, subject); res.Status != http.StatusCreated {
		t.Fatalf("sign: %d", res.Status)
	}
	browser, _ := e.signedIn(staff.RoleAdmin)
	apptest.AssertPage(t, browser.Get("/admin/privacy"), http.StatusOK, "Personal data requests", `action="/admin/privacy/subject"`)
	apptest.AssertPage(t, browser.submit("/admin/privacy/subject", url.Values{"email": {"nobody"}}),
		http.StatusUnprocessableEntity, "Enter a valid email address.")
	apptest.AssertPage(t, browser.submit("/admin/privacy/subject", url.Values{"email": {subject}}),
		http.StatusOK, "Held about "+subject, "Ada Lovelace", w.Petition.Title, "Erase…")
	download := browser.submit("/admin/privacy/subject", url.Values{"email": {subject}, "download": {"1"}})
	if download.Status != http.StatusOK || !strings.Contains(download.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %v", download.Status, download.Header)
	}
	apptest.AssertPage(t, browser.submit("/admin/privacy/erase", url.Values{"email": {subject}}),
		http.StatusOK, "Erase everything held about "+subject, `name="confirm" value="yes"`)
	var anonymised int
	scanRow(t, e.db, `SELECT count(*) FROM signatures WHERE anonymised_at IS NOT NULL AND petition_id = $1`,
		[]any{w.Petition.ID}, &anonymised)
	if anonymised != 0 {
		t.Fatal("asking to erase erased")
	}
	apptest.AssertPage(t, browser.submit("/admin/privacy/erase", url.Values{"email": {subject}, "confirm": {"yes"}}),
		http.StatusOK, "Erased", "1 signature(s) anonymised")
	scanRow(t, e.db, `SELECT count(*) FROM signatures WHERE anonymised_at IS NOT NULL AND petition_id = $1`,
		[]any{w.Petition.ID}, &anonymised)
	if anonymised != 1 {
		t.Errorf("%d anonymised after confirming, want 1", anonymised)
	}
	campaigner, _ := e.signedIn(staff.RoleCampaigner)
	if res := campaigner.Get("/admin/privacy"); res.Status != http.StatusForbidden {
		t.Errorf("a campaigner opens the privacy page: %d", res.Status)
	}
}

// An erasure while many others sign loses none of their signatures and
// leaves the count equal to the rows.
func TestErasureDuringASurgeLosesNoSignature(t *testing.T) {
	e := start(t)
	w := e.world()
	admin := e.api(e.token(e.member(staff.RoleAdmin)))
	subject := unique("surge") + "@example.org"
	if res := e.sign(w.Petition.ID, subject); res.Status != http.StatusCreated {
		t.Fatalf("sign: %d", res.Status)
	}
	const signers, each = 8, 40
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range signers {
		wg.Go(func() {
			c := e.browser()
			<-start
			for i := range each {
				// Every fourth is a repeat of the one before.
				n := i - i%4/3
				if res := c.PostJSON(apptest.SignaturesPath(w.Petition.ID),
					apptest.SignBody(fmt.Sprintf("surge-%d-%d@example.org", g, n))); res.Status != http.StatusCreated {
					t.Errorf("sign: %d %s", res.Status, res.Body)
				}
			}
		})
	}
	wg.Go(func() {
		<-start
		if res := admin.PostJSON("/api/v1/admin/privacy/erase", map[string]any{"email": subject}); res.Status != http.StatusOK ||
			res.JSON(t)["signatures_anonymised"] != 1.0 {
			t.Errorf("erase: %d %s", res.Status, res.Body)
		}
	})
	close(start)
	wg.Wait()
	distinct := signers * (each - each/4)
	apptest.AssertStored(t, e.db, w.Petition.ID, int64(1+distinct))
	var intact int
	scanRow(t, e.db, `SELECT count(*) FROM signatures WHERE petition_id = $1 AND anonymised_at IS NULL
		AND email LIKE 'surge-%' AND full_name = 'Ada Lovelace'`, []any{w.Petition.ID}, &intact)
	if intact != distinct {
		t.Errorf("%d signatures intact, want %d", intact, distinct)
	}
}
