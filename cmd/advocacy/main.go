// Command advocacy is the campaign action service: one binary that migrates
// the database, loads demo data and serves the site and API.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/storage"
)

const usage = `usage: advocacy <command>

commands:
  serve                    migrate, then serve on HTTP_ADDR until SIGTERM
  migrate up|down|status   apply, roll back one, or list the SQL migrations
  seed demo                load the demo campaign, release and petition (idempotent)
  recount                  recompute every signature count from the rows and report drift
  staff add|password|token|revoke-token|list
                           staff accounts and API tokens; 'advocacy staff' for details

configuration comes from the environment; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "advocacy:", err)
		os.Exit(1)
	}
}

// errUsage reports a command line that names no known command.
var errUsage = errors.New("unknown command; run 'advocacy help'")

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))

	switch {
	case args[0] == "serve" && len(args) == 1:
		return serve(ctx, cfg, logger)
	case args[0] == "migrate" && len(args) == 2:
		return migrate(ctx, cfg, args[1], stdout)
	case args[0] == "seed" && len(args) == 2 && args[1] == "demo":
		return seedDemo(ctx, cfg, stdout)
	case args[0] == "recount" && len(args) == 1:
		return recount(ctx, cfg, stdout)
	case args[0] == "staff":
		return staffCommand(ctx, cfg, args[1:], getenv, stdin, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return errUsage
}

// openDB connects, creating the database first when it is missing, and
// explains the failures an operator can fix.
func openDB(ctx context.Context, cfg config.Config) (*postgres.DB, error) {
	where := postgres.RedactURL(cfg.DatabaseURL)
	if err := postgres.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		switch {
		case errors.Is(err, postgres.ErrAuth):
			return nil, fmt.Errorf("authentication failed at %s: %v\ncheck the user and password in DATABASE_URL", where, err)
		case errors.Is(err, storage.ErrUnavailable):
			return nil, fmt.Errorf("no PostgreSQL server answers at %s: %v\nstart one (Debian/Ubuntu: apt-get install postgresql; "+
				"or 'docker compose up -d db'), or set DATABASE_URL", where, err)
		default:
			return nil, fmt.Errorf("database at %s: %w", where, err)
		}
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL, postgres.Options{})
	if err != nil {
		return nil, fmt.Errorf("database at %s: %w", where, err)
	}
	return db, nil
}
