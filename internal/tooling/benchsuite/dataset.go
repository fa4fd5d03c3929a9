package benchsuite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// DatasetSpec describes a petition to fill with generated signatures.
type DatasetSpec struct {
	CampaignSlug string // created when missing
	PetitionSlug string // must not exist yet
	Signatures   int64
	// ChunkSize is the rows inserted per transaction (default 1,000,000).
	ChunkSize int64
	// Progress, when set, gets a line per committed chunk.
	Progress io.Writer
}

// Dataset is a generated petition.
type Dataset struct {
	PetitionID int64         `json:"petition_id"`
	Signatures int64         `json:"signatures"`
	Took       time.Duration `json:"took_ns"`
}

// generateChunkSQL inserts signatures $5..$6 of petition $1 straight from
// generate_series (no client round trip per row), then moves the petition's
// count and tallies by exactly the rows inserted, in the same statement and
// so the same transaction: the dataset is as consistent as if every row had
// been signed through the API, and `advocacy recount` finds no drift.
// Emails are generated in sorted order, so the unique index grows at its
// right edge. Signing times spread evenly over the 30 days before $3.
const generateChunkSQL = `
WITH ins AS (
    INSERT INTO signatures (petition_id, full_name, email, postcode, country, consent_updates,
                            consent_version, source_code, created_at)
    SELECT $1, 'Supporter ' || i, 'supporter-' || lpad(i::text, 10, '0') || '@example.org',
           CASE WHEN i % 3 = 0 THEN 'SW1A 1AA' ELSE '' END,
           (ARRAY['GB','GB','GB','IE','FR','DE','US','NL'])[1 + i % 8], i % 2 = 0, $2,
           CASE i % 4 WHEN 0 THEN 'newsletter' WHEN 1 THEN 'social' ELSE '' END,
           $3::timestamptz - interval '30 days' + (i * $4::float8) * interval '1 second'
    FROM generate_series($5::bigint, $6::bigint) AS i
    RETURNING country, source_code, created_at
), tal AS (
    INSERT INTO signature_tallies (petition_id, dimension, key, signature_count)
    SELECT $1, dimension, key, count(*) FROM (
        SELECT 'day' AS dimension, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS key FROM ins
        UNION ALL SELECT 'hour', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24') FROM ins
        UNION ALL SELECT 'source', CASE WHEN source_code <> '' THEN 'code:' || source_code ELSE 'direct' END FROM ins
        UNION ALL SELECT 'country', country FROM ins
    ) x
    GROUP BY dimension, key
    ON CONFLICT (petition_id, dimension, key)
    DO UPDATE SET signature_count = signature_tallies.signature_count + EXCLUDED.signature_count
)
UPDATE petition_counts SET signature_count = signature_count + (SELECT count(*) FROM ins), updated_at = now()
WHERE petition_id = $1
RETURNING signature_count`

// GenerateDataset creates a petition (and its campaign when missing) in a
// migrated advocacy database and fills it with spec.Signatures generated
// signatures, a chunk per transaction. Foreign-key triggers are skipped
// while inserting (session_replication_role = replica, which needs a
// superuser; without one they run and it is slower): every generated row
// points at the new petition and the current consent wording, so the keys
// hold by construction.
func GenerateDataset(ctx context.Context, conn *pgx.Conn, spec DatasetSpec) (Dataset, error) {
	if spec.Signatures < 0 {
		return Dataset{}, errors.New("dataset: the number of signatures cannot be negative")
	}
	if spec.ChunkSize <= 0 {
		spec.ChunkSize = 1_000_000
	}
	start := time.Now()
	var campaignID, petitionID int64
	err := conn.QueryRow(ctx, `
		INSERT INTO campaigns (slug, title, summary, target) VALUES ($1, 'Benchmark campaign', 'Generated for benchmarks.', 'Nobody')
		ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug RETURNING id`, spec.CampaignSlug).Scan(&campaignID)
	if err != nil {
		return Dataset{}, fmt.Errorf("dataset: campaign %q: %w", spec.CampaignSlug, err)
	}
	err = conn.QueryRow(ctx, `
		INSERT INTO petitions (campaign_id, slug, title, ask, target, goal)
		VALUES ($1, $2, 'Benchmark petition', 'Generated for benchmarks.', 'Nobody', greatest($3, 1)) RETURNING id`,
		campaignID, spec.PetitionSlug, spec.Signatures).Scan(&petitionID)
	if err != nil {
		return Dataset{}, fmt.Errorf("dataset: petition %q (it must not exist yet): %w", spec.PetitionSlug, err)
	}
	var consent string
	if err := conn.QueryRow(ctx, `SELECT version FROM consent_wordings ORDER BY created_at DESC, version DESC LIMIT 1`).
		Scan(&consent); err != nil {
		return Dataset{}, fmt.Errorf("dataset: consent wording: %w", err)
	}
	var superuser bool
	if err := conn.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&superuser); err != nil {
		return Dataset{}, fmt.Errorf("dataset: %w", err)
	}
	anchor := time.Now().UTC()
	step := 0.0
	if spec.Signatures > 0 {
		step = (30 * 24 * time.Hour).Seconds() / float64(spec.Signatures)
	}
	for from := int64(1); from <= spec.Signatures; from += spec.ChunkSize {
		to := min(from+spec.ChunkSize-1, spec.Signatures)
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if superuser {
				if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
					return err
				}
			}
			var count int64
			if err := tx.QueryRow(ctx, generateChunkSQL, petitionID, consent, anchor, step, from, to).Scan(&count); err != nil {
				return err
			}
			if count != to {
				return fmt.Errorf("count is %d after row %d", count, to)
			}
			return nil
		})
		if err != nil {
			return Dataset{}, fmt.Errorf("dataset: rows %d–%d: %w", from, to, err)
		}
		if spec.Progress != nil {
			fmt.Fprintf(spec.Progress, "  dataset %s: %d of %d rows (%.0f s)\n", spec.PetitionSlug, to, spec.Signatures,
				time.Since(start).Seconds())
		}
	}
	if _, err := conn.Exec(ctx, `ANALYZE signatures`); err != nil {
		return Dataset{}, fmt.Errorf("dataset: analyze: %w", err)
	}
	return Dataset{PetitionID: petitionID, Signatures: spec.Signatures, Took: time.Since(start)}, nil
}
