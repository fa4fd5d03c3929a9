package donation

import (
	"encoding/json"
	"time"
)

// EventKind is what a payment event says happened.
type EventKind string

// The event kinds donations use. Each maps to one Stripe event type.
const (
	// EventCompleted: the donor finished checkout. PaymentStatus says
	// whether the money was taken ("paid") or is still on its way ("unpaid",
	// for methods such as bank debits that settle later).
	EventCompleted EventKind = "completed"
	// EventAsyncSucceeded: a delayed payment settled.
	EventAsyncSucceeded EventKind = "async_payment_succeeded"
	// EventAsyncFailed: a delayed payment failed.
	EventAsyncFailed EventKind = "async_payment_failed"
	// EventExpired: checkout was abandoned and its session expired.
	EventExpired EventKind = "expired"
	// EventRefunded: some or all of the charge was refunded. AmountRefunded
	// is the charge's total refunded so far.
	EventRefunded EventKind = "refunded"
	// EventDisputed: the donor's bank opened a dispute for AmountDisputed.
	EventDisputed EventKind = "dispute_created"
	// EventDisputeClosed: the dispute was decided. DisputeWon says whether
	// the organisation kept the money.
	EventDisputeClosed EventKind = "dispute_closed"
	// EventCheckoutFailed: no checkout session could be created (our side).
	EventCheckoutFailed EventKind = "checkout_failed"
	// EventPayoutPaid: a payout reached the bank. It moves no donation's
	// status; Payout says which, and the donations it paid out are linked.
	EventPayoutPaid EventKind = "payout_paid"
)

// PaymentStatusPaid is the PaymentStatus of a completed checkout whose money
// was taken.
const PaymentStatusPaid = "paid"

// Ref is how an event names its donation. Any field may be empty.
type Ref struct {
	DonationID        int64  // from the metadata we set on the session
	Nonce             string // from the same metadata: the donation's CheckoutNonce
	CheckoutSessionID string
	PaymentIntentID   string
	ChargeID          string
}

// Event is a payment event, translated from the gateway's webhook.
type Event struct {
	ID             string    // the gateway's event id; each is applied once
	Type           string    // the gateway's type name, as received
	Kind           EventKind // what it means for the donation
	Created        time.Time // when the gateway says it happened
	Ref            Ref
	PaymentStatus  string  // EventCompleted only
	AmountRefunded int64   // EventRefunded: cumulative for the charge
	FullyRefunded  bool    // EventRefunded: the charge is refunded in full
	AmountDisputed int64   // EventDisputed, EventDisputeClosed
	DisputeWon     bool    // EventDisputeClosed
	DonorName      string  // from checkout, when given
	Payout         *Payout // EventPayoutPaid
	DonorEmail     string
	Payload        json.RawMessage // the whole event as received
}

// State is what the payment events have established about a donation. Each
// fact only ever grows — a time, once set, only moves earlier; an amount
// only rises — and Status is derived from the facts alone. Applying events
// is therefore order-independent and idempotent: any order, any repeats,
// the same State. A refund that arrives before the checkout's completion
// records that the money was paid and refunded, and the completion arriving
// later cannot move the donation back to "paid".
type State struct {
	Amount         int64 // the donation's amount, to tell full from partial refunds
	Status         Status
	CompletedAt    *time.Time // checkout finished (payment may still be settling)
	PaidAt         *time.Time // the money was taken
	FailedAt       *time.Time
	ExpiredAt      *time.Time
	DisputedAt     *time.Time
	DisputeWonAt   *time.Time // the dispute was decided for us: the money stays
	AmountRefunded int64
	FullyRefunded  bool
	AmountDisputed int64
}

// Next returns the state after event e. It is a pure function: it reads
// nothing but its arguments and changes neither.
func Next(s State, e Event) State {
	at := e.Created.UTC()
	switch e.Kind {
	case EventCompleted:
		s.CompletedAt = earliest(s.CompletedAt, at)
		if e.PaymentStatus == PaymentStatusPaid {
			s.PaidAt = earliest(s.PaidAt, at)
		}
	case EventAsyncSucceeded:
		s.CompletedAt = earliest(s.CompletedAt, at)
		s.PaidAt = earliest(s.PaidAt, at)
	case EventAsyncFailed:
		s.CompletedAt = earliest(s.CompletedAt, at)
		s.FailedAt = earliest(s.FailedAt, at)
	case EventExpired:
		s.ExpiredAt = earliest(s.ExpiredAt, at)
	case EventCheckoutFailed:
		s.FailedAt = earliest(s.FailedAt, at)
	case EventRefunded:
		// Only money that was taken can be refunded. The completion, when it
		// comes, moves PaidAt back to the true time.
		s.PaidAt = earliest(s.PaidAt, at)
		s.AmountRefunded = max(s.AmountRefunded, e.AmountRefunded)
		s.FullyRefunded = s.FullyRefunded || e.FullyRefunded
	case EventDisputed:
		s.PaidAt = earliest(s.PaidAt, at)
		s.DisputedAt = earliest(s.DisputedAt, at)
		s.AmountDisputed = max(s.AmountDisputed, e.AmountDisputed)
	case EventDisputeClosed:
		// A decided dispute was opened, on money that was taken.
		s.PaidAt = earliest(s.PaidAt, at)
		s.DisputedAt = earliest(s.DisputedAt, at)
		s.AmountDisputed = max(s.AmountDisputed, e.AmountDisputed)
		if e.DisputeWon {
			s.DisputeWonAt = earliest(s.DisputeWonAt, at)
		}
	}
	s.Status = s.derive()
	return s
}

// derive is the status the facts add up to. Money taken outranks an earlier
// failure or expiry (the payment gateway is the authority on money); a
// dispute outranks refunds because finance must act on it. A dispute won
// leaves the donation as the refunds and payment say; one lost stays
// disputed, which is where the money went.
func (s State) derive() Status {
	switch {
	case s.DisputedAt != nil && s.DisputeWonAt == nil:
		return StatusDisputed
	case s.AmountRefunded > 0 && (s.FullyRefunded || s.AmountRefunded >= s.Amount):
		return StatusRefunded
	case s.AmountRefunded > 0:
		return StatusPartiallyRefunded
	case s.PaidAt != nil:
		return StatusPaid
	case s.FailedAt != nil:
		return StatusFailed
	case s.ExpiredAt != nil:
		return StatusExpired
	default:
		return StatusPending
	}
}

// Awaiting reports whether checkout finished but the payment has not
// settled either way yet.
func (s State) Awaiting() bool {
	return s.Status == StatusPending && s.CompletedAt != nil
}

func earliest(t *time.Time, at time.Time) *time.Time {
	if t != nil && !t.After(at) {
		return t
	}
	return &at
}
