-- +goose Up
CREATE TABLE campaigns (
    id          bigserial PRIMARY KEY,
    slug        text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    title       text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    summary     text        NOT NULL DEFAULT '',
    target      text        NOT NULL DEFAULT '',
    status      text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'won', 'closed')),
    currency    text        NOT NULL DEFAULT 'GBP' CHECK (currency ~ '^[A-Z]{3}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE petitions (
    id          bigserial PRIMARY KEY,
    campaign_id bigint      NOT NULL REFERENCES campaigns (id),
    slug        text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    title       text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    ask         text        NOT NULL CHECK (length(ask) >= 1),
    target      text        NOT NULL DEFAULT '',
    goal        bigint      NOT NULL CHECK (goal > 0),
    status      text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closes_at   timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX petitions_campaign_idx ON petitions (campaign_id, id);

CREATE TABLE releases (
    id           bigserial PRIMARY KEY,
    campaign_id  bigint      NOT NULL REFERENCES campaigns (id),
    -- The petition the release page carries; NULL means the campaign's newest open one.
    petition_id  bigint      REFERENCES petitions (id),
    slug         text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    summary      text        NOT NULL DEFAULT '',
    body         text        NOT NULL DEFAULT '',
    status       text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX releases_published_idx ON releases (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX releases_campaign_idx ON releases (campaign_id);

-- Every wording supporters have consented under, so a consent can be proven later.
CREATE TABLE consent_wordings (
    version    text        PRIMARY KEY CHECK (length(version) BETWEEN 1 AND 40),
    wording    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO consent_wordings (version, wording) VALUES
    ('2026-11-v1', 'Keep me updated by email about this campaign and how I can help. I can unsubscribe at any time.');

CREATE TABLE signatures (
    id                bigserial PRIMARY KEY,
    petition_id       bigint      NOT NULL REFERENCES petitions (id),
    full_name         text        NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    -- Stored normalised (trimmed, lower-case): one signature per person per petition.
    email             text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email = lower(btrim(email))),
    postcode          text        NOT NULL DEFAULT '' CHECK (length(postcode) <= 16),
    country           text        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    consent_updates   boolean     NOT NULL,
    consent_version   text        NOT NULL REFERENCES consent_wordings (version),
    source_release_id bigint      REFERENCES releases (id),
    source_code       text        NOT NULL DEFAULT '' CHECK (length(source_code) <= 64),
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (petition_id, email)
);

-- One row per petition, changed once per committed batch of signatures, never once
-- per signature: see docs/design.md.
CREATE TABLE petition_counts (
    petition_id     bigint      PRIMARY KEY REFERENCES petitions (id) ON DELETE CASCADE,
    signature_count bigint      NOT NULL DEFAULT 0 CHECK (signature_count >= 0),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Tallies kept with the count, in the same transaction, for the dashboards:
-- signatures per day, per hour (UTC), per source and per country.
CREATE TABLE signature_tallies (
    petition_id     bigint NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    dimension       text   NOT NULL CHECK (dimension IN ('day', 'hour', 'source', 'country')),
    key             text   NOT NULL,
    signature_count bigint NOT NULL CHECK (signature_count >= 0),
    PRIMARY KEY (petition_id, dimension, key)
);

-- +goose StatementBegin
CREATE FUNCTION petitions_create_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO petition_counts (petition_id) VALUES (NEW.id);
    RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER petitions_create_count AFTER INSERT ON petitions
    FOR EACH ROW EXECUTE FUNCTION petitions_create_count();

-- +goose Down
DROP TABLE signature_tallies;
DROP TABLE petition_counts;
DROP TRIGGER petitions_create_count ON petitions;
DROP FUNCTION petitions_create_count();
DROP TABLE signatures;
DROP TABLE consent_wordings;
DROP TABLE releases;
DROP TABLE petitions;
DROP TABLE campaigns;
