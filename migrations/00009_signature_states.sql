-- Email verification: a petition may count a signature only once its owner
-- confirms it from the link in an email. Until then the signature is
-- pending: stored, but in neither the count nor the tallies.
--
-- petition_counts keeps, beside the public count, how many signatures
-- await confirmation and how many have been confirmed, so the dashboard's
-- figures cost one row read like the count.

-- +goose Up
ALTER TABLE petitions ADD COLUMN verification text NOT NULL DEFAULT 'none'
    CHECK (verification IN ('none', 'email'));

ALTER TABLE signatures ADD COLUMN state text NOT NULL DEFAULT 'counted'
    CHECK (state IN ('counted', 'pending'));
ALTER TABLE signatures ADD COLUMN confirmed_at timestamptz;

ALTER TABLE petition_counts ADD COLUMN pending_count bigint NOT NULL DEFAULT 0
    CHECK (pending_count >= 0);
ALTER TABLE petition_counts ADD COLUMN confirmed_count bigint NOT NULL DEFAULT 0
    CHECK (confirmed_count >= 0);

-- +goose Down
ALTER TABLE petition_counts DROP COLUMN confirmed_count;
ALTER TABLE petition_counts DROP COLUMN pending_count;
ALTER TABLE signatures DROP COLUMN confirmed_at;
ALTER TABLE signatures DROP COLUMN state;
ALTER TABLE petitions DROP COLUMN verification;
