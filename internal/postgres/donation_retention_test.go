package postgres_test

import (
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/donation"
)

// Donations made more than the Gift Aid retention period ago lose their
// donors' details, Gift Aid declarations' included, and their Stripe
// events' payloads; amounts, dates and states stay; newer donations are
// untouched; a dry run counts and changes nothing.
func TestDonationRetention(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	paid := func(d donation.Donation) {
		t.Helper()
		f.apply(t, completedEv(d, "paid", "pi_"+d.CheckoutNonce, day(2)))
	}
	old := f.create(t, f.gbp, 2500, gift("Olive Old"))
	paid(old)
	recent := f.create(t, f.gbp, 1000, gift("Rita Recent"))
	paid(recent)
	exec(t, f.db, `UPDATE donations SET paid_at = now() - interval '7 years', created_at = now() - interval '7 years' WHERE id = $1`, old.ID)
	exec(t, f.db, `UPDATE donations SET paid_at = now() - interval '5 years', created_at = now() - interval '5 years' WHERE id = $1`, recent.ID)

	dry, err := donation.NewRetention(f.db.Retention(), 6).Run(ctx, true)
	if err != nil || dry.Erased != 1 {
		t.Fatalf("dry run: %+v, %v; want 1 donation due", dry, err)
	}
	if e, _ := f.get(t, old.ID); e.DonorName == "" || e.GiftAid == nil || e.GiftAid.FullName == "" {
		t.Fatalf("a dry run erased %+v", e)
	}
	if days := dry.NextAt.Sub(time.Now()).Hours() / 24; days < 364 || days > 367 {
		t.Errorf("the next donation comes due in %.0f days, want a year", days)
	}

	rep, err := donation.NewRetention(f.db.Retention(), 6).Run(ctx, false)
	if err != nil || rep.Erased != 1 {
		t.Fatalf("run: %+v, %v", rep, err)
	}
	e, events := f.get(t, old.ID)
	if e.DonorName != "" || e.DonorEmail != "" || e.GiftAid == nil || e.GiftAid.FullName != "" || e.GiftAid.HomeAddress != "" ||
		e.GiftAid.Postcode != "" {
		t.Errorf("an old donation keeps donor details: %+v %+v", e.Donation, e.GiftAid)
	}
	if e.Amount != 2500 || e.Status != donation.StatusPaid || e.PaidAt == nil || !e.GiftAid.TaxpayerConfirmed {
		t.Errorf("an old donation lost what the books need: %+v", e.Donation)
	}
	for _, ev := range events {
		if strings.Contains(string(ev.Payload), "kind") || !strings.Contains(string(ev.Payload), `"redacted" : true`) &&
			!strings.Contains(string(ev.Payload), `"redacted":true`) {
			t.Errorf("event %s keeps its payload: %s", ev.EventID, ev.Payload)
		}
	}
	if e, _ := f.get(t, recent.ID); e.DonorName == "" || e.DonorEmail == "" || e.GiftAid == nil || e.GiftAid.FullName != "Rita Recent" {
		t.Errorf("a recent donation was erased: %+v", e.Donation)
	}
	if again, err := donation.NewRetention(f.db.Retention(), 6).Run(ctx, false); err != nil || again.Erased != 0 {
		t.Errorf("second run: %+v, %v", again, err)
	}
}
