package petition

import (
	"context"
	"fmt"
	"time"
)

// RetentionBatch is how many signatures retention anonymises per
// transaction: enough that a million rows take a hundred commits, few
// enough that each holds its row locks (against a confirmation of the same
// rows, say) for a moment only.
const RetentionBatch = 10_000

// RetentionDue is a petition whose signatures retention anonymises, has
// anonymised, or will next.
type RetentionDue struct {
	PetitionID int64
	Slug       string
	// ClosedAt is when the petition closed (or, for the next one, closes).
	ClosedAt time.Time
	// Signatures is how many of its signatures keep their signers' details
	// (in a dry run, and for the next petition) or were anonymised.
	Signatures int64
}

// RetentionStore finds the petitions due and anonymises their signatures.
type RetentionStore interface {
	// DueForRetention returns the petitions that closed before cutoff and
	// whose signatures have not been anonymised since, oldest closing
	// first, each with the number of its signatures that keep their
	// details.
	DueForRetention(ctx context.Context, cutoff time.Time) ([]RetentionDue, error)
	// AnonymiseSignatures empties the name and postcode and replaces the
	// email of every signature of the petition that keeps them, batch
	// rows per transaction, keeping everything counted (country, source,
	// state, times), then notes the petition as done. Returns how many it
	// anonymised.
	AnonymiseSignatures(ctx context.Context, petitionID int64, batch int) (int64, error)
	// NextForRetention returns the petition holding signatures with
	// details that passes cutoff next: closed, or due to close, at or
	// after it, the earliest first; false when there is none.
	NextForRetention(ctx context.Context, cutoff time.Time) (RetentionDue, bool, error)
}

// RetentionReport is what a run of retention did, or in a dry run would
// do, and what comes next.
type RetentionReport struct {
	DryRun bool
	Days   int
	// Cutoff: petitions closed before it are due.
	Cutoff time.Time
	// Petitions are those anonymised (or, in a dry run, due), with their
	// signatures' number.
	Petitions []RetentionDue
	// Next is the petition to pass the limit next, at NextAt; nil when no
	// petition holding signers' details is closed or due to close.
	Next   *RetentionDue
	NextAt time.Time
}

// Anonymised is the number of signatures the run anonymised (or would).
func (r RetentionReport) Anonymised() int64 {
	var n int64
	for _, p := range r.Petitions {
		n += p.Signatures
	}
	return n
}

// Retention keeps signers' personal details no longer than needed: the
// signatures of a petition closed more than a number of days ago lose
// their names, emails and postcodes. What they are counted by stays, so
// counts, tallies and dashboards do not change.
type Retention struct {
	store RetentionStore
	days  int
	batch int
	now   func() time.Time
}

// NewRetention returns retention over store for petitions closed more than
// days ago.
func NewRetention(store RetentionStore, days int) *Retention {
	return &Retention{store: store, days: days, batch: RetentionBatch, now: time.Now}
}

// Run anonymises the signatures of every petition due (in a dry run, only
// finds them and counts their signatures) and reports them and the next
// petition to come due. Each petition is finished before the next is
// started; a run stopped half-way leaves whole batches done, and the next
// run carries on.
func (r *Retention) Run(ctx context.Context, dryRun bool) (RetentionReport, error) {
	rep := RetentionReport{DryRun: dryRun, Days: r.days, Cutoff: r.now().UTC().AddDate(0, 0, -r.days)}
	due, err := r.store.DueForRetention(ctx, rep.Cutoff)
	if err != nil {
		return rep, fmt.Errorf("retention: %w", err)
	}
	for _, p := range due {
		if !dryRun {
			if p.Signatures, err = r.store.AnonymiseSignatures(ctx, p.PetitionID, r.batch); err != nil {
				return rep, fmt.Errorf("retention: petition %d: %w", p.PetitionID, err)
			}
		}
		rep.Petitions = append(rep.Petitions, p)
	}
	next, ok, err := r.store.NextForRetention(ctx, rep.Cutoff)
	if err != nil {
		return rep, fmt.Errorf("retention: %w", err)
	}
	if ok {
		rep.Next, rep.NextAt = &next, next.ClosedAt.AddDate(0, 0, r.days)
	}
	return rep, nil
}
