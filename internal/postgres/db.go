// Package postgres stores the domain in PostgreSQL through gorm. It is the
// only package that knows about gorm, SQL or the schema's tables.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/advocacy/advocacy/internal/storage"
	"github.com/advocacy/advocacy/migrations"
)

// DB is a connection pool to the advocacy database.
type DB struct {
	gorm *gorm.DB
	sql  *sql.DB
	url  string
}

// Options tune the pool. The zero value is sensible for one server.
type Options struct {
	MaxOpenConns int  // default 20
	SkipPing     bool // do not check the connection when opening
}

// Open connects to the database at url. It does not migrate.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	g, err := gorm.Open(postgres.Open(url), &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
		DisableAutomaticPing:   true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	maxOpen := opts.MaxOpenConns
	if maxOpen <= 0 {
		maxOpen = 20
	}
	sqlDB.SetMaxOpenConns(maxOpen)
	sqlDB.SetMaxIdleConns(maxOpen)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{gorm: g, sql: sqlDB, url: url}
	if !opts.SkipPing {
		if err := db.Ping(ctx); err != nil {
			sqlDB.Close()
			return nil, err
		}
	}
	return db, nil
}

// URL is the address the pool connects to (with its password: never log it;
// see RedactURL). Other pools of the same database start from it (the job
// queue's).
func (db *DB) URL() string { return db.url }

// Ping checks that the database answers. It returns storage.ErrUnavailable
// wrapped with the cause when it does not.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", translate(err))
	}
	return nil
}

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// SQL exposes the pool for tools that need database/sql (migrations, tests).
func (db *DB) SQL() *sql.DB { return db.sql }

// newMigrator returns goose over the embedded migrations.
func (db *DB) newMigrator() (*goose.Provider, error) {
	return goose.NewProvider(goose.DialectPostgres, db.sql, migrations.FS, goose.WithGoMigrations(migrations.Go()...))
}

// MigrateUp applies every pending migration.
func (db *DB) MigrateUp(ctx context.Context) error {
	p, err := db.newMigrator()
	if err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate up: %w", translate(err))
	}
	return nil
}

// MigrateDown rolls back the newest applied migration.
func (db *DB) MigrateDown(ctx context.Context) error {
	p, err := db.newMigrator()
	if err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	if _, err := p.Down(ctx); err != nil {
		return fmt.Errorf("migrate down: %w", translate(err))
	}
	return nil
}

// MigrationsCurrent reports whether every migration this binary knows has
// been applied (a newer binary's migrations, applied already, do not count
// against it). It reads the version table only; it never migrates. Returns
// storage.ErrUnavailable wrapped with the cause when the database does not
// answer.
func (db *DB) MigrationsCurrent(ctx context.Context) (bool, error) {
	p, err := db.newMigrator()
	if err != nil {
		return false, fmt.Errorf("migration status: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("migration status: %w", translate(err))
	}
	return !pending, nil
}

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Version   int64
	Name      string
	AppliedAt *time.Time
}

// MigrateStatus lists every migration with its state.
func (db *DB) MigrateStatus(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.newMigrator()
	if err != nil {
		return nil, fmt.Errorf("migrate status: %w", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate status: %w", translate(err))
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		m := MigrationStatus{Version: s.Source.Version, Name: s.Source.Path}
		if s.State == goose.StateApplied {
			at := s.AppliedAt.UTC()
			m.AppliedAt = &at
		}
		out = append(out, m)
	}
	return out, nil
}

// translate turns driver failures that mean "the database is not there" into
// storage.ErrUnavailable, keeping the cause in the chain.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if isUnavailable(err) {
		return fmt.Errorf("%w: %w", storage.ErrUnavailable, err)
	}
	if isInvalidText(err) {
		return fmt.Errorf("%w: %w", storage.ErrInvalidText, err)
	}
	return err
}

// isInvalidText reports text the database refused to store: 22021, a byte
// sequence invalid in UTF-8 (a NUL byte among them), and 22P05, a character
// with no equivalent in the database's encoding.
func isInvalidText(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "22021" || pgErr.Code == "22P05")
}

func isUnavailable(err error) bool {
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	// database/sql's "database is closed" has no exported sentinel; look
	// for it all along the chain, since goose wraps it.
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == "sql: database is closed" {
			return true
		}
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-57P03: admin shutdown, crash
		// shutdown, cannot connect now; 53300: too many connections.
		switch {
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08",
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", pgErr.Code == "53300":
			return true
		}
	}
	return false
}

// isRetryable reports a transaction that lost a deadlock or serialisation race.
func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}
