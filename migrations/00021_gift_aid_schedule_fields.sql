-- +goose Up
-- What HMRC's Charities Online schedule asks of each donor, asked for
-- separately: title (optional), first name, last name, house name or
-- number. The full address and postcode stay where they were. Declarations
-- made before these columns keep them empty; the schedule export derives
-- what it can from their full name and address.
ALTER TABLE donations
    ADD COLUMN gift_aid_title      text NOT NULL DEFAULT '' CHECK (length(gift_aid_title) <= 4),
    ADD COLUMN gift_aid_first_name text NOT NULL DEFAULT '' CHECK (length(gift_aid_first_name) <= 35),
    ADD COLUMN gift_aid_last_name  text NOT NULL DEFAULT '' CHECK (length(gift_aid_last_name) <= 35),
    ADD COLUMN gift_aid_house      text NOT NULL DEFAULT '' CHECK (length(gift_aid_house) <= 40);
-- A declaration that gives the new fields gives all three required ones.
ALTER TABLE donations ADD CONSTRAINT donations_gift_aid_schedule_check CHECK (
    gift_aid_first_name = '' OR (gift_aid_last_name <> '' AND gift_aid_house <> ''));

-- +goose Down
ALTER TABLE donations DROP CONSTRAINT donations_gift_aid_schedule_check;
ALTER TABLE donations
    DROP COLUMN gift_aid_house,
    DROP COLUMN gift_aid_last_name,
    DROP COLUMN gift_aid_first_name,
    DROP COLUMN gift_aid_title;
