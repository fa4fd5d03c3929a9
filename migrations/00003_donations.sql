-- +goose Up
-- Every Gift Aid declaration wording donors have agreed to, so a claim can
-- show HMRC what each donor saw.
CREATE TABLE gift_aid_wordings (
    version    text        PRIMARY KEY CHECK (length(version) BETWEEN 1 AND 40),
    wording    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO gift_aid_wordings (version, wording) VALUES
    ('2026-11-v1', 'I want to Gift Aid my donation. I am a UK taxpayer and understand that if I pay less Income Tax and/or Capital Gains Tax than the amount of Gift Aid claimed on all my donations in that tax year it is my responsibility to pay any difference.');

-- One row per gift, created 'pending' before the Stripe Checkout Session.
-- The payment columns are facts that Stripe's events establish (see
-- internal/donation/state.go); status is derived from them.
CREATE TABLE donations (
    id                  bigserial   PRIMARY KEY,
    campaign_id         bigint      NOT NULL REFERENCES campaigns (id),
    release_id          bigint      REFERENCES releases (id),
    signature_id        bigint      REFERENCES signatures (id),
    -- Minor units (pence) of currency, which is the campaign's.
    amount              bigint      NOT NULL CHECK (amount > 0),
    currency            text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status              text        NOT NULL DEFAULT 'pending' CHECK (status IN
                            ('pending', 'paid', 'failed', 'expired', 'refunded', 'partially_refunded', 'disputed')),
    -- Random; with the id it makes the Checkout Session's idempotency key.
    checkout_nonce      text        NOT NULL CHECK (length(checkout_nonce) BETWEEN 16 AND 64),
    checkout_session_id text        UNIQUE,
    payment_intent_id   text,
    charge_id           text,
    completed_at        timestamptz,
    paid_at             timestamptz,
    failed_at           timestamptz,
    expired_at          timestamptz,
    disputed_at         timestamptz,
    dispute_won_at      timestamptz,
    amount_refunded     bigint      NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
    fully_refunded      boolean     NOT NULL DEFAULT false,
    amount_disputed     bigint      NOT NULL DEFAULT 0 CHECK (amount_disputed >= 0),
    donor_name          text        NOT NULL DEFAULT '' CHECK (length(donor_name) <= 200),
    donor_email         text        NOT NULL DEFAULT '' CHECK (length(donor_email) <= 254),
    -- The Gift Aid declaration; gift_aid_declared_at NULL means none.
    gift_aid_declared_at     timestamptz,
    gift_aid_full_name       text    NOT NULL DEFAULT '' CHECK (length(gift_aid_full_name) <= 200),
    gift_aid_home_address    text    NOT NULL DEFAULT '' CHECK (length(gift_aid_home_address) <= 300),
    gift_aid_postcode        text    NOT NULL DEFAULT '' CHECK (length(gift_aid_postcode) <= 8),
    gift_aid_taxpayer        boolean NOT NULL DEFAULT false,
    gift_aid_wording_version text    REFERENCES gift_aid_wordings (version),
    -- Finance's review: when, by which staff account, and the email it had
    -- then (kept, like the audit log's, should the address change).
    reviewed_at         timestamptz,
    reviewed_by         bigint      REFERENCES staff (id),
    reviewed_by_email   text        NOT NULL DEFAULT '',
    review_note         text        NOT NULL DEFAULT '' CHECK (length(review_note) <= 2000),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (gift_aid_declared_at IS NULL OR (
        currency = 'GBP' AND gift_aid_taxpayer AND gift_aid_wording_version IS NOT NULL
        AND gift_aid_full_name <> '' AND gift_aid_home_address <> '' AND gift_aid_postcode <> ''))
);
-- The finance filters: newest first, by status, campaign, release.
CREATE INDEX donations_created_idx  ON donations (created_at DESC, id DESC);
CREATE INDEX donations_status_idx   ON donations (status, created_at DESC);
CREATE INDEX donations_campaign_idx ON donations (campaign_id, created_at DESC);
CREATE INDEX donations_release_idx  ON donations (release_id, created_at DESC) WHERE release_id IS NOT NULL;
-- Matching Stripe's events to donations.
CREATE INDEX donations_payment_intent_idx ON donations (payment_intent_id) WHERE payment_intent_id IS NOT NULL;
CREATE INDEX donations_charge_idx         ON donations (charge_id) WHERE charge_id IS NOT NULL;
-- The Gift Aid claim: paid, unrefunded, declared, by payment date.
CREATE INDEX donations_gift_aid_idx ON donations (paid_at)
    WHERE gift_aid_declared_at IS NOT NULL AND status = 'paid';

-- Every Stripe event received, once (event_id is unique). Events that match
-- no donation are kept with donation_id NULL and shown to finance; one that
-- names a payment intent is applied when a later event links that payment
-- intent to a donation.
CREATE TABLE stripe_events (
    id                  bigserial   PRIMARY KEY,
    event_id            text        NOT NULL UNIQUE CHECK (length(event_id) BETWEEN 1 AND 255),
    type                text        NOT NULL,
    created             timestamptz NOT NULL,
    payload             jsonb       NOT NULL,
    -- What the event says, as the donation state machine reads it.
    kind                text        NOT NULL,
    payment_status      text        NOT NULL DEFAULT '',
    amount_refunded     bigint      NOT NULL DEFAULT 0,
    fully_refunded      boolean     NOT NULL DEFAULT false,
    amount_disputed     bigint      NOT NULL DEFAULT 0,
    -- How it names its donation.
    ref_donation_id     bigint,
    checkout_session_id text        NOT NULL DEFAULT '',
    payment_intent_id   text        NOT NULL DEFAULT '',
    charge_id           text        NOT NULL DEFAULT '',
    donation_id         bigint      REFERENCES donations (id),
    processed_at        timestamptz,
    received_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stripe_events_donation_idx  ON stripe_events (donation_id, created, id) WHERE donation_id IS NOT NULL;
CREATE INDEX stripe_events_unmatched_idx ON stripe_events (received_at DESC) WHERE donation_id IS NULL;
CREATE INDEX stripe_events_orphan_pi_idx ON stripe_events (payment_intent_id)
    WHERE donation_id IS NULL AND payment_intent_id <> '';

-- +goose Down
DROP TABLE stripe_events;
DROP TABLE donations;
DROP TABLE gift_aid_wordings;
