package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/advocacy/advocacy/internal/donation"
)

var _ donation.RetentionStore = (*RetentionStore)(nil)

// donatedSQL is when donation d was made: paid, or created if never paid.
const donatedSQL = `coalesce(d.paid_at, d.created_at)`

// holdsDetailsSQL: donation d still holds donor details.
const holdsDetailsSQL = `d.personal_data_erased_at IS NULL AND (d.donor_name <> '' OR d.donor_email <> ''
    OR d.gift_aid_full_name <> '' OR d.gift_aid_home_address <> '' OR d.gift_aid_postcode <> ''
    OR d.gift_aid_first_name <> '' OR d.gift_aid_last_name <> '' OR d.gift_aid_house <> '' OR d.gift_aid_title <> '')`

// giftAidPersonalColumns are a Gift Aid declaration's personal details:
// what retention erases, and what an erasure keeps while HMRC may ask.
var giftAidPersonalColumns = []string{"gift_aid_title", "gift_aid_first_name", "gift_aid_last_name", "gift_aid_house",
	"gift_aid_full_name", "gift_aid_home_address", "gift_aid_postcode"}

// eraseGiftAidSQL is the SET list that empties giftAidPersonalColumns of a
// donation d where the SQL condition erase holds, and keeps them elsewhere.
func eraseGiftAidSQL(erase string) string {
	sets := make([]string, len(giftAidPersonalColumns))
	for i, c := range giftAidPersonalColumns {
		sets[i] = c + " = CASE WHEN " + erase + " THEN '' ELSE d." + c + " END"
	}
	return strings.Join(sets, ", ")
}

// DonationsDue counts the donations made before cutoff holding donor details.
func (s *RetentionStore) DonationsDue(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	if err := s.db.sql.QueryRowContext(ctx, `SELECT count(*) FROM donations d WHERE `+donatedSQL+` < $1 AND `+holdsDetailsSQL,
		cutoff).Scan(&n); err != nil {
		return 0, fmt.Errorf("donations due for retention: %w", translate(err))
	}
	return n, nil
}

// eraseDonationsSQL erases the next batch of due donations and blanks their
// Stripe events' payloads to the event's id and type, returning how many
// donations it changed. The rows are locked first, so a webhook applying to
// one of them waits for the batch (and then finds nothing it needs gone).
var eraseDonationsSQL = `
WITH batch AS (
    SELECT d.id FROM donations d
    WHERE ` + donatedSQL + ` < $1 AND ` + holdsDetailsSQL + `
    ORDER BY d.id LIMIT $2
    FOR UPDATE),
erased AS (
    UPDATE donations d
    SET donor_name = '', donor_email = '', ` + eraseGiftAidSQL("true") + `,
        personal_data_erased_at = now(), updated_at = now()
    FROM batch WHERE d.id = batch.id
    RETURNING d.id),
events AS (
    UPDATE stripe_events e
    SET payload = ` + redactedPayloadSQL + `
    FROM erased WHERE e.donation_id = erased.id)
SELECT count(*) FROM erased`

// EraseDonorDetails erases the donor details of donations made before
// cutoff, batch a transaction.
func (s *RetentionStore) EraseDonorDetails(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	if batch <= 0 {
		batch = donation.RetentionBatch
	}
	var total int64
	for {
		var n int64
		if err := s.db.sql.QueryRowContext(ctx, eraseDonationsSQL, cutoff, batch).Scan(&n); err != nil {
			return total, fmt.Errorf("erase donor details: %w", translate(err))
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
	}
}

// NextDonationDue returns when the oldest donation made at or after cutoff
// that holds donor details was made.
func (s *RetentionStore) NextDonationDue(ctx context.Context, cutoff time.Time) (time.Time, bool, error) {
	var at time.Time
	err := s.db.sql.QueryRowContext(ctx, `SELECT `+donatedSQL+` AS donated FROM donations d
		WHERE `+donatedSQL+` >= $1 AND `+holdsDetailsSQL+` ORDER BY donated LIMIT 1`, cutoff).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next donation for retention: %w", translate(err))
	}
	return at.UTC(), true, nil
}
