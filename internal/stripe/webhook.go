package stripe

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/advocacy/advocacy/internal/donation"
)

// DefaultTolerance is how old a webhook's signed timestamp may be. Older
// deliveries are refused, so a captured request cannot be replayed later.
const DefaultTolerance = webhook.DefaultTolerance

// Event types donations handle, and the kind each becomes.
var eventKinds = map[stripego.EventType]donation.EventKind{
	"checkout.session.completed":               donation.EventCompleted,
	"checkout.session.async_payment_succeeded": donation.EventAsyncSucceeded,
	"checkout.session.async_payment_failed":    donation.EventAsyncFailed,
	"checkout.session.expired":                 donation.EventExpired,
	"charge.refunded":                          donation.EventRefunded,
	"charge.dispute.created":                   donation.EventDisputed,
	"charge.dispute.closed":                    donation.EventDisputeClosed,
	"payout.paid":                              donation.EventPayoutPaid,
}

// Webhooks verifies Stripe's webhook signatures. It implements
// donation.WebhookVerifier.
type Webhooks struct {
	secret    string
	tolerance time.Duration
}

var _ donation.WebhookVerifier = (*Webhooks)(nil)

// NewWebhooks verifies against the endpoint's signing secret (whsec_…),
// refusing signatures older than tolerance (0: DefaultTolerance).
func NewWebhooks(secret string, tolerance time.Duration) (*Webhooks, error) {
	if secret == "" {
		return nil, errors.New("stripe: no webhook signing secret")
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	return &Webhooks{secret: secret, tolerance: tolerance}, nil
}

// VerifyEvent checks the Stripe-Signature header against the raw payload
// and translates the event. It returns donation.ErrBadSignature for a
// missing, wrong or too old signature, donation.ErrBadEvent for a body that
// cannot be read, and donation.ErrIgnoredEvent for other event types.
//
// The event's API version is not required to match stripe-go's: the few
// fields read here are the same in every version, and an endpoint (or
// `stripe listen`) sends events in the account's version.
func (w *Webhooks) VerifyEvent(payload []byte, signature string) (donation.Event, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, signature, w.secret,
		webhook.ConstructEventOptions{Tolerance: w.tolerance, IgnoreAPIVersionMismatch: true})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
		errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
		return donation.Event{}, fmt.Errorf("%w: %w", donation.ErrBadSignature, err)
	case err != nil:
		return donation.Event{}, fmt.Errorf("%w: %w", donation.ErrBadEvent, err)
	}
	kind, ok := eventKinds[ev.Type]
	if !ok {
		return donation.Event{}, fmt.Errorf("%w: %s", donation.ErrIgnoredEvent, ev.Type)
	}
	if ev.ID == "" || ev.Data == nil {
		return donation.Event{}, fmt.Errorf("%w: event without id or data", donation.ErrBadEvent)
	}
	out := donation.Event{ID: ev.ID, Type: string(ev.Type), Kind: kind, Created: time.Unix(ev.Created, 0).UTC(),
		Payload: json.RawMessage(payload)}
	switch kind {
	case donation.EventPayoutPaid:
		var p stripego.Payout
		if err := json.Unmarshal(ev.Data.Raw, &p); err != nil {
			return donation.Event{}, fmt.Errorf("%w: payout: %w", donation.ErrBadEvent, err)
		}
		cur := strings.ToUpper(string(p.Currency))
		if !strings.HasPrefix(p.ID, "po_") || len(p.ID) > 255 || strings.Trim(p.ID, idChars) != "" ||
			len(cur) != 3 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return donation.Event{}, fmt.Errorf("%w: payout without an id or currency", donation.ErrBadEvent)
		}
		status := string(p.Status)
		if len(status) > 40 || strings.Trim(status, idChars) != "" {
			status = "unknown"
		}
		out.Payout = &donation.Payout{PayoutID: p.ID, Amount: p.Amount, Currency: cur, Status: status,
			ArrivalDate: time.Unix(p.ArrivalDate, 0).UTC(), Created: time.Unix(p.Created, 0).UTC(), Livemode: p.Livemode}
	case donation.EventRefunded:
		var c stripego.Charge
		if err := json.Unmarshal(ev.Data.Raw, &c); err != nil {
			return donation.Event{}, fmt.Errorf("%w: charge: %w", donation.ErrBadEvent, err)
		}
		out.Ref = refFromMetadata(c.Metadata)
		out.Ref.ChargeID = c.ID
		if c.PaymentIntent != nil {
			out.Ref.PaymentIntentID = c.PaymentIntent.ID
		}
		out.AmountRefunded, out.FullyRefunded = c.AmountRefunded, c.Refunded
	case donation.EventDisputed, donation.EventDisputeClosed:
		var d stripego.Dispute
		if err := json.Unmarshal(ev.Data.Raw, &d); err != nil {
			return donation.Event{}, fmt.Errorf("%w: dispute: %w", donation.ErrBadEvent, err)
		}
		if d.Charge != nil {
			out.Ref.ChargeID = d.Charge.ID
		}
		if d.PaymentIntent != nil {
			out.Ref.PaymentIntentID = d.PaymentIntent.ID
		}
		out.AmountDisputed = d.Amount
		out.DisputeWon = d.Status == stripego.DisputeStatusWon
	default:
		var s stripego.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &s); err != nil {
			return donation.Event{}, fmt.Errorf("%w: checkout session: %w", donation.ErrBadEvent, err)
		}
		out.Ref = refFromMetadata(s.Metadata)
		if out.Ref.DonationID == 0 {
			out.Ref.DonationID, _ = strconv.ParseInt(s.ClientReferenceID, 10, 64)
		}
		out.Ref.CheckoutSessionID = s.ID
		if s.PaymentIntent != nil {
			out.Ref.PaymentIntentID = s.PaymentIntent.ID
		}
		out.PaymentStatus = string(s.PaymentStatus)
		if cd := s.CustomerDetails; cd != nil {
			out.DonorEmail, out.DonorName = cd.Email, cd.Name
		}
	}
	return cleanEvent(out), nil
}

// cleanEvent makes the text an event carries storable: a signed event may
// still hold "\u0000" or bytes that are not UTF-8 in its strings, which the
// database's text columns refuse. What the donation state machine reads
// (ids, status, amounts) survives; only those bytes go. The raw payload is
// kept as received.
func cleanEvent(e donation.Event) donation.Event {
	for _, s := range []*string{&e.ID, &e.Type, &e.PaymentStatus, &e.DonorEmail, &e.DonorName, &e.Ref.Nonce,
		&e.Ref.CheckoutSessionID, &e.Ref.PaymentIntentID, &e.Ref.ChargeID} {
		*s = strings.ToValidUTF8(strings.ReplaceAll(*s, "\x00", ""), "\uFFFD")
	}
	return e
}

// idChars are the characters of Stripe's ids and enum values.
const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

func refFromMetadata(m map[string]string) donation.Ref {
	var r donation.Ref
	if id, err := strconv.ParseInt(m[MetaDonationID], 10, 64); err == nil && id > 0 {
		r.DonationID = id
		r.Nonce = m[MetaDonationNonce]
	}
	return r
}
