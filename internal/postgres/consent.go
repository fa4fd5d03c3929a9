package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/advocacy/advocacy/internal/outbound"
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
// now, once, and queues consent.withdrawn for the webhook endpoints that
// take it in the same transaction, when consent had been given. Of two
// requests at once, one withdraws and the other, whose locking read waited
// for the first's row lock and then matched nothing, reads the first's time
// in a statement of its own (a snapshot taken after the first committed).
func (s *ConsentStore) WithdrawConsent(ctx context.Context, signatureID int64) (time.Time, bool, error) {
	var w struct {
		PetitionID  int64
		WithdrawnAt time.Time
		HadConsent  bool
		State       string
	}
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Raw(`
			WITH old AS (
			    SELECT id, consent_updates FROM signatures
			    WHERE id = ? AND consent_withdrawn_at IS NULL FOR UPDATE)
			UPDATE signatures s SET consent_updates = false, consent_withdrawn_at = now()
			FROM old WHERE s.id = old.id
			RETURNING s.petition_id, s.consent_withdrawn_at AS withdrawn_at, old.consent_updates AS had_consent, s.state`,
			signatureID).Scan(&w)
		if res.Error != nil || res.RowsAffected == 0 || !w.HadConsent {
			return res.Error
		}
		if w.State == petition.StateCounted {
			if err := withdrawFromConsentTally(tx, w.PetitionID, 1); err != nil {
				return err
			}
		}
		return enqueueConsentWithdrawn(tx, signatureID, w.PetitionID, w.WithdrawnAt)
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("withdraw consent of signature %d: %w", signatureID, translate(err))
	}
	if !w.WithdrawnAt.IsZero() {
		return w.WithdrawnAt.UTC(), true, nil
	}
	var at sql.NullTime
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

// consentWithdrawnData is consent.withdrawn's data: ids and a time, never
// the supporter's details (a receiver that holds them knows the signature).
type consentWithdrawnData struct {
	SignatureID int64     `json:"signature_id"`
	PetitionID  int64     `json:"petition_id"`
	WithdrawnAt time.Time `json:"withdrawn_at"`
}

// enqueueConsentWithdrawn queues consent.withdrawn for a signature whose
// consent to updates was withdrawn at at.
func enqueueConsentWithdrawn(tx *gorm.DB, signatureID, petitionID int64, at time.Time) error {
	return enqueueWebhook(tx, outbound.EventConsentWithdrawn, at,
		consentWithdrawnData{SignatureID: signatureID, PetitionID: petitionID, WithdrawnAt: at.UTC()})
}

// withdrawFromConsentTally moves n counted signatures of a petition from the
// consent tally's "yes" to its "no", in the key order every tally
// statement locks in ("no" before "yes"); a tally that reaches zero goes, as
// the recount would leave it.
func withdrawFromConsentTally(tx *gorm.DB, petitionID, n int64) error {
	if err := tx.Exec(`INSERT INTO signature_tallies (petition_id, dimension, key, signature_count)
		VALUES (?, 'consent', 'no', ?)
		ON CONFLICT (petition_id, dimension, key)
		DO UPDATE SET signature_count = signature_tallies.signature_count + EXCLUDED.signature_count`,
		petitionID, n).Error; err != nil {
		return fmt.Errorf("consent tally of petition %d: %w", petitionID, err)
	}
	if err := tx.Exec(`UPDATE signature_tallies SET signature_count = signature_count - ?
		WHERE petition_id = ? AND dimension = 'consent' AND key = 'yes'`, n, petitionID).Error; err != nil {
		return fmt.Errorf("consent tally of petition %d: %w", petitionID, err)
	}
	if err := tx.Exec(`DELETE FROM signature_tallies
		WHERE petition_id = ? AND dimension = 'consent' AND key = 'yes' AND signature_count = 0`, petitionID).Error; err != nil {
		return fmt.Errorf("consent tally of petition %d: %w", petitionID, err)
	}
	return nil
}
