-- Secret keys the server generates once and keeps: the keys that sign the
-- links in emails (confirmation, and later unsubscribe) and the forms that
-- cannot rely on a cookie. Every instance reads the same key, so a link
-- made by one is accepted by the others, and a restart keeps links valid.

-- +goose Up
CREATE TABLE server_keys (
    name       text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    key        bytea NOT NULL CHECK (octet_length(key) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE server_keys;
