package donation

import (
	"context"
	"fmt"
	"time"
)

// DefaultGiftAidRetentionYears is how long HMRC requires a charity to keep
// a Gift Aid declaration and the donor's address: six years after the
// donation it covers (longer only while a claim is under enquiry).
const DefaultGiftAidRetentionYears = 6

// RetentionBatch is how many donations retention erases per transaction.
const RetentionBatch = 1_000

// RetentionStore erases the donor details of old donations.
type RetentionStore interface {
	// DonationsDue counts the donations made before cutoff (paid, or
	// created when never paid) that still hold donor details.
	DonationsDue(ctx context.Context, cutoff time.Time) (int64, error)
	// EraseDonorDetails empties the donor's name and email and a Gift Aid
	// declaration's name, home address and postcode of every donation
	// made before cutoff, batch at a time, keeping amounts, dates and
	// states, and blanks the payloads of their Stripe events (which hold
	// the same details). Returns how many donations it erased.
	EraseDonorDetails(ctx context.Context, cutoff time.Time, batch int) (int64, error)
	// NextDonationDue returns when the oldest donation made at or after
	// cutoff that holds donor details was made; false when there is none.
	NextDonationDue(ctx context.Context, cutoff time.Time) (time.Time, bool, error)
}

// RetentionReport is what a run did, or in a dry run would do.
type RetentionReport struct {
	DryRun bool
	Years  int
	// Cutoff: donations made before it are due.
	Cutoff time.Time
	// Erased is how many donations lost (or would lose) donor details.
	Erased int64
	// NextAt is when the next donation comes due; zero when none will.
	NextAt time.Time
}

// Retention keeps donors' details for as long as the law requires, then
// erases them; the amounts stay for the books.
type Retention struct {
	store RetentionStore
	years int
	now   func() time.Time
}

// NewRetention returns retention over store for donations made more than
// years ago.
func NewRetention(store RetentionStore, years int) *Retention {
	if years <= 0 {
		years = DefaultGiftAidRetentionYears
	}
	return &Retention{store: store, years: years, now: time.Now}
}

// Run erases the donor details of every donation due (in a dry run, counts
// them) and says when the next comes due.
func (r *Retention) Run(ctx context.Context, dryRun bool) (RetentionReport, error) {
	rep := RetentionReport{DryRun: dryRun, Years: r.years, Cutoff: r.now().UTC().AddDate(-r.years, 0, 0)}
	var err error
	if dryRun {
		rep.Erased, err = r.store.DonationsDue(ctx, rep.Cutoff)
	} else {
		rep.Erased, err = r.store.EraseDonorDetails(ctx, rep.Cutoff, RetentionBatch)
	}
	if err != nil {
		return rep, fmt.Errorf("donation retention: %w", err)
	}
	next, ok, err := r.store.NextDonationDue(ctx, rep.Cutoff)
	if err != nil {
		return rep, fmt.Errorf("donation retention: %w", err)
	}
	if ok {
		rep.NextAt = next.AddDate(r.years, 0, 0)
	}
	return rep, nil
}
