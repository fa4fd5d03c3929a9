// Command benchsuite runs the load benchmark suite (`make bench`) against
// real `advocacy serve` processes and a dedicated PostgreSQL database on this
// machine, and prints one table. Results go to bench-results/.
//
//	benchsuite [flags]                  the whole suite
//	benchsuite dataset --signatures N   fill a new petition with N generated signatures
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/benchsuite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var code int
	if len(os.Args) > 1 && os.Args[1] == "dataset" {
		code = dataset(ctx, os.Args[2:], os.Stdout, os.Stderr)
	} else {
		code = suite(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	os.Exit(code)
}

func suite(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchsuite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o benchsuite.Options
	var steps string
	var strict bool
	var serverEnv string
	fs.StringVar(&o.ServerURL, "database-url", "", "PostgreSQL server to use, any database on it (default $BENCH_DATABASE_URL, $DATABASE_URL, or "+benchsuite.DefaultServerURL+")")
	fs.StringVar(&o.Database, "database", "advocacy_bench", "database to drop and recreate for the run (its name must contain \"bench\")")
	fs.StringVar(&o.OutDir, "out", "bench-results", "directory for results, server logs and profiles")
	fs.StringVar(&o.Binary, "binary", "", "an advocacy binary to run (default: build ./cmd/advocacy)")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "length of each load step")
	fs.IntVar(&o.Workers, "workers", 64, "concurrent requests (and pgbench clients)")
	fs.Float64Var(&o.RepeatShare, "repeat", 0.05, "share of signatures that repeat an acknowledged email")
	fs.Float64Var(&o.VariantShare, "variant", 0.5, "share of repeats with the email's case or spacing changed")
	fs.Int64Var(&o.ScaleSignatures, "signatures", 10_000_000, "signatures on the big petition of the count-at-scale step")
	fs.Int64Var(&o.ExportSignatures, "export-signatures", 1_000_000, "signatures on the petition exported as CSV")
	fs.DurationVar(&o.ReadDuration, "read-duration", 5*time.Second, "length of each count-read measurement")
	fs.StringVar(&steps, "steps", strings.Join(benchsuite.AllSteps, ","), "comma-separated steps to run")
	fs.BoolVar(&o.Profile, "profile", false, "capture CPU and heap profiles of the server while signing")
	fs.BoolVar(&o.Keep, "keep", false, "keep the database after the run")
	fs.StringVar(&o.LogLevel, "server-log-level", "info", "LOG_LEVEL of the servers (their logs go to the results directory)")
	fs.StringVar(&serverEnv, "server-env", "", "extra NAME=value,NAME=value settings for the servers")
	fs.StringVar(&o.EmailSMTPURL, "smtp-url", "smtp://127.0.0.1:1025", "the SMTP server the email step sends to (Mailpit: make mailpit)")
	fs.BoolVar(&strict, "strict", false, "exit non-zero when a performance target is missed, not only when a check fails")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if steps != "" {
		o.Steps = strings.Split(steps, ",")
	}
	if serverEnv != "" {
		o.ServerEnv = strings.Split(serverEnv, ",")
	}
	o.Log = stderr

	report, err := benchsuite.Run(ctx, o)
	if report != nil && len(report.Rows) > 0 {
		fmt.Fprintln(stdout)
		if werr := report.WriteTable(stdout); werr != nil {
			fmt.Fprintln(stderr, werr)
		}
		if files, werr := report.WriteFiles(o.OutDir); werr != nil {
			fmt.Fprintln(stderr, "write results:", werr)
		} else {
			fmt.Fprintf(stdout, "\nwritten: %s\n", strings.Join(files[:2], ", "))
		}
	}
	switch {
	case err != nil:
		fmt.Fprintln(stderr, "benchsuite:", err)
		return 1
	case report.Failed():
		fmt.Fprintln(stderr, "benchsuite: a check FAILED")
		return 1
	case strict && report.Missed():
		fmt.Fprintln(stderr, "benchsuite: a target was MISSED")
		return 1
	}
	return 0
}

func dataset(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchsuite dataset", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var dbURL string
	var spec benchsuite.DatasetSpec
	fs.StringVar(&dbURL, "database-url", os.Getenv("DATABASE_URL"), "the migrated advocacy database to fill (default $DATABASE_URL)")
	fs.Int64Var(&spec.Signatures, "signatures", 1_000_000, "signatures to generate")
	fs.StringVar(&spec.CampaignSlug, "campaign", "bench-scale", "campaign of the new petition (created when missing)")
	fs.StringVar(&spec.PetitionSlug, "petition", "", "slug of the new petition (default bench-<signatures>-<time>)")
	fs.Int64Var(&spec.ChunkSize, "chunk", 1_000_000, "rows per transaction")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if dbURL == "" {
		fmt.Fprintln(stderr, "dataset: set --database-url or DATABASE_URL")
		return 2
	}
	if spec.PetitionSlug == "" {
		spec.PetitionSlug = fmt.Sprintf("bench-%d-%d", spec.Signatures, time.Now().Unix())
	}
	spec.Progress = stderr
	db, err := postgres.Open(ctx, dbURL, postgres.Options{MaxOpenConns: 2})
	if err != nil {
		fmt.Fprintln(stderr, "dataset:", err)
		return 1
	}
	defer db.Close()
	d, err := benchsuite.GenerateDataset(ctx, db, spec)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "petition %d (%s): %d signatures in %.1f s\n", d.PetitionID, spec.PetitionSlug, d.Signatures, d.Took.Seconds())
	return 0
}
