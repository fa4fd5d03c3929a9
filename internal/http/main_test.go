package http_test

import (
	"testing"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "http", &pkgDB) }

// env is the whole server over a fresh database, and a client of it.
type env struct {
	*apptest.Client
	db *postgres.DB
}

// start serves a fresh database with the configuration that change (if
// any) adjusts.
func start(t *testing.T, change ...func(*config.Config)) *env {
	t.Helper()
	_, db := pkgDB.Fresh(t)
	var opts apptest.Options
	if len(change) > 0 {
		opts.Config = change[0]
	}
	srv := apptest.Start(t, db, opts)
	return &env{Client: srv.Client(t), db: db}
}
