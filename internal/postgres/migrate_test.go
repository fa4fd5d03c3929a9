package postgres_test

import (
	"context"
	"testing"

	"github.com/advocacy/advocacy/internal/postgres"
)

var schemaTables = []string{"campaigns", "petitions", "releases", "consent_wordings", "signatures", "petition_counts", "signature_tallies"}

func tablesPresent(t *testing.T, db *postgres.DB) int {
	t.Helper()
	n := 0
	for _, table := range schemaTables {
		if queryInt(t, db, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = $1`, table) == 1 {
			n++
		}
	}
	return n
}

func assertStatus(t *testing.T, db *postgres.DB, applied bool) {
	t.Helper()
	st, err := db.MigrateStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st) == 0 {
		t.Fatal("MigrateStatus lists no migrations")
	}
	if st[0].Version != 1 || st[0].Name != "00001_foundation.sql" {
		t.Errorf("first migration = %d %q, want 1 00001_foundation.sql", st[0].Version, st[0].Name)
	}
	for i, m := range st {
		if i > 0 && m.Version <= st[i-1].Version {
			t.Errorf("migrations out of order: %d after %d", m.Version, st[i-1].Version)
		}
	}
	if got := st[0].AppliedAt != nil; got != applied {
		t.Errorf("first migration applied = %v, want %v", got, applied)
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	// An empty database, made the way an operator's first run makes it.
	dbURL, drop, err := createDatabase(pkg.URL, "_migrate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	db, err := postgres.Open(ctx, dbURL, postgres.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	if n := tablesPresent(t, db); n != 0 {
		t.Fatalf("an empty database has %d schema tables", n)
	}
	assertStatus(t, db, false)

	for round := range 2 { // up, down, up again
		if err := db.MigrateUp(ctx); err != nil {
			t.Fatalf("round %d: up: %v", round, err)
		}
		assertStatus(t, db, true)
		if n := tablesPresent(t, db); n != len(schemaTables) {
			t.Fatalf("round %d: after up, %d of %d tables", round, n, len(schemaTables))
		}
		if c, err := db.Petitions().CurrentConsent(ctx); err != nil || c.Version != consentVersion {
			t.Errorf("round %d: consent after up = %+v, %v", round, c, err)
		}
		// The schema works: a petition gets its count row from the trigger.
		c := newCampaign(t, db, unique("migrate"))
		p := newPetition(t, db, c, unique("migrate"), "open", nil)
		if counts, err := db.Petitions().SignatureCounts(ctx, []int64{p}); err != nil || len(counts) != 1 {
			t.Errorf("round %d: count row for a new petition: %v, %v", round, counts, err)
		}
		if err := db.MigrateUp(ctx); err != nil {
			t.Errorf("round %d: up with nothing pending: %v", round, err)
		}

		// Down rolls back one migration at a time: every one of them, newest first.
		st, err := db.MigrateStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range st {
			if err := db.MigrateDown(ctx); err != nil {
				t.Fatalf("round %d: down: %v", round, err)
			}
		}
		assertStatus(t, db, false)
		if n := tablesPresent(t, db); n != 0 {
			t.Errorf("round %d: after down, %d schema tables remain", round, n)
		}
		if n := queryInt(t, db, `SELECT count(*) FROM pg_proc WHERE proname = 'petitions_create_count'`); n != 0 {
			t.Errorf("round %d: after down, the count trigger function remains", round)
		}
	}
	if err := db.MigrateDown(ctx); err == nil {
		t.Error("down with nothing applied: no error")
	}
}
