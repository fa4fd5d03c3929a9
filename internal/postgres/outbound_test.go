package postgres_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
)

func countOf(t *testing.T, db *postgres.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func endpoint(t *testing.T, db *postgres.DB, events ...string) outbound.Endpoint {
	t.Helper()
	e, _, err := db.Webhooks().CreateEndpoint(t.Context(), staff.CommandLine(),
		outbound.NewEndpoint{URL: "https://crm.example.org/hooks", Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// deliveries counts the deliveries of event and their queued jobs, which
// must agree.
func deliveries(t *testing.T, db *postgres.DB, event string) int {
	t.Helper()
	n := countOf(t, db, `SELECT count(*) FROM webhook_deliveries WHERE event_type = $1`, event)
	jobs := countOf(t, db, `SELECT count(*) FROM river_job j JOIN webhook_deliveries d ON d.id = (j.args->>'delivery_id')::bigint
		WHERE j.kind = $1 AND d.event_type = $2`, postgres.WebhookDeliveryKind, event)
	if jobs != n {
		t.Errorf("%s: %d deliveries, %d jobs", event, n, jobs)
	}
	return n
}

// A refund that arrives before the payment, then the payment, then both
// again: one donation.paid and one donation.refunded for each subscribed
// endpoint, and none for an endpoint that is disabled or not subscribed.
func TestDonationWebhooksFollowTheFacts(t *testing.T) {
	f := newFixture(t)
	endpoint(t, f.db, outbound.EventDonationPaid, outbound.EventDonationRefunded)
	endpoint(t, f.db, outbound.EventDonationRefunded)
	endpoint(t, f.db, outbound.EventPetitionClosed)
	off := endpoint(t, f.db, outbound.Events()...)
	if _, err := f.db.Webhooks().SetEnabled(t.Context(), staff.CommandLine(), off.ID, false); err != nil {
		t.Fatal(err)
	}
	d := f.create(t, f.gbp, 3000, nil)
	pi := fmt.Sprintf("pi_hooks_%d", d.ID)
	now := time.Now().UTC()
	refund := donation.Event{ID: "evt_hooks_refund", Type: "charge.refunded", Kind: donation.EventRefunded, Created: now,
		Ref: donation.Ref{PaymentIntentID: pi}, AmountRefunded: 3000, FullyRefunded: true}
	paid := donation.Event{ID: "evt_hooks_paid", Type: "checkout.session.completed", Kind: donation.EventCompleted, Created: now,
		Ref: donation.Ref{CheckoutSessionID: d.CheckoutSessionID, PaymentIntentID: pi}, PaymentStatus: donation.PaymentStatusPaid,
		DonorEmail: "secret.donor@example.org"}
	for _, e := range []donation.Event{refund, paid, refund, paid} {
		f.apply(t, e)
	}
	if n := deliveries(t, f.db, outbound.EventDonationPaid); n != 1 {
		t.Errorf("%d donation.paid deliveries, want 1", n)
	}
	if n := deliveries(t, f.db, outbound.EventDonationRefunded); n != 2 {
		t.Errorf("%d donation.refunded deliveries, want 2 (one per subscribed endpoint)", n)
	}
	if n := countOf(t, f.db, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1`, off.ID); n != 0 {
		t.Errorf("%d deliveries for a disabled endpoint", n)
	}
	if n := countOf(t, f.db, `SELECT count(*) FROM webhook_deliveries WHERE payload LIKE '%@%'`); n != 0 {
		t.Errorf("%d payloads with an email address", n)
	}
}

// SignatureCountedCTEs queues one signature.counted per row and subscribed
// endpoint of the CTE it is given, in the statement it is put in.
func TestSignatureCountedCTEs(t *testing.T) {
	_, db := pkg.Fresh(t)
	set := seedSet(t, db, "counted", "counted-a", "GBP")
	signer := db.NewSigner(postgres.SignerOptions{})
	defer signer.Close()
	for i := range 3 {
		if _, err := signer.Sign(t.Context(), petition.Signature{PetitionID: set.Petition.ID, FullName: "Ada Lovelace",
			Email: fmt.Sprintf("ada%d@example.org", i), Country: "GB", ConsentVersion: "2026-11-v1"}); err != nil {
			t.Fatal(err)
		}
	}
	run := func() {
		t.Helper()
		_, err := db.SQL().ExecContext(t.Context(), `WITH counted AS (
			SELECT id, petition_id, created_at FROM signatures WHERE petition_id = $1
		), `+postgres.SignatureCountedCTEs("wh", "counted")+` SELECT 1`, set.Petition.ID)
		if err != nil {
			t.Fatal(err)
		}
	}
	run() // no endpoint yet: nothing
	if n := deliveries(t, db, outbound.EventSignatureCounted); n != 0 {
		t.Fatalf("%d deliveries without an endpoint", n)
	}
	endpoint(t, db, outbound.EventSignatureCounted)
	endpoint(t, db, outbound.EventSignatureCounted, outbound.EventDonationPaid)
	endpoint(t, db, outbound.EventDonationPaid)
	run()
	if n := deliveries(t, db, outbound.EventSignatureCounted); n != 6 {
		t.Errorf("%d deliveries, want 3 signatures × 2 endpoints", n)
	}
	var payload string
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT payload FROM webhook_deliveries LIMIT 1`).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(payload, `{"data": {"petition_id": `) || !strings.Contains(payload, `"petition_slug": "`+set.Petition.Slug+`"`) ||
		!strings.Contains(payload, `"type": "signature.counted"`) || strings.Contains(payload, "ada") {
		t.Errorf("payload %s", payload)
	}
}
