package stripe_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/stripe"
)

// recorder keeps every request the gateway sends on its way to stripe-mock,
// so tests can check what was asked as well as what came back.
type recorder struct {
	mu       sync.Mutex
	requests []recorded
}

type recorded struct {
	header http.Header
	path   string
	form   url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.requests = append(r.requests, recorded{header: req.Header.Clone(), path: req.URL.Path, form: form})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func checkoutRequest() donation.CheckoutRequest {
	return donation.CheckoutRequest{DonationID: 42, DonationNonce: "n0nce", Amount: 1050, Currency: "GBP",
		Description: "Donation: Ratify the convention", SuccessURL: "http://localhost:8080/donations/thanks?session_id={CHECKOUT_SESSION_ID}",
		CancelURL: "http://localhost:8080/donations/cancelled?release=r", IdempotencyKey: "donation-42-checkout-n0nce",
		CustomerEmail: "sam@example.org"}
}

func TestCreateCheckoutThroughStripeMock(t *testing.T) {
	m := needMock(t)
	rec := &recorder{}
	g, err := stripe.New(stripe.Config{SecretKey: "sk_test_gateway", APIBase: m.URL, HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	id, checkoutURL, err := g.CreateCheckout(t.Context(), checkoutRequest())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "cs_") || !strings.HasPrefix(checkoutURL, "https://checkout.stripe.com/") {
		t.Errorf("session %q at %q", id, checkoutURL)
	}
	if len(rec.requests) != 1 {
		t.Fatalf("%d requests, want 1", len(rec.requests))
	}
	r := rec.requests[0]
	if r.path != "/v1/checkout/sessions" {
		t.Errorf("path %q", r.path)
	}
	if got := r.header.Get("Idempotency-Key"); got != "donation-42-checkout-n0nce" {
		t.Errorf("Idempotency-Key %q", got)
	}
	if got := r.header.Get("Authorization"); got != "Bearer sk_test_gateway" {
		t.Errorf("Authorization %q", got)
	}
	want := map[string]string{
		"mode":                                          "payment",
		"submit_type":                                   "donate",
		"client_reference_id":                           "42",
		"metadata[donation_id]":                         "42",
		"metadata[donation_nonce]":                      "n0nce",
		"line_items[0][quantity]":                       "1",
		"line_items[0][price_data][currency]":           "gbp",
		"line_items[0][price_data][unit_amount]":        "1050",
		"line_items[0][price_data][product_data][name]": "Donation: Ratify the convention",
		"payment_intent_data[metadata][donation_id]":    "42",
		"payment_intent_data[metadata][donation_nonce]": "n0nce",
		"success_url":                                   "http://localhost:8080/donations/thanks?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":                                    "http://localhost:8080/donations/cancelled?release=r",
		"customer_email":                                "sam@example.org",
	}
	for k, v := range want {
		if got := r.form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if stripego.Key != "" {
		t.Errorf("the gateway set stripe-go's global key")
	}
}

func TestCreateCheckoutSessionsAreDistinct(t *testing.T) {
	m := needMock(t)
	g, err := stripe.New(stripe.Config{SecretKey: "sk_test_gateway", APIBase: m.URL})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := g.CreateCheckout(t.Context(), checkoutRequest())
	if err != nil {
		t.Fatal(err)
	}
	req := checkoutRequest()
	req.DonationID, req.IdempotencyKey = 43, "donation-43-checkout-other"
	b, _, err := g.CreateCheckout(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two donations got the same session %q", a)
	}
}

func TestCreateCheckoutErrorsWrapErrGateway(t *testing.T) {
	m := needMock(t)
	// stripe-mock refuses keys that do not look like test keys.
	g, err := stripe.New(stripe.Config{SecretKey: "not-a-key", APIBase: m.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = g.CreateCheckout(t.Context(), checkoutRequest())
	if !errors.Is(err, donation.ErrGateway) || !strings.Contains(err.Error(), "invalid_request_error") {
		t.Errorf("error = %v, want ErrGateway with Stripe's error type", err)
	}
	req := checkoutRequest()
	req.IdempotencyKey = ""
	if _, _, err := g.CreateCheckout(t.Context(), req); !errors.Is(err, donation.ErrGateway) {
		t.Errorf("no idempotency key: %v", err)
	}
	if _, err := stripe.New(stripe.Config{}); err == nil {
		t.Error("a gateway without a key")
	}
	for _, base := range []string{"http://", "localhost:12111", "ftp://x"} {
		if _, err := stripe.New(stripe.Config{SecretKey: "sk_test_1", APIBase: base}); err == nil {
			t.Errorf("a gateway with API base %q", base)
		}
	}
}
