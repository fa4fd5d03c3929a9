//go:build unix

// Package devdb finds a PostgreSQL server for development and tests: the one
// DATABASE_URL names when a server answers there, else a private cluster it
// starts in the project's .pgdata folder with the PostgreSQL server binaries
// installed on the machine. It is a developer's tool; the service itself
// never starts a database.
package devdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/advocacy/advocacy/internal/postgres"
)

// ErrNoServer is returned when no PostgreSQL server answers at a URL.
var ErrNoServer = errors.New("no PostgreSQL server answers")

// ErrNoBinaries is returned when no PostgreSQL server binaries (initdb and
// pg_ctl) can be found to start a private cluster with.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries (initdb, pg_ctl) were found")

// HowToGetOne tells a developer how to get a PostgreSQL server.
const HowToGetOne = `to get one, either
  install PostgreSQL's server binaries and run the command again:
    Debian/Ubuntu:  sudo apt-get install postgresql
    macOS:          brew install postgresql
  or start the project's database container:
    docker compose up -d db
  or set DATABASE_URL to a PostgreSQL server that runs`

// probeTimeout bounds one connection attempt: a server that has not answered
// by then is as good as absent for a developer waiting on it.
const probeTimeout = 5 * time.Second

// Probe connects to the server at dsn and reports whether it answers. It
// returns nil when the server answers, even if the database in dsn does not
// exist yet; postgres.ErrAuth (wrapped) when the server refuses the
// credentials; ErrNoServer (wrapped) when nothing answers; or the error.
func Probe(ctx context.Context, dsn string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("parse database URL: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		return conn.Close(ctx)
	}
	if classified := postgres.ClassifyConnectError(err); errors.Is(classified, postgres.ErrAuth) {
		return classified
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// The server answered, with something a client can live with
		// here: the database is missing (the service creates it), the
		// server is starting up, or it is busy.
		return nil
	}
	if noAnswer(err) {
		return fmt.Errorf("%w at %s: %v", ErrNoServer, postgres.RedactURL(dsn), err)
	}
	return fmt.Errorf("connect to %s: %w", postgres.RedactURL(dsn), err)
}

// noAnswer reports a connection that failed before any server spoke: refused,
// unroutable, an unknown host, or no answer in time.
func noAnswer(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) || errors.As(err, &dnsErr) ||
		errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "connection refused")
}

// Resolve returns a URL of a server that answers: dsn itself when its server
// answers, else the URL of the private cluster c (started if need be), for
// the database named in dsn. A refused login is returned as postgres.ErrAuth
// (wrapped), never replaced by the private cluster: the developer asked for
// that server. With no server and no binaries, the error wraps ErrNoServer
// and ErrNoBinaries and says how to get a server.
func Resolve(ctx context.Context, dsn string, c *Cluster) (string, error) {
	probeErr := Probe(ctx, dsn)
	if probeErr == nil {
		c.logf("PostgreSQL answers at %s", postgres.RedactURL(dsn))
		return dsn, nil
	}
	if !errors.Is(probeErr, ErrNoServer) {
		return "", probeErr
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	c.logf("no PostgreSQL server answers at %s; using a private cluster in %s", postgres.RedactURL(dsn), c.Dir)
	url, err := c.Start(ctx, cfg.Database)
	switch {
	case errors.Is(err, ErrNoBinaries):
		return "", fmt.Errorf("%w at %s,\nand %w to start a private one;\n%s",
			ErrNoServer, postgres.RedactURL(dsn), err, HowToGetOne)
	case err != nil:
		return "", fmt.Errorf("%w at %s, and the private cluster in %s failed: %w",
			ErrNoServer, postgres.RedactURL(dsn), c.Dir, err)
	}
	return url, nil
}
