package donation

import (
	"context"
	"time"
)

// Fees is what the payment gateway kept of one payment and what it left,
// from the payment's balance transaction. Currency is the balance's, which
// may differ from the donation's.
type Fees struct {
	BalanceTransactionID string
	Currency             string
	Fee                  int64 // minor units of Currency
	Net                  int64 // minor units of Currency
}

// Payout is a transfer from the gateway's balance to the organisation's
// bank account.
type Payout struct {
	ID          int64  // ours; 0 before it is stored
	PayoutID    string // the gateway's (po_…)
	Amount      int64  // minor units of Currency
	Currency    string // ISO 4217
	Status      string // the gateway's: paid, failed…
	ArrivalDate time.Time
	Created     time.Time
	Livemode    bool
}

// PayoutLine is one balance transaction a payout paid out: a payment, a
// refund, a fee…
type PayoutLine struct {
	BalanceTransactionID string
	Type                 string // the gateway's: charge, payment, refund…
	SourceID             string // the charge (ch_…) or refund it moved, when any
	Currency             string
	Amount, Fee, Net     int64 // minor units of Currency
}

// PayoutSummary is a payout with the donations it paid out, summed.
type PayoutSummary struct {
	Payout
	Donations int64 // donations linked to it
	Gross     int64 // their amounts, in the balance currency when it is the donations'
	Fees      int64 // their fees, in Payout.Currency
	Net       int64 // their nets, in Payout.Currency
	// Other is what the payout holds besides these donations' nets
	// (refunds, disputes, adjustments, payments we do not know): Amount - Net.
	Other int64
}

// Ledger reads the gateway's books.
type Ledger interface {
	// PaymentFees returns the fees of the payment taken through a payment
	// intent. Errors wrap ErrGateway.
	PaymentFees(ctx context.Context, paymentIntentID string) (Fees, error)
	// PayoutLines returns every balance transaction a payout paid out.
	// Errors wrap ErrGateway.
	PayoutLines(ctx context.Context, payoutID string) ([]PayoutLine, error)
}

// PayoutStore keeps payouts and links them to donations.
type PayoutStore interface {
	// RecordFees records a payment's fees on the donation paid through
	// paymentIntentID. A donation it does not find is no error.
	RecordFees(ctx context.Context, paymentIntentID string, f Fees) error
	// RecordPayout stores the payout (again, if it was: its status may have
	// moved) and links the donations its lines paid out, matched by balance
	// transaction or by charge, recording each one's fee and net from its
	// line. It returns how many donations it linked.
	RecordPayout(ctx context.Context, p Payout, lines []PayoutLine) (int, error)
	// Payouts returns the most recent payouts, by arrival date, with their
	// donations summed.
	Payouts(ctx context.Context, limit int) ([]PayoutSummary, error)
	// Payout returns one payout with its donations, oldest first. Returns
	// ErrNotFound for an unknown id.
	Payout(ctx context.Context, id int64) (PayoutSummary, []Entry, error)
}
