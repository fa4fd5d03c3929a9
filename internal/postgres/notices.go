package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/advocacy/advocacy/internal/notify"
	"github.com/advocacy/advocacy/internal/petition"
)

// NoticeStore reads what emails to supporters say.
type NoticeStore struct{ db *DB }

// Notices returns the store emails read from.
func (db *DB) Notices() *NoticeStore { return &NoticeStore{db: db} }

var _ notify.Store = (*NoticeStore)(nil)

// ownerStateSQL is the state of signature s (of petition p) as its owner
// is told it: a suspect or invalidated signature is counted, or pending
// while its petition verifies by email and its owner has not confirmed it.
// Whoever signed learns nothing of the trust rules from an email or a page.
const ownerStateSQL = `CASE WHEN s.state IN ('suspect', 'invalidated')
		     THEN CASE WHEN p.verification = 'email' AND s.confirmed_at IS NULL THEN 'pending' ELSE 'counted' END
		     ELSE s.state END`

// Signed returns the signature with that id, its petition and the
// petition's count. Returns petition.ErrNotFound when there is none, or when
// it was anonymised (there is no one to write to).
func (s *NoticeStore) Signed(ctx context.Context, signatureID int64) (notify.Signed, error) {
	var out notify.Signed
	err := s.db.sql.QueryRowContext(ctx, `
		SELECT s.id, s.full_name, s.email, p.title, p.ask, pc.signature_count, c.slug, `+ownerStateSQL+`
		FROM signatures s
		JOIN petitions p ON p.id = s.petition_id
		JOIN petition_counts pc ON pc.petition_id = p.id
		JOIN campaigns c ON c.id = p.campaign_id
		WHERE s.id = $1 AND s.anonymised_at IS NULL`, signatureID).Scan(&out.SignatureID, &out.FullName, &out.Email, &out.PetitionTitle,
		&out.Ask, &out.SignatureCount, &out.CampaignSlug, &out.State)
	if errors.Is(err, sql.ErrNoRows) {
		return notify.Signed{}, fmt.Errorf("signature %d: %w", signatureID, petition.ErrNotFound)
	}
	if err != nil {
		return notify.Signed{}, fmt.Errorf("signature %d: %w", signatureID, translate(err))
	}
	return out, nil
}

// EmailSent records that an email of kind was sent about the signature.
func (s *NoticeStore) EmailSent(ctx context.Context, signatureID int64, kind string) error {
	if _, err := s.db.sql.ExecContext(ctx, `INSERT INTO sent_emails (signature_id, kind) VALUES ($1, $2)`,
		signatureID, kind); err != nil {
		return fmt.Errorf("record email to signer %d: %w", signatureID, translate(err))
	}
	return nil
}
