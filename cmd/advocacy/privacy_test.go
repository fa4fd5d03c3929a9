package main

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/postgres"
)

// `advocacy privacy retain` says what it would change (--dry-run) and
// changes nothing, then changes it and says so, and names the petition to
// come due next.
func TestPrivacyRetain(t *testing.T) {
	dbURL, db := pkg.Fresh(t)
	env := map[string]string{"DATABASE_URL": dbURL, "RETENTION_DAYS": "30"}
	if _, _, err := advocacy(t, env, "seed", "demo"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.GenerateSignatures(ctx, 1, 25, postgres.GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE petitions SET status = 'closed' WHERE id = 1`)
	exec(`UPDATE petitions SET closed_at = '2026-01-01T00:00:00Z' WHERE id = 1`)
	withDetails := func() (n int) {
		t.Helper()
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM signatures WHERE anonymised_at IS NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	stdout, _, err := advocacy(t, env, "privacy", "retain", "--dry-run")
	dry := regexp.MustCompile(`^retention: 30 days; petitions closed before \d{4}-\d\d-\d\d \d\d:\d\d UTC are due \(dry run: nothing changed\)
  would anonymise 25 signatures of petition 1 \(` + demoSlug(t, db) + `, closed 2026-01-01 00:00 UTC\)
would anonymise 25 signatures of 1 petition\(s\)
next: no petition holding signers' details is closed or due to close
donations: 6 years; would erase the donor details of 0 donations made before \d{4}-\d\d-\d\d \d\d:\d\d UTC
next: no donation holds donor details
$`)
	if err != nil || !dry.MatchString(stdout) {
		t.Fatalf("dry run printed %q, %v", stdout, err)
	}
	if n := withDetails(); n != 25 {
		t.Fatalf("after a dry run %d signatures keep their details, want 25", n)
	}

	stdout, _, err = advocacy(t, env, "privacy", "retain")
	if err != nil || !strings.Contains(stdout, "\n  anonymised 25 signatures of petition 1 (") ||
		!strings.Contains(stdout, "\nanonymised 25 signatures of 1 petition(s)\n") || strings.Contains(stdout, "dry run") {
		t.Fatalf("retain printed %q, %v", stdout, err)
	}
	if n := withDetails(); n != 0 {
		t.Errorf("after retain %d signatures keep their details", n)
	}
	stdout, _, err = advocacy(t, env, "recount")
	if err != nil || stdout != "recount: every count matches its rows; no drift\n" {
		t.Errorf("recount after retention: %q, %v", stdout, err)
	}
	stdout, _, err = advocacy(t, env, "privacy", "retain")
	if err != nil || !strings.Contains(stdout, "\nanonymised 0 signatures of 0 petition(s)\n") {
		t.Errorf("second retain printed %q, %v", stdout, err)
	}
}

func demoSlug(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var slug string
	if err := db.SQL().QueryRow(`SELECT slug FROM petitions WHERE id = 1`).Scan(&slug); err != nil {
		t.Fatal(err)
	}
	return regexp.QuoteMeta(slug)
}

func TestPrivacyRetainArguments(t *testing.T) {
	for _, args := range [][]string{{"privacy"}, {"privacy", "erase"}, {"privacy", "retain", "--now"},
		{"privacy", "retain", "--dry-run", "x"}} {
		stdout, stderr, err := advocacy(t, nil, args...)
		if err == nil || errors.Is(err, errUsage) || stdout != "" || stderr != privacyUsage {
			t.Errorf("advocacy %v: %v, stdout %q, stderr %q; want an error and the usage", args, err, stdout, stderr)
		}
	}
	if stdout, _, err := advocacy(t, map[string]string{"LOG_LEVEL": "loud"}, "privacy", "--help"); err != nil || stdout != privacyUsage {
		t.Errorf("privacy --help: %q, %v", stdout, err)
	}
	if !strings.Contains(usage, "privacy retain [--dry-run]") {
		t.Error("the usage does not list privacy retain")
	}
}
