package postgres

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/advocacy/advocacy/internal/donation"
)

// payoutRow mirrors the payouts table.
type payoutRow struct {
	ID          int64 `gorm:"primaryKey"`
	PayoutID    string
	Amount      int64
	Currency    string
	Status      string
	ArrivalDate time.Time
	Created     time.Time
	Livemode    bool
	ReceivedAt  time.Time `gorm:"default:now()"`
	UpdatedAt   time.Time `gorm:"default:now()"`
}

func (payoutRow) TableName() string { return "payouts" }

func (r payoutRow) domain() donation.Payout {
	return donation.Payout{ID: r.ID, PayoutID: r.PayoutID, Amount: r.Amount, Currency: r.Currency, Status: r.Status,
		ArrivalDate: r.ArrivalDate.UTC(), Created: r.Created.UTC(), Livemode: r.Livemode}
}

// RecordFees records a payment's fees on the donation paid through
// paymentIntentID, unless a payout has already recorded them.
func (s *DonationStore) RecordFees(ctx context.Context, paymentIntentID string, f donation.Fees) error {
	err := s.db.gorm.WithContext(ctx).Model(&donationRow{}).
		Where("payment_intent_id = ? AND payout_id IS NULL", paymentIntentID).
		Updates(map[string]any{"balance_transaction_id": f.BalanceTransactionID, "stripe_fee": f.Fee, "stripe_net": f.Net,
			"fee_currency": f.Currency, "updated_at": gorm.Expr("now()")}).Error
	if err != nil {
		return fmt.Errorf("record fees of %s: %w", paymentIntentID, translate(err))
	}
	return nil
}

// RecordPayout stores p (updating its status and amounts when it is known)
// and links the donations its lines paid out, in one transaction. A line
// finds its donation by balance transaction, else by charge; it records the
// line's fee and net on it.
func (s *DonationStore) RecordPayout(ctx context.Context, p donation.Payout, lines []donation.PayoutLine) (int, error) {
	linked := 0
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := payoutRow{PayoutID: p.PayoutID, Amount: p.Amount, Currency: p.Currency, Status: p.Status,
			ArrivalDate: p.ArrivalDate.UTC(), Created: p.Created.UTC(), Livemode: p.Livemode}
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "payout_id"}},
			DoUpdates: clause.Assignments(map[string]any{"amount": p.Amount, "currency": p.Currency, "status": p.Status,
				"arrival_date": p.ArrivalDate.UTC(), "updated_at": gorm.Expr("now()")})}).Create(&row).Error
		if err != nil {
			return err
		}
		if err := tx.Where("payout_id = ?", p.PayoutID).Take(&row).Error; err != nil {
			return err
		}
		for _, l := range lines {
			if l.BalanceTransactionID == "" {
				continue
			}
			res := tx.Model(&donationRow{}).Where("balance_transaction_id = ? OR (? <> '' AND charge_id = ? AND balance_transaction_id IS NULL)",
				l.BalanceTransactionID, l.SourceID, l.SourceID).Updates(map[string]any{
				"payout_id": row.ID, "balance_transaction_id": l.BalanceTransactionID, "stripe_fee": l.Fee,
				"stripe_net": l.Net, "fee_currency": l.Currency, "updated_at": gorm.Expr("now()")})
			if res.Error != nil {
				return res.Error
			}
			linked += int(res.RowsAffected)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("record payout %s: %w", p.PayoutID, translate(err))
	}
	return linked, nil
}

// payoutSummaries selects payouts with their donations summed.
func (s *DonationStore) payoutSummaries(ctx context.Context) *gorm.DB {
	return s.db.gorm.WithContext(ctx).Table("payouts p").
		Select("p.*, count(d.id) AS donations, coalesce(sum(d.amount), 0) AS gross, " +
			"coalesce(sum(d.stripe_fee), 0) AS fees, coalesce(sum(d.stripe_net), 0) AS net").
		Joins("LEFT JOIN donations d ON d.payout_id = p.id").Group("p.id")
}

// payoutSummaryRow is a payout with its donations summed.
type payoutSummaryRow struct {
	Row       payoutRow `gorm:"embedded"`
	Donations int64
	Gross     int64
	Fees      int64
	Net       int64
}

func (r payoutSummaryRow) domain() donation.PayoutSummary {
	return donation.PayoutSummary{Payout: r.Row.domain(), Donations: r.Donations, Gross: r.Gross, Fees: r.Fees,
		Net: r.Net, Other: r.Row.Amount - r.Net}
}

// Payouts returns up to limit payouts, latest arrival first, with their
// donations summed.
func (s *DonationStore) Payouts(ctx context.Context, limit int) ([]donation.PayoutSummary, error) {
	var rows []payoutSummaryRow
	if err := s.payoutSummaries(ctx).Order("p.arrival_date DESC, p.id DESC").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("payouts: %w", translate(err))
	}
	out := make([]donation.PayoutSummary, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Payout returns payout id with its donations, oldest first. Returns
// donation.ErrNotFound for an unknown id.
func (s *DonationStore) Payout(ctx context.Context, id int64) (donation.PayoutSummary, []donation.Entry, error) {
	var row payoutSummaryRow
	if err := s.payoutSummaries(ctx).Where("p.id = ?", id).Take(&row).Error; err != nil {
		return donation.PayoutSummary{}, nil, fmt.Errorf("payout %d: %w", id, notFound(err, donation.ErrNotFound))
	}
	var rows []entryRow
	if err := s.entries(ctx).Where("donations.payout_id = ?", id).Order("donations.id").Find(&rows).Error; err != nil {
		return donation.PayoutSummary{}, nil, fmt.Errorf("donations of payout %d: %w", id, translate(err))
	}
	entries := make([]donation.Entry, len(rows))
	for i, r := range rows {
		entries[i] = r.domain()
	}
	return row.domain(), entries, nil
}
