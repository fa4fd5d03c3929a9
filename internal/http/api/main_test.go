package api_test

import (
	"testing"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "http_api", &pkgDB) }

// env is a running server, wired as `advocacy serve` wires it, with a
// client that keeps cookies and never follows redirects.
type env struct {
	*apptest.Client
	db     *postgres.DB
	server *apptest.Server
}

// start serves a fresh database of its own (copied from the package
// database, so nothing writes there) with the configuration that change (if
// any) adjusts; by default there is no signing rate limit and no Stripe key.
func start(t *testing.T, change ...func(*config.Config)) *env {
	t.Helper()
	_, db := pkgDB.Fresh(t)
	return serve(t, db, change...)
}

// serve is start on db.
func serve(t *testing.T, db *postgres.DB, change ...func(*config.Config)) *env {
	t.Helper()
	var opts apptest.Options
	if len(change) > 0 {
		opts.Config = change[0]
	}
	srv := apptest.Start(t, db, opts)
	return &env{Client: srv.Client(t), db: db, server: srv}
}
