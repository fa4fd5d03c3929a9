package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var (
	// pkg is the package's migrated database; pkg.Fresh copies it for a
	// test that needs a database to itself (recount, migrations).
	pkg *testdb.Package
	// shared is one more migrated database for the tests that only touch
	// rows they create, with slugs of their own: copying a database for each
	// of them would make the package slow.
	shared *postgres.DB
	// sharedURL is where shared lives, for tests that open a second pool.
	sharedURL string
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	var err error
	if pkg, err = testdb.Setup("postgres"); err != nil {
		fmt.Fprintln(os.Stderr, "test database:", err)
		return 1
	}
	defer pkg.Close()
	var drop func()
	sharedURL, drop, err = createDatabase(pkg.URL, "_shared")
	if err != nil {
		fmt.Fprintln(os.Stderr, "shared test database:", err)
		return 1
	}
	defer drop()
	ctx := context.Background()
	if shared, err = postgres.Open(ctx, sharedURL, postgres.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "shared test database:", err)
		return 1
	}
	defer shared.Close()
	if err := shared.MigrateUp(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "shared test database:", err)
		return 1
	}
	return m.Run()
}

// createDatabase creates an empty database named like the one in base plus
// suffix, through EnsureDatabase, and returns its URL and a func dropping it.
func createDatabase(base, suffix string) (string, func(), error) {
	ctx := context.Background()
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	name := strings.TrimPrefix(u.Path, "/") + suffix
	u.Path = "/" + name
	if err := postgres.EnsureDatabase(ctx, u.String()); err != nil {
		return "", nil, err
	}
	drop := func() {
		admin := *u
		admin.Path = "/postgres"
		conn, err := pgx.Connect(ctx, admin.String())
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// unique returns base with a random suffix, a slug no other test uses.
func unique(base string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return base + "-" + hex.EncodeToString(b[:])
}

// consentVersion is the wording the first migration installs.
const consentVersion = "2026-11-v1"

// exec runs a statement that must succeed.
func exec(t testing.TB, db *postgres.DB, query string, args ...any) sql.Result {
	t.Helper()
	res, err := db.SQL().ExecContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return res
}

// queryInt returns the single integer a query answers.
func queryInt(t testing.TB, db *postgres.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func insertID(t testing.TB, db *postgres.DB, query string, args ...any) int64 {
	t.Helper()
	return queryInt(t, db, query+" RETURNING id", args...)
}

func newCampaign(t testing.TB, db *postgres.DB, slug string) int64 {
	t.Helper()
	return insertID(t, db, `INSERT INTO campaigns (slug, title, summary, target) VALUES ($1, $2, 'Summary', 'UK Government')`,
		slug, "Campaign "+slug)
}

// newPetition creates a petition; status is "open" or "closed", closesAt may be nil.
func newPetition(t testing.TB, db *postgres.DB, campaignID int64, slug, status string, closesAt *time.Time) int64 {
	t.Helper()
	return insertID(t, db, `INSERT INTO petitions (campaign_id, slug, title, ask, goal, status, closes_at)
		VALUES ($1, $2, $3, 'Please act.', 1000, $4, $5)`, campaignID, slug, "Petition "+slug, status, closesAt)
}

// newRelease creates a release; a nil publishedAt makes it a draft.
func newRelease(t testing.TB, db *postgres.DB, campaignID int64, petitionID *int64, slug, body string, publishedAt *time.Time) int64 {
	t.Helper()
	status := "draft"
	if publishedAt != nil {
		status = "published"
	}
	return insertID(t, db, `INSERT INTO releases (campaign_id, petition_id, slug, title, summary, body, status, published_at)
		VALUES ($1, $2, $3, $4, 'Summary', $5, $6, $7)`, campaignID, petitionID, slug, "Release "+slug, body, status, publishedAt)
}

func ptr[T any](v T) *T { return &v }

// signature validates a supporter's input as the HTTP layer does and
// addresses it to petitionID.
func signature(t testing.TB, petitionID int64, name, email string) petition.Signature {
	t.Helper()
	sig, err := petition.SignInput{FullName: name, Email: email, Country: "GB", ConsentUpdates: ptr(true)}.Validate()
	if err != nil {
		t.Fatalf("validate %q <%s>: %v", name, email, err)
	}
	sig.PetitionID = petitionID
	sig.ConsentVersion = consentVersion
	return sig
}
