-- Outbound webhooks: endpoints admins register, one delivery per event and
-- subscribed endpoint (queued as a River job in the transaction of the change
-- that causes it), and every attempt to deliver it. Signed as the Standard
-- Webhooks specification says (see internal/outbound).

-- +goose Up
CREATE TABLE webhook_endpoints (
    id              bigserial PRIMARY KEY,
    url             text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    events          text[] NOT NULL CHECK (cardinality(events) > 0),
    -- whsec_<base64>: needed in the clear to sign, so it cannot be hashed;
    -- it is shown once, when the endpoint is created, and never again.
    secret          text NOT NULL CHECK (secret LIKE 'whsec\_%'),
    enabled         boolean NOT NULL DEFAULT true,
    -- Why it is disabled: 'admin' (by hand) or 'failing' (automatically,
    -- after failing for days); '' while enabled.
    disabled_reason text NOT NULL DEFAULT '' CHECK (disabled_reason IN ('', 'admin', 'failing')),
    disabled_at     timestamptz,
    -- Health: the last success, and the first failure since it (NULL while
    -- the last attempt succeeded).
    last_success_at timestamptz,
    failing_since   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The enqueueing statements look for enabled endpoints subscribed to an
-- event; there are few endpoints, and none most of the time.
CREATE INDEX webhook_endpoints_enabled ON webhook_endpoints (id) WHERE enabled;

CREATE TABLE webhook_deliveries (
    id           bigserial PRIMARY KEY,
    -- webhook-id: the message's stable id, the same on every retry.
    message_id   text NOT NULL UNIQUE DEFAULT 'msg_' || replace(gen_random_uuid()::text, '-', ''),
    endpoint_id  bigint NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    event_type   text NOT NULL,
    -- The body exactly as sent and signed: text, so its bytes never change.
    payload      text NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
    attempts     int NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);

CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    id            bigserial PRIMARY KEY,
    delivery_id   bigint NOT NULL REFERENCES webhook_deliveries ON DELETE CASCADE,
    attempted_at  timestamptz NOT NULL,
    duration_ms   int NOT NULL CHECK (duration_ms >= 0),
    status_code   int,                     -- NULL: no answer
    -- 'succeeded', 'failed' (an answer outside 2xx), 'timeout', 'refused'
    -- (a destination that is not public), 'error' (no connection).
    result        text NOT NULL CHECK (result IN ('succeeded', 'failed', 'timeout', 'refused', 'error')),
    response_body text NOT NULL DEFAULT '' CHECK (octet_length(response_body) <= 1024),
    error         text NOT NULL DEFAULT ''
);

CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
