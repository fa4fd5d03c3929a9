package donations_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/stripetest"
)

// given is a donation made through the form, as Stripe knows it.
type given struct {
	donation.Entry
	meta map[string]string
}

// give donates amount through the form and returns the stored donation.
func (a *app) give(t *testing.T, amount string) given {
	t.Helper()
	b := a.browser(t)
	if res := b.donate(demo.ReleaseSlug, url.Values{"amount_other": {amount}}); res.Status != http.StatusSeeOther {
		t.Fatalf("donate %s: %d", amount, res.Status)
	}
	_, id, _ := a.gateway.last(t)
	e, err := a.store.BySessionID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return given{Entry: e, meta: map[string]string{"donation_id": strconv.FormatInt(e.ID, 10), "donation_nonce": e.CheckoutNonce}}
}

var eventSeq int

func eventID(name string) string {
	eventSeq++
	return fmt.Sprintf("evt_%s_%d_%d", name, time.Now().UnixNano(), eventSeq)
}

// webhook posts payload to /webhooks/stripe with the given signature header.
func (a *app) webhook(t *testing.T, payload []byte, signature string) apptest.Response {
	t.Helper()
	header := []string{"Content-Type", "application/json"}
	if signature != "" {
		header = append(header, "Stripe-Signature", signature)
	}
	return a.browser(t).Do(http.MethodPost, "/webhooks/stripe", strings.NewReader(string(payload)), header...)
}

func signed(payload []byte) string { return stripetest.Sign(payload, webhookSecret, time.Now()) }

type totals struct {
	Currency  string `json:"currency"`
	Count     int64  `json:"count"`
	PaidCount int64  `json:"paid_count"`
	Gross     int64  `json:"gross"`
	Refunded  int64  `json:"refunded"`
	Disputed  int64  `json:"disputed"`
	Net       int64  `json:"net"`
}

type listing struct {
	Donations []struct {
		ID              int64           `json:"id"`
		Status          donation.Status `json:"status"`
		AwaitingPayment bool            `json:"awaiting_payment"`
		Amount          int64           `json:"amount"`
		AmountRefunded  int64           `json:"amount_refunded"`
		Donor           struct{ Name, Email string }
		Stripe          struct {
			CheckoutSessionID string `json:"checkout_session_id"`
			PaymentIntentID   string `json:"payment_intent_id"`
			ChargeID          string `json:"charge_id"`
		} `json:"stripe"`
	} `json:"donations"`
	Totals     []totals `json:"totals"`
	NextBefore *int64   `json:"next_before"`
	Total      int64    `json:"total"`
}

func (a *app) list(t *testing.T, query string) listing {
	t.Helper()
	res := a.api(t, a.finance.Token).Get("/api/v1/admin/donations" + query)
	if res.Status != http.StatusOK {
		t.Fatalf("GET donations%s: %d %s", query, res.Status, res.Body)
	}
	var l listing
	if err := json.Unmarshal([]byte(res.Body), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func (a *app) unmatched(t *testing.T) int {
	t.Helper()
	var out struct {
		Events []json.RawMessage `json:"events"`
	}
	res := a.api(t, a.finance.Token).Get("/api/v1/admin/stripe-events/unmatched")
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil || res.Status != http.StatusOK {
		t.Fatalf("unmatched: %d %v", res.Status, err)
	}
	return len(out.Events)
}

func (a *app) status(t *testing.T, id int64) donation.Status {
	t.Helper()
	e, _, err := a.store.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e.Status
}

// thanksPage is what the donor sees on returning from Checkout.
func (a *app) thanksPage(t *testing.T, g given) string {
	t.Helper()
	res := a.browser(t).Get("/donations/thanks?session_id=" + url.QueryEscape(g.CheckoutSessionID))
	if res.Status != http.StatusOK {
		t.Fatalf("thanks page: %d", res.Status)
	}
	return res.Body
}

// Events in any order, repeated, badly signed or for unknown donations: the
// books stay right after each one.
func TestWebhooksKeepTheBooksRight(t *testing.T) {
	a := newApp(t, appOptions{})
	d1, d2, d3, d4, d5, d6 := a.give(t, "25"), a.give(t, "10"), a.give(t, "50"), a.give(t, "5"), a.give(t, "20"), a.give(t, "15")
	_ = d6 // stays pending throughout
	session := func(g given, pi, paymentStatus string) map[string]any {
		return stripetest.CheckoutSession(g.CheckoutSessionID, pi, paymentStatus, g.meta)
	}
	d1Paid := stripetest.Event(eventID("d1_paid"), "checkout.session.completed", time.Now(), session(d1, "pi_d1", "paid"))

	type step struct {
		name      string
		payload   []byte
		signature string // "" signs it properly now
		status    int
		duplicate bool
		after     func(t *testing.T)
		want      totals
		unmatched int
	}
	base := totals{Currency: "GBP", Count: 6}
	with := func(paid, gross, refunded, disputed int64) totals {
		w := base
		w.PaidCount, w.Gross, w.Refunded, w.Disputed, w.Net = paid, gross, refunded, disputed, gross-refunded
		return w
	}
	steps := []step{
		{name: "bad signature", payload: d1Paid, signature: stripetest.Sign(d1Paid, "whsec_wrong", time.Now()),
			status: http.StatusBadRequest, want: with(0, 0, 0, 0)},
		{name: "no signature", payload: d1Paid, signature: "-", status: http.StatusBadRequest, want: with(0, 0, 0, 0)},
		{name: "old timestamp", payload: d1Paid, signature: stripetest.Sign(d1Paid, webhookSecret, time.Now().Add(-10*time.Minute)),
			status: http.StatusBadRequest, want: with(0, 0, 0, 0)},
		{name: "paid", payload: d1Paid, status: http.StatusOK, want: with(1, 2500, 0, 0), after: func(t *testing.T) {
			if page := a.thanksPage(t, d1); !strings.Contains(page, "Thank you for your donation") || !strings.Contains(page, "£25.00") {
				t.Error("the thanks page does not say the donation was received")
			}
		}},
		{name: "repeat", payload: d1Paid, status: http.StatusOK, duplicate: true, want: with(1, 2500, 0, 0), after: func(t *testing.T) {
			if _, events, _ := a.store.Get(t.Context(), d1.ID); len(events) != 1 {
				t.Errorf("%d events after a repeat, want 1", len(events))
			}
		}},
		{name: "refund before completion is kept",
			payload: stripetest.Event(eventID("d2_refund"), "charge.refunded", time.Now(), stripetest.Charge("ch_d2", "pi_d2", 1000, 1000, nil)),
			status:  http.StatusOK, want: with(1, 2500, 0, 0), unmatched: 1},
		{name: "then completion applies it",
			payload: stripetest.Event(eventID("d2_paid"), "checkout.session.completed", time.Now(), session(d2, "pi_d2", "paid")),
			status:  http.StatusOK, want: with(2, 3500, 1000, 0), after: func(t *testing.T) {
				if st := a.status(t, d2.ID); st != donation.StatusRefunded {
					t.Errorf("d2 is %s, want refunded", st)
				}
				if page := a.thanksPage(t, d2); !strings.Contains(page, "refunded in full") {
					t.Error("the thanks page does not say the donation was refunded")
				}
			}},
		{name: "unknown donation is kept",
			payload: stripetest.Event(eventID("unknown"), "checkout.session.completed", time.Now(),
				stripetest.CheckoutSession("cs_test_unknown", "pi_unknown", "paid", map[string]string{"donation_id": "999999", "donation_nonce": "x"})),
			status: http.StatusOK, want: with(2, 3500, 1000, 0), unmatched: 1},
		{name: "completed, payment settling",
			payload: stripetest.Event(eventID("d3_unpaid"), "checkout.session.completed", time.Now(), session(d3, "pi_d3", "unpaid")),
			status:  http.StatusOK, want: with(2, 3500, 1000, 0), unmatched: 1, after: func(t *testing.T) {
				if page := a.thanksPage(t, d3); !strings.Contains(page, "confirming your payment") || !strings.Contains(page, "on its way") {
					t.Error("the thanks page does not say the payment is settling")
				}
			}},
		{name: "async payment succeeded",
			payload: stripetest.Event(eventID("d3_ok"), "checkout.session.async_payment_succeeded", time.Now(), session(d3, "pi_d3", "paid")),
			status:  http.StatusOK, want: with(3, 8500, 1000, 0), unmatched: 1},
		{name: "async payment failed",
			payload: stripetest.Event(eventID("d4_failed"), "checkout.session.async_payment_failed", time.Now(), session(d4, "pi_d4", "unpaid")),
			status:  http.StatusOK, want: with(3, 8500, 1000, 0), unmatched: 1, after: func(t *testing.T) {
				if page := a.thanksPage(t, d4); a.status(t, d4.ID) != donation.StatusFailed || !strings.Contains(page, "didn't go through") {
					t.Error("d4 is not failed, or the thanks page does not say so")
				}
			}},
		{name: "expired",
			payload: stripetest.Event(eventID("d5_expired"), "checkout.session.expired", time.Now(), session(d5, "", "unpaid")),
			status:  http.StatusOK, want: with(3, 8500, 1000, 0), unmatched: 1, after: func(t *testing.T) {
				if page := a.thanksPage(t, d5); a.status(t, d5.ID) != donation.StatusExpired || !strings.Contains(page, "timed out") {
					t.Error("d5 is not expired, or the thanks page does not say so")
				}
			}},
		{name: "partial refund",
			payload: stripetest.Event(eventID("d1_refund"), "charge.refunded", time.Now(), stripetest.Charge("ch_d1", "pi_d1", 2500, 500, d1.meta)),
			status:  http.StatusOK, want: with(3, 8500, 1500, 0), unmatched: 1, after: func(t *testing.T) {
				if st := a.status(t, d1.ID); st != donation.StatusPartiallyRefunded {
					t.Errorf("d1 is %s", st)
				}
			}},
		{name: "dispute",
			payload: stripetest.Event(eventID("d3_dispute"), "charge.dispute.created", time.Now(), stripetest.Dispute("dp_d3", "ch_d3", "pi_d3", 5000)),
			status:  http.StatusOK, want: with(3, 8500, 1500, 5000), unmatched: 1, after: func(t *testing.T) {
				if st := a.status(t, d3.ID); st != donation.StatusDisputed {
					t.Errorf("d3 is %s", st)
				}
			}},
		{name: "other event types are acknowledged and ignored",
			payload: stripetest.Event(eventID("other"), "customer.created", time.Now(), map[string]any{"id": "cus_1", "object": "customer"}),
			status:  http.StatusOK, want: with(3, 8500, 1500, 5000), unmatched: 1},
		{name: "well signed but unreadable",
			payload: []byte(`{"id":"evt_bad","object":"event","type":"charge.refunded","data":{"object":{"amount":"lots"}}}`),
			status:  http.StatusBadRequest, want: with(3, 8500, 1500, 5000), unmatched: 1},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			sig := s.signature
			switch sig {
			case "":
				sig = signed(s.payload)
			case "-":
				sig = ""
			}
			res := a.webhook(t, s.payload, sig)
			if res.Status != s.status {
				t.Fatalf("status %d, want %d: %s", res.Status, s.status, res.Body)
			}
			if s.status == http.StatusBadRequest && !strings.Contains(res.Body, `"code":"bad_request"`) {
				t.Errorf("400 without the error shape: %s", res.Body)
			}
			if s.status == http.StatusOK {
				var body struct{ Duplicate bool }
				_ = json.Unmarshal([]byte(res.Body), &body)
				if body.Duplicate != s.duplicate {
					t.Errorf("duplicate = %v, want %v", body.Duplicate, s.duplicate)
				}
			}
			got := a.list(t, "").Totals
			if len(got) != 1 || got[0] != s.want {
				t.Errorf("totals\n got %+v\nwant %+v", got, s.want)
			}
			if n := a.unmatched(t); n != s.unmatched {
				t.Errorf("%d unmatched events, want %d", n, s.unmatched)
			}
			if s.after != nil {
				s.after(t)
			}
		})
	}
	if res := a.browser(t).Get("/donations/thanks?session_id=cs_test_nobody"); res.Status != http.StatusNotFound {
		t.Errorf("thanks page for an unknown session: %d, want 404", res.Status)
	}
}
