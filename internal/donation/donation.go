// Package donation holds donations taken through a payment gateway (Stripe
// Checkout): their amounts and statuses, the UK Gift Aid declaration a donor
// may give, the state machine that payment events drive, and the small
// interfaces the rest of the program implements for it.
//
// Money is always an int64 count of the currency's minor units (pence for
// GBP) with an ISO 4217 code beside it; nothing here uses floating point.
package donation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/advocacy/advocacy/internal/staff"
)

// Sentinel errors. Stores and gateways wrap them with the operation.
var (
	// ErrNotFound: no donation (or no signature, when linking one) matches.
	ErrNotFound = errors.New("donation not found")
	// ErrDisabled: donations are switched off (no payment gateway configured).
	ErrDisabled = errors.New("donations are not enabled")
	// ErrGateway: the payment gateway failed or refused the request.
	ErrGateway = errors.New("payment gateway failed")
	// ErrBadSignature: a webhook's signature does not match its body, or is
	// too old to be trusted.
	ErrBadSignature = errors.New("webhook signature invalid")
	// ErrBadEvent: a well-signed webhook whose body cannot be read.
	ErrBadEvent = errors.New("webhook event malformed")
	// ErrIgnoredEvent: a well-signed webhook of a type donations do not use.
	ErrIgnoredEvent = errors.New("webhook event type not handled")
	// ErrCurrencyMismatch: a donation's currency is not its campaign's.
	ErrCurrencyMismatch = errors.New("donation currency differs from the campaign's")
)

// Status is where a donation stands.
type Status string

// Statuses, as in the contract.
const (
	StatusPending           Status = "pending"            // created; payment not (yet) confirmed
	StatusPaid              Status = "paid"               // the money was taken
	StatusFailed            Status = "failed"             // the payment failed; no money was taken
	StatusExpired           Status = "expired"            // checkout was abandoned and timed out
	StatusRefunded          Status = "refunded"           // paid, then refunded in full
	StatusPartiallyRefunded Status = "partially_refunded" // paid, then refunded in part
	StatusDisputed          Status = "disputed"           // paid, then disputed (chargeback)
)

// Statuses lists every status, in the order finance reads them.
var Statuses = []Status{StatusPending, StatusPaid, StatusFailed, StatusExpired,
	StatusRefunded, StatusPartiallyRefunded, StatusDisputed}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// statusLabels are the statuses in words, as finance reads them.
var statusLabels = map[Status]string{
	StatusPending: "Pending", StatusPaid: "Paid", StatusFailed: "Failed", StatusExpired: "Expired",
	StatusRefunded: "Refunded", StatusPartiallyRefunded: "Partially refunded", StatusDisputed: "Disputed",
}

// Label is the status in words ("Partially refunded"); an unknown status
// is shown as it is.
func (s Status) Label() string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

// Donation is one gift, from the moment a supporter chooses an amount.
type Donation struct {
	ID          int64
	CampaignID  int64
	ReleaseID   *int64 // the release page it was given from
	SignatureID *int64 // the donor's signature, when they signed first
	Amount      int64  // minor units
	Currency    string // ISO 4217, the campaign's

	State // status and what the payment events have recorded

	CheckoutNonce     string // random; see IdempotencyKey
	CheckoutSessionID string
	PaymentIntentID   string
	ChargeID          string
	DonorName         string
	DonorEmail        string
	GiftAid           *GiftAid // nil: no declaration

	Fees     *Fees  // nil until the gateway's books have been read
	PayoutID *int64 // the payout it was paid out in, once known

	ReviewedAt      *time.Time
	ReviewedBy      *int64 // staff id
	ReviewedByEmail string
	ReviewNote      string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Net is what the organisation keeps: the amount paid less refunds.
// Unpaid donations keep nothing.
func (d Donation) Net() int64 {
	if d.PaidAt == nil {
		return 0
	}
	return d.Amount - d.AmountRefunded
}

// Entry is a donation with the names finance reads beside it.
type Entry struct {
	Donation
	CampaignSlug  string
	CampaignTitle string
	ReleaseSlug   string // empty without a release
	ReleaseTitle  string
}

// NewDonation is what the public form creates, before any payment.
type NewDonation struct {
	CampaignID int64
	ReleaseID  *int64
	Amount     int64
	Currency   string // must be the campaign's; the store checks
	GiftAid    *GiftAid
	// Supporter, when set, names a signature the donor has proven is theirs;
	// the store links it if it exists on a petition of the same campaign.
	Supporter *Supporter
}

// Supporter identifies a signature: a petition and a normalised email.
type Supporter struct {
	PetitionID int64
	Email      string
}

// Actor is the staff member who changes something, for the audit log.
type Actor = staff.Actor

// CheckoutRequest asks the gateway for a hosted checkout page.
type CheckoutRequest struct {
	DonationID     int64
	DonationNonce  string // the donation's CheckoutNonce, echoed back in events
	Amount         int64  // minor units
	Currency       string // ISO 4217
	Description    string // what the donor sees, e.g. "Donation: <campaign>"
	SuccessURL     string // may contain the gateway's session-id placeholder
	CancelURL      string
	IdempotencyKey string // the same key always yields the same session
	CustomerEmail  string // optional prefill
}

// Gateway creates hosted checkout sessions.
type Gateway interface {
	// CreateCheckout returns the new session's id and the URL to send the
	// donor to. Errors wrap ErrGateway.
	CreateCheckout(ctx context.Context, req CheckoutRequest) (sessionID, url string, err error)
}

// WebhookVerifier turns a signed webhook body into an Event.
type WebhookVerifier interface {
	// VerifyEvent checks signature against the raw payload. It returns
	// ErrBadSignature when it does not match (or is too old), and
	// ErrIgnoredEvent for a genuine event that donations do not use.
	VerifyEvent(payload []byte, signature string) (Event, error)
}

// DateField is the date a filter's range applies to.
type DateField string

// The dates a donation can be found by.
const (
	DateCreated DateField = "created" // when the donor chose the amount (the default)
	DatePaid    DateField = "paid"    // when the payment was taken, as the Gift Aid claim reads it
)

// Reviewed selects donations by whether finance has reviewed them.
type Reviewed string

// The review filters; ReviewedAny (empty) selects both.
const (
	ReviewedAny Reviewed = ""
	ReviewedYes Reviewed = "yes"
	ReviewedNo  Reviewed = "no"
)

// Filter selects donations for finance. Zero fields select everything.
type Filter struct {
	Statuses   []Status
	CampaignID int64
	ReleaseID  int64
	DateField  DateField // what From and To apply to; empty is DateCreated
	From       time.Time // at or after
	To         time.Time // before
	Reviewed   Reviewed
	Limit      int   // page size (List only)
	BeforeID   int64 // keyset cursor: only ids below this (List only)
	Offset     int   // rows to skip, for numbered pages (List only; not with BeforeID)
}

// Totals sums the donations of one currency that a filter selects.
type Totals struct {
	Currency  string
	Count     int64 // donations of any status
	PaidCount int64 // donations whose payment was taken (including later refunded or disputed)
	Gross     int64 // sum of amounts paid
	Refunded  int64 // sum of amounts refunded
	Disputed  int64 // sum of amounts under dispute (informational; not deducted from Net)
	Net       int64 // Gross - Refunded
}

// ReleaseTotals sums the donations given from one release in one currency.
// It holds no personal data: campaigners read it to see which release
// raised what.
type ReleaseTotals struct {
	ReleaseID    *int64 // nil: donations given without a release
	ReleaseSlug  string
	ReleaseTitle string
	Totals
}

// Page is one page of a listing with totals for the whole filter.
type Page struct {
	Entries      []Entry
	Totals       []Totals // one per currency, by currency code
	NextBeforeID int64    // 0 when this is the last page
	Total        int64    // donations the whole filter selects, every currency
}

// StoredEvent is a payment event as it was received.
type StoredEvent struct {
	ID          int64
	EventID     string // the gateway's id, unique
	Type        string // the gateway's type name
	Created     time.Time
	ReceivedAt  time.Time
	ProcessedAt *time.Time // nil while no donation matches it
	DonationID  *int64
	Payload     json.RawMessage
}

// ApplyResult says what applying an event did.
type ApplyResult struct {
	Duplicate  bool   // the event had been received before; nothing changed
	DonationID int64  // 0: no donation matches (the event is kept)
	Status     Status // the donation's status afterwards
	Adopted    int    // earlier unmatched events this one let us apply
	Linked     int    // EventPayoutPaid: donations linked to the payout
}

// Store keeps donations and the payment events that move them.
type Store interface {
	PayoutStore
	// CreatePending stores a pending donation. Returns ErrCurrencyMismatch if
	// the currency is not the campaign's.
	CreatePending(ctx context.Context, d NewDonation) (Donation, error)
	// AttachCheckoutSession records the gateway's session id. Returns
	// ErrNotFound for an unknown id.
	AttachCheckoutSession(ctx context.Context, id int64, sessionID string) error
	// CheckoutFailed records that no checkout session could be created.
	CheckoutFailed(ctx context.Context, id int64) error
	// BySessionID returns ErrNotFound if no donation has that session.
	BySessionID(ctx context.Context, sessionID string) (Entry, error)
	// ApplyEvent stores e once and applies it to its donation, in one
	// transaction. A repeat of a stored event changes nothing.
	ApplyEvent(ctx context.Context, e Event) (ApplyResult, error)
	// List returns a page of donations, newest first, with totals per
	// currency over the whole filter.
	List(ctx context.Context, f Filter) (Page, error)
	// TotalsByRelease returns the campaign's donation totals per source
	// release and currency, the release that raised most first.
	TotalsByRelease(ctx context.Context, campaignID int64) ([]ReleaseTotals, error)
	// Get returns a donation with every event applied to it, oldest first.
	// Returns ErrNotFound for an unknown id.
	Get(ctx context.Context, id int64) (Entry, []StoredEvent, error)
	// UnmatchedEvents returns events that match no donation, newest first.
	UnmatchedEvents(ctx context.Context, limit int) ([]StoredEvent, error)
	// RecordExport notes in the audit log that actor exported donors' data
	// (action is staff.ActionDonationsExport or staff.ActionGiftAidExport),
	// with the filter used.
	RecordExport(ctx context.Context, actor Actor, action string, filter map[string]string) error
	// MarkReviewed records that actor reviewed the donation, with a note, and
	// writes the change to the audit log. Returns ErrNotFound for an unknown id.
	MarkReviewed(ctx context.Context, id int64, actor Actor, note string) (Entry, error)
	// MarkManyReviewed records actor's review of every donation in ids (no
	// repeats), with one note, in one transaction with an audit row per
	// donation. If any id is unknown nothing changes and the error is an
	// UnknownDonationsError naming them.
	MarkManyReviewed(ctx context.Context, ids []int64, actor Actor, note string) ([]int64, error)
	// EachDonation calls fn for every donation the filter selects (ignoring
	// Limit and BeforeID), newest first, streaming from the database.
	EachDonation(ctx context.Context, f Filter, fn func(Entry) error) error
	// EachGiftAidClaim calls fn for every paid, unrefunded donation with a
	// Gift Aid declaration whose payment was taken in [from, to), oldest
	// first. A zero from or to leaves that end open.
	EachGiftAidClaim(ctx context.Context, from, to time.Time, fn func(Entry) error) error
	// CountGiftAidClaim counts the donations EachGiftAidClaim gives.
	CountGiftAidClaim(ctx context.Context, from, to time.Time) (int64, error)
	// EachGiftAidClaimPart calls fn for part (from 1) of the claim, in
	// EachGiftAidClaim's order, ScheduleRowsPerPart donations a part.
	EachGiftAidClaimPart(ctx context.Context, from, to time.Time, part int, fn func(Entry) error) error
}

// UnknownDonationsError names the ids a bulk change found no donation for.
// It wraps ErrNotFound.
type UnknownDonationsError struct{ IDs []int64 }

func (e *UnknownDonationsError) Error() string {
	return fmt.Sprintf("no donation has the id %v", e.IDs)
}

// Unwrap makes errors.Is(err, ErrNotFound) hold.
func (e *UnknownDonationsError) Unwrap() error { return ErrNotFound }

// IdempotencyKey is the key the donation's checkout session is created
// with: derived from its id and a random nonce stored with it, so a retry
// reuses the session, while a donation with the same id in another database
// (a test or staging copy sharing the Stripe account) does not.
func (d Donation) IdempotencyKey() string {
	return "donation-" + strconv.FormatInt(d.ID, 10) + "-checkout-" + d.CheckoutNonce
}
