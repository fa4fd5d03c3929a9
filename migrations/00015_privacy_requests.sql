-- Subject access and erasure (GET /api/v1/admin/privacy/subject,
-- POST /api/v1/admin/privacy/erase).
--
-- erasures remembers that an address was erased, by a keyed hash of it
-- (HMAC-SHA256 under the server key "privacy_subject"), never the address:
-- so that a later request about it can be answered ("erased on …"), and so
-- that nothing brings the erased details back (a Stripe event for one of
-- the donor's donations arriving after the erasure carries their name and
-- email; it fills nothing in). It does not stop the person signing again:
-- that is new consent (see docs/privacy.md).
--
-- sent_emails records each email sent about a signature (which one, when),
-- without the address: the signature row holds it, and loses it when the
-- signature is anonymised. A subject access request lists them.
--
-- donations.donor_erased_at marks a donation whose donor asked to be erased.
-- Its donor name and email are gone. When the law makes the organisation
-- keep a Gift Aid declaration, its name, home address and postcode stay
-- until GIFTAID_RETENTION_YEARS after the donation, when retention erases
-- them like any other (personal_data_erased_at).

-- +goose Up
CREATE TABLE erasures (
    subject_hash bytea       PRIMARY KEY CHECK (length(subject_hash) = 32),
    first_at     timestamptz NOT NULL DEFAULT now(),
    last_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sent_emails (
    id           bigserial   PRIMARY KEY,
    signature_id bigint      NOT NULL REFERENCES signatures (id),
    kind         text        NOT NULL CHECK (kind IN ('confirm', 'thanks', 'already')),
    sent_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sent_emails_signature ON sent_emails (signature_id);

ALTER TABLE donations ADD COLUMN donor_erased_at timestamptz;

-- +goose Down
ALTER TABLE donations DROP COLUMN donor_erased_at;
DROP TABLE sent_emails;
DROP TABLE erasures;
