-- The image a link preview shows when a release or a campaign is shared
-- (its Open Graph and Twitter card image): an absolute http(s) address, or
-- '' for none. A release without one shows its campaign's.

-- +goose Up
ALTER TABLE campaigns ADD COLUMN image_url text NOT NULL DEFAULT '' CHECK (length(image_url) <= 2000);
ALTER TABLE releases ADD COLUMN image_url text NOT NULL DEFAULT '' CHECK (length(image_url) <= 2000);

-- +goose Down
ALTER TABLE releases DROP COLUMN image_url;
ALTER TABLE campaigns DROP COLUMN image_url;
