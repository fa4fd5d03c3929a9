// Package testdb gives each test package its own freshly migrated PostgreSQL
// database, and each test that asks for one a fresh copy of it.
//
// The server is the one in TEST_DATABASE_URL, else DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/postgres. Databases are named
// advocacy_test_<package>_<pid> and dropped when the package's tests end.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/advocacy/advocacy/internal/postgres"
)

// DefaultURL is the server used when neither variable is set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Package is a migrated database for one test package.
type Package struct {
	URL   string // the migrated database
	name  string
	admin string // a URL on the same server to create and drop databases from
}

// ServerURL is the URL of the server tests use.
func ServerURL() string {
	for _, k := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return DefaultURL
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// Setup creates and migrates the package's database. Call it from TestMain
// and Close it when m.Run returns.
func Setup(pkg string) (_ *Package, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := withDatabase(ServerURL(), "postgres")
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("advocacy_test_%s_%d", unsafeName.ReplaceAllString(strings.ToLower(pkg), "_"), os.Getpid())
	p := &Package{name: name, admin: admin}
	if err := exec(ctx, admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return nil, err
	}
	if err := exec(ctx, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, err
	}
	// From here on a failure must not leave the database behind.
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if p.URL, err = withDatabase(ServerURL(), name); err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, p.URL, postgres.Options{MaxOpenConns: 2})
	if err != nil {
		return nil, err
	}
	err = db.MigrateUp(ctx)
	db.Close()
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Close drops the package's database and every copy made from it.
func (p *Package) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = exec(ctx, p.admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{p.name}.Sanitize()+" WITH (FORCE)")
}

// Open connects to the package's database and closes it when t ends.
func (p *Package) Open(t testing.TB) *postgres.DB {
	t.Helper()
	return open(t, p.URL)
}

// Fresh makes a copy of the package's database for one test and drops it
// when t ends. Tests that use Fresh should leave the package database as the
// migrations made it (so each copy starts empty) and keep no connection to it
// open: PostgreSQL copies a template only while nobody is connected.
// It returns the copy's URL and an open connection to it.
func (p *Package) Fresh(t testing.TB) (string, *postgres.DB) {
	t.Helper()
	ctx := context.Background()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := p.name + "_" + hex.EncodeToString(b[:])
	// A template must have no other connections while it is copied.
	if err := exec(ctx, p.admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{p.name}.Sanitize()); err != nil {
		t.Fatalf("create fresh database: %v", err)
	}
	t.Cleanup(func() {
		_ = exec(context.Background(), p.admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	u, err := withDatabase(ServerURL(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u, open(t, u)
}

func open(t testing.TB, u string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), u, postgres.Options{})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", postgres.RedactURL(dsn), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Main is the whole TestMain of a package whose tests need only a database:
// it sets up the package's database into *into, runs the tests, drops the
// database and exits with the tests' status.
func Main(m *testing.M, pkg string, into **Package) {
	p, err := Setup(pkg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s tests need PostgreSQL: %v\n", pkg, err)
		os.Exit(1)
	}
	*into = p
	code := m.Run()
	p.Close()
	os.Exit(code)
}
