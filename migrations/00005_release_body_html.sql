-- A release's body is rendered from Markdown once, when it is saved, and
-- kept here; pages show it without rendering it again. NULL: saved before
-- this column existed; `advocacy serve` renders those as it starts.

-- +goose Up
ALTER TABLE releases ADD COLUMN body_html text;

-- +goose Down
ALTER TABLE releases DROP COLUMN body_html;
