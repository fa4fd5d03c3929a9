// Command loadgen sends HTTP load to an advocacy server on this machine and
// reports throughput, latency percentiles and errors.
//
//	loadgen -mode sign -petition 1 -workers 64 -duration 30s http://127.0.0.1:8080
//	loadgen -mode page -slug my-release -duration 10s http://127.0.0.1:8080 http://127.0.0.1:8081
//
// Only loopback targets are accepted.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/advocacy/advocacy/internal/tooling/loadgen"
)

func main() {
	var cfg loadgen.Config
	var asJSON bool
	flag.StringVar(&cfg.Mode, "mode", loadgen.ModeSign, "sign, page or get")
	flag.Int64Var(&cfg.PetitionID, "petition", 0, "petition id to sign (sign mode)")
	flag.StringVar(&cfg.Source, "source", "", "source sent with each signature (sign mode)")
	flag.StringVar(&cfg.Slug, "slug", "", "release slug to view (page mode)")
	flag.StringVar(&cfg.Path, "path", "", "path to get (get mode)")
	flag.IntVar(&cfg.Workers, "workers", 64, "requests in flight at once")
	flag.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to run")
	flag.Int64Var(&cfg.MaxRequests, "max-requests", 0, "stop after this many requests (0: no cap)")
	flag.Float64Var(&cfg.RepeatShare, "repeat", 0.05, "share of signatures repeating an acknowledged email (0-1)")
	flag.Float64Var(&cfg.VariantShare, "variant", 0.5, "share of repeats with the email's case or spacing changed (0-1)")
	flag.StringVar(&cfg.RunID, "run-id", "", "makes this run's emails unique (default: from the clock)")
	flag.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "per-request timeout")
	flag.BoolVar(&asJSON, "json", false, "print the result as JSON")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: loadgen [flags] BASE_URL [BASE_URL...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	cfg.Targets = flag.Args()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(res)
	} else {
		err = res.WriteTable(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if res.ErrorCount() > 0 {
		os.Exit(1)
	}
}
