package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/trust"
)

// TrustStore implements trust.Store: the rules, the review of a
// petition's signatures, and the actions on its clusters.
type TrustStore struct{ db *DB }

// Trust returns the trust store.
func (db *DB) Trust() *TrustStore { return &TrustStore{db: db} }

var _ trust.Store = (*TrustStore)(nil)

// Audit actions of the trust rules.
const (
	ActionTrustSettings   = "trust.settings"
	ActionTrustInvalidate = "trust.invalidate"
	ActionTrustCount      = "trust.count"
)

// trustSettingsJSON is the settings row as one JSON value: the lists are
// text arrays, read and written as JSON.
type trustSettingsJSON struct {
	AddressBurst     int       `json:"address_burst"`
	AddressSustained int       `json:"address_sustained"`
	NetworkBurst     int       `json:"network_burst"`
	NetworkSustained int       `json:"network_sustained"`
	DomainBurst      int       `json:"domain_burst"`
	DomainSustained  int       `json:"domain_sustained"`
	TrustedAddresses []string  `json:"trusted_addresses"`
	HeldAddresses    []string  `json:"held_addresses"`
	TrustedDomains   []string  `json:"trusted_domains"`
	HeldDomains      []string  `json:"held_domains"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func (r trustSettingsJSON) domain() trust.Settings {
	return trust.Settings{
		Address:          trust.Rate{Burst: r.AddressBurst, Sustained: r.AddressSustained},
		Network:          trust.Rate{Burst: r.NetworkBurst, Sustained: r.NetworkSustained},
		Domain:           trust.Rate{Burst: r.DomainBurst, Sustained: r.DomainSustained},
		TrustedAddresses: nonNil(r.TrustedAddresses), HeldAddresses: nonNil(r.HeldAddresses),
		TrustedDomains: nonNil(r.TrustedDomains), HeldDomains: nonNil(r.HeldDomains), UpdatedAt: r.UpdatedAt,
	}
}

func toTrustSettingsJSON(s trust.Settings) trustSettingsJSON {
	return trustSettingsJSON{AddressBurst: s.Address.Burst, AddressSustained: s.Address.Sustained,
		NetworkBurst: s.Network.Burst, NetworkSustained: s.Network.Sustained,
		DomainBurst: s.Domain.Burst, DomainSustained: s.Domain.Sustained,
		TrustedAddresses: nonNil(s.TrustedAddresses), HeldAddresses: nonNil(s.HeldAddresses),
		TrustedDomains: nonNil(s.TrustedDomains), HeldDomains: nonNil(s.HeldDomains), UpdatedAt: s.UpdatedAt}
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

const trustSettingsSQL = `SELECT row_to_json(t)::text FROM (
    SELECT address_burst, address_sustained, network_burst, network_sustained, domain_burst, domain_sustained,
           trusted_addresses, held_addresses, trusted_domains, held_domains, updated_at
    FROM trust_settings) t`

// TrustSettings implements trust.SettingsStore.
func (s *TrustStore) TrustSettings(ctx context.Context) (trust.Settings, error) {
	var raw string
	if err := s.db.sql.QueryRowContext(ctx, trustSettingsSQL).Scan(&raw); err != nil {
		return trust.Settings{}, fmt.Errorf("trust settings: %w", translate(err))
	}
	var row trustSettingsJSON
	if err := json.Unmarshal([]byte(raw), &row); err != nil {
		return trust.Settings{}, fmt.Errorf("trust settings: %w", err)
	}
	return row.domain(), nil
}

// SaveTrustSettings implements trust.SettingsStore: the row and its audit
// row (before and after) in one transaction.
func (s *TrustStore) SaveTrustSettings(ctx context.Context, actor staff.Actor, in trust.Settings) (trust.Settings, error) {
	var before, after trustSettingsJSON
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var raw string
		if err := tx.Raw(trustSettingsSQL + ` FOR UPDATE`).Row().Scan(&raw); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(raw), &before); err != nil {
			return err
		}
		row := toTrustSettingsJSON(in)
		lists, err := json.Marshal([][]string{row.TrustedAddresses, row.HeldAddresses, row.TrustedDomains, row.HeldDomains})
		if err != nil {
			return err
		}
		err = tx.Exec(`UPDATE trust_settings SET address_burst = ?, address_sustained = ?, network_burst = ?,
				network_sustained = ?, domain_burst = ?, domain_sustained = ?,
				trusted_addresses = ARRAY(SELECT jsonb_array_elements_text(?::jsonb -> 0)),
				held_addresses = ARRAY(SELECT jsonb_array_elements_text(?::jsonb -> 1)),
				trusted_domains = ARRAY(SELECT jsonb_array_elements_text(?::jsonb -> 2)),
				held_domains = ARRAY(SELECT jsonb_array_elements_text(?::jsonb -> 3)),
				updated_at = clock_timestamp()`,
			row.AddressBurst, row.AddressSustained, row.NetworkBurst, row.NetworkSustained, row.DomainBurst,
			row.DomainSustained, string(lists), string(lists), string(lists), string(lists)).Error
		if err != nil {
			return err
		}
		if err := tx.Raw(trustSettingsSQL).Row().Scan(&raw); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(raw), &after); err != nil {
			return err
		}
		return writeAudit(tx, actor, ActionTrustSettings, "trust_settings", 0, before, after)
	})
	if err != nil {
		return trust.Settings{}, fmt.Errorf("save trust settings: %w", translate(err))
	}
	return after.domain(), nil
}

// PruneTrustCounters deletes the rules' counters idle for two hours or
// more: they count nothing any more. Returns how many it deleted.
func (db *DB) PruneTrustCounters(ctx context.Context) (int64, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM trust_counters WHERE hour_start < now() - interval '2 hours'`)
	if err != nil {
		return 0, fmt.Errorf("prune trust counters: %w", translate(err))
	}
	return res.RowsAffected()
}

// sourceKeySQL is a signature's source as the tallies key it (SourceKey).
const sourceKeySQL = `CASE WHEN source_code <> '' THEN 'code:' || source_code
     WHEN source_release_id IS NOT NULL THEN 'release:' || source_release_id ELSE 'direct' END`

// emailDomainSQL is a signature's email domain (trust.EmailDomain).
const emailDomainSQL = `substring(email from '[^@]*$')`

// clusterKeys are the SQL of each review dimension's key.
var clusterKeys = map[string]string{
	trust.ByAddress: `encode(address_hash, 'hex')`,
	trust.ByNetwork: `encode(network_hash, 'hex')`,
	trust.ByDomain:  emailDomainSQL,
	trust.BySource:  sourceKeySQL,
	trust.ByMinute:  `to_char(date_trunc('minute', created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:00"Z"')`,
}

// PetitionReview implements trust.Store. It reads the petition's rows
// (never on a public request path): one scan per dimension.
func (s *TrustStore) PetitionReview(ctx context.Context, petitionID int64) (trust.Review, error) {
	r := trust.Review{PetitionID: petitionID, Clusters: map[string][]trust.Cluster{}}
	var exists bool
	if err := s.db.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM petitions WHERE id = $1)`, petitionID).
		Scan(&exists); err != nil {
		return trust.Review{}, fmt.Errorf("review petition %d: %w", petitionID, translate(err))
	}
	if !exists {
		return trust.Review{}, fmt.Errorf("review petition %d: %w", petitionID, petition.ErrNotFound)
	}
	err := s.db.sql.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE state = 'counted'),
			count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'suspect'),
			count(*) FILTER (WHERE state = 'invalidated'),
			count(*) FILTER (WHERE state = 'suspect' AND confirmed_at IS NOT NULL)
		FROM signatures WHERE petition_id = $1`, petitionID).
		Scan(&r.Counted, &r.Pending, &r.Suspect, &r.Invalidated, &r.SuspectConfirmed)
	if err != nil {
		return trust.Review{}, fmt.Errorf("review petition %d: %w", petitionID, translate(err))
	}
	for _, dim := range trust.Dimensions() {
		// Largest first; among equals, the one with the most suspects.
		rows, err := s.db.sql.QueryContext(ctx, `SELECT k, count(*) FILTER (WHERE state = 'counted'),
				count(*) FILTER (WHERE state = 'suspect'), count(*) FILTER (WHERE state = 'pending'),
				count(*) FILTER (WHERE state = 'invalidated'),
				count(*) FILTER (WHERE state = 'suspect' AND confirmed_at IS NOT NULL), min(created_at), max(created_at)
			FROM (SELECT `+clusterKeys[dim]+` AS k, state, confirmed_at, created_at
			      FROM signatures WHERE petition_id = $1) x
			WHERE k IS NOT NULL
			GROUP BY k ORDER BY count(*) DESC, count(*) FILTER (WHERE state = 'suspect') DESC, k LIMIT $2`,
			petitionID, trust.ClustersShown)
		if err != nil {
			return trust.Review{}, fmt.Errorf("review petition %d: %w", petitionID, translate(err))
		}
		list := []trust.Cluster{}
		for rows.Next() {
			var c trust.Cluster
			if err := rows.Scan(&c.Key, &c.Counted, &c.Suspect, &c.Pending, &c.Invalidated, &c.Confirmed,
				&c.First, &c.Last); err != nil {
				rows.Close()
				return trust.Review{}, fmt.Errorf("review petition %d: %w", petitionID, translate(err))
			}
			c.First, c.Last = c.First.UTC(), c.Last.UTC()
			list = append(list, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return trust.Review{}, fmt.Errorf("review petition %d: %w", petitionID, translate(err))
		}
		r.Clusters[dim] = list
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT id, `+emailDomainSQL+`, `+sourceKeySQL+`,
			coalesce(encode(address_hash, 'hex'), ''), coalesce(encode(network_hash, 'hex'), ''), created_at, confirmed_at
		FROM signatures WHERE petition_id = $1 AND state = 'suspect' ORDER BY id DESC LIMIT $2`,
		petitionID, trust.SuspectsShown)
	if err != nil {
		return trust.Review{}, fmt.Errorf("review petition %d: %w", petitionID, translate(err))
	}
	defer rows.Close()
	r.Suspects = []trust.Suspect{}
	for rows.Next() {
		var sus trust.Suspect
		var confirmed sql.NullTime
		if err := rows.Scan(&sus.ID, &sus.Domain, &sus.Source, &sus.AddressHash, &sus.NetworkHash, &sus.CreatedAt,
			&confirmed); err != nil {
			return trust.Review{}, fmt.Errorf("review petition %d: %w", petitionID, translate(err))
		}
		sus.CreatedAt = sus.CreatedAt.UTC()
		if confirmed.Valid {
			t := confirmed.Time.UTC()
			sus.ConfirmedAt = &t
		}
		r.Suspects = append(r.Suspects, sus)
	}
	if err := rows.Err(); err != nil {
		return trust.Review{}, fmt.Errorf("review petition %d: %w", petitionID, translate(err))
	}
	return r, nil
}

// trustChunk is how many signatures one statement of an action changes.
// Each chunk locks its rows in id order, as the confirmer does; the count
// row and the tallies are locked once, at the end, for one short statement.
const trustChunk = 5000

// selectorSQL is the condition of sel on a signature of petition
// petitionID, with its arguments (gorm's ? placeholders).
func selectorSQL(petitionID int64, sel trust.Selector) (string, []any) {
	conds := []string{"petition_id = ?"}
	args := []any{petitionID}
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, cond)
	}
	if sel.AddressHash != nil {
		add("address_hash = ?", sel.AddressHash)
	}
	if sel.NetworkHash != nil {
		add("network_hash = ?", sel.NetworkHash)
	}
	if sel.Domain != "" {
		add(emailDomainSQL+" = ?", sel.Domain)
	}
	if sel.Source != "" {
		add(sourceKeySQL+" = ?", sel.Source)
	}
	if sel.Email != "" {
		add("email = ?", sel.Email)
	}
	if sel.From != nil {
		add("created_at >= ?", *sel.From)
	}
	if sel.To != nil {
		add("created_at < ?", *sel.To)
	}
	return strings.Join(conds, " AND "), args
}

// trustMoves says, for each action, which states it takes signatures from.
var trustMoves = map[string][]string{
	trust.ActionInvalidate: {petition.StateCounted, petition.StateSuspect},
	trust.ActionCount:      {petition.StateSuspect, petition.StateInvalidated},
}

// ApplyTrust implements trust.Store. The signatures are changed chunk by
// chunk in id order, each chunk's moves kept in a temporary table; then
// one statement, after locking the count row, moves the count, the pending
// and confirmed figures and the tallies by the net change, and queues the
// webhooks. Signing waits only for that statement and the commit.
func (s *TrustStore) ApplyTrust(ctx context.Context, actor staff.Actor, petitionID int64, action string,
	sel trust.Selector, dryRun bool) (trust.Outcome, error) {
	out := trust.Outcome{Action: action, DryRun: dryRun}
	from, ok := trustMoves[action]
	if !ok {
		return out, fmt.Errorf("unknown trust action %q", action)
	}
	cond, args := selectorSQL(petitionID, sel)
	cond += " AND state IN ('" + strings.Join(from, "', '") + "')"
	var verifies bool
	err := s.db.sql.QueryRowContext(ctx, `SELECT verification = 'email' FROM petitions WHERE id = $1`, petitionID).Scan(&verifies)
	if errors.Is(err, sql.ErrNoRows) {
		return out, petition.ErrNotFound
	}
	if err != nil {
		return out, translate(err)
	}
	if dryRun {
		err := s.db.gorm.WithContext(ctx).Raw(`SELECT (SELECT count(*) FROM signatures WHERE `+cond+`),
				(SELECT signature_count FROM petition_counts WHERE petition_id = ?)`, append(args, petitionID)...).
			Row().Scan(&out.Changed, &out.SignatureCount)
		return out, translate(err)
	}
	target := `'` + petition.StateInvalidated + `'`
	if action == trust.ActionCount {
		// Counting never skips a confirmation the petition asks for.
		target = `CASE WHEN ` + strconv.FormatBool(verifies) + ` AND s.confirmed_at IS NULL THEN 'pending' ELSE 'counted' END`
	}
	chunkSQL := `WITH pick AS (
    SELECT id, state FROM signatures WHERE ` + cond + ` AND id > ?
    ORDER BY id LIMIT ` + strconv.Itoa(trustChunk) + ` FOR UPDATE
), upd AS (
    UPDATE signatures s SET state = ` + target + ` FROM pick WHERE s.id = pick.id
    RETURNING s.id, s.petition_id, s.created_at, s.country, s.source_release_id, s.source_code, s.consent_updates,
              pick.state AS old_state, s.state AS new_state, s.confirmed_at IS NOT NULL AS confirmed
), kept AS (
    INSERT INTO trust_moved SELECT * FROM upd RETURNING id
)
SELECT count(*), coalesce(max(id), 0) FROM kept`
	err = s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`CREATE TEMPORARY TABLE trust_moved (id bigint, petition_id bigint, created_at timestamptz,
				country text, source_release_id bigint, source_code text, consent_updates boolean, old_state text, new_state text,
				confirmed boolean) ON COMMIT DROP`).Error; err != nil {
			return err
		}
		var last int64
		for {
			var n int64
			if err := tx.Raw(chunkSQL, append(args, last)...).Row().Scan(&n, &last); err != nil {
				return err
			}
			out.Changed += n
			if n < trustChunk {
				break
			}
		}
		// A deadlock with a batch of signatures on the tallies costs only
		// this last statement, tried again from the savepoint.
		if err := tx.SavePoint("trust_totals").Error; err != nil {
			return err
		}
		var err error
		for attempt := 0; attempt < 5; attempt++ {
			if err = moveTotals(tx, petitionID, &out.SignatureCount); err == nil || !isRetryable(err) {
				break
			}
			if rbErr := tx.RollbackTo("trust_totals").Error; rbErr != nil {
				return rbErr
			}
		}
		if err != nil {
			return err
		}
		name := ActionTrustInvalidate
		if action == trust.ActionCount {
			name = ActionTrustCount
		}
		return writeAudit(tx, actor, name, "petition", petitionID, nil,
			map[string]any{"selector": sel.Audit(), "changed": out.Changed, "signature_count": out.SignatureCount})
	})
	if err != nil {
		return trust.Outcome{}, translate(err)
	}
	return out, nil
}

// movedTalliesSQL is the net change of a petition's tallies by the moves in
// trust_moved: the newly counted added, the no longer counted taken away.
var movedTalliesSQL = `
SELECT petition_id, dimension, key, sum(n) AS signature_count FROM (
    SELECT petition_id, dimension, key, signature_count AS n FROM (` +
	tallySQL(`(SELECT * FROM trust_moved WHERE new_state = 'counted')`) + `) plus
    UNION ALL
    SELECT petition_id, dimension, key, -signature_count FROM (` +
	tallySQL(`(SELECT * FROM trust_moved WHERE old_state = 'counted')`) + `) minus
) x GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3`

// moveTotalsSQL moves petition @id's count and its pending and confirmed
// figures by the moves in trust_moved, and queues signature.invalidated for
// each counted signature taken out and signature.counted for each one
// counted.
var moveTotalsSQL = `
WITH d AS (
    SELECT count(*) FILTER (WHERE new_state = 'counted') - count(*) FILTER (WHERE old_state = 'counted') AS counted,
           count(*) FILTER (WHERE new_state = 'pending') AS pending,
           count(*) FILTER (WHERE new_state = 'counted' AND confirmed)
             - count(*) FILTER (WHERE old_state = 'counted' AND confirmed) AS confirmed
    FROM trust_moved
), cnt AS (
    UPDATE petition_counts c SET signature_count = c.signature_count + d.counted,
                                 pending_count = c.pending_count + d.pending,
                                 confirmed_count = c.confirmed_count + d.confirmed, updated_at = now()
    FROM d WHERE c.petition_id = @id
    RETURNING c.signature_count
), ` + SignatureCountedCTEs("counted", "(SELECT id, petition_id, now() AS created_at FROM trust_moved WHERE new_state = 'counted')") +
	`, ` + webhookCTEs("invalidated", outbound.EventSignatureInvalidated, `
        SELECT now() AS at,
               jsonb_build_object('signature_id', m.id, 'petition_id', m.petition_id, 'petition_slug', p.slug) AS data
        FROM trust_moved m JOIN petitions p ON p.id = m.petition_id
        WHERE m.old_state = 'counted' AND m.new_state = 'invalidated'`) + `
SELECT signature_count FROM cnt`

// moveTalliesSQL moves the tallies by the net change in trust_delta: the
// rows it touches are locked in key order first (as the signer's upserts
// lock them), those it empties are deleted (as the recount would leave
// them), the others moved, the missing ones inserted.
var moveTalliesSQL = []string{
	`CREATE TEMPORARY TABLE IF NOT EXISTS trust_delta (petition_id bigint, dimension text, key text, n bigint) ON COMMIT DROP`,
	`TRUNCATE trust_delta`,
	`INSERT INTO trust_delta ` + movedTalliesSQL,
	`SELECT count(*) FROM (SELECT 1 FROM signature_tallies t JOIN trust_delta d USING (petition_id, dimension, key)
	 ORDER BY t.dimension, t.key FOR UPDATE OF t) l`,
	`DELETE FROM signature_tallies t USING trust_delta d
	 WHERE t.petition_id = d.petition_id AND t.dimension = d.dimension AND t.key = d.key AND t.signature_count + d.n = 0`,
	`UPDATE signature_tallies t SET signature_count = t.signature_count + d.n FROM trust_delta d
	 WHERE t.petition_id = d.petition_id AND t.dimension = d.dimension AND t.key = d.key AND t.signature_count + d.n <> 0`,
	`INSERT INTO signature_tallies (petition_id, dimension, key, signature_count)
	 SELECT petition_id, dimension, key, n FROM trust_delta d
	 WHERE d.n > 0 AND NOT EXISTS (SELECT 1 FROM signature_tallies t
	     WHERE t.petition_id = d.petition_id AND t.dimension = d.dimension AND t.key = d.key)
	 ORDER BY dimension, key
	 ON CONFLICT (petition_id, dimension, key)
	 DO UPDATE SET signature_count = signature_tallies.signature_count + EXCLUDED.signature_count`,
}

// moveTotals locks the count row (as the recount does: batches of
// signatures wait for it), then moves the count, the figures and the
// tallies and queues the webhooks.
func moveTotals(tx *gorm.DB, petitionID int64, count *int64) error {
	if err := tx.Exec(`SELECT 1 FROM petition_counts WHERE petition_id = ? FOR UPDATE`, petitionID).Error; err != nil {
		return err
	}
	if err := tx.Raw(moveTotalsSQL, map[string]any{"id": petitionID}).Row().Scan(count); err != nil {
		return err
	}
	for _, q := range moveTalliesSQL {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}
