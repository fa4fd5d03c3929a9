package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrAuth is returned when the server refuses the credentials in the URL.
var ErrAuth = errors.New("the database refused the credentials")

// EnsureDatabase creates the database named in url when the server answers
// but the database does not exist, provided the role may create databases.
// It returns ErrAuth for a refused login and storage.ErrUnavailable (wrapped)
// when no server answers.
func EnsureDatabase(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err == nil {
		return conn.Close(ctx)
	}
	if classified := ClassifyConnectError(err); !errors.Is(classified, errMissingDatabase) {
		return classified
	}
	cfg, perr := pgx.ParseConfig(dsn)
	if perr != nil {
		return fmt.Errorf("parse DATABASE_URL: %w", perr)
	}
	name := cfg.Database
	cfg.Database = "postgres"
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return ClassifyConnectError(err)
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // created meanwhile by someone else
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %q (the role may lack CREATEDB; create it yourself): %w", name, err)
	}
	return nil
}

var errMissingDatabase = errors.New("database does not exist")

// ClassifyConnectError explains a failed connection: ErrAuth for refused
// credentials, storage.ErrUnavailable when no server answers, or the error.
func ClassifyConnectError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01", "28000":
			return fmt.Errorf("%w: %s", ErrAuth, pgErr.Message)
		case "3D000":
			return fmt.Errorf("%w: %s", errMissingDatabase, pgErr.Message)
		}
	}
	if strings.Contains(err.Error(), "password authentication failed") || strings.Contains(err.Error(), "no password supplied") {
		return fmt.Errorf("%w: %v", ErrAuth, err)
	}
	return translate(err)
}

// RedactURL returns a connection string with any password replaced, for
// messages. It takes both forms PostgreSQL accepts: a URL, whose password
// may also be a query parameter, and "key=value" pairs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		// Not a URL we can take apart: hide what looks like a password.
		return userinfoPassword.ReplaceAllString(keywordPassword.ReplaceAllString(raw, "${1}xxxxx"), "${1}:xxxxx@")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

var (
	keywordPassword  = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
	userinfoPassword = regexp.MustCompile(`(://[^:/@]*):[^@]*@`)
)
