package postgres

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Drift is a petition whose stored count or tallies disagreed with its rows.
type Drift struct {
	PetitionID   int64
	Stored       int64 // the count before the recount
	Actual       int64 // the number of counted signature rows
	TallyChanges int64 // tally rows that were wrong, missing or extra
	// PendingStored and PendingActual are the signatures awaiting
	// confirmation, as kept beside the count and as in the rows.
	PendingStored, PendingActual int64
	// ConfirmedStored and ConfirmedActual are the signatures counted by
	// confirmation, likewise.
	ConfirmedStored, ConfirmedActual int64
}

// Drifted reports whether anything stored disagreed with the rows.
func (d Drift) Drifted() bool {
	return d.Stored != d.Actual || d.TallyChanges != 0 || d.PendingStored != d.PendingActual ||
		d.ConfirmedStored != d.ConfirmedActual
}

// Recount recomputes every petition's count and tallies from the signature
// rows, fixes any that differ, and returns the petitions that drifted. Each
// petition is fixed in its own transaction that first locks its count row, so
// signing can go on meanwhile: batches for that petition wait a moment.
func (db *DB) Recount(ctx context.Context) ([]Drift, error) {
	var ids []int64
	if err := db.gorm.WithContext(ctx).Table("petitions").Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("recount: %w", translate(err))
	}
	var drifts []Drift
	for _, id := range ids {
		d, err := db.recountPetition(ctx, id)
		if err != nil {
			return drifts, fmt.Errorf("recount petition %d: %w", id, translate(err))
		}
		if d.Drifted() {
			drifts = append(drifts, d)
		}
	}
	return drifts, nil
}

// expectedTalliesSQL is what petition @id's tallies should be, from its
// counted rows.
var expectedTalliesSQL = tallySQL(`(SELECT * FROM signatures WHERE petition_id = @id AND state = 'counted')`)

func (db *DB) recountPetition(ctx context.Context, id int64) (Drift, error) {
	d := Drift{PetitionID: id}
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A count row lost by hand is put back, or the petition could be
		// neither read nor counted again.
		if err := tx.Exec(`INSERT INTO petition_counts (petition_id) VALUES (?) ON CONFLICT DO NOTHING`, id).Error; err != nil {
			return err
		}
		// Locking the count row first makes the recount wait for batches in
		// flight and keeps new ones out until it commits.
		if err := tx.Raw(`SELECT signature_count, pending_count, confirmed_count FROM petition_counts
				WHERE petition_id = ? FOR UPDATE`, id).Row().Scan(&d.Stored, &d.PendingStored, &d.ConfirmedStored); err != nil {
			return err
		}
		if err := tx.Raw(`SELECT count(*) FILTER (WHERE state = 'counted'), count(*) FILTER (WHERE state = 'pending'),
				count(*) FILTER (WHERE state = 'counted' AND confirmed_at IS NOT NULL)
				FROM signatures WHERE petition_id = ?`, id).Row().Scan(&d.Actual, &d.PendingActual, &d.ConfirmedActual); err != nil {
			return err
		}
		if d.Stored != d.Actual || d.PendingStored != d.PendingActual || d.ConfirmedStored != d.ConfirmedActual {
			if err := tx.Exec(`UPDATE petition_counts SET signature_count = ?, pending_count = ?, confirmed_count = ?,
					updated_at = now() WHERE petition_id = ?`, d.Actual, d.PendingActual, d.ConfirmedActual, id).Error; err != nil {
				return err
			}
		}
		type tally struct {
			Dimension      string
			Key            string
			SignatureCount int64
		}
		var want, have []tally
		if err := tx.Raw(expectedTalliesSQL, map[string]any{"id": id}).Scan(&want).Error; err != nil {
			return err
		}
		if err := tx.Raw(`SELECT dimension, key, signature_count FROM signature_tallies WHERE petition_id = ?`, id).
			Scan(&have).Error; err != nil {
			return err
		}
		// A tally row is one change whether its count is wrong, or it is
		// missing, or it should not be there.
		type tallyKey struct{ dimension, key string }
		wantCounts := make(map[tallyKey]int64, len(want))
		for _, t := range want {
			wantCounts[tallyKey{t.Dimension, t.Key}] = t.SignatureCount
		}
		haveCounts := make(map[tallyKey]int64, len(have))
		for _, t := range have {
			k := tallyKey{t.Dimension, t.Key}
			haveCounts[k] = t.SignatureCount
			if n, ok := wantCounts[k]; !ok || n != t.SignatureCount {
				d.TallyChanges++
			}
		}
		for k := range wantCounts {
			if _, ok := haveCounts[k]; !ok {
				d.TallyChanges++
			}
		}
		if d.TallyChanges == 0 {
			return nil
		}
		if err := tx.Exec(`DELETE FROM signature_tallies WHERE petition_id = ?`, id).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO signature_tallies (petition_id, dimension, key, signature_count)`+expectedTalliesSQL,
			map[string]any{"id": id}).Error
	})
	return d, err
}
