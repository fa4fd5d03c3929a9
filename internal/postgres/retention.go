package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
)

// RetentionStore anonymises the signatures of petitions closed long ago.
type RetentionStore struct{ db *DB }

// Retention returns the store behind `advocacy privacy retain` and the
// daily retention job.
func (db *DB) Retention() *RetentionStore { return &RetentionStore{db: db} }

var _ petition.RetentionStore = (*RetentionStore)(nil)

// endedSQL is when petition p stopped taking signatures, NULL while it
// takes them: closed by staff (closed_at), or past its closes_at, whichever
// came first.
const endedSQL = `CASE WHEN p.status = 'closed' THEN LEAST(p.closed_at, p.closes_at)
                       WHEN p.closes_at <= now() THEN p.closes_at END`

// notRetainedSQL: the petition's signatures have not been anonymised since
// it (last) closed.
const notRetainedSQL = `(p.signatures_anonymised_at IS NULL OR p.signatures_anonymised_at < ` + endedSQL + `)`

// DueForRetention returns the petitions that closed before cutoff and were
// not anonymised since, each with its signatures that keep their details
// (counted on the partial scan of its rows that are not anonymised).
func (s *RetentionStore) DueForRetention(ctx context.Context, cutoff time.Time) ([]petition.RetentionDue, error) {
	rows, err := s.db.sql.QueryContext(ctx, `
		SELECT p.id, p.slug, `+endedSQL+` AS ended,
		       (SELECT count(*) FROM signatures s WHERE s.petition_id = p.id AND s.anonymised_at IS NULL)
		FROM petitions p
		WHERE `+endedSQL+` < $1 AND `+notRetainedSQL+`
		ORDER BY ended, p.id`, cutoff)
	if err != nil {
		return nil, fmt.Errorf("petitions due for retention: %w", translate(err))
	}
	defer rows.Close()
	var out []petition.RetentionDue
	for rows.Next() {
		var d petition.RetentionDue
		if err := rows.Scan(&d.PetitionID, &d.Slug, &d.ClosedAt, &d.Signatures); err != nil {
			return nil, fmt.Errorf("petitions due for retention: %w", translate(err))
		}
		d.ClosedAt = d.ClosedAt.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("petitions due for retention: %w", translate(err))
	}
	return out, nil
}

// anonymiseSignatureSQL is the SET list that anonymises a signature s, for
// retention and erasure alike: the signer's name, email and postcode and
// the keyed hashes of where they signed from go. The email becomes
// 'erased-<id>@invalid', which keeps the schema's rules (lower case, unique
// per petition) and which no signer can type.
const anonymiseSignatureSQL = `full_name = '', email = 'erased-' || s.id || '@invalid', postcode = '', anonymised_at = now(),
        address_hash = NULL, network_hash = NULL`

// anonymiseBatchSQL anonymises the next batch of a petition's signatures
// after an id, in id order along signatures (petition_id, id), and returns
// how many it changed and the last id: keyset pagination, so every batch
// costs the same however far into the petition it is, and nothing comes
// back to the program but two numbers. FOR UPDATE takes the rows in id
// order, as the confirmer does, and a row another run anonymised while this
// one waited for it is skipped (its WHERE is checked again).
const anonymiseBatchSQL = `
WITH batch AS (
    SELECT id FROM signatures
    WHERE petition_id = $1 AND id > $2 AND anonymised_at IS NULL
    ORDER BY id LIMIT $3
    FOR UPDATE),
done AS (
    UPDATE signatures s
    SET ` + anonymiseSignatureSQL + `
    FROM batch WHERE s.id = batch.id AND s.anonymised_at IS NULL
    RETURNING s.id)
SELECT count(*), coalesce(max(id), 0) FROM done`

// AnonymiseSignatures anonymises the petition's signatures batch at a
// time, each batch a transaction of its own, then notes the petition done.
func (s *RetentionStore) AnonymiseSignatures(ctx context.Context, petitionID int64, batch int) (int64, error) {
	if batch <= 0 {
		batch = petition.RetentionBatch
	}
	var total, after int64
	for {
		var n, last int64
		if err := s.db.sql.QueryRowContext(ctx, anonymiseBatchSQL, petitionID, after, batch).Scan(&n, &last); err != nil {
			return total, fmt.Errorf("anonymise signatures of petition %d: %w", petitionID, translate(err))
		}
		total += n
		if n < int64(batch) {
			break
		}
		after = last
	}
	if _, err := s.db.sql.ExecContext(ctx, `UPDATE petitions SET signatures_anonymised_at = now() WHERE id = $1`,
		petitionID); err != nil {
		return total, fmt.Errorf("anonymise signatures of petition %d: %w", petitionID, translate(err))
	}
	return total, nil
}

// NextForRetention returns the petition, holding signatures with their
// details, that is closed or due to close (closes_at) at or after cutoff,
// the earliest first, with its count of signatures (counted and pending).
func (s *RetentionStore) NextForRetention(ctx context.Context, cutoff time.Time) (petition.RetentionDue, bool, error) {
	var d petition.RetentionDue
	err := s.db.sql.QueryRowContext(ctx, `
		SELECT p.id, p.slug, e.closes, c.signature_count + c.pending_count
		FROM petitions p
		JOIN petition_counts c ON c.petition_id = p.id
		CROSS JOIN LATERAL (SELECT CASE WHEN p.status = 'closed' THEN LEAST(p.closed_at, p.closes_at)
		                                ELSE p.closes_at END AS closes) e
		WHERE e.closes >= $1 AND c.signature_count + c.pending_count > 0
		  AND (p.signatures_anonymised_at IS NULL OR p.signatures_anonymised_at < e.closes)
		ORDER BY e.closes, p.id
		LIMIT 1`, cutoff).Scan(&d.PetitionID, &d.Slug, &d.ClosedAt, &d.Signatures)
	if errors.Is(err, sql.ErrNoRows) {
		return petition.RetentionDue{}, false, nil
	}
	if err != nil {
		return petition.RetentionDue{}, false, fmt.Errorf("next petition for retention: %w", translate(err))
	}
	d.ClosedAt = d.ClosedAt.UTC()
	return d, true, nil
}
