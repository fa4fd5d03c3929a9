package benchsuite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/advocacy/advocacy/internal/tooling/loadgen"
)

// errNoPgbench explains how to get pgbench when it is missing.
var errNoPgbench = errors.New("pgbench not found on PATH or in /usr/lib/postgresql/*/bin; " +
	"install it with the PostgreSQL server package (Debian/Ubuntu: apt-get install postgresql-15, " +
	"or the postgresql-contrib package of your version; Fedora: postgresql-contrib; macOS: brew install postgresql)")

// findPgbench returns pgbench's path, preferring PATH, then the newest
// Debian-style versioned install.
func findPgbench() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(matches) == 0 {
		return "", errNoPgbench
	}
	sort.Slice(matches, func(i, j int) bool { return pgMajor(matches[i]) > pgMajor(matches[j]) })
	return matches[0], nil
}

func pgMajor(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

// pgbenchScripts are the baselines: a single-row insert into a table shaped
// like signatures (same columns, defaults, checks and unique constraint; no
// foreign keys), and the same insert that also bumps one shared counter row
// in its transaction, which is what signing one row at a time with a stored
// count would cost.
var pgbenchScripts = map[string]string{
	"insert": `\set n random(1, 1000000000000)
INSERT INTO bench_signatures (petition_id, full_name, email, postcode, country, consent_updates, consent_version, source_code) VALUES (1, 'Bench Signer', 'pgbench-' || :client_id || '-' || :n || '@example.org', 'SW1A 1AA', 'GB', true, '2026-11-v1', 'pgbench') ON CONFLICT (petition_id, email) DO NOTHING;
`,
	"insert+counter": `\set n random(1, 1000000000000)
BEGIN;
INSERT INTO bench_signatures (petition_id, full_name, email, postcode, country, consent_updates, consent_version, source_code) VALUES (1, 'Bench Signer', 'pgbench-' || :client_id || '-' || :n || '@example.org', 'SW1A 1AA', 'GB', true, '2026-11-v1', 'pgbench') ON CONFLICT (petition_id, email) DO NOTHING;
UPDATE bench_counts SET n = n + 1 WHERE id = 1;
COMMIT;
`,
}

const pgbenchSetupSQL = `
DROP TABLE IF EXISTS bench_signatures, bench_counts;
CREATE TABLE bench_signatures (LIKE signatures INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
CREATE TABLE bench_counts (id int PRIMARY KEY, n bigint NOT NULL);
INSERT INTO bench_counts VALUES (1, 0);`

// pgbenchResult is one pgbench run.
type pgbenchResult struct {
	Script       string          `json:"script"`
	Clients      int             `json:"clients"`
	Seconds      float64         `json:"seconds"`
	TPS          float64         `json:"tps"`
	Transactions int64           `json:"transactions"`
	Failed       int64           `json:"failed"`
	Latency      loadgen.Summary `json:"latency"` // from a sample of the transaction log
}

var (
	tpsRe    = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	txRe     = regexp.MustCompile(`(?m)^number of transactions actually processed: ([0-9]+)`)
	failedRe = regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`)
)

// runPgbench runs one script with clients connections for d, logging a
// sample of transactions to compute percentiles.
func runPgbench(ctx context.Context, pgbench, dbURL, outDir, script string, clients int, d time.Duration) (pgbenchResult, error) {
	dir, err := os.MkdirTemp(outDir, "pgbench-")
	if err != nil {
		return pgbenchResult{}, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return pgbenchResult{}, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "script.sql")
	if err := os.WriteFile(file, []byte(pgbenchScripts[script]), 0o600); err != nil {
		return pgbenchResult{}, err
	}
	secs := max(1, int(d.Round(time.Second).Seconds()))
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(secs),
		"-f", file, "--log", "--sampling-rate=0.05", "--log-prefix=" + filepath.Join(dir, "log"), dbURL}
	cmd := exec.CommandContext(ctx, pgbench, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench %s: %v\n%s", script, err, out)
	}
	r, err := parsePgbenchOutput(out)
	if err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench %s: %w", script, err)
	}
	r.Script, r.Clients, r.Seconds = script, clients, float64(secs)
	logs, _ := filepath.Glob(filepath.Join(dir, "log.*"))
	var hist loadgen.Histogram
	for _, l := range logs {
		if err := readPgbenchLog(l, &hist); err != nil {
			return pgbenchResult{}, err
		}
	}
	r.Latency = hist.Summary()
	return r, nil
}

// parsePgbenchOutput reads the summary pgbench prints.
func parsePgbenchOutput(out []byte) (pgbenchResult, error) {
	var r pgbenchResult
	m := tpsRe.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no tps in its output:\n%s", out)
	}
	r.TPS, _ = strconv.ParseFloat(string(m[1]), 64)
	if m := txRe.FindSubmatch(out); m != nil {
		r.Transactions, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	if m := failedRe.FindSubmatch(out); m != nil {
		r.Failed, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	return r, nil
}

// readPgbenchLog adds each logged transaction's latency (third field, µs).
func readPgbenchLog(path string, hist *loadgen.Histogram) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		us, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			continue // "failed" or "skipped" entries
		}
		hist.Record(time.Duration(us) * time.Microsecond)
	}
	return sc.Err()
}

// preparePgbench creates the baseline tables in the bench database.
func preparePgbench(ctx context.Context, conn *pgx.Conn) error {
	if _, err := conn.Exec(ctx, pgbenchSetupSQL); err != nil {
		return fmt.Errorf("pgbench tables: %w", err)
	}
	return nil
}
