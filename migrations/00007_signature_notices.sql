-- When this address was last emailed about its signature, so that signing
-- again cannot be used to flood someone's inbox: at most one email per
-- address per petition per hour.

-- +goose Up
ALTER TABLE signatures ADD COLUMN notice_sent_at timestamptz;

-- +goose Down
ALTER TABLE signatures DROP COLUMN notice_sent_at;
