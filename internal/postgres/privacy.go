package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/privacy"
	"github.com/advocacy/advocacy/internal/staff"
)

// PrivacyStore answers subject access and erasure requests.
//
// A subject's rows are found by their normalised email. There is no index
// on signatures' email alone (only on (petition_id, email)), on purpose:
// these requests come a few times a month and may scan the table, while
// an index would cost every signature on the hot path.
type PrivacyStore struct{ db *DB }

// Privacy returns the store behind subject access and erasure.
func (db *DB) Privacy() *PrivacyStore { return &PrivacyStore{db: db} }

var _ privacy.Store = (*PrivacyStore)(nil)

// queuedEmailStates are the states of a River job that has not run yet.
const queuedEmailStates = `('available', 'scheduled', 'retryable', 'pending')`

// redactedPayloadSQL is a Stripe event's payload reduced to its id and type:
// the rest (the donor's name and email among it) is gone.
const redactedPayloadSQL = `convert_to(json_build_object('id', e.event_id, 'type', e.type, 'redacted', true)::text, 'UTF8')`

// Subject returns what is held about email and audit-logs the lookup, in
// one transaction (one snapshot: the parts agree with each other).
func (s *PrivacyStore) Subject(ctx context.Context, actor staff.Actor, email string, hash []byte) (privacy.Subject, error) {
	sub := privacy.Subject{Email: email, Hash: privacy.HashText(hash),
		Signatures: []privacy.Signature{}, Donations: []privacy.Donation{}, Emails: []privacy.Email{}}
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var erased sql.NullTime
		if err := tx.Raw(`SELECT last_at FROM erasures WHERE subject_hash = decode(?, 'hex')`, privacy.HashText(hash)).Scan(&erased).Error; err != nil {
			return err
		}
		if erased.Valid {
			at := erased.Time.UTC()
			sub.ErasedAt = &at
		}
		if err := subjectSignatures(tx, email, &sub); err != nil {
			return err
		}
		if err := subjectDonations(tx, email, &sub); err != nil {
			return err
		}
		if err := subjectEmails(tx, email, &sub); err != nil {
			return err
		}
		return writeAudit(tx, actor, "privacy.subject_access", "subject", 0, nil, map[string]any{
			"subject": sub.Hash, "signatures": len(sub.Signatures), "donations": len(sub.Donations), "emails": len(sub.Emails)})
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return privacy.Subject{}, fmt.Errorf("subject access: %w", translate(err))
	}
	return sub, nil
}

func subjectSignatures(tx *gorm.DB, email string, sub *privacy.Subject) error {
	rows, err := tx.Raw(`
		SELECT s.id, s.petition_id, p.slug, p.title, s.full_name, s.email, s.postcode, s.country, s.state,
		       coalesce(r.slug, s.source_code), s.created_at, s.confirmed_at,
		       s.consent_updates, s.consent_version, cw.wording, s.consent_withdrawn_at, s.anonymised_at
		FROM signatures s
		JOIN petitions p ON p.id = s.petition_id
		JOIN consent_wordings cw ON cw.version = s.consent_version
		LEFT JOIN releases r ON r.id = s.source_release_id
		WHERE s.email = ?
		ORDER BY s.id`, email).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g privacy.Signature
		if err := rows.Scan(&g.ID, &g.PetitionID, &g.PetitionSlug, &g.PetitionTitle, &g.FullName, &g.Email, &g.Postcode,
			&g.Country, &g.State, &g.Source, &g.SignedAt, &g.ConfirmedAt, &g.Consent.Given, &g.Consent.Version,
			&g.Consent.Wording, &g.Consent.WithdrawnAt, &g.AnonymisedAt); err != nil {
			return err
		}
		g.SignedAt = g.SignedAt.UTC()
		sub.Signatures = append(sub.Signatures, g)
	}
	return rows.Err()
}

// subjectDonationsSQL finds the donations made with the address, or after
// one of its signatures.
const subjectDonationsSQL = `(lower(btrim(d.donor_email)) = @email
    OR d.signature_id IN (SELECT id FROM signatures WHERE email = @email))`

func subjectDonations(tx *gorm.DB, email string, sub *privacy.Subject) error {
	rows, err := tx.Raw(`
		SELECT d.id, d.campaign_id, d.signature_id, d.amount, d.currency, d.status, d.created_at, d.paid_at,
		       d.donor_name, d.donor_email, d.gift_aid_declared_at, d.gift_aid_full_name, d.gift_aid_home_address,
		       d.gift_aid_postcode, d.gift_aid_title, d.gift_aid_first_name, d.gift_aid_last_name, d.gift_aid_house,
		       coalesce(d.gift_aid_wording_version, ''), coalesce(w.wording, ''),
		       d.donor_erased_at, d.personal_data_erased_at
		FROM donations d
		LEFT JOIN gift_aid_wordings w ON w.version = d.gift_aid_wording_version
		WHERE `+subjectDonationsSQL+`
		ORDER BY d.id`, sql.Named("email", email)).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var d privacy.Donation
		var declared sql.NullTime
		var g privacy.GiftAid
		if err := rows.Scan(&d.ID, &d.CampaignID, &d.SignatureID, &d.Amount, &d.Currency, &d.Status, &d.CreatedAt,
			&d.PaidAt, &d.DonorName, &d.DonorEmail, &declared, &g.FullName, &g.HomeAddress, &g.Postcode,
			&g.Title, &g.FirstName, &g.LastName, &g.House, &g.WordingVersion, &g.Wording, &d.DonorErasedAt, &d.DetailsErasedAt); err != nil {
			return err
		}
		d.CreatedAt = d.CreatedAt.UTC()
		if declared.Valid {
			g.DeclaredAt = declared.Time.UTC()
			d.GiftAid = &g
		}
		sub.Donations = append(sub.Donations, d)
	}
	return rows.Err()
}

func subjectEmails(tx *gorm.DB, email string, sub *privacy.Subject) error {
	rows, err := tx.Raw(`
		SELECT e.signature_id, e.kind, 'sent', e.sent_at
		FROM sent_emails e JOIN signatures s ON s.id = e.signature_id
		WHERE s.email = @email
		UNION ALL
		SELECT (j.args->>'signature_id')::bigint, coalesce(j.args->>'reason', ''), 'queued', j.scheduled_at
		FROM river_job j
		WHERE j.kind = @kind AND j.state IN `+queuedEmailStates+`
		  AND (j.args->>'signature_id')::bigint IN (SELECT id FROM signatures WHERE email = @email)
		ORDER BY 4, 1`, sql.Named("email", email), sql.Named("kind", SignatureEmailKind)).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e privacy.Email
		if err := rows.Scan(&e.SignatureID, &e.Kind, &e.Status, &e.At); err != nil {
			return err
		}
		e.At = e.At.UTC()
		sub.Emails = append(sub.Emails, e)
	}
	return rows.Err()
}

// eraseSignaturesSQL anonymises the subject's signatures, in id order (as
// the confirmer and retention lock them), drops the keyed hashes of the
// address they were signed from, and withdraws the consents to
// updates still given. Counts and tallies do not move: an erased signature
// was real. Returns each signature with whether its consent was withdrawn.
const eraseSignaturesSQL = `
WITH target AS (
    SELECT id, consent_updates AND consent_withdrawn_at IS NULL AS consenting
    FROM signatures
    WHERE email = @email AND anonymised_at IS NULL
    ORDER BY id
    FOR UPDATE),
erased AS (
    UPDATE signatures s
    SET ` + anonymiseSignatureSQL + `, consent_updates = false,
        consent_withdrawn_at = CASE WHEN t.consenting THEN now() ELSE s.consent_withdrawn_at END
    FROM target t WHERE s.id = t.id
    RETURNING s.id, s.petition_id, t.consenting, s.consent_withdrawn_at, s.state)
SELECT id, petition_id, consenting, consent_withdrawn_at, state FROM erased ORDER BY id`

// eraseDonorSQL removes the donor's details from their donations. A Gift
// Aid declaration on a donation that could be claimed (paid, not wholly
// refunded, made since @keep_since) keeps its name, home address and
// postcode, which HMRC may ask to see; retention erases them later. The
// donations' Stripe events lose their payloads.
var eraseDonorSQL = `
WITH target AS (
    SELECT d.id,
           (d.gift_aid_declared_at IS NOT NULL AND d.personal_data_erased_at IS NULL
            AND d.paid_at IS NOT NULL AND NOT d.fully_refunded
            AND coalesce(d.paid_at, d.created_at) >= now() - make_interval(years => @years)) AS keep
    FROM donations d
    WHERE d.donor_erased_at IS NULL
      AND (lower(btrim(d.donor_email)) = @email OR d.signature_id IN @signatures)
    ORDER BY d.id
    FOR UPDATE),
erased AS (
    UPDATE donations d
    SET donor_name = '', donor_email = '', donor_erased_at = now(), updated_at = now(),
        ` + eraseGiftAidSQL("NOT t.keep") + `,
        personal_data_erased_at = CASE WHEN t.keep THEN d.personal_data_erased_at
                                       ELSE coalesce(d.personal_data_erased_at, now()) END
    FROM target t WHERE d.id = t.id
    RETURNING d.id, t.keep, coalesce(d.paid_at, d.created_at) + make_interval(years => @years) AS until),
events AS (
    UPDATE stripe_events e SET payload = ` + redactedPayloadSQL + `
    FROM erased WHERE e.donation_id = erased.id)
SELECT id, keep, until FROM erased ORDER BY id`

// Erase anonymises the subject's signatures, erases their donor details,
// cancels their queued emails and remembers the erasure, in one
// transaction. The erasures row is taken first: two erasures of one
// subject run one after the other.
func (s *PrivacyStore) Erase(ctx context.Context, actor staff.Actor, email string, hash []byte, giftAidYears int) (privacy.Erasure, error) {
	var out privacy.Erasure
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var when struct{ FirstAt, LastAt time.Time }
		if err := tx.Raw(`INSERT INTO erasures (subject_hash) VALUES (decode(?, 'hex'))
			ON CONFLICT (subject_hash) DO UPDATE SET last_at = now()
			RETURNING first_at, last_at`, privacy.HashText(hash)).Scan(&when).Error; err != nil {
			return err
		}
		out = privacy.Erasure{ErasedAt: when.LastAt.UTC(), FirstErasedAt: when.FirstAt.UTC(), Kept: []privacy.Kept{}}

		var sigs []struct {
			ID, PetitionID     int64
			Consenting         bool
			ConsentWithdrawnAt *time.Time
			State              string
		}
		if err := tx.Raw(eraseSignaturesSQL, sql.Named("email", email)).Scan(&sigs).Error; err != nil {
			return err
		}
		ids := make([]int64, len(sigs))
		withdrawn := map[int64]int64{} // counted signatures' consents withdrawn, per petition
		var petitions []int64
		for i, g := range sigs {
			ids[i] = g.ID
			if g.Consenting && g.ConsentWithdrawnAt != nil {
				out.ConsentsWithdrawn++
				if err := enqueueConsentWithdrawn(tx, g.ID, g.PetitionID, *g.ConsentWithdrawnAt); err != nil {
					return err
				}
				if g.State == petition.StateCounted {
					if withdrawn[g.PetitionID] == 0 {
						petitions = append(petitions, g.PetitionID)
					}
					withdrawn[g.PetitionID]++
				}
			}
		}
		slices.Sort(petitions)
		for _, id := range petitions {
			if err := withdrawFromConsentTally(tx, id, withdrawn[id]); err != nil {
				return err
			}
		}
		out.SignaturesAnonymised = int64(len(sigs))

		var dons []struct {
			ID    int64
			Keep  bool
			Until time.Time
		}
		if err := tx.Raw(eraseDonorSQL, sql.Named("email", email), sql.Named("signatures", ids),
			sql.Named("years", giftAidYears)).Scan(&dons).Error; err != nil {
			return err
		}
		out.DonationsErased = int64(len(dons))
		for _, d := range dons {
			if d.Keep {
				out.Kept = append(out.Kept, privacy.Kept{DonationID: d.ID, Fields: slices.Clone(giftAidPersonalColumns),
					Reason: privacy.KeptReason, Until: d.Until.UTC()})
			}
		}

		res := tx.Exec(`DELETE FROM river_job WHERE kind = ? AND state IN `+queuedEmailStates+`
			AND (args->>'signature_id')::bigint IN ?`, SignatureEmailKind, ids)
		if res.Error != nil {
			return res.Error
		}
		out.EmailsCancelled = res.RowsAffected

		kept := make([]int64, len(out.Kept))
		for i, k := range out.Kept {
			kept[i] = k.DonationID
		}
		return writeAudit(tx, actor, "privacy.erase", "subject", 0, nil, map[string]any{
			"subject": privacy.HashText(hash), "signatures_anonymised": out.SignaturesAnonymised,
			"donations_erased": out.DonationsErased, "emails_cancelled": out.EmailsCancelled,
			"consents_withdrawn": out.ConsentsWithdrawn, "gift_aid_kept": kept})
	})
	if err != nil {
		return privacy.Erasure{}, fmt.Errorf("erase subject: %w", translate(err))
	}
	return out, nil
}
