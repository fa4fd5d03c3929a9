package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/storage"
)

// Signer implements petition.Signer by group commit: concurrent Sign calls
// are queued and a few workers commit them in batches, each batch in one
// transaction that inserts the signatures and then moves each petition's
// count (and its tallies) once by the number of new rows. The count row is
// therefore locked once per batch instead of once per signature, and many
// signatures share one fsync. See docs/design.md.
type Signer struct {
	db       *DB
	queue    chan *signRequest
	maxBatch int
	onCount  func(petitionID, count int64)

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	wg     sync.WaitGroup

	// beforeCommit, when set (by tests), runs inside each batch transaction
	// after all its statements and before COMMIT; an error aborts the batch.
	beforeCommit func(batchSize int) error
}

// SignerOptions tune batching. The zero value is sensible.
type SignerOptions struct {
	// MaxBatch caps the signatures committed in one transaction (default 256).
	MaxBatch int
	// Workers is the number of batches in flight at once (default 4).
	Workers int
	// OnCount, when set, is told every petition count a batch commits, so a
	// cache can be kept fresh without reading the database.
	OnCount func(petitionID, count int64)
}

type signRequest struct {
	sig  petition.Signature
	done chan signOutcome
}

type signOutcome struct {
	result petition.SignResult
	err    error
}

var _ petition.Signer = (*Signer)(nil)

// NewSigner starts the batch workers. Call Close to stop them.
func (db *DB) NewSigner(opts SignerOptions) *Signer {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	s := &Signer{db: db, queue: make(chan *signRequest, opts.MaxBatch*opts.Workers),
		maxBatch: opts.MaxBatch, onCount: opts.OnCount}
	s.wg.Add(opts.Workers)
	for range opts.Workers {
		go s.work()
	}
	return s
}

// Sign stores sig, whose fields must already be validated and normalised.
// It returns only after the signature's transaction has committed (or
// failed): an answer is never given for a signature that could still be lost.
// Returns petition.ErrNotFound, petition.ErrClosed, or storage.ErrUnavailable
// when the database cannot be reached or the signer is closed.
func (s *Signer) Sign(ctx context.Context, sig petition.Signature) (petition.SignResult, error) {
	req := &signRequest{sig: sig, done: make(chan signOutcome, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return petition.SignResult{}, fmt.Errorf("sign petition %d: shutting down: %w", sig.PetitionID, storage.ErrUnavailable)
	}
	select {
	case s.queue <- req:
	case <-ctx.Done():
		s.mu.RUnlock()
		return petition.SignResult{}, fmt.Errorf("sign petition %d: %w", sig.PetitionID, ctx.Err())
	}
	s.mu.RUnlock()
	// Once queued, the request is committed or refused; wait for which,
	// even if the caller has gone, so the outcome is never ambiguous.
	out := <-req.done
	if out.err != nil {
		return petition.SignResult{}, fmt.Errorf("sign petition %d: %w", sig.PetitionID, out.err)
	}
	return out.result, nil
}

// Close stops taking signatures, commits every one already queued, and
// waits for the workers to finish.
func (s *Signer) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Signer) work() {
	defer s.wg.Done()
	batch := make([]*signRequest, 0, s.maxBatch)
	for first := range s.queue {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < s.maxBatch {
			select {
			case req, ok := <-s.queue:
				if !ok {
					break drain
				}
				batch = append(batch, req)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

// commit stores a batch and answers every request in it. A batch that fails
// for a reason other than an unreachable database is retried one signature at
// a time, so one bad row cannot refuse its neighbours.
func (s *Signer) commit(batch []*signRequest) {
	var outs []signOutcome
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		outs, err = s.tryBatch(batch)
		if err == nil || !isRetryable(err) {
			break
		}
	}
	switch {
	case err == nil:
		for i, req := range batch {
			req.done <- outs[i]
		}
	case len(batch) > 1 && !errors.Is(err, storage.ErrUnavailable):
		for _, req := range batch {
			s.commit([]*signRequest{req})
		}
	default:
		for _, req := range batch {
			req.done <- signOutcome{err: err}
		}
	}
}

type batchRow struct {
	N               int    `json:"n"`
	PetitionID      int64  `json:"petition_id"`
	FullName        string `json:"full_name"`
	Email           string `json:"email"`
	Postcode        string `json:"postcode"`
	Country         string `json:"country"`
	ConsentUpdates  bool   `json:"consent_updates"`
	ConsentVersion  string `json:"consent_version"`
	SourceReleaseID *int64 `json:"source_release_id"`
	SourceCode      string `json:"source_code"`
}

type tallyRow struct {
	PetitionID int64  `json:"petition_id"`
	Country    string `json:"country"`
	Source     string `json:"source"`
	N          int64  `json:"n"`
}

// The insert takes only rows whose petition is open, skips repeats through
// the unique (petition_id, email) constraint, and reports for every input row
// whether its petition exists, is open, and whether the row is new.
const insertBatchSQL = `
WITH input AS (
    SELECT * FROM jsonb_to_recordset(?::jsonb) AS t(
        n int, petition_id bigint, full_name text, email text, postcode text, country text,
        consent_updates boolean, consent_version text, source_release_id bigint, source_code text)
), open AS (
    SELECT id FROM petitions
    WHERE id IN (SELECT petition_id FROM input)
      AND status = 'open' AND (closes_at IS NULL OR closes_at > now())
), ins AS (
    INSERT INTO signatures (petition_id, full_name, email, postcode, country,
                            consent_updates, consent_version, source_release_id, source_code)
    SELECT petition_id, full_name, email, postcode, country,
           consent_updates, consent_version, source_release_id, source_code
    FROM input WHERE petition_id IN (SELECT id FROM open)
    ORDER BY petition_id, email -- one order for every batch, so two never wait on each other's rows in a cycle
    ON CONFLICT (petition_id, email) DO NOTHING
    RETURNING petition_id, email
)
SELECT i.n, p.id IS NOT NULL AS found, o.id IS NOT NULL AS open, ins.email IS NOT NULL AS inserted
FROM input i
LEFT JOIN petitions p ON p.id = i.petition_id
LEFT JOIN open o ON o.id = i.petition_id
LEFT JOIN ins ON ins.petition_id = i.petition_id AND ins.email = i.email`

// The count moves once per petition per batch; the tallies with it. It runs
// after the insert, in the same transaction, so count and rows commit together.
// The final SELECT reads every petition of the batch after the update, so a
// repeat's answer includes the signature it repeats.
const countBatchSQL = `
WITH d AS (
    SELECT * FROM jsonb_to_recordset(?::jsonb) AS t(petition_id bigint, country text, source text, n bigint)
), per AS (
    SELECT petition_id, sum(n)::bigint AS n FROM d GROUP BY petition_id
), cnt AS (
    UPDATE petition_counts c SET signature_count = c.signature_count + per.n, updated_at = now()
    FROM per WHERE c.petition_id = per.petition_id
    RETURNING c.petition_id, c.signature_count
), tal AS (
    INSERT INTO signature_tallies (petition_id, dimension, key, signature_count)
    SELECT petition_id, dimension, key, sum(n) FROM (
        SELECT petition_id, 'day' AS dimension, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS key, n FROM d
        UNION ALL SELECT petition_id, 'hour', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24'), n FROM d
        UNION ALL SELECT petition_id, 'source', source, n FROM d
        UNION ALL SELECT petition_id, 'country', country, n FROM d
    ) x
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (petition_id, dimension, key)
    DO UPDATE SET signature_count = signature_tallies.signature_count + EXCLUDED.signature_count
)
SELECT petition_id, signature_count FROM cnt
UNION ALL
SELECT petition_id, signature_count FROM petition_counts
WHERE petition_id IN ? AND petition_id NOT IN (SELECT petition_id FROM cnt)`

const lockCountsSQL = `SELECT 1 FROM petition_counts WHERE petition_id IN ? ORDER BY petition_id FOR UPDATE`

// SourceKey is the tally key of a signature's source: "release:<id>",
// "code:<code>", or "direct".
func SourceKey(releaseID *int64, code string) string {
	switch {
	case releaseID != nil:
		return "release:" + strconv.FormatInt(*releaseID, 10)
	case code != "":
		return "code:" + code
	default:
		return "direct"
	}
}

func (s *Signer) tryBatch(batch []*signRequest) ([]signOutcome, error) {
	// Collapse repeats inside the batch: they share the first one's outcome.
	type key struct {
		petitionID int64
		email      string
	}
	firstOf := make(map[key]int, len(batch))
	owner := make([]int, len(batch))
	rows := make([]batchRow, 0, len(batch))
	petitionSet := map[int64]struct{}{}
	for i, req := range batch {
		k := key{req.sig.PetitionID, req.sig.Email}
		if j, ok := firstOf[k]; ok {
			owner[i] = j
			continue
		}
		firstOf[k] = i
		owner[i] = i
		sig := req.sig
		rows = append(rows, batchRow{N: i, PetitionID: sig.PetitionID, FullName: sig.FullName, Email: sig.Email,
			Postcode: sig.Postcode, Country: sig.Country, ConsentUpdates: sig.ConsentUpdates,
			ConsentVersion: sig.ConsentVersion, SourceReleaseID: sig.SourceReleaseID, SourceCode: sig.SourceCode})
		petitionSet[sig.PetitionID] = struct{}{}
	}
	input, err := json.Marshal(rows)
	if err != nil {
		return nil, err
	}
	petitionIDs := make([]int64, 0, len(petitionSet))
	for id := range petitionSet {
		petitionIDs = append(petitionIDs, id)
	}

	type status struct {
		N        int
		Found    bool
		Open     bool
		Inserted bool
	}
	var statuses []status
	counts := map[int64]int64{}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(insertBatchSQL, string(input)).Scan(&statuses).Error; err != nil {
			return err
		}
		tallies := map[tallyRow]int64{}
		for _, st := range statuses {
			if st.Inserted {
				sig := batch[st.N].sig
				tallies[tallyRow{PetitionID: sig.PetitionID, Country: sig.Country,
					Source: SourceKey(sig.SourceReleaseID, sig.SourceCode)}]++
			}
		}
		tallyRows := make([]tallyRow, 0, len(tallies))
		for t, n := range tallies {
			t.N = n
			tallyRows = append(tallyRows, t)
		}
		tallyJSON, err := json.Marshal(tallyRows)
		if err != nil {
			return err
		}
		// Lock the count rows in petition order before moving them: two
		// batches that both sign petitions A and B would otherwise lock them
		// in whatever order each one's plan visits them, and deadlock.
		changed := make([]int64, 0, len(petitionIDs))
		for _, t := range tallyRows {
			if !slices.Contains(changed, t.PetitionID) {
				changed = append(changed, t.PetitionID)
			}
		}
		if len(changed) > 1 {
			slices.Sort(changed)
			if err := tx.Exec(lockCountsSQL, changed).Error; err != nil {
				return err
			}
		}
		var countRows []struct {
			PetitionID     int64
			SignatureCount int64
		}
		if err := tx.Raw(countBatchSQL, string(tallyJSON), petitionIDs).Scan(&countRows).Error; err != nil {
			return err
		}
		for _, c := range countRows {
			counts[c.PetitionID] = c.SignatureCount
		}
		if s.beforeCommit != nil {
			return s.beforeCommit(len(batch))
		}
		return nil
	})
	if err != nil {
		return nil, translate(err)
	}

	if s.onCount != nil {
		for id, n := range counts {
			s.onCount(id, n)
		}
	}
	byN := make(map[int]status, len(statuses))
	for _, st := range statuses {
		byN[st.N] = st
	}
	outs := make([]signOutcome, len(batch))
	for i, req := range batch {
		st, ok := byN[owner[i]]
		switch {
		case !ok:
			outs[i] = signOutcome{err: fmt.Errorf("batch lost row %d", i)}
		case !st.Found:
			outs[i] = signOutcome{err: petition.ErrNotFound}
		case !st.Open:
			outs[i] = signOutcome{err: petition.ErrClosed}
		default:
			outs[i] = signOutcome{result: petition.SignResult{
				SignatureCount: counts[req.sig.PetitionID],
				New:            st.Inserted && owner[i] == i,
			}}
		}
	}
	return outs, nil
}
