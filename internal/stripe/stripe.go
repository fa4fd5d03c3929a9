// Package stripe is the payment gateway: Stripe Checkout through stripe-go,
// and Stripe's signed webhooks translated into donation events.
//
// Each Gateway has its own client and key; nothing here touches stripe-go's
// package-level key or backends, so two gateways (or tests) never share one.
package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/advocacy/advocacy/internal/donation"
)

// Config configures a Gateway.
type Config struct {
	SecretKey string // required
	// APIBase is the API's base URL, e.g. a stripe-mock address in tests;
	// empty means Stripe's own.
	APIBase string
	// HTTPClient makes the calls; nil means one with a 30-second timeout.
	HTTPClient *http.Client
}

// Metadata keys set on every Checkout Session and its PaymentIntent, so that
// each event can name its donation.
const (
	MetaDonationID    = "donation_id"
	MetaDonationNonce = "donation_nonce"
)

// Gateway creates Stripe Checkout Sessions. It implements donation.Gateway.
type Gateway struct {
	api *client.API
}

var _ donation.Gateway = (*Gateway)(nil)

// New returns a gateway with its own client for cfg's key and base URL.
func New(cfg Config) (*Gateway, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("stripe: no secret key")
	}
	if cfg.APIBase != "" {
		u, err := url.Parse(cfg.APIBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("STRIPE_API_BASE: %q is not an http(s) URL", cfg.APIBase)
		}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	backend := func(t stripego.SupportedBackend, url string) stripego.Backend {
		c := &stripego.BackendConfig{
			HTTPClient: hc,
			// stripe-go's own log would print request details; errors are
			// returned and logged by the caller instead.
			LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
			MaxNetworkRetries: stripego.Int64(2),
		}
		if url != "" {
			c.URL = stripego.String(url)
		}
		return stripego.GetBackendWithConfig(t, c)
	}
	backends := &stripego.Backends{
		API:     backend(stripego.APIBackend, cfg.APIBase),
		Connect: backend(stripego.ConnectBackend, ""),
		Uploads: backend(stripego.UploadsBackend, ""),
	}
	return &Gateway{api: client.New(cfg.SecretKey, backends)}, nil
}

// CreateCheckout creates a Checkout Session in payment mode for one donation
// of req.Amount in req.Currency, keyed by req.IdempotencyKey so a retried
// request returns the same session. The session and its PaymentIntent carry
// the donation's id and nonce as metadata, and the id as client reference.
// Errors wrap donation.ErrGateway.
func (g *Gateway) CreateCheckout(ctx context.Context, req donation.CheckoutRequest) (string, string, error) {
	if req.IdempotencyKey == "" {
		return "", "", fmt.Errorf("%w: no idempotency key", donation.ErrGateway)
	}
	id := strconv.FormatInt(req.DonationID, 10)
	meta := map[string]string{MetaDonationID: id, MetaDonationNonce: req.DonationNonce}
	params := &stripego.CheckoutSessionParams{
		Mode:              stripego.String(string(stripego.CheckoutSessionModePayment)),
		SubmitType:        stripego.String(string(stripego.CheckoutSessionSubmitTypeDonate)),
		SuccessURL:        stripego.String(req.SuccessURL),
		CancelURL:         stripego.String(req.CancelURL),
		ClientReferenceID: stripego.String(id),
		Metadata:          meta,
		LineItems: []*stripego.CheckoutSessionLineItemParams{{
			Quantity: stripego.Int64(1),
			PriceData: &stripego.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripego.String(strings.ToLower(req.Currency)),
				UnitAmount:  stripego.Int64(req.Amount),
				ProductData: &stripego.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripego.String(req.Description)},
			},
		}},
		PaymentIntentData: &stripego.CheckoutSessionPaymentIntentDataParams{
			Description: stripego.String(req.Description),
			Metadata:    meta,
		},
	}
	if req.CustomerEmail != "" {
		params.CustomerEmail = stripego.String(req.CustomerEmail)
	}
	params.Context = ctx
	params.SetIdempotencyKey(req.IdempotencyKey)
	s, err := g.api.CheckoutSessions.New(params)
	if err != nil {
		return "", "", fmt.Errorf("%w: create checkout session for donation %d: %w", donation.ErrGateway, req.DonationID, describe(err))
	}
	if s.ID == "" || s.URL == "" {
		return "", "", fmt.Errorf("%w: checkout session for donation %d has no id or URL", donation.ErrGateway, req.DonationID)
	}
	return s.ID, s.URL, nil
}

// describe keeps what helps an operator from a Stripe error: its type,
// code, HTTP status and message, and the request id to quote to Stripe.
func describe(err error) error {
	var se *stripego.Error
	if errors.As(err, &se) {
		msg := se.Msg
		if se.Param == "customer_email" {
			msg = "the customer email was refused" // Stripe's message quotes it; keep it out of logs
		}
		return fmt.Errorf("stripe %s (%s, param %q, status %d, request %s): %s",
			se.Type, se.Code, se.Param, se.HTTPStatusCode, se.RequestID, msg)
	}
	return err
}
