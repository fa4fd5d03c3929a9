-- How many counted signers consented to updates, kept with the other tallies
-- (dimension 'consent', key 'yes' or 'no') by the same statements, so the
-- dashboard reads it without counting rows. Withdrawing consent (the
-- unsubscribe link, an erasure) moves a counted signature from 'yes' to
-- 'no'. Existing counted signatures are tallied here once.

-- +goose Up
ALTER TABLE signature_tallies DROP CONSTRAINT signature_tallies_dimension_check;
ALTER TABLE signature_tallies ADD CONSTRAINT signature_tallies_dimension_check
    CHECK (dimension IN ('day', 'hour', 'source', 'country', 'consent'));
INSERT INTO signature_tallies (petition_id, dimension, key, signature_count)
SELECT petition_id, 'consent', CASE WHEN consent_updates THEN 'yes' ELSE 'no' END, count(*)
FROM signatures WHERE state = 'counted'
GROUP BY 1, 3;

-- +goose Down
DELETE FROM signature_tallies WHERE dimension = 'consent';
ALTER TABLE signature_tallies DROP CONSTRAINT signature_tallies_dimension_check;
ALTER TABLE signature_tallies ADD CONSTRAINT signature_tallies_dimension_check
    CHECK (dimension IN ('day', 'hour', 'source', 'country'));
