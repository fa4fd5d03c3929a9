package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/storage"
)

// Confirmer implements petition.Confirmer by group commit, as the Signer
// stores signatures: confirmations move the count, and when a petition
// goes viral its confirmation emails are opened in a surge too. Concurrent
// Confirm calls are queued and committed in batches, one statement per
// petition per batch, which locks the count row once.
type Confirmer struct {
	db      *DB
	batches *batcher[*confirmRequest]
}

var _ petition.Confirmer = (*Confirmer)(nil)

type confirmRequest struct {
	petitionID, signatureID int64
	done                    chan confirmOutcome
}

type confirmOutcome struct {
	result petition.ConfirmResult
	err    error
}

// NewConfirmer starts the confirmer's batch worker. Call Close to stop it.
func (db *DB) NewConfirmer() *Confirmer {
	c := &Confirmer{db: db}
	c.batches = newBatcher(256, 1, func(r *confirmRequest) int64 { return r.petitionID }, c.commit)
	return c
}

// Confirm counts a pending signature; see petition.Confirmer. Returns
// storage.ErrUnavailable when the database cannot be reached or the
// confirmer is closed.
func (c *Confirmer) Confirm(ctx context.Context, petitionID, signatureID int64) (petition.ConfirmResult, error) {
	req := &confirmRequest{petitionID: petitionID, signatureID: signatureID, done: make(chan confirmOutcome, 1)}
	switch err := c.batches.enqueue(ctx, req); {
	case errors.Is(err, errBatcherClosed):
		return petition.ConfirmResult{}, fmt.Errorf("confirm signature %d: shutting down: %w", signatureID, storage.ErrUnavailable)
	case err != nil:
		return petition.ConfirmResult{}, fmt.Errorf("confirm signature %d: %w", signatureID, err)
	}
	// Once queued it is committed or refused: wait for which.
	out := <-req.done
	if out.err != nil {
		return petition.ConfirmResult{}, fmt.Errorf("confirm signature %d: %w", signatureID, out.err)
	}
	return out.result, nil
}

// Close commits every queued confirmation and stops the worker.
func (c *Confirmer) Close() { c.batches.close() }

// confirmSQL counts the pending signatures $1 of petition $2 in one
// statement: it locks them in id order (two batches confirming the same
// signatures wait in turn instead of deadlocking, and the second finds
// them counted), marks them counted, moves the count, the pending and
// confirmed figures and the tallies once by their number, queues a
// signature.counted webhook delivery of each for every endpoint subscribed,
// and answers for
// each input id whether it exists and whether this statement counted it.
// As in the signer, the count row is updated even by +0, so the answer
// carries the newest committed count.
var confirmSQL = `
WITH input AS (
    SELECT DISTINCT unnest($1::bigint[]) AS id
), locked AS (
    -- A suspect (or invalidated) signature its owner confirms stays as it
    -- is, with its confirmation recorded: an inbox is proved, not an
    -- honest rate. Its owner is answered as if it had been counted.
    SELECT id, state FROM signatures
    WHERE id IN (SELECT id FROM input) AND petition_id = $2
      AND (state = 'pending' OR (state IN ('suspect', 'invalidated') AND confirmed_at IS NULL))
    ORDER BY id
    FOR UPDATE
), moved AS (
    UPDATE signatures s SET state = CASE WHEN s.state = 'pending' THEN 'counted' ELSE s.state END, confirmed_at = now()
    FROM locked WHERE s.id = locked.id
    RETURNING s.id, s.petition_id, s.created_at, s.country, s.source_release_id, s.source_code, s.consent_updates, s.state
), upd AS (
    SELECT * FROM moved WHERE state = 'counted'
), cnt AS (
    UPDATE petition_counts c SET signature_count = c.signature_count + n.n, pending_count = c.pending_count - n.n,
                                 confirmed_count = c.confirmed_count + n.n, updated_at = now()
    FROM (SELECT count(*) AS n FROM upd) n
    WHERE c.petition_id = $2
    RETURNING c.signature_count
), ` + SignatureCountedCTEs("hook", "(SELECT id, petition_id, now() AS created_at FROM upd)") + `, tal AS (` + addTalliesSQL("upd") + `
)
SELECT i.id, s.id IS NOT NULL AS found, moved.id IS NOT NULL AS counted,
       coalesce((SELECT signature_count FROM cnt), 0) AS signature_count
FROM input i
LEFT JOIN signatures s ON s.id = i.id AND s.petition_id = $2
LEFT JOIN moved ON moved.id = i.id`

// commit confirms a batch of one petition and answers every request. A
// batch lost to a deadlock is tried again; one that fails otherwise is
// tried one confirmation at a time, so one bad row cannot refuse the rest.
func (c *Confirmer) commit(batch []*confirmRequest) {
	var outs []confirmOutcome
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		outs, err = c.tryBatch(batch)
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
			c.commit([]*confirmRequest{req})
		}
	default:
		for _, req := range batch {
			req.done <- confirmOutcome{err: err}
		}
	}
}

func (c *Confirmer) tryBatch(batch []*confirmRequest) ([]confirmOutcome, error) {
	ids := make([]int64, len(batch))
	for i, req := range batch {
		ids[i] = req.signatureID
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := c.db.sql.QueryContext(ctx, confirmSQL, ids, batch[0].petitionID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	type status struct {
		found, counted bool
		count          int64
	}
	byID := make(map[int64]status, len(batch))
	for rows.Next() {
		var id int64
		var st status
		if err := rows.Scan(&id, &st.found, &st.counted, &st.count); err != nil {
			return nil, translate(err)
		}
		byID[id] = st
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	outs := make([]confirmOutcome, len(batch))
	counted := map[int64]bool{} // a signature twice in one batch is counted by the first
	for i, req := range batch {
		st, ok := byID[req.signatureID]
		switch {
		case !ok:
			outs[i] = confirmOutcome{err: fmt.Errorf("batch lost signature %d", req.signatureID)}
		case !st.found:
			outs[i] = confirmOutcome{err: petition.ErrNotFound}
		default:
			first := st.counted && !counted[req.signatureID]
			counted[req.signatureID] = true
			outs[i] = confirmOutcome{result: petition.ConfirmResult{SignatureCount: st.count, Counted: first}}
		}
	}
	return outs, nil
}

// ConfirmStore implements petition.ConfirmStore.
type ConfirmStore struct{ db *DB }

// Confirmations returns the store confirmation pages read.
func (db *DB) Confirmations() *ConfirmStore { return &ConfirmStore{db: db} }

var _ petition.ConfirmStore = (*ConfirmStore)(nil)

// Confirmable returns petition.ErrNotFound when there is no such signature.
// The release to send the signer back to is the published release they
// signed from, else the newest published release carrying the petition
// (naming it, or its campaign's without naming any), else none.
func (s *ConfirmStore) Confirmable(ctx context.Context, signatureID int64) (petition.Confirmable, error) {
	var out petition.Confirmable
	err := s.db.sql.QueryRowContext(ctx, `
		SELECT s.id, s.petition_id, `+ownerStateSQL+`, c.slug, coalesce(
		    (SELECT r.slug FROM releases r WHERE r.id = s.source_release_id AND r.status = 'published'),
		    (SELECT r.slug FROM releases r
		     WHERE r.status = 'published' AND r.campaign_id = p.campaign_id
		       AND (r.petition_id = p.id OR r.petition_id IS NULL)
		     ORDER BY (r.petition_id = p.id) DESC NULLS LAST, r.published_at DESC, r.id DESC LIMIT 1),
		    '')
		FROM signatures s
		JOIN petitions p ON p.id = s.petition_id
		JOIN campaigns c ON c.id = p.campaign_id
		WHERE s.id = $1`, signatureID).Scan(&out.SignatureID, &out.PetitionID, &out.State, &out.CampaignSlug, &out.ReleaseSlug)
	if errors.Is(err, sql.ErrNoRows) {
		return petition.Confirmable{}, fmt.Errorf("signature %d: %w", signatureID, petition.ErrNotFound)
	}
	if err != nil {
		return petition.Confirmable{}, fmt.Errorf("signature %d: %w", signatureID, translate(err))
	}
	return out, nil
}
