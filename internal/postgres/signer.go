package postgres

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/storage"
)

// Signer implements petition.Signer by group commit: concurrent Sign calls
// are queued and a worker commits them in batches, each batch one statement
// in one transaction that inserts the signatures and then moves each
// petition's count (and its tallies) once by the number of new rows. The
// count row is therefore locked once per batch instead of once per
// signature, and many signatures share one fsync. See docs/design.md and
// docs/performance.md.
type Signer struct {
	db      *DB
	batches *batcher[*signRequest]

	// emails is whether each new signature gets an email (see
	// SignerOptions.EnqueueEmails).
	emails bool

	// observer, when set, hears of every batch and every outcome.
	observer SignerObserver

	// seen is the first-sight filter of the trust rules' keys.
	seen *firstSight

	// beforeCommit, when set (by tests), runs inside each batch transaction
	// after all its statements and before COMMIT; an error aborts the batch.
	beforeCommit func(batchSize int) error
}

// SignerOptions tune batching. The zero value is sensible.
type SignerOptions struct {
	// MaxBatch caps the signatures committed in one transaction (default 256).
	MaxBatch int
	// Workers is the number of batches in flight at once (default 1). One is
	// fastest: every batch ends by locking its petition's count row until it
	// commits, so concurrent batches of a petition wait for each other anyway,
	// while the signatures that queue during a commit make the next batch
	// larger. Measured in docs/performance.md.
	Workers int
	// EnqueueEmails queues an email job for every new signature, in the
	// batch's own statement: an acknowledged signature never misses its
	// email, and one rolled back never sends one. Off while email is off.
	EnqueueEmails bool
	// Observer, when set, is told of every committed batch and of the
	// outcome of every signature (for metrics). Its methods are called on
	// the signer's hot path: they must be quick and must not block.
	Observer SignerObserver
}

// SignerObserver hears what the signer does, for metrics.
type SignerObserver interface {
	// Batch is called once per committed batch: how many signatures it
	// answered and how long its statement (and commit) took, retries included.
	Batch(size int, took time.Duration)
	// Outcome is called once per signature with one of the Outcome… values.
	Outcome(outcome string)
}

// The outcome of one signature, as SignerObserver.Outcome is told it.
const (
	OutcomeNew      = "new"       // stored
	OutcomeRepeat   = "repeat"    // the address had signed already
	OutcomeClosed   = "closed"    // the petition is closed
	OutcomeNotFound = "not_found" // there is no such petition
	OutcomeError    = "error"     // not stored: the database failed, or the signer is closed
)

// SignatureEmailKind is the job kind queued for each new signature, and for
// each repeat let through the hourly limit, when emails are on; its args are
// {"signature_id": N, "reason": EmailForNew or EmailForRepeat}. The job
// queue's workers (package jobs) take it from there.
const SignatureEmailKind = "signature_email"

// EmailQueue is the queue of the email jobs. Only instances with email on
// work it: one with email off leaves them for those that can send them.
const EmailQueue = "email"

// Why a signature's email is sent.
const (
	EmailForNew    = "new"    // the signature was just stored
	EmailForRepeat = "repeat" // someone signed again with its address
)

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
		opts.Workers = 1
	}
	s := &Signer{db: db, emails: opts.EnqueueEmails, observer: opts.Observer, seen: newFirstSight()}
	s.batches = newBatcher(opts.MaxBatch, opts.Workers, func(r *signRequest) int64 { return r.sig.PetitionID }, s.commit)
	return s
}

// Sign stores sig, whose fields must already be validated and normalised.
// It returns only after the signature's transaction has committed (or
// failed): an answer is never given for a signature that could still be lost.
// Returns petition.ErrNotFound, petition.ErrClosed, or storage.ErrUnavailable
// when the database cannot be reached or the signer is closed.
func (s *Signer) Sign(ctx context.Context, sig petition.Signature) (petition.SignResult, error) {
	req := &signRequest{sig: sig, done: make(chan signOutcome, 1)}
	switch err := s.batches.enqueue(ctx, req); {
	case errors.Is(err, errBatcherClosed):
		s.outcome(OutcomeError)
		return petition.SignResult{}, fmt.Errorf("sign petition %d: shutting down: %w", sig.PetitionID, storage.ErrUnavailable)
	case err != nil:
		return petition.SignResult{}, fmt.Errorf("sign petition %d: %w", sig.PetitionID, err)
	}
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
func (s *Signer) Close() { s.batches.close() }

// commit stores a batch and answers every request in it. A batch that fails
// for a reason other than an unreachable database is retried one signature at
// a time, so one bad row cannot refuse its neighbours.
func (s *Signer) commit(batch []*signRequest) {
	var outs []signOutcome
	var err error
	start := time.Now()
	for attempt := 0; attempt < 5; attempt++ {
		outs, err = s.tryBatch(batch)
		if err == nil || !isRetryable(err) {
			break
		}
	}
	switch {
	case err == nil:
		if s.observer != nil {
			s.observer.Batch(len(batch), time.Since(start))
		}
		for i, req := range batch {
			s.outcome(outcomeOf(outs[i]))
			req.done <- outs[i]
		}
	case len(batch) > 1 && !errors.Is(err, storage.ErrUnavailable):
		for _, req := range batch {
			s.commit([]*signRequest{req})
		}
	default:
		for _, req := range batch {
			s.outcome(OutcomeError)
			req.done <- signOutcome{err: err}
		}
	}
}

// outcome tells the observer, if any, of one signature's outcome.
func (s *Signer) outcome(outcome string) {
	if s.observer != nil {
		s.observer.Outcome(outcome)
	}
}

// outcomeOf names what happened to one signature of a committed batch.
func outcomeOf(out signOutcome) string {
	switch {
	case out.err == nil && out.result.New:
		return OutcomeNew
	case out.err == nil:
		return OutcomeRepeat
	case errors.Is(out.err, petition.ErrClosed):
		return OutcomeClosed
	case errors.Is(out.err, petition.ErrNotFound):
		return OutcomeNotFound
	default:
		return OutcomeError
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
	// The trust marking: keyed hashes in hex (empty: none) and the verdict.
	Address string `json:"addr,omitempty"`
	Network string `json:"net,omitempty"`
	Domain  string `json:"dom,omitempty"`
	Verdict string `json:"verdict"`
	// CountAddress, CountNetwork and CountDomain say which of the keys this
	// row counts against the rules (see firstSight).
	CountAddress bool `json:"ca,omitempty"`
	CountNetwork bool `json:"cn,omitempty"`
	CountDomain  bool `json:"cd,omitempty"`
}

// batchSQL stores a batch in one statement, so the batch costs one round
// trip and, in production, commits in the same exchange (an implicit
// transaction): the hot rows it locks last — the petition's count and its
// tallies — are held only for the statement's tail and the commit, never
// across a round trip to the server. See docs/performance.md.
//
// It takes only rows whose petition is open, skips repeats through the
// unique (petition_id, email) constraint, queues a signature.counted
// webhook delivery of each new counted row for every endpoint subscribed (nothing
// when there is none), then moves each open petition's
// count once by its new rows and the tallies with it, and answers for every
// input row whether its petition exists, is open, whether the row is new,
// and the petition's count after the batch.
//
// The count is updated even when the batch adds nothing to it (+0): under
// READ COMMITTED an UPDATE works on the newest committed version of the row,
// so a repeat whose original is committed by a concurrent batch while this
// one waits on the unique index is answered with a count that includes it.
var batchSQL = `
WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
        n int, petition_id bigint, full_name text, email text, postcode text, country text,
        consent_updates boolean, consent_version text, source_release_id bigint, source_code text,
        addr text, net text, dom text, verdict text, ca boolean, cn boolean, cd boolean)
), open AS (
    SELECT id, verification FROM petitions
    WHERE id IN (SELECT petition_id FROM input)
      AND status = 'open' AND (closes_at IS NULL OR closes_at > now())
), keys AS (
    -- The trust rules' keys of each rated row (address, network, email
    -- domain) that it counts (see firstSight) and whose rule has a limit,
    -- with the row's place among this batch's rows of the same key.
    SELECT i.n, k.kind, k.key, k.burst, k.sustained,
           row_number() OVER (PARTITION BY k.kind, k.key ORDER BY i.n) AS place
    FROM input i CROSS JOIN trust_settings r
    CROSS JOIN LATERAL (VALUES
        (1::smallint, CASE WHEN i.ca THEN decode(i.addr, 'hex') END, r.address_burst, r.address_sustained),
        (2::smallint, CASE WHEN i.cn THEN decode(i.net, 'hex') END, r.network_burst, r.network_sustained),
        (3::smallint, CASE WHEN i.cd THEN decode(i.dom, 'hex') END, r.domain_burst, r.domain_sustained)) AS k(kind, key, burst, sustained)
    WHERE i.verdict = '` + string(petition.VerdictRated) + `' AND k.key IS NOT NULL AND (k.burst > 0 OR k.sustained > 0)
      AND i.petition_id IN (SELECT id FROM open)
), agg AS (
    SELECT kind, key, count(*) AS hits FROM keys GROUP BY kind, key
), ctr AS (
    -- The rules' counters move by this batch's rows of each key, locked in
    -- key order (concurrent batches, on any instance, wait in turn and see
    -- each other's hits: every instance counts against the same figures).
    INSERT INTO trust_counters AS c (kind, key, minute_start, minute_hits, hour_start, hour_hits)
    SELECT kind, key, date_trunc('minute', now()), hits, date_trunc('hour', now()), hits
    FROM agg ORDER BY kind, key
    ON CONFLICT (kind, key) DO UPDATE SET
        minute_hits = CASE WHEN c.minute_start = EXCLUDED.minute_start THEN c.minute_hits + EXCLUDED.minute_hits
                           ELSE EXCLUDED.minute_hits END,
        minute_start = EXCLUDED.minute_start,
        hour_hits = CASE WHEN c.hour_start = EXCLUDED.hour_start THEN c.hour_hits + EXCLUDED.hour_hits
                         ELSE EXCLUDED.hour_hits END,
        hour_start = EXCLUDED.hour_start
    RETURNING c.kind, c.key, c.minute_hits, c.hour_hits
), over AS (
    -- The rows over a rule: the key's hits before this batch plus the
    -- row's place among the batch's rows of that key pass the limit of
    -- this minute or this hour.
    SELECT DISTINCT k.n FROM keys k JOIN agg a USING (kind, key) JOIN ctr c USING (kind, key)
    WHERE (k.burst > 0 AND c.minute_hits - a.hits + k.place > k.burst)
       OR (k.sustained > 0 AND c.hour_hits - a.hits + k.place > k.sustained)
), ins AS (
    -- A signature held by the trust rules (a held list, or over a rate) is
    -- suspect. Otherwise, on a petition that verifies by email a signature
    -- starts pending: it joins the count and the tallies only when its
    -- owner confirms it.
    INSERT INTO signatures (petition_id, full_name, email, postcode, country,
                            consent_updates, consent_version, source_release_id, source_code, notice_sent_at, state,
                            address_hash, network_hash)
    SELECT i.petition_id, i.full_name, i.email, i.postcode, i.country,
           i.consent_updates, i.consent_version, i.source_release_id, i.source_code,
           CASE WHEN $2::boolean THEN now() END,
           CASE WHEN i.verdict = '` + string(petition.VerdictHeld) + `' OR i.n IN (SELECT n FROM over) THEN 'suspect'
                WHEN o.verification = 'email' THEN 'pending' ELSE 'counted' END,
           decode(i.addr, 'hex'), decode(i.net, 'hex')
    FROM input i JOIN open o ON o.id = i.petition_id
    -- One order for every batch: two batches inserting the same addresses
    -- wait for each other in turn instead of deadlocking.
    ORDER BY i.petition_id, i.email
    ON CONFLICT (petition_id, email) DO NOTHING
    RETURNING id, petition_id, email, created_at, country, source_release_id, source_code, consent_updates, state
), repeats AS (
    -- A repeat of a signature stored before this statement began gets an
    -- email too ("you have already signed", or the confirmation link again
    -- while it is pending), at most one an hour per address and petition:
    -- concurrent repeats, on any instance, wait on the row and then see the
    -- time the first one set.
    UPDATE signatures s SET notice_sent_at = now()
    FROM input i
    WHERE $2::boolean AND s.petition_id = i.petition_id AND s.email = i.email
      AND i.petition_id IN (SELECT id FROM open)
      AND (s.notice_sent_at IS NULL OR s.notice_sent_at < now() - interval '1 hour')
    RETURNING s.id
), jobs AS (
    -- River's job table, written as River's own clients in other languages
    -- write it: one email job per new signature and per repeat let through
    -- above, in this transaction.
    INSERT INTO river_job (args, kind, max_attempts, priority, queue, state)
    SELECT jsonb_build_object('signature_id', j.id, 'reason', j.reason), '` + SignatureEmailKind + `', 25, 1, '` + EmailQueue + `', 'available'
    FROM (SELECT id, '` + EmailForNew + `' AS reason FROM ins
          UNION ALL SELECT id, '` + EmailForRepeat + `' FROM repeats) j
    WHERE $2::boolean
), ` + SignatureCountedCTEs("hook", "(SELECT id, petition_id, created_at FROM ins WHERE state = 'counted')") + `, per AS (
    SELECT o.id AS petition_id,
           count(ins.petition_id) FILTER (WHERE ins.state = 'counted') AS counted,
           count(ins.petition_id) FILTER (WHERE ins.state = 'pending') AS pending
    FROM open o LEFT JOIN ins ON ins.petition_id = o.id
    GROUP BY o.id
), cnt AS (
    UPDATE petition_counts c SET signature_count = c.signature_count + per.counted,
                                 pending_count = c.pending_count + per.pending, updated_at = now()
    FROM per WHERE c.petition_id = per.petition_id
    RETURNING c.petition_id, c.signature_count
), tal AS (` + addTalliesSQL("(SELECT * FROM ins WHERE state = 'counted')") + `

)
SELECT i.n, p.id IS NOT NULL AS found, o.id IS NOT NULL AS open, ins.email IS NOT NULL AS inserted,
       coalesce(cnt.signature_count, 0) AS signature_count, coalesce(o.verification = 'email', false) AS pending,
       coalesce(ins.state = 'suspect', false) AS held
FROM input i
LEFT JOIN petitions p ON p.id = i.petition_id
LEFT JOIN open o ON o.id = i.petition_id
LEFT JOIN ins ON ins.petition_id = i.petition_id AND ins.email = i.email
LEFT JOIN cnt ON cnt.petition_id = i.petition_id`

// tallySQL is the one definition of the dashboard tallies, shared by the
// signer, the recount and the dataset generator so that they can never
// disagree on a key: the per-petition tally rows of the signatures in sigs, a
// FROM item (a table, a CTE or a parenthesised query) with petition_id,
// created_at, country, source_release_id, source_code and consent_updates. sigs is read once
// per dimension: a UNION ALL of plain scans aggregates twice as fast as one
// scan joined to a VALUES list per row. Rows come in key order, so concurrent
// upserts lock tally rows in one order and cannot deadlock.
func tallySQL(sigs string) string {
	from := " FROM " + sigs + " AS sig"
	return `
SELECT petition_id, dimension, key, count(*) AS signature_count FROM (
    SELECT petition_id, 'day' AS dimension, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS key` + from + `
    UNION ALL SELECT petition_id, 'hour', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24')` + from + `
    UNION ALL SELECT petition_id, 'source',
                     CASE WHEN source_code <> '' THEN 'code:' || source_code
                          WHEN source_release_id IS NOT NULL THEN 'release:' || source_release_id ELSE 'direct' END` + from + `
    UNION ALL SELECT petition_id, 'country', country` + from + `
    UNION ALL SELECT petition_id, 'consent', CASE WHEN consent_updates THEN 'yes' ELSE 'no' END` + from + `
) x
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
}

// addTalliesSQL moves signature_tallies up by the tallies of the new
// signatures in sigs (see tallySQL).
func addTalliesSQL(sigs string) string {
	return `
INSERT INTO signature_tallies (petition_id, dimension, key, signature_count)` + tallySQL(sigs) + `
ON CONFLICT (petition_id, dimension, key)
DO UPDATE SET signature_count = signature_tallies.signature_count + EXCLUDED.signature_count`
}

// batchStatus is batchSQL's answer for one input row.
type batchStatus struct {
	N              int
	Found          bool
	Open           bool
	Inserted       bool
	SignatureCount int64
	Pending        bool
	Held           bool
}

// runBatch runs batchSQL over database/sql rather than gorm: this is the
// one statement every signature goes through, and a manual scan spares it
// gorm's callbacks and reflection.
func (s *Signer) runBatch(ctx context.Context, input []byte, size int) ([]batchStatus, error) {
	var q interface {
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	} = s.db.sql
	var tx *sql.Tx
	if s.beforeCommit != nil {
		// Tests inject failures between the statement and COMMIT. In
		// production the statement is its own transaction, committed in
		// the same exchange.
		var err error
		if tx, err = s.db.sql.BeginTx(ctx, nil); err != nil {
			return nil, err
		}
		defer tx.Rollback()
		q = tx
	}
	rows, err := q.QueryContext(ctx, batchSQL, string(input), s.emails)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	statuses := make([]batchStatus, 0, size)
	for rows.Next() {
		var st batchStatus
		if err := rows.Scan(&st.N, &st.Found, &st.Open, &st.Inserted, &st.SignatureCount, &st.Pending, &st.Held); err != nil {
			return nil, err
		}
		statuses = append(statuses, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if tx != nil {
		if err := s.beforeCommit(size); err != nil {
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
	}
	return statuses, nil
}

// markCounted says which keys of each rated row count against the rules:
// those this instance has seen before in this clock minute (firstSight).
func (s *Signer) markCounted(rows []batchRow, batch []*signRequest) {
	s.seen.mu.Lock()
	defer s.seen.mu.Unlock()
	s.seen.startMinute(time.Now())
	for i := range rows {
		m := batch[rows[i].N].sig.Marking
		if rows[i].Verdict != string(petition.VerdictRated) {
			continue
		}
		rows[i].CountAddress = !m.Address.IsZero() && s.seen.seen(1, m.Address)
		rows[i].CountNetwork = !m.Network.IsZero() && s.seen.seen(2, m.Network)
		rows[i].CountDomain = !m.Domain.IsZero() && s.seen.seen(3, m.Domain)
	}
}

// verdictOf is the marking's verdict; a signature never marked (no
// marker) is rated.
func verdictOf(m petition.Marking) string {
	if m.Verdict == "" {
		return string(petition.VerdictRated)
	}
	return string(m.Verdict)
}

// hashHex is a marking's hash as the batch's JSON carries it: hex, or empty
// (NULL) for none.
func hashHex(h petition.Hash) string {
	if h.IsZero() {
		return ""
	}
	return hex.EncodeToString(h[:])
}

// SourceKey is the tally key of a signature's source: "code:<code>",
// "release:<id>", or "direct". A code wins over the release: a signature
// with both came to the release by a shared link, and the code names the
// channel it was shared on, which is what the dashboard tells apart.
func SourceKey(releaseID *int64, code string) string {
	switch {
	case code != "":
		return "code:" + code
	case releaseID != nil:
		return "release:" + strconv.FormatInt(*releaseID, 10)
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
			ConsentVersion: sig.ConsentVersion, SourceReleaseID: sig.SourceReleaseID, SourceCode: sig.SourceCode,
			Address: hashHex(sig.Marking.Address), Network: hashHex(sig.Marking.Network),
			Domain: hashHex(sig.Marking.Domain), Verdict: verdictOf(sig.Marking)})
	}
	s.markCounted(rows, batch)
	input, err := json.Marshal(rows)
	if err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	statuses, err := s.runBatch(ctx, input, len(batch))
	if err != nil {
		return nil, translate(err)
	}

	counts := map[int64]int64{}
	for _, st := range statuses {
		if st.Open {
			counts[batch[st.N].sig.PetitionID] = st.SignatureCount
		}
	}
	byN := make(map[int]batchStatus, len(statuses))
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
				Pending:        st.Pending,
				Held:           st.Held && st.Inserted && owner[i] == i,
			}}
		}
	}
	return outs, nil
}
