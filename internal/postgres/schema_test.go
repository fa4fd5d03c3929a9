package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// The schema itself refuses bad rows, whatever code writes them: each
// statement here goes to the database as raw SQL.
func TestSchemaConstraints(t *testing.T) {
	const (
		duplicate  = "23505"
		check      = "23514"
		foreignKey = "23503"
		notNull    = "23502"
	)
	campaignSlug := unique("schema")
	c := newCampaign(t, shared, campaignSlug)
	petitionSlug := unique("schema-petition")
	p := newPetition(t, shared, c, petitionSlug, "open", nil)
	releaseSlug := unique("schema-release")
	newRelease(t, shared, c, nil, releaseSlug, "body", nil)

	// The baseline signature is accepted; each case changes one thing.
	const sign = `INSERT INTO signatures (petition_id, full_name, email, postcode, country, consent_updates, consent_version, source_code)
		VALUES ($1, $2, $3, $4, $5, true, $6, $7)`
	exec(t, shared, sign, p, "Ada Lovelace", "ada@example.org", "SW1A 1AA", "GB", consentVersion, "")
	if n := queryInt(t, shared, `SELECT signature_count FROM petition_counts WHERE petition_id = $1`, p); n != 0 {
		t.Errorf("a new petition's count row = %d, want 0 (created by the trigger)", n)
	}

	tests := []struct {
		name  string
		query string
		args  []any
		code  string
	}{
		{"duplicate campaign slug", `INSERT INTO campaigns (slug, title) VALUES ($1, 'Again')`, []any{campaignSlug}, duplicate},
		{"duplicate petition slug", `INSERT INTO petitions (campaign_id, slug, title, ask, goal) VALUES ($1, $2, 'Again', 'Ask', 10)`,
			[]any{c, petitionSlug}, duplicate},
		{"duplicate release slug", `INSERT INTO releases (campaign_id, slug, title) VALUES ($1, $2, 'Again')`, []any{c, releaseSlug}, duplicate},
		{"duplicate signature", sign, []any{p, "Ada Again", "ada@example.org", "", "GB", consentVersion, ""}, duplicate},

		{"campaign slug with capitals", `INSERT INTO campaigns (slug, title) VALUES ('Bad-Slug', 'T')`, nil, check},
		{"campaign slug with space", `INSERT INTO campaigns (slug, title) VALUES ('bad slug', 'T')`, nil, check},
		{"campaign slug with trailing hyphen", `INSERT INTO campaigns (slug, title) VALUES ('bad-', 'T')`, nil, check},
		{"campaign empty title", `INSERT INTO campaigns (slug, title) VALUES ($1, '')`, []any{unique("t")}, check},
		{"campaign bad status", `INSERT INTO campaigns (slug, title, status) VALUES ($1, 'T', 'paused')`, []any{unique("s")}, check},
		{"campaign lower-case currency", `INSERT INTO campaigns (slug, title, currency) VALUES ($1, 'T', 'gbp')`, []any{unique("cur")}, check},

		{"petition bad status", `INSERT INTO petitions (campaign_id, slug, title, ask, goal, status) VALUES ($1, $2, 'T', 'A', 10, 'paused')`,
			[]any{c, unique("p")}, check},
		{"petition goal zero", `INSERT INTO petitions (campaign_id, slug, title, ask, goal) VALUES ($1, $2, 'T', 'A', 0)`,
			[]any{c, unique("p")}, check},
		{"petition empty ask", `INSERT INTO petitions (campaign_id, slug, title, ask, goal) VALUES ($1, $2, 'T', '', 10)`,
			[]any{c, unique("p")}, check},
		{"petition of unknown campaign", `INSERT INTO petitions (campaign_id, slug, title, ask, goal) VALUES (-1, $1, 'T', 'A', 10)`,
			[]any{unique("p")}, foreignKey},

		{"release bad status", `INSERT INTO releases (campaign_id, slug, title, status) VALUES ($1, $2, 'T', 'live')`,
			[]any{c, unique("r")}, check},
		{"release published without a date", `INSERT INTO releases (campaign_id, slug, title, status) VALUES ($1, $2, 'T', 'published')`,
			[]any{c, unique("r")}, check},
		{"release of unknown campaign", `INSERT INTO releases (campaign_id, slug, title) VALUES (-1, $1, 'T')`, []any{unique("r")}, foreignKey},
		{"release naming unknown petition", `INSERT INTO releases (campaign_id, petition_id, slug, title) VALUES ($1, -1, $2, 'T')`,
			[]any{c, unique("r")}, foreignKey},

		{"signature to unknown petition", sign, []any{-1, "Bob", "bob@example.org", "", "GB", consentVersion, ""}, foreignKey},
		{"signature under unknown consent wording", sign, []any{p, "Bob", "bob@example.org", "", "GB", "1999-v0", ""}, foreignKey},
		{"email upper case", sign, []any{p, "Bob", "Bob@example.org", "", "GB", consentVersion, ""}, check},
		{"email leading space", sign, []any{p, "Bob", " bob@example.org", "", "GB", consentVersion, ""}, check},
		{"email trailing space", sign, []any{p, "Bob", "bob@example.org ", "", "GB", consentVersion, ""}, check},
		{"email too short", sign, []any{p, "Bob", "b@", "", "GB", consentVersion, ""}, check},
		{"email too long", sign, []any{p, "Bob", strings.Repeat("b", 250) + "@x.org", "", "GB", consentVersion, ""}, check},
		{"country lower case", sign, []any{p, "Bob", "bob@example.org", "", "gb", consentVersion, ""}, check},
		{"country alpha-3", sign, []any{p, "Bob", "bob@example.org", "", "GBR", consentVersion, ""}, check},
		{"country empty", sign, []any{p, "Bob", "bob@example.org", "", "", consentVersion, ""}, check},
		{"name empty", sign, []any{p, "", "bob@example.org", "", "GB", consentVersion, ""}, check},
		{"name 201 characters", sign, []any{p, strings.Repeat("é", 201), "bob@example.org", "", "GB", consentVersion, ""}, check},
		{"postcode 17 characters", sign, []any{p, "Bob", "bob@example.org", strings.Repeat("9", 17), "GB", consentVersion, ""}, check},
		{"source code 65 characters", sign, []any{p, "Bob", "bob@example.org", "", "GB", consentVersion, strings.Repeat("s", 65)}, check},
		{"signature without consent answer", `INSERT INTO signatures (petition_id, full_name, email, country, consent_version)
			VALUES ($1, 'Bob', 'bob@example.org', 'GB', $2)`, []any{p, consentVersion}, notNull},

		{"negative count", `UPDATE petition_counts SET signature_count = -1 WHERE petition_id = $1`, []any{p}, check},
		{"count for unknown petition", `INSERT INTO petition_counts (petition_id) VALUES (-1)`, nil, foreignKey},
		{"second count row", `INSERT INTO petition_counts (petition_id) VALUES ($1)`, []any{p}, duplicate},
		{"tally of unknown dimension", `INSERT INTO signature_tallies (petition_id, dimension, key, signature_count) VALUES ($1, 'city', 'x', 1)`,
			[]any{p}, check},
		{"negative tally", `INSERT INTO signature_tallies (petition_id, dimension, key, signature_count) VALUES ($1, 'day', 'x', -1)`,
			[]any{p}, check},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := shared.SQL().ExecContext(context.Background(), tt.query, tt.args...)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) {
				t.Fatalf("the database accepted it (err = %v), want SQLSTATE %s", err, tt.code)
			}
			if pgErr.Code != tt.code {
				t.Errorf("SQLSTATE %s (%s), want %s", pgErr.Code, pgErr.Message, tt.code)
			}
		})
	}

	if n := queryInt(t, shared, `SELECT count(*) FROM signatures WHERE petition_id = $1`, p); n != 1 {
		t.Errorf("petition has %d signatures after the refused inserts, want 1", n)
	}
}
