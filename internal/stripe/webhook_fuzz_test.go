package stripe_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/stripe"
	"github.com/advocacy/advocacy/internal/tooling/stripetest"
)

// hostile is a signed checkout event whose customer strings hold a NUL
// escape and bytes that are not UTF-8.
func hostile(now time.Time) []byte {
	payload := string(stripetest.Event("evt_nul", "checkout.session.completed", now,
		stripetest.CheckoutSession("cs_nul", "pi_nul", "paid", meta)))
	return []byte(strings.Replace(payload, `"payment_status"`,
		`"customer_details":{"email":"a\u0000@example.org","name":"Jane `+"\xff\xfe"+` Doe"},"payment_status"`, 1))
}

// A well-signed event whose strings the database cannot store as text is
// still read: what the state machine needs survives, the unreadable bytes
// go, and the payload is kept exactly as it came.
func TestVerifyEventCleansUnstorableText(t *testing.T) {
	w := verifier(t)
	now := time.Now()
	payload := hostile(now)
	ev, err := w.VerifyEvent(payload, stripetest.Sign(payload, secret, now))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Ref.DonationID != 42 || ev.Ref.CheckoutSessionID != "cs_nul" || ev.PaymentStatus != "paid" {
		t.Errorf("event %+v lost what the state machine reads", ev)
	}
	if ev.DonorEmail != "a@example.org" || !utf8.ValidString(ev.DonorName) || strings.ContainsRune(ev.DonorName, 0) {
		t.Errorf("donor %q, %q: want the NUL gone and UTF-8 text", ev.DonorEmail, ev.DonorName)
	}
	if string(ev.Payload) != string(payload) {
		t.Error("the payload was changed; it must be kept as received")
	}
}

// FuzzVerifyEvent signs whatever body it is given, as Stripe would, and
// checks that the decoder never panics, refuses with one of its own errors,
// and never hands on text the database cannot store.
func FuzzVerifyEvent(f *testing.F) {
	now := time.Now()
	f.Add(stripetest.Event("evt_1", "checkout.session.completed", now,
		stripetest.CheckoutSession("cs_1", "pi_1", "paid", meta)))
	f.Add(hostile(now))
	f.Add([]byte(`{"id":"evt_2","type":"charge.refunded","data":{"object":{"id":"ch_\u0000","amount_refunded":-1}}}`))
	f.Add([]byte(`{"id":"evt_3","type":"charge.dispute.created","data":{"object":{"charge":7}}}`))
	f.Add([]byte(`{"id":"","type":"checkout.session.expired","data":null}`))
	f.Add([]byte("\xff\xfe{"))
	f.Add([]byte(`{"type":"checkout.session.completed","data":{"object":{"metadata":{"donation_id":"99999999999999999999"}}}}`))
	w, err := stripe.NewWebhooks(secret, 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := w.VerifyEvent(body, stripetest.Sign(body, secret, now))
		if err != nil {
			if !errors.Is(err, donation.ErrBadEvent) && !errors.Is(err, donation.ErrIgnoredEvent) {
				t.Fatalf("a signed body was refused with %v; want ErrBadEvent or ErrIgnoredEvent", err)
			}
			return
		}
		for _, s := range []string{ev.ID, ev.Type, ev.PaymentStatus, ev.DonorEmail, ev.DonorName, ev.Ref.Nonce,
			ev.Ref.CheckoutSessionID, ev.Ref.PaymentIntentID, ev.Ref.ChargeID} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("event field %q cannot be stored as text", s)
			}
		}
	})
}
