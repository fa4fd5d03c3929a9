package finance

import (
	"encoding/json"
	"time"

	"github.com/advocacy/advocacy/internal/donation"
)

// The finance API's shapes, as in the contract.

// donationJSON is a donation as finance sees it, personal data included.
type donationJSON struct {
	ID              int64           `json:"id"`
	Status          donation.Status `json:"status"`
	AwaitingPayment bool            `json:"awaiting_payment"`
	Amount          int64           `json:"amount"`
	Currency        string          `json:"currency"`
	AmountDisplay   string          `json:"amount_display"`
	AmountRefunded  int64           `json:"amount_refunded"`
	AmountDisputed  int64           `json:"amount_disputed"`
	Net             int64           `json:"net"`
	Campaign        refJSON         `json:"campaign"`
	Release         *refJSON        `json:"release"`
	SignatureID     *int64          `json:"signature_id"`
	Donor           donorJSON       `json:"donor"`
	GiftAid         *giftAidJSON    `json:"gift_aid"`
	Stripe          stripeIDsJSON   `json:"stripe"`
	Fees            *feesJSON       `json:"fees"`
	PayoutID        *int64          `json:"payout_id"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	PaidAt          *time.Time      `json:"paid_at"`
	ReviewedAt      *time.Time      `json:"reviewed_at"`
	ReviewedBy      *reviewerJSON   `json:"reviewed_by"`
	ReviewNote      string          `json:"review_note"`
}

// refJSON names the campaign or release a donation came through.
type refJSON struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

type donorJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type giftAidJSON struct {
	Title          string    `json:"title"`
	FirstName      string    `json:"first_name"`
	LastName       string    `json:"last_name"`
	House          string    `json:"house"`
	FullName       string    `json:"full_name"`
	HomeAddress    string    `json:"home_address"`
	Postcode       string    `json:"postcode"`
	DeclaredAt     time.Time `json:"declared_at"`
	WordingVersion string    `json:"wording_version"`
}

type stripeIDsJSON struct {
	CheckoutSessionID string `json:"checkout_session_id"`
	PaymentIntentID   string `json:"payment_intent_id"`
	ChargeID          string `json:"charge_id"`
}

// feesJSON is what Stripe kept of a payment and what it left, in the
// balance's currency.
type feesJSON struct {
	BalanceTransactionID string `json:"balance_transaction_id"`
	Currency             string `json:"currency"`
	Fee                  int64  `json:"fee"`
	Net                  int64  `json:"net"`
}

type reviewerJSON struct {
	ID    *int64 `json:"id"`
	Email string `json:"email"`
}

// totalsJSON is one currency's totals over the whole filter.
type totalsJSON struct {
	Currency  string `json:"currency"`
	Count     int64  `json:"count"`
	PaidCount int64  `json:"paid_count"`
	Gross     int64  `json:"gross"`
	Refunded  int64  `json:"refunded"`
	Disputed  int64  `json:"disputed"`
	Net       int64  `json:"net"`
}

// listJSON is a page of the donations list.
type listJSON struct {
	Donations  []donationJSON `json:"donations"`
	Totals     []totalsJSON   `json:"totals"`
	NextBefore *int64         `json:"next_before"`
	Total      int64          `json:"total"`
}

// eventJSON is a Stripe event as stored, its payload as Stripe sent it.
type eventJSON struct {
	ID          int64           `json:"id"`
	EventID     string          `json:"event_id"`
	Type        string          `json:"type"`
	Created     time.Time       `json:"created"`
	ReceivedAt  time.Time       `json:"received_at"`
	ProcessedAt *time.Time      `json:"processed_at"`
	DonationID  *int64          `json:"donation_id"`
	Payload     json.RawMessage `json:"payload"`
}

func toDonationJSON(e donation.Entry) donationJSON {
	d := e.Donation
	out := donationJSON{ID: d.ID, Status: d.Status, AwaitingPayment: d.Awaiting(), Amount: d.Amount, Currency: d.Currency,
		AmountDisplay: donation.Format(d.Amount, d.Currency, false), AmountRefunded: d.AmountRefunded,
		AmountDisputed: d.AmountDisputed, Net: d.Net(),
		Campaign:    refJSON{ID: d.CampaignID, Slug: e.CampaignSlug, Title: e.CampaignTitle},
		SignatureID: d.SignatureID, Donor: donorJSON{Name: d.DonorName, Email: d.DonorEmail},
		Stripe:    stripeIDsJSON{CheckoutSessionID: d.CheckoutSessionID, PaymentIntentID: d.PaymentIntentID, ChargeID: d.ChargeID},
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, PaidAt: d.PaidAt, ReviewedAt: d.ReviewedAt, ReviewNote: d.ReviewNote}
	if f := d.Fees; f != nil {
		out.Fees = &feesJSON{BalanceTransactionID: f.BalanceTransactionID, Currency: f.Currency, Fee: f.Fee, Net: f.Net}
	}
	out.PayoutID = d.PayoutID
	if d.ReleaseID != nil {
		out.Release = &refJSON{ID: *d.ReleaseID, Slug: e.ReleaseSlug, Title: e.ReleaseTitle}
	}
	if g := d.GiftAid; g != nil {
		out.GiftAid = &giftAidJSON{Title: g.Title, FirstName: g.FirstName, LastName: g.LastName, House: g.House, FullName: g.FullName, HomeAddress: g.HomeAddress, Postcode: g.Postcode,
			DeclaredAt: g.DeclaredAt, WordingVersion: g.WordingVersion}
	}
	if d.ReviewedAt != nil {
		out.ReviewedBy = &reviewerJSON{ID: d.ReviewedBy, Email: d.ReviewedByEmail}
	}
	return out
}

func toListJSON(page donation.Page) listJSON {
	out := listJSON{Donations: make([]donationJSON, len(page.Entries)), Totals: make([]totalsJSON, len(page.Totals)),
		Total: page.Total}
	for i, e := range page.Entries {
		out.Donations[i] = toDonationJSON(e)
	}
	for i, t := range page.Totals {
		out.Totals[i] = totalsJSON(t)
	}
	if page.NextBeforeID != 0 {
		out.NextBefore = &page.NextBeforeID
	}
	return out
}

func toEventsJSON(events []donation.StoredEvent) []eventJSON {
	out := make([]eventJSON, len(events))
	for i, e := range events {
		out[i] = eventJSON{ID: e.ID, EventID: e.EventID, Type: e.Type, Created: e.Created, ReceivedAt: e.ReceivedAt,
			ProcessedAt: e.ProcessedAt, DonationID: e.DonationID, Payload: e.Payload}
	}
	return out
}
