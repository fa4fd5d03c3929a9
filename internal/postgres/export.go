package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
)

// DefaultExportPage is the number of signatures read per query when the
// caller does not choose.
const DefaultExportPage = 1000

// exportPageSQL reads the next page after a signature id: a range scan on
// signatures (petition_id, id), so every page costs the same however deep
// into the petition it is (keyset pagination, not OFFSET).
const exportPageSQL = `
SELECT s.id, s.petition_id, s.full_name, s.email, s.postcode, s.country, s.consent_updates, s.consent_version,
       s.source_release_id, s.source_code, s.created_at, COALESCE(r.slug, ''), s.state, s.confirmed_at,
       s.consent_withdrawn_at
FROM signatures s LEFT JOIN releases r ON r.id = s.source_release_id
WHERE s.petition_id = $1 AND s.id > $2
ORDER BY s.id
LIMIT $3`

// ExportSignatures notes the export in the audit log, then passes every
// signature of the petition to page, oldest first, pageSize at a time. Only
// one page is held in memory; the slice is reused between calls.
func (s *DeskStore) ExportSignatures(ctx context.Context, actor staff.Actor, petitionID int64, pageSize int,
	page func([]petition.ExportRow) error) error {
	if pageSize <= 0 {
		pageSize = DefaultExportPage
	}
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row petitionRow
		if err := tx.Select(petitionColumns).Joins(petitionJoin).Where("petitions.id = ?", petitionID).Take(&row).Error; err != nil {
			return notFound(err, petition.ErrNotFound)
		}
		// Reading supporters' personal data is worth a line in the log,
		// though it changes nothing.
		return writeAudit(tx, actor, staff.ActionSignaturesExport, "petition", petitionID, nil,
			map[string]any{"format": "csv", "signature_count": row.SignatureCount})
	})
	if err != nil {
		return fmt.Errorf("export petition %d: %w", petitionID, translate(err))
	}
	buf := make([]petition.ExportRow, 0, pageSize)
	var after int64
	for {
		buf, err = s.exportPage(ctx, petitionID, after, pageSize, buf[:0])
		if err != nil {
			return fmt.Errorf("export petition %d: %w", petitionID, translate(err))
		}
		if len(buf) == 0 {
			return nil
		}
		if err := page(buf); err != nil {
			return err
		}
		if len(buf) < pageSize {
			return nil
		}
		after = buf[len(buf)-1].ID
	}
}

func (s *DeskStore) exportPage(ctx context.Context, petitionID, after int64, limit int, buf []petition.ExportRow) ([]petition.ExportRow, error) {
	rows, err := s.db.sql.QueryContext(ctx, exportPageSQL, petitionID, after, limit)
	if err != nil {
		return buf, err
	}
	defer rows.Close()
	for rows.Next() {
		var r petition.ExportRow
		var source sql.NullInt64
		var confirmed, withdrawn sql.NullTime
		if err := rows.Scan(&r.ID, &r.PetitionID, &r.FullName, &r.Email, &r.Postcode, &r.Country, &r.ConsentUpdates,
			&r.ConsentVersion, &source, &r.SourceCode, &r.CreatedAt, &r.SourceReleaseSlug, &r.State, &confirmed,
			&withdrawn); err != nil {
			return buf, err
		}
		if withdrawn.Valid {
			t := withdrawn.Time.UTC()
			r.ConsentWithdrawnAt = &t
		}
		if confirmed.Valid {
			t := confirmed.Time.UTC()
			r.ConfirmedAt = &t
		}
		if source.Valid {
			id := source.Int64
			r.SourceReleaseID = &id
		}
		r.CreatedAt = r.CreatedAt.UTC()
		buf = append(buf, r)
	}
	return buf, rows.Err()
}
