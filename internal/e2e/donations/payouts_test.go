package donations_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/stripe"
	"github.com/advocacy/advocacy/internal/tooling/stripetest"
)

type payoutOut struct {
	ID          int64     `json:"id"`
	PayoutID    string    `json:"payout_id"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	ArrivalDate time.Time `json:"arrival_date"`
	Donations   int64     `json:"donations"`
	Fees        int64     `json:"fees"`
	Net         int64     `json:"net"`
	Other       int64     `json:"other"`
}

// Paying a donation records Stripe's fee and net from the charge's balance
// transaction; a payout.paid webhook links the donations the payout holds,
// and finance sees the payout with its donations and totals.
func TestFeesAndPayouts(t *testing.T) {
	a := newApp(t, appOptions{})
	b := a.api(t, a.finance.Token)
	// What Stripe (here stripe-mock) says of any payment and payout, read
	// through the same client the server uses.
	ledger, err := stripe.New(stripe.Config{SecretKey: stripeKey(appOptions{}), APIBase: mock.URL})
	if err != nil {
		t.Fatal(err)
	}
	wantFees, err := ledger.PaymentFees(t.Context(), "pi_fees_one")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := ledger.PayoutLines(t.Context(), "po_week_48")
	if err != nil || len(lines) == 0 {
		t.Fatalf("stripe-mock's payout lines: %v, %v", lines, err)
	}

	one, two, unpaid := a.give(t, "10"), a.giveWithGiftAid(t, "20", "Tess Two"), a.give(t, "30")
	paidOn := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	a.pay(t, one, "pi_fees_one", paidOn)
	a.pay(t, two, "pi_fees_two", paidOn)

	t.Run("fees recorded when paid", func(t *testing.T) {
		for _, g := range []given{one, two} {
			e, _, err := a.store.Get(t.Context(), g.ID)
			if err != nil || e.Fees == nil || *e.Fees != wantFees {
				t.Errorf("donation %d fees %+v, want %+v (%v)", g.ID, e.Fees, wantFees, err)
			}
		}
		if e, _, _ := a.store.Get(t.Context(), unpaid.ID); e.Fees != nil {
			t.Errorf("an unpaid donation has fees %+v", e.Fees)
		}
		res := b.Get(fmt.Sprintf("/api/v1/admin/donations/%d", one.ID))
		if !strings.Contains(res.Body, `"balance_transaction_id":"`+wantFees.BalanceTransactionID+`"`) {
			t.Errorf("the API does not show the fees: %s", res.Body)
		}
	})

	arrival := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	payout := stripetest.Event(eventID("payout"), "payout.paid", arrival, stripetest.Payout("po_week_48", 2950, "gbp", arrival))
	if res := a.webhook(t, payout, signed(payout)); res.Status != http.StatusOK {
		t.Fatalf("payout.paid: %d %s", res.Status, res.Body)
	}
	// Stripe may send it again; nothing doubles.
	again := stripetest.Event(eventID("payout"), "payout.paid", arrival, stripetest.Payout("po_week_48", 2950, "gbp", arrival))
	if res := a.webhook(t, again, signed(again)); res.Status != http.StatusOK {
		t.Fatalf("payout.paid again: %d %s", res.Status, res.Body)
	}

	var list struct {
		Payouts []payoutOut `json:"payouts"`
	}
	res := b.Get("/api/v1/admin/payouts")
	if err := json.Unmarshal([]byte(res.Body), &list); err != nil || res.Status != http.StatusOK || len(list.Payouts) != 1 {
		t.Fatalf("payouts: %d %s", res.Status, res.Body)
	}
	p := list.Payouts[0]
	// By hand: both paid donations' balance transaction is the line
	// stripe-mock lists, so both are linked, each with the line's fee and net.
	line := lines[0]
	if p.PayoutID != "po_week_48" || p.Amount != 2950 || p.Currency != "GBP" || !p.ArrivalDate.Equal(arrival) ||
		p.Donations != 2 || p.Fees != 2*line.Fee || p.Net != 2*line.Net || p.Other != 2950-2*line.Net {
		t.Errorf("payout %+v, want 2 donations with fees %d and net %d", p, 2*line.Fee, 2*line.Net)
	}

	t.Run("one payout with its donations", func(t *testing.T) {
		var detail struct {
			Payout    payoutOut `json:"payout"`
			Donations []struct {
				ID       int64  `json:"id"`
				PayoutID *int64 `json:"payout_id"`
			} `json:"donations"`
		}
		res := b.Get(fmt.Sprintf("/api/v1/admin/payouts/%d", p.ID))
		if err := json.Unmarshal([]byte(res.Body), &detail); err != nil || res.Status != http.StatusOK {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if len(detail.Donations) != 2 || detail.Donations[0].ID != one.ID || detail.Donations[1].ID != two.ID ||
			detail.Donations[0].PayoutID == nil || *detail.Donations[0].PayoutID != p.ID {
			t.Errorf("donations %+v", detail.Donations)
		}
		for _, path := range []string{"/api/v1/admin/payouts/999999", "/api/v1/admin/payouts/x"} {
			if res := b.Get(path); res.Status != http.StatusNotFound {
				t.Errorf("%s: %d", path, res.Status)
			}
		}
	})
	t.Run("pages", func(t *testing.T) {
		s := a.staffBrowser(t, a.finance.Member)
		body := s.page("/admin/payouts", http.StatusOK)
		for _, want := range []string{fmt.Sprintf(`href="/admin/payouts/%d"`, p.ID), `href="https://dashboard.stripe.com/test/payouts/po_week_48"`,
			"£29.50", "27 Nov 2026"} {
			if !strings.Contains(body, want) {
				t.Errorf("the payouts page lacks %q", want)
			}
		}
		body = s.page(fmt.Sprintf("/admin/payouts/%d", p.ID), http.StatusOK)
		for _, want := range []string{`<dd class="payout-donations">2</dd>`, "Tess Two", fmt.Sprintf(`id="donation-%d"`, one.ID)} {
			if !strings.Contains(body, want) {
				t.Errorf("the payout page lacks %q", want)
			}
		}
		if rowOf(t, body, unpaid.ID) != "" {
			t.Error("the payout page lists an unpaid donation")
		}
		body = s.page(fmt.Sprintf("/admin/donations/%d", two.ID), http.StatusOK)
		if !strings.Contains(body, fmt.Sprintf(`href="/admin/payouts/%d"`, p.ID)) || !strings.Contains(body, donation.Format(line.Net, line.Currency, false)) {
			t.Error("the donation page does not show its payout and net")
		}
	})
	t.Run("a payout event that cannot be read", func(t *testing.T) {
		for _, obj := range []map[string]any{
			{"id": "not-a-payout", "object": "payout", "amount": 1, "currency": "gbp"},
			{"id": "po_x\u0000", "object": "payout", "amount": 1, "currency": "gbp"},
			{"id": "po_x", "object": "payout", "amount": 1, "currency": "pounds"},
			{"id": "po_x", "object": "payout", "amount": "lots", "currency": "gbp"},
		} {
			ev := stripetest.Event(eventID("bad_payout"), "payout.paid", arrival, obj)
			if res := a.webhook(t, ev, signed(ev)); res.Status != http.StatusBadRequest {
				t.Errorf("%v: %d %s", obj, res.Status, res.Body)
			}
		}
	})
}
