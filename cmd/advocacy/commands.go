package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/jobs"
	"github.com/advocacy/advocacy/internal/markdown"
	"github.com/advocacy/advocacy/internal/metrics"
	"github.com/advocacy/advocacy/internal/postgres"
)

// serve migrates, then serves until ctx ends (SIGTERM or interrupt). On the
// way out it stops taking connections, lets requests in flight finish, then
// commits every queued signature before closing the database.
func serve(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	// Releases saved before bodies were rendered on save are rendered once.
	if n, err := db.RenderReleaseBodies(ctx, app.RenderBody(markdown.New())); err != nil {
		return err
	} else if n > 0 {
		logger.Info("rendered release bodies", "releases", n)
	}
	// With METRICS_ADDR set, the app reports to a registry of its own,
	// served there.
	var reg *prometheus.Registry
	if cfg.MetricsAddr != "" {
		reg = metrics.NewRegistry()
	}
	a, err := app.New(cfg, logger, db, app.Options{Metrics: reg})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		a.Close()
		return fmt.Errorf("listen on %s: %w (set HTTP_ADDR to serve on another address)", cfg.HTTPAddr, err)
	}
	var ms *http.Server
	if reg != nil {
		if ms, err = startMetrics(cfg.MetricsAddr, reg, logger); err != nil {
			ln.Close()
			a.Close()
			return err
		}
		// Metrics are served until the main server has drained, so the
		// last scrapes see the shutdown.
		defer ms.Close()
	}
	hs := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // CSV exports stream for a while
		IdleTimeout:       2 * time.Minute,
	}
	if cfg.PprofAddr != "" {
		go servePprof(ctx, cfg.PprofAddr, logger)
	}
	logger.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "donations", cfg.DonationsEnabled(),
		"email", cfg.EmailEnabled())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	select {
	case err := <-errc:
		a.Close()
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = hs.Shutdown(shutdownCtx)
	if ms != nil {
		_ = ms.Shutdown(shutdownCtx)
	}
	a.Close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

func migrate(ctx context.Context, cfg config.Config, action string, stdout io.Writer) error {
	if action != "up" && action != "down" && action != "status" {
		return fmt.Errorf("migrate: unknown action %q (want up, down or status)", action)
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch action {
	case "up":
		if err := db.MigrateUp(ctx); err != nil {
			return err
		}
	case "down":
		if err := db.MigrateDown(ctx); err != nil {
			return err
		}
	case "status":
	default:
		return fmt.Errorf("migrate: unknown action %q (want up, down or status)", action)
	}
	status, err := db.MigrateStatus(ctx)
	if err != nil {
		return err
	}
	for _, m := range status {
		state := "pending"
		if m.AppliedAt != nil {
			state = "applied " + m.AppliedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%05d  %-40s %s\n", m.Version, m.Name, state)
	}
	return nil
}

func seedDemo(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	set, err := db.Seed(ctx, postgres.SeedSet{Campaign: demo.Campaign(), Petition: demo.Petition(), Release: demo.Release()})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo ready: %s/releases/%s (petition %d: %d signatures)\n",
		cfg.BaseURL, set.Release.Slug, set.Petition.ID, set.Petition.SignatureCount)
	return nil
}

func recount(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	drifts, err := db.Recount(ctx)
	for _, d := range drifts {
		fmt.Fprintf(stdout, "petition %d: count was %d, rows %d (fixed); %d tally rows fixed\n",
			d.PetitionID, d.Stored, d.Actual, d.TallyChanges)
		if d.PendingStored != d.PendingActual || d.ConfirmedStored != d.ConfirmedActual {
			fmt.Fprintf(stdout, "petition %d: pending was %d, rows %d; confirmed was %d, rows %d (fixed)\n",
				d.PetitionID, d.PendingStored, d.PendingActual, d.ConfirmedStored, d.ConfirmedActual)
		}
	}
	if err != nil {
		return err
	}
	if len(drifts) == 0 {
		fmt.Fprintln(stdout, "recount: every count matches its rows; no drift")
	} else {
		fmt.Fprintf(stdout, "recount: %d petition(s) drifted and were fixed\n", len(drifts))
	}
	return nil
}

func listJobs(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return jobs.Report(ctx, db.SQL(), stdout)
}
