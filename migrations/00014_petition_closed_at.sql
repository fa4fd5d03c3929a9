-- Retention: the signatures of a petition closed longer than RETENTION_DAYS
-- ago lose their signers' names, emails and postcodes (`advocacy privacy
-- retain`, and a daily job). For that we need to know when a petition
-- closed, and which signatures were anonymised.
--
-- petitions.closed_at is when staff closed the petition: set by a trigger
-- whenever status becomes 'closed' (wherever the update comes from), and
-- cleared when it is reopened. A petition whose closes_at has passed closed
-- then, whatever its status. Petitions closed before this migration get
-- the earlier of closes_at and updated_at: the last time they could have
-- closed, so nothing is anonymised early.
--
-- petitions.signatures_anonymised_at is when retention last finished with
-- the petition, so the daily run does not scan its rows again; a petition
-- reopened and closed again is due again.
--
-- signatures.anonymised_at marks an anonymised signature: full_name and
-- postcode are '', and email is 'erased-<id>@invalid', which keeps the
-- email CHECK and the (petition_id, email) uniqueness, and which no signer
-- can type (signing asks for a domain of two labels at least).
--
-- donations.personal_data_erased_at marks a donation whose donor details
-- (name, email, and a Gift Aid declaration's name, home address and
-- postcode) were erased GIFTAID_RETENTION_YEARS after the donation, as
-- HMRC's record-keeping period ends; amounts, dates and states stay for the
-- books. A declaration then keeps its date, taxpayer statement and wording.

-- +goose Up
ALTER TABLE petitions ADD COLUMN closed_at timestamptz;
ALTER TABLE petitions ADD COLUMN signatures_anonymised_at timestamptz;
UPDATE petitions SET closed_at = LEAST(closes_at, updated_at) WHERE status = 'closed';

-- +goose StatementBegin
CREATE FUNCTION petitions_closed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'closed' THEN
        -- Kept while it stays closed; now when it closes (unless the
        -- statement sets a time itself).
        NEW.closed_at := coalesce(NEW.closed_at, now());
    ELSE
        NEW.closed_at := NULL;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER petitions_closed_at BEFORE INSERT OR UPDATE OF status, closed_at ON petitions
    FOR EACH ROW EXECUTE FUNCTION petitions_closed_at();

ALTER TABLE signatures ADD COLUMN anonymised_at timestamptz;
ALTER TABLE signatures DROP CONSTRAINT signatures_full_name_check;
ALTER TABLE signatures ADD CONSTRAINT signatures_full_name_check
    CHECK (length(full_name) BETWEEN 1 AND 200 OR (anonymised_at IS NOT NULL AND full_name = ''));

ALTER TABLE donations ADD COLUMN personal_data_erased_at timestamptz;
ALTER TABLE donations DROP CONSTRAINT donations_check;
ALTER TABLE donations ADD CONSTRAINT donations_check CHECK (gift_aid_declared_at IS NULL OR (
    currency = 'GBP' AND gift_aid_taxpayer AND gift_aid_wording_version IS NOT NULL
    AND ((gift_aid_full_name <> '' AND gift_aid_home_address <> '' AND gift_aid_postcode <> '')
         OR personal_data_erased_at IS NOT NULL)));

-- +goose Down
ALTER TABLE donations DROP CONSTRAINT donations_check;
ALTER TABLE donations ADD CONSTRAINT donations_check CHECK (gift_aid_declared_at IS NULL OR (
    currency = 'GBP' AND gift_aid_taxpayer AND gift_aid_wording_version IS NOT NULL
    AND gift_aid_full_name <> '' AND gift_aid_home_address <> '' AND gift_aid_postcode <> '')) NOT VALID;
ALTER TABLE donations DROP COLUMN personal_data_erased_at;
-- Anonymised rows keep their empty names: the old CHECK is restored
-- without checking them.
ALTER TABLE signatures DROP CONSTRAINT signatures_full_name_check;
ALTER TABLE signatures ADD CONSTRAINT signatures_full_name_check
    CHECK (length(full_name) BETWEEN 1 AND 200) NOT VALID;
ALTER TABLE signatures DROP COLUMN anonymised_at;
DROP TRIGGER petitions_closed_at ON petitions;
DROP FUNCTION petitions_closed_at();
ALTER TABLE petitions DROP COLUMN signatures_anonymised_at;
ALTER TABLE petitions DROP COLUMN closed_at;
