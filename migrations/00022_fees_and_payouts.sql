-- +goose Up
-- Stripe's payouts to the bank, so that finance can match a deposit to the
-- donations it holds. Recorded when Stripe reports one paid.
CREATE TABLE payouts (
    id           bigserial   PRIMARY KEY,
    payout_id    text        NOT NULL UNIQUE CHECK (length(payout_id) BETWEEN 1 AND 255),
    -- Minor units of currency, as Stripe paid them out.
    amount       bigint      NOT NULL,
    currency     text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status       text        NOT NULL CHECK (length(status) <= 40),
    arrival_date timestamptz NOT NULL,
    created      timestamptz NOT NULL,
    livemode     boolean     NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payouts_arrival_idx ON payouts (arrival_date DESC, id DESC);

-- Each payment's fee and net, from its balance transaction, in the
-- balance's currency (which may differ from the donation's), and the
-- payout it was paid out in.
ALTER TABLE donations
    ADD COLUMN balance_transaction_id text,
    ADD COLUMN stripe_fee             bigint CHECK (stripe_fee >= 0),
    ADD COLUMN stripe_net             bigint,
    ADD COLUMN fee_currency           text CHECK (fee_currency ~ '^[A-Z]{3}$'),
    ADD COLUMN payout_id              bigint REFERENCES payouts (id);
CREATE INDEX donations_balance_transaction_idx ON donations (balance_transaction_id) WHERE balance_transaction_id IS NOT NULL;
CREATE INDEX donations_payout_idx ON donations (payout_id, id) WHERE payout_id IS NOT NULL;

-- +goose Down
DROP INDEX donations_payout_idx;
DROP INDEX donations_balance_transaction_idx;
ALTER TABLE donations
    DROP COLUMN payout_id,
    DROP COLUMN fee_currency,
    DROP COLUMN stripe_net,
    DROP COLUMN stripe_fee,
    DROP COLUMN balance_transaction_id;
DROP TABLE payouts;
