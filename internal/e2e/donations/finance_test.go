package donations_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/stripetest"
)

// giveWithGiftAid donates through the form with a Gift Aid declaration by
// name ("First Last": the last word is the last name), at 1 High Street.
func (a *app) giveWithGiftAid(t *testing.T, amount, name string) given {
	t.Helper()
	return a.giveDeclared(t, amount, name, "1 High Street, Leeds")
}

// giveDeclared is giveWithGiftAid with the full address given.
func (a *app) giveDeclared(t *testing.T, amount, name, address string) given {
	t.Helper()
	b := a.browser(t)
	first, last := name[:strings.LastIndex(name, " ")], name[strings.LastIndex(name, " ")+1:]
	res := b.donate(demo.ReleaseSlug, url.Values{"amount_other": {amount}, "gift_aid": {"yes"}, "gift_aid_first_name": {first},
		"gift_aid_last_name": {last}, "gift_aid_house": {"1"},
		"gift_aid_address": {address}, "gift_aid_postcode": {"LS1 1UB"}, "gift_aid_confirm": {"yes"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("donate: %d %s", res.Status, res.Body)
	}
	_, id, _ := a.gateway.last(t)
	e, err := a.store.BySessionID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return given{Entry: e, meta: map[string]string{"donation_id": fmt.Sprint(e.ID), "donation_nonce": e.CheckoutNonce}}
}

// pay sends a signed completion for g, dated at.
func (a *app) pay(t *testing.T, g given, pi string, at time.Time) {
	t.Helper()
	p := stripetest.Event(eventID("paid"), "checkout.session.completed", at,
		stripetest.CheckoutSession(g.CheckoutSessionID, pi, "paid", g.meta))
	if res := a.webhook(t, p, signed(p)); res.Status != http.StatusOK {
		t.Fatalf("pay: %d %s", res.Status, res.Body)
	}
}

func (a *app) refund(t *testing.T, g given, pi string, refunded int64) {
	t.Helper()
	p := stripetest.Event(eventID("refund"), "charge.refunded", time.Now(), stripetest.Charge("ch_"+pi, pi, g.Amount, refunded, g.meta))
	if res := a.webhook(t, p, signed(p)); res.Status != http.StatusOK {
		t.Fatalf("refund: %d %s", res.Status, res.Body)
	}
}

func readCSV(t *testing.T, res apptest.Response) [][]string {
	t.Helper()
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV answer %d %q %q: %s", res.Status, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"), res.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func column(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, header)
	return -1
}

// lastReviewAudit describes the newest audit log row about a donation.
func (a *app) lastReviewAudit(t *testing.T) string {
	t.Helper()
	var action, email, entity string
	var actorID, entityID int64
	err := a.db.SQL().QueryRowContext(t.Context(), `SELECT action, actor_id, actor_email, entity, entity_id FROM audit_log
		WHERE entity = 'donation' ORDER BY id DESC LIMIT 1`).Scan(&action, &actorID, &email, &entity, &entityID)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%s %d %s %s %d", action, actorID, email, entity, entityID)
}

// lastExportAudit describes the newest audit log row about an export of
// donations: action, who, and the campaign filter.
func (a *app) lastExportAudit(t *testing.T) string {
	t.Helper()
	var action, email, campaign string
	err := a.db.SQL().QueryRowContext(t.Context(), `SELECT action, actor_email, coalesce(after->'filter'->>'campaign', '')
		FROM audit_log WHERE entity = 'donations' ORDER BY id DESC LIMIT 1`).Scan(&action, &email, &campaign)
	if err != nil {
		return err.Error()
	}
	return action + " " + email + " " + campaign
}

func TestFinanceAPI(t *testing.T) {
	a := newApp(t, appOptions{})
	b := a.api(t, a.finance.Token)
	// The donor's name comes from their Gift Aid declaration, so it reaches
	// the export as typed: a formula must not survive it.
	// The donor's address comes from their Gift Aid declaration, so it
	// reaches the exports as typed: a formula must not survive it.
	evil := a.giveDeclared(t, "10", "Eve Evil", "=HYPERLINK(\"http://evil.example\",\"x\")")
	kept := a.giveWithGiftAid(t, "30", "Jane Doe")
	refunded := a.giveWithGiftAid(t, "40", "Rob Refund")
	unpaid := a.giveWithGiftAid(t, "50", "Una Unpaid")
	plain := a.give(t, "20")
	eurRes := b.donate("eu-release", url.Values{"amount": {"25"}})
	if eurRes.Status != http.StatusSeeOther {
		t.Fatalf("EUR donation: %d", eurRes.Status)
	}
	_, eurSession, _ := a.gateway.last(t)
	eur, _ := a.store.BySessionID(t.Context(), eurSession)
	eurGiven := given{Entry: eur, meta: map[string]string{"donation_id": fmt.Sprint(eur.ID), "donation_nonce": eur.CheckoutNonce}}

	paidOn := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	a.pay(t, evil, "pi_evil", paidOn)
	a.pay(t, kept, "pi_kept", paidOn.AddDate(0, 0, 5))
	a.pay(t, refunded, "pi_refunded", paidOn)
	a.refund(t, refunded, "pi_refunded", 4000)
	a.pay(t, plain, "pi_plain", paidOn)
	a.pay(t, eurGiven, "pi_eur", paidOn)
	_ = unpaid

	t.Run("list with totals per currency", func(t *testing.T) {
		l := a.list(t, "")
		want := []totals{
			{Currency: "EUR", Count: 1, PaidCount: 1, Gross: 2500, Net: 2500},
			{Currency: "GBP", Count: 5, PaidCount: 4, Gross: 10000, Refunded: 4000, Net: 6000},
		}
		if fmt.Sprint(l.Totals) != fmt.Sprint(want) {
			t.Errorf("totals %+v, want %+v", l.Totals, want)
		}
		if len(l.Donations) != 6 || l.Donations[0].ID != eur.ID || l.NextBefore != nil {
			t.Errorf("%d donations, first %d", len(l.Donations), l.Donations[0].ID)
		}
	})
	t.Run("totals follow the filter", func(t *testing.T) {
		// By hand: GBP £10, £30, £20 paid; £40 paid then refunded in full;
		// £50 never paid. EUR €25 paid.
		tests := []struct {
			query string
			want  []totals
		}{
			{"?status=paid", []totals{
				{Currency: "EUR", Count: 1, PaidCount: 1, Gross: 2500, Net: 2500},
				{Currency: "GBP", Count: 3, PaidCount: 3, Gross: 6000, Net: 6000}}},
			{"?status=refunded", []totals{{Currency: "GBP", Count: 1, PaidCount: 1, Gross: 4000, Refunded: 4000, Net: 0}}},
			{"?status=pending", []totals{{Currency: "GBP", Count: 1}}},
			{"?campaign=" + demo.CampaignSlug + "&status=paid,refunded", []totals{
				{Currency: "GBP", Count: 4, PaidCount: 4, Gross: 10000, Refunded: 4000, Net: 6000}}},
			{"?release=eu-release", []totals{{Currency: "EUR", Count: 1, PaidCount: 1, Gross: 2500, Net: 2500}}},
			// Totals cover the whole filter, not just the page shown.
			{"?limit=1", []totals{
				{Currency: "EUR", Count: 1, PaidCount: 1, Gross: 2500, Net: 2500},
				{Currency: "GBP", Count: 5, PaidCount: 4, Gross: 10000, Refunded: 4000, Net: 6000}}},
			{"?to=2000-01-01", []totals{}},
		}
		for _, tt := range tests {
			if got := a.list(t, tt.query).Totals; fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s: totals %+v, want %+v", tt.query, got, tt.want)
			}
		}
	})
	t.Run("filters", func(t *testing.T) {
		tests := []struct {
			query string
			ids   []int64
		}{
			{"?status=paid", []int64{eur.ID, plain.ID, kept.ID, evil.ID}},
			{"?status=refunded,pending", []int64{unpaid.ID, refunded.ID}},
			{"?status=refunded&status=pending", []int64{unpaid.ID, refunded.ID}},
			{"?campaign=eu-campaign", []int64{eur.ID}},
			{fmt.Sprintf("?campaign=%d&status=paid", a.demo.Campaign.ID), []int64{plain.ID, kept.ID, evil.ID}},
			{"?release=eu-release", []int64{eur.ID}},
			{fmt.Sprintf("?release=%d&status=pending", a.demo.Release.ID), []int64{unpaid.ID}},
			{"?from=" + refunded.CreatedAt.Format(time.DateOnly) + "&to=" + refunded.CreatedAt.Format(time.DateOnly) + "&status=refunded", []int64{refunded.ID}},
			{"?to=2000-01-01", nil},
			{"?limit=2", []int64{eur.ID, plain.ID}},
		}
		for _, tt := range tests {
			l := a.list(t, tt.query)
			var got []int64
			for _, d := range l.Donations {
				got = append(got, d.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.ids) {
				t.Errorf("%s: %v, want %v", tt.query, got, tt.ids)
			}
		}
		page := a.list(t, "?limit=4")
		if page.NextBefore == nil {
			t.Fatal("no next page")
		}
		rest := a.list(t, fmt.Sprintf("?limit=4&before=%d", *page.NextBefore))
		if len(page.Donations)+len(rest.Donations) != 6 || rest.NextBefore != nil {
			t.Errorf("pages of %d and %d", len(page.Donations), len(rest.Donations))
		}
	})
	t.Run("bad filters", func(t *testing.T) {
		for _, q := range []string{"?status=lost", "?campaign=nope", "?release=nope", "?from=yesterday", "?to=31/10/2026",
			"?from=2026-10-10&to=2026-10-01", "?limit=0", "?limit=501", "?before=x"} {
			res := b.Get("/api/v1/admin/donations" + q)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"code":"invalid"`) {
				t.Errorf("%s: %d %s", q, res.Status, res.Body)
			}
		}
	})
	t.Run("one donation with its events", func(t *testing.T) {
		res := b.Get(fmt.Sprintf("/api/v1/admin/donations/%d", refunded.ID))
		var out struct {
			Donation struct {
				Status  donation.Status `json:"status"`
				GiftAid struct {
					FullName string `json:"full_name"`
					Postcode string `json:"postcode"`
				} `json:"gift_aid"`
				Release struct{ Slug string } `json:"release"`
				Stripe  struct {
					ChargeID string `json:"charge_id"`
				} `json:"stripe"`
			} `json:"donation"`
			Events []struct {
				Type    string          `json:"type"`
				Payload json.RawMessage `json:"payload"`
			} `json:"events"`
		}
		if err := json.Unmarshal([]byte(res.Body), &out); err != nil || res.Status != http.StatusOK {
			t.Fatalf("%d %v", res.Status, err)
		}
		if out.Donation.Status != donation.StatusRefunded || out.Donation.GiftAid.FullName != "Rob Refund" ||
			out.Donation.Release.Slug != demo.ReleaseSlug || out.Donation.Stripe.ChargeID != "ch_pi_refunded" {
			t.Errorf("donation %+v", out.Donation)
		}
		if len(out.Events) != 2 || out.Events[0].Type != "checkout.session.completed" || out.Events[1].Type != "charge.refunded" ||
			!strings.Contains(string(out.Events[1].Payload), `"amount_refunded":4000`) {
			t.Errorf("events %+v", out.Events)
		}
		for _, p := range []string{"/api/v1/admin/donations/999999", "/api/v1/admin/donations/abc"} {
			if res := b.Get(p); res.Status != http.StatusNotFound || !strings.Contains(res.Body, `"code":"not_found"`) {
				t.Errorf("%s: %d", p, res.Status)
			}
		}
	})
	t.Run("donations CSV", func(t *testing.T) {
		rows := readCSV(t, b.Get("/api/v1/admin/donations.csv?campaign="+demo.CampaignSlug))
		if fmt.Sprint(rows[0]) != fmt.Sprint(donation.CSVHeader) || len(rows) != 6 {
			t.Fatalf("%d rows, header %v", len(rows), rows[0])
		}
		if got, want := a.lastExportAudit(t), "donations.export "+a.finance.Email+" "+demo.CampaignSlug; got != want {
			t.Errorf("audit of the export: %q, want %q", got, want)
		}
		h := rows[0]
		byID := map[string][]string{}
		for _, r := range rows[1:] {
			byID[r[column(t, h, "id")]] = r
		}
		r := byID[fmt.Sprint(evil.ID)]
		if got := r[column(t, h, "gift_aid_home_address")]; got != `'=HYPERLINK("http://evil.example","x")` {
			t.Errorf("gift_aid_home_address cell %q: the formula survived", got)
		}
		r = byID[fmt.Sprint(refunded.ID)]
		if r[column(t, h, "amount")] != "40.00" || r[column(t, h, "amount_refunded")] != "40.00" || r[column(t, h, "net")] != "0.00" ||
			r[column(t, h, "status")] != "refunded" || r[column(t, h, "currency")] != "GBP" || r[column(t, h, "gift_aid")] != "yes" {
			t.Errorf("refunded row %q", r)
		}
		if res := b.Get("/api/v1/admin/donations.csv?status=lost"); res.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, `"code":"invalid"`) {
			t.Errorf("a bad filter: %d %s", res.Status, res.Body)
		}
	})
	t.Run("gift aid claim CSV", func(t *testing.T) {
		rows := readCSV(t, b.Get("/api/v1/admin/giftaid.csv?from=2026-10-01&to=2026-10-31"))
		want := [][]string{
			donation.GiftAidCSVHeader,
			{fmt.Sprint(evil.ID), "2026-10-10", "Eve Evil", `'=HYPERLINK("http://evil.example","x")`, "LS1 1UB", "10.00", "GBP",
				evil.GiftAid.DeclaredAt.Format(time.RFC3339), donation.GiftAidWordingVersion, "pi_evil"},
			{fmt.Sprint(kept.ID), "2026-10-15", "Jane Doe", "1 High Street, Leeds", "LS1 1UB", "30.00", "GBP",
				kept.GiftAid.DeclaredAt.Format(time.RFC3339), donation.GiftAidWordingVersion, "pi_kept"},
		}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("claim\n got %q\nwant %q", rows, want)
		}
		if got, want := a.lastExportAudit(t), "giftaid.export "+a.finance.Email+" "; got != want {
			t.Errorf("audit of the claim export: %q, want %q", got, want)
		}
		if rows := readCSV(t, b.Get("/api/v1/admin/giftaid.csv?from=2026-10-11&to=2026-10-15")); len(rows) != 2 || rows[1][0] != fmt.Sprint(kept.ID) {
			t.Errorf("a narrower range: %q", rows)
		}
		if res := b.Get("/api/v1/admin/giftaid.csv?from=soon"); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("bad range: %d", res.Status)
		}
	})
	t.Run("review", func(t *testing.T) {
		post := func(path, contentType, body string) apptest.Response {
			return b.Do(http.MethodPost, path, strings.NewReader(body), "Content-Type", contentType)
		}
		path := fmt.Sprintf("/api/v1/admin/donations/%d/review", kept.ID)
		res := post(path, "application/json", `{"note":"Matched to the bank statement."}`)
		var out struct {
			ReviewedAt *time.Time `json:"reviewed_at"`
			ReviewedBy struct {
				ID    int64  `json:"id"`
				Email string `json:"email"`
			} `json:"reviewed_by"`
			ReviewNote string `json:"review_note"`
		}
		if err := json.Unmarshal([]byte(res.Body), &out); err != nil || res.Status != http.StatusOK || out.ReviewedAt == nil ||
			out.ReviewedBy.ID != a.finance.ID || out.ReviewedBy.Email != a.finance.Email || out.ReviewNote != "Matched to the bank statement." {
			t.Fatalf("review: %d %s", res.Status, res.Body)
		}
		if got, want := a.lastReviewAudit(t), fmt.Sprintf("donation.review %d %s donation %d", a.finance.ID, a.finance.Email, kept.ID); got != want {
			t.Errorf("audit log: %s, want %s", got, want)
		}
		if res := post(path, "text/plain", `{"note":"x"}`); res.Status != http.StatusUnsupportedMediaType {
			t.Errorf("not JSON: %d", res.Status)
		}
		if res := post(path, "application/json", `{"note":`); res.Status != http.StatusBadRequest {
			t.Errorf("malformed JSON: %d", res.Status)
		}
		if res := post(path, "application/json", `{"note":42}`); res.Status != http.StatusBadRequest {
			t.Errorf("note of the wrong type: %d", res.Status)
		}
		if res := post(path, "application/json", `{"note":"`+strings.Repeat("x", 2001)+`"}`); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("long note: %d", res.Status)
		}
		if res := post("/api/v1/admin/donations/999999/review", "application/json", `{"note":""}`); res.Status != http.StatusNotFound {
			t.Errorf("unknown donation: %d", res.Status)
		}
	})
}
