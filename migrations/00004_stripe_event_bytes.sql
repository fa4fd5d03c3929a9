-- A Stripe event is kept exactly as it arrived, whatever bytes it holds.
-- jsonb refuses "\u0000" and text refuses bytes that are not UTF-8; an event
-- refused for that would be retried by Stripe for days, and its raw body is
-- evidence, so it is kept as bytes.

-- +goose Up
ALTER TABLE stripe_events ALTER COLUMN payload TYPE bytea USING convert_to(payload::text, 'UTF8');

-- +goose Down
-- Events that jsonb cannot hold are kept base64-encoded rather than lost.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION pg_temp.stripe_event_json(raw bytea) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    RETURN convert_from(raw, 'UTF8')::jsonb;
EXCEPTION WHEN others THEN
    RETURN jsonb_build_object('unreadable_event_base64', encode(raw, 'base64'));
END
$$;
-- +goose StatementEnd
ALTER TABLE stripe_events ALTER COLUMN payload TYPE jsonb USING pg_temp.stripe_event_json(payload);
DROP FUNCTION pg_temp.stripe_event_json(bytea);
