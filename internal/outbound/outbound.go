// Package outbound is the service's outgoing webhooks: the events it tells
// other systems about, the endpoints admins register for them, and the
// delivery of each event to each endpoint, signed as the Standard Webhooks
// specification says (https://www.standardwebhooks.com/).
//
// A delivery is stored, and its job queued, in the transaction of the change
// that causes it (the stores in internal/postgres do that); Deliverer makes
// one attempt at a time and records it. Destinations that are not public
// addresses are refused when the connection is made (see Guard).
package outbound

import (
	"context"
	"errors"
	"time"

	"github.com/advocacy/advocacy/internal/staff"
)

// Errors the stores and the deliverer return.
var (
	// ErrNotFound: no such endpoint, or no such delivery of it.
	ErrNotFound = errors.New("webhook not found")
	// ErrDisabled: the endpoint is disabled, so nothing is sent to it.
	ErrDisabled = errors.New("webhook endpoint disabled")
)

// Event types. Endpoints subscribe to them by name.
const (
	// EventSignatureCounted: a signature starts counting (at once on a
	// petition without verification, on confirmation otherwise).
	EventSignatureCounted = "signature.counted"
	// EventSignatureInvalidated: a counted signature stops counting.
	EventSignatureInvalidated = "signature.invalidated"
	// EventConsentWithdrawn: a supporter withdrew consent to updates.
	EventConsentWithdrawn = "consent.withdrawn"
	// EventDonationPaid: the money of a donation was taken.
	EventDonationPaid = "donation.paid"
	// EventDonationRefunded: some or all of a donation was refunded.
	EventDonationRefunded = "donation.refunded"
	// EventPetitionClosed: a petition stopped taking signatures.
	EventPetitionClosed = "petition.closed"
)

// Events lists every event type, in the order forms show them.
func Events() []string {
	return []string{EventSignatureCounted, EventSignatureInvalidated, EventConsentWithdrawn,
		EventDonationPaid, EventDonationRefunded, EventPetitionClosed}
}

// KnownEvent reports whether name is one of Events.
func KnownEvent(name string) bool {
	for _, e := range Events() {
		if e == name {
			return true
		}
	}
	return false
}

// Payload is the body of every delivery, as the specification suggests:
// the event's type, when it happened (RFC 3339, UTC) and its data. Data
// carries ids, slugs, counts and amounts, never a supporter's name or email.
type Payload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// Why an endpoint is disabled.
const (
	DisabledByAdmin = "admin"   // an admin disabled it
	DisabledFailing = "failing" // it failed for days and was disabled automatically
)

// Endpoint is a URL that receives the events it subscribes to.
type Endpoint struct {
	ID     int64
	URL    string
	Events []string
	// Enabled endpoints get deliveries; DisabledReason says why one is not.
	Enabled        bool
	DisabledReason string
	DisabledAt     *time.Time
	LastSuccessAt  *time.Time
	// FailingSince is the first failure since the last success (nil while
	// the last attempt succeeded).
	FailingSince *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // queued, or failing and to be tried again
	DeliverySucceeded = "succeeded" // an attempt got a 2xx
	DeliveryFailed    = "failed"    // every attempt failed; given up
	DeliveryCancelled = "cancelled" // the endpoint was disabled before it succeeded
)

// Delivery is one event for one endpoint. MessageID is its webhook-id, the
// same on every attempt.
type Delivery struct {
	ID          int64
	MessageID   string
	EndpointID  int64
	EventType   string
	Payload     string
	Status      string
	Attempts    []Attempt
	CreatedAt   time.Time
	CompletedAt *time.Time
}

// Attempt results.
const (
	ResultSucceeded = "succeeded" // a 2xx answer
	ResultFailed    = "failed"    // an answer outside 2xx
	ResultTimeout   = "timeout"   // no answer within the timeout
	ResultRefused   = "refused"   // the destination is not a public address
	ResultError     = "error"     // no connection, or another transport failure
)

// MaxResponseBody bounds the part of an answer kept with an attempt.
const MaxResponseBody = 1024

// Attempt is one try at a delivery.
type Attempt struct {
	ID          int64
	AttemptedAt time.Time
	Duration    time.Duration
	StatusCode  int // 0: no answer
	Result      string
	// ResponseBody is the start of the answer, at most MaxResponseBody bytes.
	ResponseBody string
	Error        string
}

// Target is what the deliverer needs to make an attempt.
type Target struct {
	Delivery Delivery
	URL      string
	Secret   string
	Enabled  bool
}

// Outcome is what recording an attempt changed.
type Outcome struct {
	// Disabled: the endpoint has failed for too long and was disabled now.
	Disabled bool
}

// Audit actions of webhook changes.
const (
	ActionEndpointCreate  = "webhook.create"
	ActionEndpointEnable  = "webhook.enable"
	ActionEndpointDisable = "webhook.disable"
	ActionEndpointDelete  = "webhook.delete"
	ActionRedeliver       = "webhook.redeliver"
	// ActionAutoDisable: the service disabled a failing endpoint.
	ActionAutoDisable = "webhook.auto_disable"
)

// Store keeps endpoints and deliveries. Every change an admin makes is
// written with its audit entry in the same transaction.
type Store interface {
	// CreateEndpoint stores a validated endpoint with a new secret and
	// returns it with the secret, which is never returned again.
	CreateEndpoint(ctx context.Context, actor staff.Actor, in NewEndpoint) (Endpoint, string, error)
	// Endpoints lists every endpoint, newest first.
	Endpoints(ctx context.Context) ([]Endpoint, error)
	// Endpoint returns ErrNotFound if there is no such endpoint.
	Endpoint(ctx context.Context, id int64) (Endpoint, error)
	// SetEnabled enables or disables an endpoint. Disabling cancels its
	// pending deliveries.
	SetEnabled(ctx context.Context, actor staff.Actor, id int64, enabled bool) (Endpoint, error)
	// DeleteEndpoint deletes an endpoint with its deliveries.
	DeleteEndpoint(ctx context.Context, actor staff.Actor, id int64) error
	// Deliveries returns the endpoint's newest deliveries (at most limit)
	// with their attempts.
	Deliveries(ctx context.Context, endpointID int64, limit int) ([]Delivery, error)
	// Redeliver queues the delivery again, with the same webhook-id.
	// Returns ErrDisabled if the endpoint is disabled.
	Redeliver(ctx context.Context, actor staff.Actor, endpointID, deliveryID int64) (Delivery, error)
	// AutoDisabled lists the endpoints disabled for failing, for the admins'
	// notice.
	AutoDisabled(ctx context.Context) ([]Endpoint, error)
}

// AttemptStore is what the deliverer needs.
type AttemptStore interface {
	// Target returns the delivery with its endpoint's URL and secret;
	// ErrNotFound if it (or its endpoint) was deleted.
	Target(ctx context.Context, deliveryID int64) (Target, error)
	// RecordAttempt logs a, moves the delivery to status (DeliveryPending
	// while it will be tried again) and the endpoint's health, and disables
	// the endpoint when it has had no success for disableAfter with failures
	// in between.
	RecordAttempt(ctx context.Context, deliveryID int64, a Attempt, status string, disableAfter time.Duration) (Outcome, error)
	// CancelDelivery marks a delivery whose endpoint is disabled.
	CancelDelivery(ctx context.Context, deliveryID int64) error
}
