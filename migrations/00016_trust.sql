-- Silent fraud marking. A signature over one of the trust rules is stored
-- as suspect: kept, answered as a counted one would be, but in neither the
-- count nor the tallies until staff count it. Staff may invalidate a
-- cluster of signatures (counted or suspect) and count it again.
--
-- The client address is never stored: only a keyed hash of it (HMAC with a
-- server secret) and a keyed hash of its network (/24 IPv4, /48 IPv6), so
-- signatures can be grouped and acted on but nobody can read where a
-- supporter was. Signatures stored before this migration have neither.

-- +goose Up
ALTER TABLE signatures DROP CONSTRAINT signatures_state_check;
ALTER TABLE signatures ADD CONSTRAINT signatures_state_check
    CHECK (state IN ('counted', 'pending', 'suspect', 'invalidated'));
ALTER TABLE signatures ADD COLUMN address_hash bytea;
ALTER TABLE signatures ADD COLUMN network_hash bytea;

-- The rules, one row, edited by admins. A rate of 0 is no limit. Bursts are
-- per clock minute, sustained rates per clock hour. The lists hold
-- addresses or CIDR ranges, and email domains.
CREATE TABLE trust_settings (
    id                boolean PRIMARY KEY DEFAULT true CHECK (id),
    address_burst     integer NOT NULL DEFAULT 30   CHECK (address_burst >= 0),
    address_sustained integer NOT NULL DEFAULT 300  CHECK (address_sustained >= 0),
    network_burst     integer NOT NULL DEFAULT 120  CHECK (network_burst >= 0),
    network_sustained integer NOT NULL DEFAULT 2000 CHECK (network_sustained >= 0),
    domain_burst      integer NOT NULL DEFAULT 0    CHECK (domain_burst >= 0),
    domain_sustained  integer NOT NULL DEFAULT 0    CHECK (domain_sustained >= 0),
    trusted_addresses text[]  NOT NULL DEFAULT '{}',
    held_addresses    text[]  NOT NULL DEFAULT '{}',
    trusted_domains   text[]  NOT NULL DEFAULT '{}',
    held_domains      text[]  NOT NULL DEFAULT '{}',
    updated_at        timestamptz NOT NULL DEFAULT now()
);
INSERT INTO trust_settings DEFAULT VALUES;

-- The rules' counters, shared by every instance: one row per rule kind
-- (1 address, 2 network, 3 email domain) and keyed hash, with the hits of
-- its current clock minute and clock hour, updated in place. Unlogged: they
-- are worth no WAL (a crash or a failover resets them, which lets through
-- at most one more minute's and hour's allowance), and every new address
-- costs a row.
-- Room is left in each page so the updates stay HOT. Rows idle for two
-- hours are pruned by a periodic job, with a scan: an index on the hour
-- would cost every new address more than the scan costs every ten minutes.
CREATE UNLOGGED TABLE trust_counters (
    kind         smallint    NOT NULL,
    key          bytea       NOT NULL,
    minute_start timestamptz NOT NULL,
    minute_hits  integer     NOT NULL,
    hour_start   timestamptz NOT NULL,
    hour_hits    integer     NOT NULL,
    PRIMARY KEY (kind, key)
) WITH (fillfactor = 80);

-- +goose Down
-- Suspect and invalidated signatures become counted: run `advocacy recount`
-- after going down.
DROP TABLE trust_counters;
DROP TABLE trust_settings;
UPDATE signatures SET state = 'counted' WHERE state IN ('suspect', 'invalidated');
ALTER TABLE signatures DROP COLUMN network_hash;
ALTER TABLE signatures DROP COLUMN address_hash;
ALTER TABLE signatures DROP CONSTRAINT signatures_state_check;
ALTER TABLE signatures ADD CONSTRAINT signatures_state_check CHECK (state IN ('counted', 'pending'));
