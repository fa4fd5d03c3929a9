// Package benchsuite runs the load benchmark suite: it builds the server,
// starts real `advocacy serve` processes against a dedicated PostgreSQL
// database on this machine, drives them with internal/tooling/loadgen, checks that
// every count stayed exact, runs pgbench in the same run as a baseline, and
// reports one table.
package benchsuite

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/loadgen"
)

// Steps of the suite, in the order they run.
const (
	StepPgbench = "pgbench"  // the database's own insert rate, the baseline
	StepSign    = "sign"     // 1: signing on one instance; 6: its memory
	StepTwo     = "two"      // 2: the same load over two instances
	StepPage    = "page"     // 3: the release page
	StepScale   = "scale"    // 4: reading a count at 10 and at N signatures
	StepExport  = "export"   // 5: the signatures CSV against psql \copy
	StepEmail   = "email"    // 7: signing with email on, and the email backlog draining
	StepVerify  = "verify"   // 8: signing a petition that verifies by email; 9: confirming
	StepHooks   = "webhooks" // 10: signing with a webhook endpoint, and the deliveries
	StepTrust   = "trust"    // 11: the trust rules' cost, a flood, invalidating a cluster while signing
)

// AllSteps lists every step in running order.
var AllSteps = []string{StepPgbench, StepSign, StepTwo, StepPage, StepScale, StepExport, StepEmail, StepVerify, StepHooks,
	StepTrust}

// DefaultServerURL is the PostgreSQL server used when neither
// BENCH_DATABASE_URL nor DATABASE_URL is set.
const DefaultServerURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Targets of the issue, on a 2-core machine shared with PostgreSQL and the
// load generator.
const (
	targetSignPerSecond = 5000
	targetSignP99Ms     = 100
	targetPagePerSecond = 10000
	targetPageP99Ms     = 50
	targetCountLagMs    = 1000
	targetPeakRSSBytes  = 200 << 20
	targetExportRatio   = 3        // the CSV export at most this many times slower than \copy
	targetExportGrowth  = 50 << 20 // the server's RSS growth during the export
)

// Options configure a run. The zero value of each field means its default.
type Options struct {
	ServerURL        string        // a URL of the PostgreSQL server to use (any database on it)
	Database         string        // the database to recreate (default advocacy_bench; must contain "bench")
	OutDir           string        // where results, logs and profiles go (default bench-results)
	Binary           string        // a built advocacy binary (default: build one into OutDir)
	Duration         time.Duration // each load step (default 30 s)
	Workers          int           // concurrent requests, and pgbench clients (default 64)
	RepeatShare      float64       // share of signatures repeating an acknowledged email (default 0.05)
	VariantShare     float64       // share of repeats with case or spaces changed (default 0.5)
	ScaleSignatures  int64         // the big petition of step 4 (default 10,000,000)
	ReadDuration     time.Duration // each count-read measurement of step 4 (default 5 s)
	ExportSignatures int64         // the petition exported in step 5 (default 1,000,000)
	Steps            []string      // steps to run (default all)
	Profile          bool          // capture a CPU and heap profile of the server while signing
	Keep             bool          // keep the database afterwards
	LogLevel         string        // the servers' LOG_LEVEL (default info, as in production)
	ServerEnv        []string      // extra NAME=value pairs for the servers
	EmailSMTPURL     string        // the SMTP server step 7 sends to (default Mailpit's, smtp://127.0.0.1:1025)
	Log              io.Writer     // progress (default stderr)
}

func (o *Options) defaults() error {
	if o.EmailSMTPURL == "" {
		o.EmailSMTPURL = "smtp://127.0.0.1:1025"
	}
	if o.ServerURL == "" {
		o.ServerURL = os.Getenv("BENCH_DATABASE_URL")
	}
	if o.ServerURL == "" {
		o.ServerURL = os.Getenv("DATABASE_URL")
	}
	if o.ServerURL == "" {
		o.ServerURL = DefaultServerURL
	}
	if o.Database == "" {
		o.Database = "advocacy_bench"
	}
	if !strings.Contains(o.Database, "bench") {
		return fmt.Errorf("database %q: the suite drops and recreates its database, so its name must contain \"bench\"", o.Database)
	}
	if o.OutDir == "" {
		o.OutDir = "bench-results"
	}
	if o.Duration <= 0 {
		o.Duration = 30 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 64
	}
	if o.RepeatShare == 0 {
		o.RepeatShare = 0.05
	}
	if o.VariantShare == 0 {
		o.VariantShare = 0.5
	}
	if o.ScaleSignatures == 0 {
		o.ScaleSignatures = 10_000_000
	}
	if o.ExportSignatures == 0 {
		o.ExportSignatures = 1_000_000
	}
	if o.ReadDuration <= 0 {
		o.ReadDuration = 5 * time.Second
	}
	if len(o.Steps) == 0 {
		o.Steps = AllSteps
	}
	for _, s := range o.Steps {
		if !slices.Contains(AllSteps, s) {
			return fmt.Errorf("unknown step %q (steps: %s)", s, strings.Join(AllSteps, ", "))
		}
	}
	if o.LogLevel == "" {
		o.LogLevel = "info"
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	return nil
}

// runner holds what the steps share.
type runner struct {
	opts   Options
	report *Report
	stamp  string
	dbURL  string
	admin  string
	conn   *pgx.Conn
	db     *postgres.DB // for what the server's own store does: datasets, count reads
	env    serverEnv

	petitionID  int64
	releaseSlug string
	staffToken  string // a campaigner's API token, made on first use

	a, b *server
}

// Run runs the selected steps and returns the report. An error means the
// suite could not run at all; a failed check is a FAILED row in the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	r := &runner{opts: opts, stamp: strconv.FormatInt(time.Now().Unix(), 36),
		report: &Report{Started: time.Now(), Machine: describeMachine(), Details: map[string]any{},
			Settings: map[string]any{
				"duration_s": opts.Duration.Seconds(), "workers": opts.Workers, "repeat_share": opts.RepeatShare,
				"variant_share": opts.VariantShare, "scale_signatures": opts.ScaleSignatures,
				"export_signatures": opts.ExportSignatures,
				"read_duration_s":   opts.ReadDuration.Seconds(), "steps": opts.Steps, "server_log_level": opts.LogLevel,
				"server_env": opts.ServerEnv,
			}}}
	defer func() {
		r.report.Machine.LoadAvgAfter = loadAverage()
		r.report.Finished = time.Now()
	}()
	if err := r.setup(ctx); err != nil {
		r.teardown()
		return r.report, err
	}
	defer r.teardown()

	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{StepPgbench, r.stepPgbench},
		{StepSign, r.stepSign},
		{StepTwo, r.stepTwo},
		{StepPage, r.stepPage},
		{StepScale, r.stepScale},
		{StepExport, r.stepExport},
		{StepEmail, r.stepEmail},
		{StepVerify, r.stepVerify},
		{StepHooks, r.stepWebhooks},
		{StepTrust, r.stepTrust},
	}
	for _, s := range steps {
		if !slices.Contains(r.opts.Steps, s.name) {
			continue
		}
		if ctx.Err() != nil {
			return r.report, ctx.Err()
		}
		r.logf("== %s", s.name)
		if err := s.run(ctx); err != nil {
			r.report.add(Row{Step: s.name, Measure: "step", Result: oneLine(err.Error()), Verdict: VerdictFailed})
			r.logf("   %s failed: %v", s.name, err)
		}
	}
	return r.report, nil
}

func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(r.opts.Log, format+"\n", args...)
}

// setup recreates the database, builds the binary, migrates and seeds.
func (r *runner) setup(ctx context.Context) error {
	if err := checkLocalDatabase(r.opts.ServerURL); err != nil {
		return err
	}
	if err := os.MkdirAll(r.opts.OutDir, 0o755); err != nil {
		return err
	}
	var err error
	if r.admin, err = withDatabase(r.opts.ServerURL, "postgres"); err != nil {
		return err
	}
	if r.dbURL, err = withDatabase(r.opts.ServerURL, r.opts.Database); err != nil {
		return err
	}
	r.logf("== setup: database %s, results in %s", r.opts.Database, r.opts.OutDir)
	if err := adminExec(ctx, r.admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{r.opts.Database}.Sanitize()+" WITH (FORCE)"); err != nil {
		return err
	}
	if err := adminExec(ctx, r.admin, "CREATE DATABASE "+pgx.Identifier{r.opts.Database}.Sanitize()); err != nil {
		return err
	}
	bin := r.opts.Binary
	if bin == "" {
		dir, err := filepath.Abs(filepath.Join(r.opts.OutDir, "bin"))
		if err != nil {
			return err
		}
		r.logf("   building advocacy")
		if bin, err = buildBinary(ctx, dir); err != nil {
			return err
		}
	}
	logDir, err := filepath.Abs(r.opts.OutDir)
	if err != nil {
		return err
	}
	r.env = serverEnv{binary: bin, databaseURL: r.dbURL, logDir: logDir, logLevel: r.opts.LogLevel,
		profile: r.opts.Profile, extra: r.opts.ServerEnv}
	if _, err := runCommand(ctx, r.env, "seed", "demo"); err != nil {
		return err
	}
	if r.conn, err = pgx.Connect(ctx, r.dbURL); err != nil {
		return fmt.Errorf("connect to %s: %w", r.opts.Database, err)
	}
	if r.db, err = postgres.Open(ctx, r.dbURL, postgres.Options{MaxOpenConns: 4}); err != nil {
		return fmt.Errorf("open %s: %w", r.opts.Database, err)
	}
	r.releaseSlug = demo.ReleaseSlug
	if err := r.conn.QueryRow(ctx, `SELECT id FROM petitions WHERE slug = $1`, demo.PetitionSlug).Scan(&r.petitionID); err != nil {
		return fmt.Errorf("find the demo petition: %w", err)
	}
	var version, syncCommit string
	if err := r.conn.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('synchronous_commit')`).
		Scan(&version, &syncCommit); err != nil {
		return err
	}
	r.report.Machine.PostgreSQL, r.report.Machine.SyncCommit = version, syncCommit
	return nil
}

func (r *runner) teardown() {
	for _, s := range []*server{r.a, r.b} {
		if s != nil {
			if err := s.stop(); err != nil {
				r.logf("   stop server %s: %v", s.name, err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if r.conn != nil {
		r.conn.Close(ctx)
	}
	if r.db != nil {
		r.db.Close()
	}
	if !r.opts.Keep && r.admin != "" {
		if err := adminExec(ctx, r.admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{r.opts.Database}.Sanitize()+" WITH (FORCE)"); err != nil {
			r.logf("   drop database: %v", err)
		}
	}
}

// serverA and serverB start the instances on first use.
func (r *runner) serverA(ctx context.Context) (*server, error) {
	if r.a == nil {
		s, err := startServer(ctx, "a", r.env)
		if err != nil {
			return nil, err
		}
		r.a = s
	}
	return r.a, nil
}

func (r *runner) serverB(ctx context.Context) (*server, error) {
	if r.b == nil {
		s, err := startServer(ctx, "b", r.env)
		if err != nil {
			return nil, err
		}
		r.b = s
	}
	return r.b, nil
}

// checkLocalDatabase refuses a PostgreSQL server that is not on this machine:
// the suite loads it heavily and drops a database on it.
func checkLocalDatabase(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("database URL: %w", err)
	}
	host := u.Hostname()
	if host == "" {
		host = u.Query().Get("host")
	}
	switch {
	case host == "" || host == "localhost" || strings.HasPrefix(host, "/"):
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("database host %q is not this machine: the suite only runs against a loopback PostgreSQL", host)
}

func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func adminExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to the PostgreSQL server: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// loadConfig is the signing load every signing step uses.
func (r *runner) signLoad(runID string, targets ...string) loadgen.Config {
	return loadgen.Config{Targets: targets, Mode: loadgen.ModeSign, PetitionID: r.petitionID,
		Source: r.releaseSlug, Workers: r.opts.Workers, Duration: r.opts.Duration,
		RepeatShare: r.opts.RepeatShare, VariantShare: r.opts.VariantShare, RunID: runID + r.stamp}
}
