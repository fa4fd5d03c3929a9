-- Withdrawing consent to updates: the unsubscribe link in every email sets
-- consent_updates to false and records when, so exports show that the
-- supporter withdrew it (and since when), not only that it is absent.

-- +goose Up
ALTER TABLE signatures ADD COLUMN consent_withdrawn_at timestamptz;

-- +goose Down
ALTER TABLE signatures DROP COLUMN consent_withdrawn_at;
