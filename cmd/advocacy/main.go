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
	"slices"
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
  jobs                     the background jobs: queued, failed and done
  privacy retain [--dry-run]
                           anonymise signatures of petitions closed RETENTION_DAYS ago
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

// commandUsage is each command's own usage, printed for "advocacy CMD
// --help" and when its arguments are wrong.
var commandUsage = map[string]string{
	"serve":   "usage: advocacy serve\n  migrate, then serve on HTTP_ADDR until SIGTERM; configuration from the environment (README.md)\n",
	"migrate": "usage: advocacy migrate up|down|status\n  apply every pending migration, roll back the newest one, or list them\n",
	"seed":    "usage: advocacy seed demo\n  load the demo campaign, release and petition (idempotent)\n",
	"recount": "usage: advocacy recount\n  recompute every signature count from the rows and report drift\n",
	"jobs":    "usage: advocacy jobs\n  the background jobs: how many of each kind are queued, running, retrying, done or failed, and the failing ones\n",
	"staff":   staffUsage,
	"privacy": privacyUsage,
}

// wantsHelp reports whether args ask for help rather than for work.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" || a == "help" {
			return true
		}
	}
	return false
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmdUsage, known := commandUsage[args[0]]
	if !known {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	if wantsHelp(args[1:]) {
		fmt.Fprint(stdout, cmdUsage)
		return nil
	}
	// wrong prints the command's usage and says what is wrong with its
	// arguments.
	wrong := func(format string, a ...any) error {
		fmt.Fprint(stderr, cmdUsage)
		return fmt.Errorf(format, a...)
	}
	switch {
	case args[0] == "serve" && len(args) > 1,
		args[0] == "recount" && len(args) > 1,
		args[0] == "jobs" && len(args) > 1:
		return wrong("%s takes no arguments", args[0])
	case args[0] == "migrate" && len(args) != 2:
		return wrong("migrate needs one of up, down or status")
	case args[0] == "migrate" && !slices.Contains([]string{"up", "down", "status"}, args[1]):
		return wrong("migrate: unknown action %q (want up, down or status)", args[1])
	case args[0] == "seed" && (len(args) != 2 || args[1] != "demo"):
		return wrong("seed needs 'demo', the only data set there is")
	case args[0] == "privacy" && (len(args) < 2 || args[1] != "retain"):
		return wrong("privacy needs 'retain'")
	case args[0] == "privacy" && (len(args) > 3 || (len(args) == 3 && args[2] != "--dry-run" && args[2] != "-dry-run")):
		return wrong("privacy retain: the only option is --dry-run")
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))

	switch args[0] {
	case "serve":
		return serve(ctx, cfg, logger)
	case "migrate":
		return migrate(ctx, cfg, args[1], stdout)
	case "seed":
		return seedDemo(ctx, cfg, stdout)
	case "recount":
		return recount(ctx, cfg, stdout)
	case "jobs":
		return listJobs(ctx, cfg, stdout)
	case "privacy":
		return retain(ctx, cfg, len(args) == 3, stdout)
	default: // staff
		return staffCommand(ctx, cfg, args[1:], getenv, stdin, stdout, stderr)
	}
}

// openMigrated is openDB, then every pending migration applied: what the
// commands that use the schema start with.
func openMigrated(ctx context.Context, cfg config.Config) (*postgres.DB, error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := db.MigrateUp(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
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
