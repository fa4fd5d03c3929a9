package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/storage"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

// nowhere is an address where no server listens.
const nowhere = "postgres://postgres@127.0.0.1:1/advocacy?sslmode=disable"

// everyCall makes every kind of store call db offers and returns each error.
func everyCall(db *postgres.DB) map[string]error {
	ctx := context.Background()
	calls := map[string]func() error{
		"Ping": func() error { return db.Ping(ctx) },
		"CampaignBySlug": func() error {
			_, err := db.Campaigns().CampaignBySlug(ctx, "x")
			return err
		},
		"CampaignByID": func() error {
			_, err := db.Campaigns().CampaignByID(ctx, 1)
			return err
		},
		"PublishedReleases": func() error {
			_, err := db.Campaigns().PublishedReleases(ctx, 10)
			return err
		},
		"PublishedReleaseBySlug": func() error {
			_, err := db.Campaigns().PublishedReleaseBySlug(ctx, "x")
			return err
		},
		"ReleasesByCampaign": func() error {
			_, err := db.Campaigns().ReleasesByCampaign(ctx, 1)
			return err
		},
		"PetitionByID": func() error {
			_, err := db.Petitions().PetitionByID(ctx, 1)
			return err
		},
		"PetitionBySlug": func() error {
			_, err := db.Petitions().PetitionBySlug(ctx, "x")
			return err
		},
		"PetitionsByCampaign": func() error {
			_, err := db.Petitions().PetitionsByCampaign(ctx, 1)
			return err
		},
		"PetitionForRelease": func() error {
			_, err := db.Petitions().PetitionForRelease(ctx, 1, nil)
			return err
		},
		"SignatureCounts": func() error {
			_, err := db.Petitions().SignatureCounts(ctx, []int64{1})
			return err
		},
		"CurrentConsent": func() error {
			_, err := db.Petitions().CurrentConsent(ctx)
			return err
		},
		"Sign": func() error {
			s := db.NewSigner(postgres.SignerOptions{Workers: 1})
			defer s.Close()
			_, err := s.Sign(ctx, petition.Signature{PetitionID: 1, FullName: "Ada", Email: "ada@example.org", Country: "GB",
				ConsentVersion: consentVersion})
			return err
		},
		"Recount": func() error {
			_, err := db.Recount(ctx)
			return err
		},
		"Seed": func() error {
			_, err := db.Seed(ctx, demoSet())
			return err
		},
		"MigrateUp":     func() error { return db.MigrateUp(ctx) },
		"MigrateDown":   func() error { return db.MigrateDown(ctx) },
		"MigrateStatus": func() error { _, err := db.MigrateStatus(ctx); return err },
	}
	out := make(map[string]error, len(calls))
	for name, call := range calls {
		out[name] = call()
	}
	return out
}

func assertUnavailable(t *testing.T, errs map[string]error) {
	t.Helper()
	for name, err := range errs {
		if !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s: err = %v, want storage.ErrUnavailable", name, err)
		}
		if errors.Is(err, campaign.ErrNotFound) || errors.Is(err, petition.ErrNotFound) {
			t.Errorf("%s: an unreachable database reads as not found: %v", name, err)
		}
	}
}

func TestNoServerIsUnavailable(t *testing.T) {
	ctx := context.Background()
	if _, err := postgres.Open(ctx, nowhere, postgres.Options{}); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("Open = %v, want storage.ErrUnavailable", err)
	}
	db, err := postgres.Open(ctx, nowhere, postgres.Options{SkipPing: true})
	if err != nil {
		t.Fatalf("Open with SkipPing: %v", err)
	}
	defer db.Close()
	assertUnavailable(t, everyCall(db))
}

func TestClosedPoolIsUnavailable(t *testing.T) {
	db, err := postgres.Open(context.Background(), sharedURL, postgres.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	assertUnavailable(t, everyCall(db))
}

// serverURL returns the test server's URL for database name as user.
func serverURL(t *testing.T, user, name string) string {
	t.Helper()
	u, err := url.Parse(testdb.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(user)
	u.Path = "/" + name
	return u.String()
}

func adminExec(t *testing.T, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, serverURL(t, "postgres", "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestEnsureDatabase(t *testing.T) {
	ctx := context.Background()
	// A name that needs quoting: capitals and a hyphen.
	name := "Advocacy_Ensure-" + strings.TrimPrefix(unique("x"), "x-")
	t.Cleanup(func() { adminExec(t, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)") })
	dsn := serverURL(t, "postgres", name)

	for i := range 2 { // creates it, then finds it there
		if err := postgres.EnsureDatabase(ctx, dsn); err != nil {
			t.Fatalf("EnsureDatabase, call %d: %v", i+1, err)
		}
	}
	db, err := postgres.Open(ctx, dsn, postgres.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatalf("open the database EnsureDatabase made: %v", err)
	}
	var got string
	err = db.SQL().QueryRowContext(ctx, `SELECT current_database()`).Scan(&got)
	db.Close()
	if err != nil || got != name {
		t.Errorf("current_database() = %q, %v; want %q", got, err, name)
	}
}

func TestEnsureDatabaseFailures(t *testing.T) {
	ctx := context.Background()
	if err := postgres.EnsureDatabase(ctx, nowhere); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("no server: err = %v, want storage.ErrUnavailable", err)
	}
	// The server refuses a role it does not know, whatever its auth method.
	if err := postgres.EnsureDatabase(ctx, serverURL(t, "no_such_role_"+strings.ReplaceAll(unique("r"), "-", "_"), "postgres")); !errors.Is(err, postgres.ErrAuth) {
		t.Errorf("unknown role: err = %v, want postgres.ErrAuth", err)
	}

	// A role that may log in but not create databases gets an explanation.
	role := "advocacy_nocreate_" + strings.ReplaceAll(strings.TrimPrefix(unique("x"), "x-"), "-", "_")
	adminExec(t, "CREATE ROLE "+role+" LOGIN NOCREATEDB")
	t.Cleanup(func() { adminExec(t, "DROP ROLE IF EXISTS "+role) })
	err := postgres.EnsureDatabase(ctx, serverURL(t, role, strings.ReplaceAll(unique("advocacy_never"), "-", "_")))
	if err == nil || !strings.Contains(err.Error(), "CREATEDB") || errors.Is(err, postgres.ErrAuth) || errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("role without CREATEDB: err = %v, want an explanation naming CREATEDB", err)
	}
}

func TestClassifyConnectError(t *testing.T) {
	plain := errors.New("something else")
	tests := []struct {
		name        string
		err         error
		auth, unavl bool
	}{
		{"wrong password", &pgconn.PgError{Code: "28P01", Message: "password authentication failed for user \"app\""}, true, false},
		{"no such role", &pgconn.PgError{Code: "28000", Message: "role \"app\" does not exist"}, true, false},
		{"wrapped wrong password", fmt.Errorf("connect: %w", &pgconn.PgError{Code: "28P01"}), true, false},
		{"password message without code", errors.New("failed SASL auth: password authentication failed"), true, false},
		{"no password supplied", errors.New("server requested a password: no password supplied"), true, false},
		{"server shutting down", &pgconn.PgError{Code: "57P01"}, false, true},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, false, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, false, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, false, true},
		{"network", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, false, true},
		{"missing database", &pgconn.PgError{Code: "3D000", Message: "database \"x\" does not exist"}, false, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false, false},
		{"anything else", plain, false, false},
	}
	for _, tt := range tests {
		got := postgres.ClassifyConnectError(tt.err)
		if errors.Is(got, postgres.ErrAuth) != tt.auth || errors.Is(got, storage.ErrUnavailable) != tt.unavl {
			t.Errorf("%s: ClassifyConnectError = %v; want auth %v, unavailable %v", tt.name, got, tt.auth, tt.unavl)
		}
	}
	if got := postgres.ClassifyConnectError(plain); got != plain {
		t.Errorf("an unrelated error came back as %v", got)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://app:s3cret@db:5432/advocacy?sslmode=disable", "postgres://app:xxxxx@db:5432/advocacy?sslmode=disable"},
		{"postgres://app@db/advocacy", "postgres://app@db/advocacy"},
		{"postgres://db/advocacy", "postgres://db/advocacy"},
		{"host=db user=app", "host=db user=app"},
		{"host=db user=app password=s3cret dbname=advocacy", "host=db user=app password=xxxxx dbname=advocacy"},
		{"host=db password = 's3cret word' user=app", "host=db password = xxxxx user=app"},
		{"postgres://app@db/advocacy?password=s3cret&sslmode=disable", "postgres://app@db/advocacy?password=xxxxx&sslmode=disable"},
		{"postgres://app:s3cret#x@db/advocacy", "postgres://app:xxxxx@db/advocacy"},
	}
	for _, tt := range tests {
		if got := postgres.RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(postgres.RedactURL(tt.in), "s3cret") {
			t.Errorf("RedactURL(%q) shows the password", tt.in)
		}
	}
}
