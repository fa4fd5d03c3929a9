package webhooks

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
)

// maxStripeBytes caps a webhook body. Stripe's events are a few kilobytes;
// this leaves room for long metadata without reading without limit.
const maxStripeBytes = 512 << 10

// POST /webhooks/stripe
//
// The signature is checked on the raw body before anything is parsed: 400
// when it fails. Each event id is applied once, in one transaction with its
// effect on the donation; a repeat gets 200 and changes nothing. An event
// for an unknown donation is kept for finance and gets 200, since Stripe
// retrying it would not help. Other event types get 200 and are not stored.
// A database failure gets 503, so Stripe retries later.
func (w *Webhooks) stripe(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxStripeBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		w.APIError(c, kit.NewError(http.StatusRequestEntityTooLarge, kit.CodeTooLarge, "The event is too large."))
		return
	case err != nil:
		w.APIError(c, kit.NewError(http.StatusBadRequest, kit.CodeBadRequest, "The request body could not be read."))
		return
	}
	ctx := c.Request.Context()
	ev, res, err := w.donations.ApplyWebhook(ctx, body, c.GetHeader("Stripe-Signature"))
	if errors.Is(err, donation.ErrIgnoredEvent) {
		c.JSON(http.StatusOK, gin.H{"received": true, "ignored": true})
		return
	}
	if err != nil {
		w.APIError(c, err)
		return
	}
	w.Logger.InfoContext(ctx, "stripe event", "request_id", c.GetString(kit.RequestIDKey), "event_id", ev.ID,
		"type", ev.Type, "duplicate", res.Duplicate, "donation_id", res.DonationID, "status", res.Status,
		"adopted", res.Adopted, "payout_linked", res.Linked)
	c.JSON(http.StatusOK, gin.H{"received": true, "duplicate": res.Duplicate, "matched": res.DonationID != 0})
}
