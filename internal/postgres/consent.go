package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
)

// ConsentStore reads and withdraws signers' consent to updates.
type ConsentStore struct{ db *DB }

// Consent returns the store behind unsubscribe links.
func (db *DB) Consent() *ConsentStore { return &ConsentStore{db: db} }

var _ petition.ConsentStore = (*ConsentStore)(nil)

// ConsentOf returns the signature's petition and when its consent was
// withdrawn, or petition.ErrNotFound.
func (s *ConsentStore) ConsentOf(ctx context.Context, signatureID int64) (int64, *time.Time, error) {
	var petitionID int64
	var withdrawn sql.NullTime
	err := s.db.sql.QueryRowContext(ctx, `SELECT petition_id, consent_withdrawn_at FROM signatures WHERE id = $1`,
		signatureID).Scan(&petitionID, &withdrawn)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("signature %d: %w", signatureID, petition.ErrNotFound)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("consent of signature %d: %w", signatureID, translate(err))
	}
	if !withdrawn.Valid {
		return petitionID, nil, nil
	}
	at := withdrawn.Time.UTC()
	return petitionID, &at, nil
}

// WithdrawConsent sets consent_updates to false and consent_withdrawn_at to
// now, once: of two requests at once, one withdraws and the other, whose
// update waited for the first's row lock and then matched nothing, reads
// the first's time in a statement of its own (a snapshot taken after the
// first committed).
func (s *ConsentStore) WithdrawConsent(ctx context.Context, signatureID int64) (time.Time, bool, error) {
	var at sql.NullTime
	err := s.db.sql.QueryRowContext(ctx, `
		UPDATE signatures SET consent_updates = false, consent_withdrawn_at = now()
		WHERE id = $1 AND consent_withdrawn_at IS NULL
		RETURNING consent_withdrawn_at`, signatureID).Scan(&at)
	if err == nil {
		return at.Time.UTC(), true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, fmt.Errorf("withdraw consent of signature %d: %w", signatureID, translate(err))
	}
	err = s.db.sql.QueryRowContext(ctx, `SELECT consent_withdrawn_at FROM signatures WHERE id = $1`, signatureID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, fmt.Errorf("signature %d: %w", signatureID, petition.ErrNotFound)
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("withdraw consent of signature %d: %w", signatureID, translate(err))
	}
	if !at.Valid { // the update matched nothing, yet nothing withdrew it: not possible
		return time.Time{}, false, fmt.Errorf("withdraw consent of signature %d: the update took no effect", signatureID)
	}
	return at.Time.UTC(), false, nil
}
