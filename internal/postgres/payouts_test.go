package postgres_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/advocacy/advocacy/internal/donation"
)

func TestFeesAndPayoutLinks(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	d1, d2, d3 := f.create(t, f.gbp, 1000, nil), f.create(t, f.gbp, 500, nil), f.create(t, f.gbp, 700, nil)
	for i, d := range []donation.Donation{d1, d2, d3} {
		f.apply(t, completedEv(d, "paid", fmt.Sprintf("pi_link_%d", i+1), day(2)))
	}
	// d2's charge is known (from a refund of part of it), not its balance
	// transaction; d3 is paid out in another payout.
	f.apply(t, refundEv("pi_link_2", "ch_link_2", 100, false, day(3)))

	if err := f.store.RecordFees(ctx, "pi_link_1", donation.Fees{BalanceTransactionID: "txn_1", Currency: "GBP", Fee: 50, Net: 950}); err != nil {
		t.Fatal(err)
	}
	if e, _ := f.get(t, d1.ID); e.Fees == nil || *e.Fees != (donation.Fees{BalanceTransactionID: "txn_1", Currency: "GBP", Fee: 50, Net: 950}) {
		t.Fatalf("fees after RecordFees: %+v", e.Fees)
	}
	if err := f.store.RecordFees(ctx, "pi_unknown", donation.Fees{BalanceTransactionID: "txn_9", Currency: "GBP"}); err != nil {
		t.Errorf("fees of an unknown payment: %v", err)
	}

	arrival := time.Date(2026, 10, 7, 0, 0, 0, 0, time.UTC)
	p := donation.Payout{PayoutID: "po_link", Amount: 1300, Currency: "GBP", Status: "paid", ArrivalDate: arrival, Created: arrival.AddDate(0, 0, -2)}
	lines := []donation.PayoutLine{
		{BalanceTransactionID: "txn_1", Type: "charge", SourceID: "ch_other", Currency: "GBP", Amount: 1000, Fee: 60, Net: 940},
		{BalanceTransactionID: "txn_2", Type: "charge", SourceID: "ch_link_2", Currency: "GBP", Amount: 500, Fee: 30, Net: 470},
		{BalanceTransactionID: "txn_r", Type: "refund", SourceID: "re_1", Currency: "GBP", Amount: -100, Net: -100},
		{BalanceTransactionID: "txn_x", Type: "charge", SourceID: "ch_nobody", Currency: "GBP", Amount: 200, Fee: 10, Net: 190},
	}
	for range 2 { // a repeat changes nothing twice
		linked, err := f.store.RecordPayout(ctx, p, lines)
		if err != nil || linked != 2 {
			t.Fatalf("RecordPayout: %d linked, %v; want 2", linked, err)
		}
	}
	payouts, err := f.store.Payouts(ctx, 10)
	if err != nil || len(payouts) != 1 {
		t.Fatalf("Payouts: %+v, %v", payouts, err)
	}
	got := payouts[0]
	// By hand: fees 60 + 30, nets 940 + 470 = 1410; the payout's 1300 less
	// that is -110 of other things (the refund, the charge of nobody's).
	if got.PayoutID != "po_link" || got.Donations != 2 || got.Gross != 1500 || got.Fees != 90 || got.Net != 1410 || got.Other != -110 ||
		!got.ArrivalDate.Equal(arrival) {
		t.Errorf("payout %+v", got)
	}
	summary, entries, err := f.store.Payout(ctx, got.ID)
	if err != nil || summary.Donations != 2 || len(entries) != 2 || entries[0].ID != d1.ID || entries[1].ID != d2.ID {
		t.Fatalf("Payout: %+v %v", entries, err)
	}
	if fees := entries[0].Fees; fees == nil || fees.Fee != 60 || fees.Net != 940 || *entries[0].PayoutID != got.ID {
		t.Errorf("d1 after the payout: %+v", entries[0].Donation)
	}
	if fees := entries[1].Fees; fees == nil || fees.BalanceTransactionID != "txn_2" || fees.Fee != 30 {
		t.Errorf("d2, linked by its charge: %+v", fees)
	}
	if e, _ := f.get(t, d3.ID); e.PayoutID != nil || e.Fees != nil {
		t.Errorf("d3 was linked: %+v", e.Donation)
	}
	// A late fee lookup does not overwrite what the payout recorded.
	if err := f.store.RecordFees(ctx, "pi_link_1", donation.Fees{BalanceTransactionID: "txn_1", Currency: "GBP", Fee: 1, Net: 999}); err != nil {
		t.Fatal(err)
	}
	if e, _ := f.get(t, d1.ID); e.Fees.Fee != 60 {
		t.Errorf("a late lookup changed a paid-out donation's fee to %d", e.Fees.Fee)
	}
	if _, _, err := f.store.Payout(ctx, 999999); !errors.Is(err, donation.ErrNotFound) {
		t.Errorf("an unknown payout: %v", err)
	}
}

func TestMarkManyReviewedAllOrNone(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	m := f.member(t, "finance@example.org", "finance")
	d1, d2 := f.create(t, f.gbp, 1000, nil), f.create(t, f.gbp, 500, nil)
	_, err := f.store.MarkManyReviewed(ctx, []int64{d1.ID, d2.ID + 1000}, m.Actor(), "x")
	var unknown *donation.UnknownDonationsError
	if !errors.As(err, &unknown) || fmt.Sprint(unknown.IDs) != fmt.Sprint([]int64{d2.ID + 1000}) || !errors.Is(err, donation.ErrNotFound) {
		t.Fatalf("an unknown id: %v", err)
	}
	if e, _ := f.get(t, d1.ID); e.ReviewedAt != nil {
		t.Fatal("a refused bulk review marked a donation")
	}
	ids, err := f.store.MarkManyReviewed(ctx, []int64{d1.ID, d2.ID}, m.Actor(), "  Weekly.  ")
	if err != nil || fmt.Sprint(ids) != fmt.Sprint([]int64{d1.ID, d2.ID}) {
		t.Fatalf("MarkManyReviewed: %v, %v", ids, err)
	}
	for _, id := range ids {
		e, _ := f.get(t, id)
		if e.ReviewedAt == nil || e.ReviewNote != "Weekly." || e.ReviewedBy == nil || *e.ReviewedBy != m.ID {
			t.Errorf("donation %d: %+v", id, e.Donation)
		}
		var n int
		if err := f.db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'donation.review' AND entity_id = $1`, id).Scan(&n); err != nil || n != 1 {
			t.Errorf("donation %d has %d review audit rows (%v), want 1", id, n, err)
		}
	}
}

// The schema refuses what HMRC's schedule and the books cannot take,
// whatever code writes it.
func TestScheduleAndPayoutConstraints(t *testing.T) {
	f := newFixture(t)
	d := f.create(t, f.gbp, 1000, gift("Ada Lovelace"))
	for _, tt := range []struct {
		name, query string
	}{
		{"a title of 5", `UPDATE donations SET gift_aid_title = 'Admir' WHERE id = $1`},
		{"a first name of 36", `UPDATE donations SET gift_aid_first_name = repeat('a', 36), gift_aid_last_name = 'L', gift_aid_house = '1' WHERE id = $1`},
		{"a first name without a last name", `UPDATE donations SET gift_aid_first_name = 'Ada', gift_aid_house = '1' WHERE id = $1`},
		{"a first name without a house", `UPDATE donations SET gift_aid_first_name = 'Ada', gift_aid_last_name = 'L' WHERE id = $1`},
		{"a house of 41", `UPDATE donations SET gift_aid_house = repeat('h', 41) WHERE id = $1`},
		{"a negative fee", `UPDATE donations SET stripe_fee = -1 WHERE id = $1`},
		{"a fee currency in lower case", `UPDATE donations SET fee_currency = 'gbp' WHERE id = $1`},
		{"a payout in lower case", `INSERT INTO payouts (payout_id, amount, currency, status, arrival_date, created, livemode)
			SELECT 'po_' || $1::bigint, 1, 'gbp', 'paid', now(), now(), false`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.db.SQL().ExecContext(t.Context(), tt.query, d.ID)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
				t.Errorf("accepted, or refused otherwise: %v", err)
			}
		})
	}
}
