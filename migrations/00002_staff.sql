-- +goose Up
-- Staff accounts. Supporters never log in; staff are admins, campaigners or
-- finance. Accounts are disabled, never deleted, so the audit log keeps its actors.
CREATE TABLE staff (
    id            bigserial PRIMARY KEY,
    -- Stored normalised (trimmed, lower-case), like supporters' addresses.
    email         text        NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254 AND email = lower(btrim(email))),
    role          text        NOT NULL CHECK (role IN ('admin', 'campaigner', 'finance')),
    -- argon2id in the PHC string format: the parameters and salt travel with the hash.
    password_hash text        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    disabled_at   timestamptz,
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Browser sessions, kept server-side so that logging out (or disabling the
-- account) ends them at once. Only a SHA-256 of the cookie's value is stored.
CREATE TABLE staff_sessions (
    id         bigserial PRIMARY KEY,
    staff_id   bigint      NOT NULL REFERENCES staff (id),
    token_hash bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id);
CREATE INDEX staff_sessions_expires_idx ON staff_sessions (expires_at);

-- API tokens for integrations. Only a SHA-256 of the token is stored; a
-- revoked token stays listed (with when it was last used) but no longer works.
CREATE TABLE staff_tokens (
    id           bigserial PRIMARY KEY,
    staff_id     bigint      NOT NULL REFERENCES staff (id),
    name         text        NOT NULL DEFAULT '' CHECK (length(name) <= 100),
    token_hash   bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX staff_tokens_staff_idx ON staff_tokens (staff_id, id);

-- Failed logins, counted per account and per address over a sliding window
-- to throttle password guessing. Kept in the database so that every server
-- instance sees the same count; rows older than a day are pruned.
CREATE TABLE staff_login_failures (
    id         bigserial PRIMARY KEY,
    email      text        NOT NULL,
    address    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_login_failures_email_idx ON staff_login_failures (email, created_at);
CREATE INDEX staff_login_failures_address_idx ON staff_login_failures (address, created_at);
CREATE INDEX staff_login_failures_created_idx ON staff_login_failures (created_at);

-- Every change staff make: who, what, when, and the entity before and after.
-- A row is written in the same transaction as the change it describes.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    actor_id    bigint      NULL REFERENCES staff (id),
    actor_email text        NOT NULL DEFAULT '',
    action      text        NOT NULL,
    entity      text        NOT NULL,
    entity_id   bigint      NULL,
    before      jsonb       NULL,
    after       jsonb       NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

-- The signature export walks a petition's rows in id order, a page at a time
-- (keyset pagination): each page is an index range scan, whatever the total.
CREATE INDEX signatures_petition_id_idx ON signatures (petition_id, id);

-- +goose Down
DROP INDEX signatures_petition_id_idx;
DROP TABLE audit_log;
DROP TABLE staff_login_failures;
DROP TABLE staff_tokens;
DROP TABLE staff_sessions;
DROP TABLE staff;
