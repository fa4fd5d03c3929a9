package stripe_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/stripe"
	"github.com/advocacy/advocacy/internal/tooling/stripetest"
)

const secret = "whsec_test_secret"

var meta = map[string]string{"donation_id": "42", "donation_nonce": "n0nce"}

func verifier(t *testing.T) *stripe.Webhooks {
	t.Helper()
	w, err := stripe.NewWebhooks(secret, 0)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestVerifyEventRefusesBadSignatures(t *testing.T) {
	w := verifier(t)
	now := time.Now()
	payload := stripetest.Event("evt_1", "checkout.session.completed", now,
		stripetest.CheckoutSession("cs_1", "pi_1", "paid", meta))
	tests := []struct {
		name   string
		header string
		body   []byte
	}{
		{"no header", "", payload},
		{"garbage header", "nonsense", payload},
		{"wrong secret", stripetest.Sign(payload, "whsec_other", now), payload},
		{"body changed after signing", stripetest.Sign(payload, secret, now), append([]byte(" "), payload...)},
		{"older than the tolerance", stripetest.Sign(payload, secret, now.Add(-stripe.DefaultTolerance-time.Minute)), payload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := w.VerifyEvent(tt.body, tt.header); !errors.Is(err, donation.ErrBadSignature) {
				t.Errorf("error = %v, want ErrBadSignature", err)
			}
		})
	}
	if _, err := w.VerifyEvent(payload, stripetest.Sign(payload, secret, now.Add(-time.Minute))); err != nil {
		t.Errorf("a minute-old signature: %v", err)
	}
	if _, err := stripe.NewWebhooks("", 0); err == nil {
		t.Error("a verifier without a secret")
	}
}

func TestVerifyEventTranslates(t *testing.T) {
	w := verifier(t)
	created := time.Now().Truncate(time.Second).UTC()
	arrival := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		typ    string
		object map[string]any
		want   donation.Event
	}{
		{"completed", "checkout.session.completed", stripetest.CheckoutSession("cs_1", "pi_1", "paid", meta),
			donation.Event{Kind: donation.EventCompleted, PaymentStatus: "paid", DonorEmail: "donor@example.org", DonorName: "Dee Donor",
				Ref: donation.Ref{DonationID: 42, Nonce: "n0nce", CheckoutSessionID: "cs_1", PaymentIntentID: "pi_1"}}},
		{"completed, settling later", "checkout.session.completed", stripetest.CheckoutSession("cs_1", "pi_1", "unpaid", meta),
			donation.Event{Kind: donation.EventCompleted, PaymentStatus: "unpaid", DonorEmail: "donor@example.org", DonorName: "Dee Donor",
				Ref: donation.Ref{DonationID: 42, Nonce: "n0nce", CheckoutSessionID: "cs_1", PaymentIntentID: "pi_1"}}},
		{"async succeeded", "checkout.session.async_payment_succeeded", stripetest.CheckoutSession("cs_1", "pi_1", "paid", meta),
			donation.Event{Kind: donation.EventAsyncSucceeded, PaymentStatus: "paid", DonorEmail: "donor@example.org", DonorName: "Dee Donor",
				Ref: donation.Ref{DonationID: 42, Nonce: "n0nce", CheckoutSessionID: "cs_1", PaymentIntentID: "pi_1"}}},
		{"async failed", "checkout.session.async_payment_failed", stripetest.CheckoutSession("cs_1", "pi_1", "unpaid", meta),
			donation.Event{Kind: donation.EventAsyncFailed, PaymentStatus: "unpaid", DonorEmail: "donor@example.org", DonorName: "Dee Donor",
				Ref: donation.Ref{DonationID: 42, Nonce: "n0nce", CheckoutSessionID: "cs_1", PaymentIntentID: "pi_1"}}},
		{"expired, no payment intent", "checkout.session.expired", stripetest.CheckoutSession("cs_1", "", "unpaid", meta),
			donation.Event{Kind: donation.EventExpired, PaymentStatus: "unpaid", DonorEmail: "donor@example.org", DonorName: "Dee Donor",
				Ref: donation.Ref{DonationID: 42, Nonce: "n0nce", CheckoutSessionID: "cs_1"}}},
		{"partly refunded", "charge.refunded", stripetest.Charge("ch_1", "pi_1", 1050, 300, nil),
			donation.Event{Kind: donation.EventRefunded, AmountRefunded: 300, Ref: donation.Ref{ChargeID: "ch_1", PaymentIntentID: "pi_1"}}},
		{"refunded with metadata", "charge.refunded", stripetest.Charge("ch_1", "pi_1", 1050, 1050, meta),
			donation.Event{Kind: donation.EventRefunded, AmountRefunded: 1050, FullyRefunded: true,
				Ref: donation.Ref{DonationID: 42, Nonce: "n0nce", ChargeID: "ch_1", PaymentIntentID: "pi_1"}}},
		{"dispute", "charge.dispute.created", stripetest.Dispute("dp_1", "ch_1", "pi_1", 1050),
			donation.Event{Kind: donation.EventDisputed, AmountDisputed: 1050, Ref: donation.Ref{ChargeID: "ch_1", PaymentIntentID: "pi_1"}}},
		{"dispute won", "charge.dispute.closed", withStatus(stripetest.Dispute("dp_1", "ch_1", "pi_1", 1050), "won"),
			donation.Event{Kind: donation.EventDisputeClosed, AmountDisputed: 1050, DisputeWon: true,
				Ref: donation.Ref{ChargeID: "ch_1", PaymentIntentID: "pi_1"}}},
		{"dispute lost", "charge.dispute.closed", withStatus(stripetest.Dispute("dp_1", "ch_1", "pi_1", 1050), "lost"),
			donation.Event{Kind: donation.EventDisputeClosed, AmountDisputed: 1050,
				Ref: donation.Ref{ChargeID: "ch_1", PaymentIntentID: "pi_1"}}},
		{"payout paid", "payout.paid", stripetest.Payout("po_1", 123456, "gbp", arrival),
			donation.Event{Kind: donation.EventPayoutPaid, Payout: &donation.Payout{PayoutID: "po_1", Amount: 123456, Currency: "GBP",
				Status: "paid", ArrivalDate: arrival, Created: arrival.Add(-48 * time.Hour)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := stripetest.Event("evt_"+tt.name, tt.typ, created, tt.object)
			got, err := w.VerifyEvent(payload, stripetest.Sign(payload, secret, time.Now()))
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.ID, want.Type, want.Created, want.Payload = "evt_"+tt.name, tt.typ, created, payload
			if string(got.Payload) != string(want.Payload) {
				t.Errorf("payload not kept as received")
			}
			got.Payload, want.Payload = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestVerifyEventIgnoresOtherTypes(t *testing.T) {
	w := verifier(t)
	payload := stripetest.Event("evt_other", "customer.created", time.Now(), map[string]any{"id": "cus_1", "object": "customer"})
	if _, err := w.VerifyEvent(payload, stripetest.Sign(payload, secret, time.Now())); !errors.Is(err, donation.ErrIgnoredEvent) {
		t.Errorf("error = %v, want ErrIgnoredEvent", err)
	}
	bad := []byte(`{"id":"evt_bad","type":"charge.refunded","data":{"object":{"amount":"lots"}}}`)
	if _, err := w.VerifyEvent(bad, stripetest.Sign(bad, secret, time.Now())); !errors.Is(err, donation.ErrBadEvent) {
		t.Errorf("malformed body: %v, want ErrBadEvent", err)
	}
}

// withStatus sets a Stripe object's status.
func withStatus(object map[string]any, status string) map[string]any {
	object["status"] = status
	return object
}
