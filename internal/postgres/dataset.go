package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// GenerateOptions tune GenerateSignatures. The zero value is sensible.
type GenerateOptions struct {
	// ChunkSize is the rows inserted per transaction (default 1,000,000).
	// It bounds the work, and the server's spill of the returned rows, that
	// one transaction holds.
	ChunkSize int64
	// Until is the end of the 30 days the signing times spread evenly over
	// (default now).
	Until time.Time
	// Progress, when set, is called after each committed chunk with the
	// number of signatures generated so far.
	Progress func(done int64)
}

// generateChunkSQL inserts signatures $5..$6 of petition $1 straight from
// generate_series (no client round trip per row), then moves the petition's
// count and tallies by exactly the rows inserted, in the same statement and
// so the same transaction, through the tally definition the signer uses: the
// data is as consistent as if every row had been signed, and Recount finds no
// drift. Emails are generated in sorted order, so the unique index grows at
// its right edge. Signing times spread evenly over the 30 days before $3.
var generateChunkSQL = `
WITH ins AS (
    INSERT INTO signatures (petition_id, full_name, email, postcode, country, consent_updates,
                            consent_version, source_code, created_at)
    SELECT $1, 'Supporter ' || i, 'supporter-' || lpad(i::text, 10, '0') || '@example.org',
           CASE WHEN i % 3 = 0 THEN 'SW1A 1AA' ELSE '' END,
           (ARRAY['GB','GB','GB','IE','FR','DE','US','NL'])[1 + i % 8], i % 2 = 0, $2,
           CASE i % 4 WHEN 0 THEN 'newsletter' WHEN 1 THEN 'social' ELSE '' END,
           $3::timestamptz - interval '30 days' + (i * $4::float8) * interval '1 second'
    FROM generate_series($5::bigint, $6::bigint) AS i
    RETURNING petition_id, created_at, country, source_release_id, source_code, consent_updates
), tal AS (` + addTalliesSQL("ins") + `
)
UPDATE petition_counts SET signature_count = signature_count + (SELECT count(*) FROM ins), updated_at = now()
WHERE petition_id = $1
RETURNING signature_count`

// GenerateSignatures fills petition petitionID, which must exist and have no
// signatures yet (generated addresses are numbered from 1), with n synthetic
// signatures for benchmarks and load tests, a chunk per transaction. Its
// count and tallies stay exact at every commit.
//
// Foreign-key triggers are skipped while inserting (session_replication_role
// = replica, which needs a superuser; without one they run and it is slower):
// the petition and the current consent wording every row points at are
// checked first, so the keys hold by construction.
func (db *DB) GenerateSignatures(ctx context.Context, petitionID, n int64, opts GenerateOptions) error {
	if n < 0 {
		return errors.New("generate signatures: the number of signatures cannot be negative")
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 1_000_000
	}
	if opts.Until.IsZero() {
		opts.Until = time.Now()
	}
	p, err := db.Petitions().PetitionByID(ctx, petitionID)
	if err != nil {
		return fmt.Errorf("generate signatures: %w", err)
	}
	if p.SignatureCount != 0 {
		return fmt.Errorf("generate signatures: petition %d already has %d signatures", petitionID, p.SignatureCount)
	}
	consent, err := db.Petitions().CurrentConsent(ctx)
	if err != nil {
		return fmt.Errorf("generate signatures: %w", err)
	}
	var superuser bool
	if err := db.sql.QueryRowContext(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).
		Scan(&superuser); err != nil {
		return fmt.Errorf("generate signatures: %w", translate(err))
	}
	until := opts.Until.UTC()
	step := 0.0
	if n > 0 {
		step = (30 * 24 * time.Hour).Seconds() / float64(n)
	}
	for from := int64(1); from <= n; from += opts.ChunkSize {
		to := min(from+opts.ChunkSize-1, n)
		if err := db.generateChunk(ctx, petitionID, consent.Version, until, step, from, to, superuser); err != nil {
			return fmt.Errorf("generate signatures %d–%d of petition %d: %w", from, to, petitionID, translate(err))
		}
		if opts.Progress != nil {
			opts.Progress(to)
		}
	}
	// Fresh statistics, so the first reads of the new rows are planned for them.
	if err := db.gorm.WithContext(ctx).Exec(`ANALYZE signatures`).Error; err != nil {
		return fmt.Errorf("generate signatures: analyze: %w", translate(err))
	}
	return nil
}

// generateChunk commits signatures from..to in one transaction, refusing it
// if the count does not come out at to: someone else signed meanwhile.
func (db *DB) generateChunk(ctx context.Context, petitionID int64, consent string, until time.Time, step float64,
	from, to int64, skipForeignKeys bool) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if skipForeignKeys {
		if _, err := tx.ExecContext(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
	}
	var count int64
	err = tx.QueryRowContext(ctx, generateChunkSQL, petitionID, consent, until, step, from, to).Scan(&count)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("petition %d has no count row (run a recount)", petitionID)
	}
	if err != nil {
		return err
	}
	if count != to {
		return fmt.Errorf("count is %d after row %d: the petition was signed meanwhile", count, to)
	}
	return tx.Commit()
}
