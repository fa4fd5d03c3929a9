-- Email jobs get a queue of their own, worked only by instances with email
-- on: an instance with email off no longer takes them from the default
-- queue only to put them off. Jobs queued before this move with them.

-- +goose Up
UPDATE river_job SET queue = 'email'
WHERE kind = 'signature_email' AND state IN ('available', 'scheduled', 'retryable');

-- +goose Down
UPDATE river_job SET queue = 'default'
WHERE kind = 'signature_email' AND state IN ('available', 'scheduled', 'retryable');
