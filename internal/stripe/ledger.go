package stripe

import (
	"context"
	"fmt"
	"strings"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/advocacy/advocacy/internal/donation"
)

var _ donation.Ledger = (*Gateway)(nil)

// PaymentFees reads the fee and net of the payment taken through a payment
// intent: its latest charge's balance transaction, expanded in one request.
// Errors wrap donation.ErrGateway, including a payment with no charge or no
// balance transaction yet.
func (g *Gateway) PaymentFees(ctx context.Context, paymentIntentID string) (donation.Fees, error) {
	params := &stripego.PaymentIntentParams{}
	params.Context = ctx
	params.AddExpand("latest_charge.balance_transaction")
	pi, err := g.api.PaymentIntents.Get(paymentIntentID, params)
	if err != nil {
		return donation.Fees{}, fmt.Errorf("%w: payment intent %s: %w", donation.ErrGateway, paymentIntentID, describe(err))
	}
	if pi.LatestCharge == nil || pi.LatestCharge.BalanceTransaction == nil || pi.LatestCharge.BalanceTransaction.ID == "" {
		return donation.Fees{}, fmt.Errorf("%w: payment intent %s has no balance transaction yet", donation.ErrGateway, paymentIntentID)
	}
	bt := pi.LatestCharge.BalanceTransaction
	return donation.Fees{BalanceTransactionID: bt.ID, Currency: strings.ToUpper(string(bt.Currency)), Fee: bt.Fee, Net: bt.Net}, nil
}

// PayoutLines lists every balance transaction payout paid out, page by
// page, leaving out the payout's own. Errors wrap donation.ErrGateway.
func (g *Gateway) PayoutLines(ctx context.Context, payoutID string) ([]donation.PayoutLine, error) {
	params := &stripego.BalanceTransactionListParams{Payout: stripego.String(payoutID)}
	params.Context = ctx
	params.Limit = stripego.Int64(100)
	var out []donation.PayoutLine
	it := g.api.BalanceTransactions.List(params)
	for it.Next() {
		bt := it.BalanceTransaction()
		if bt.Type == stripego.BalanceTransactionTypePayout {
			continue
		}
		line := donation.PayoutLine{BalanceTransactionID: bt.ID, Type: string(bt.Type),
			Currency: strings.ToUpper(string(bt.Currency)), Amount: bt.Amount, Fee: bt.Fee, Net: bt.Net}
		if bt.Source != nil {
			line.SourceID = bt.Source.ID
		}
		out = append(out, line)
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("%w: balance transactions of payout %s: %w", donation.ErrGateway, payoutID, describe(err))
	}
	return out, nil
}
