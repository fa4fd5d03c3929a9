//go:build unix

// Command devdb finds a PostgreSQL server for development and tests, and
// prints its URL: DATABASE_URL's own server when one answers there, else a
// private cluster it starts in the project's .pgdata folder. The Makefile
// runs it before serving and testing:
//
//	DATABASE_URL=$(devdb) advocacy serve
//	devdb stop
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/devdb"
)

const usage = `usage: devdb [-url URL] [-dir DIR] [url|stop]

  url    (the default) print the URL of a PostgreSQL server that answers:
         DATABASE_URL's (or -url's) when its server answers, else a private
         cluster in DIR, started (and created, once) with the PostgreSQL
         server binaries installed on this machine
  stop   stop the private cluster

flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "devdb:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("devdb", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(stderr, usage)
		flags.PrintDefaults()
	}
	dsn := flags.String("url", "", "the server to try first (default: DATABASE_URL, or the service's default)")
	dir := flags.String("dir", "", "the private cluster's folder (default: .pgdata in the project)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	action := "url"
	switch flags.NArg() {
	case 0:
	case 1:
		action = flags.Arg(0)
	default:
		flags.Usage()
		return errors.New("one action at most")
	}

	if *dir == "" {
		root, err := projectRoot()
		if err != nil {
			return err
		}
		*dir = filepath.Join(root, ".pgdata")
	}
	cluster := &devdb.Cluster{Dir: *dir, Log: stderr}
	// initdb and a first start take seconds; this only bounds a hang.
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	switch action {
	case "url":
		if *dsn == "" {
			cfg, err := config.Load(databaseOnly(getenv))
			if err != nil {
				return err
			}
			*dsn = cfg.DatabaseURL
		}
		url, err := devdb.Resolve(ctx, *dsn, cluster)
		if errors.Is(err, postgres.ErrAuth) {
			return fmt.Errorf("authentication failed at %s: %v\ncheck the user and password in DATABASE_URL", postgres.RedactURL(*dsn), err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, url)
		return nil
	case "stop":
		stopped, err := cluster.Stop(ctx)
		if err == nil && !stopped {
			fmt.Fprintf(stderr, "devdb: no private cluster runs in %s\n", *dir)
		}
		return err
	}
	flags.Usage()
	return fmt.Errorf("unknown action %q", action)
}

// databaseOnly passes config.Load the database's variables alone: devdb
// must not fail over a setting it does not use.
func databaseOnly(getenv func(string) string) func(string) string {
	return func(name string) string {
		if name == "DATABASE_URL" || name == "DATABASE_URL_FILE" {
			return getenv(name)
		}
		return ""
	}
}

// projectRoot returns the nearest folder at or above the working one that
// holds go.mod, so that devdb finds the same .pgdata from any subfolder.
func projectRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return wd, nil
		}
	}
}
