package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkg *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "cmd_advocacy", &pkg) }

// advocacy runs the command in-process with only the given environment and
// returns what it printed.
func advocacy(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err = run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// missingDatabase returns the URL of a database that does not exist yet on
// the test server, and drops it when the test ends.
func missingDatabase(t *testing.T) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "advocacy_cmd_" + hex.EncodeToString(b[:])
	u, err := url.Parse(testdb.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	admin := *u
	admin.Path = "/postgres"
	u.Path = "/" + name
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, admin.String())
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return u.String()
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{nil, {"help"}, {"-h"}, {"--help"}} {
		// Help needs no configuration: even a broken one does not stop it.
		stdout, stderr, err := advocacy(t, map[string]string{"LOG_LEVEL": "loud"}, args...)
		if err != nil || stdout != usage || stderr != "" {
			t.Errorf("advocacy %v: err %v, stdout %q, stderr %q; want the usage on stdout", args, err, stdout, stderr)
		}
	}
	for _, cmd := range []string{"serve", "migrate up|down|status", "seed demo", "recount"} {
		if !strings.Contains(usage, cmd) {
			t.Errorf("usage does not mention %q", cmd)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"Help"}, {"serve-all"}} {
		stdout, stderr, err := advocacy(t, nil, args...)
		if !errors.Is(err, errUsage) {
			t.Errorf("advocacy %v: err = %v, want errUsage", args, err)
		}
		if stdout != "" || stderr != usage {
			t.Errorf("advocacy %v: stdout %q, stderr %q; want the usage on stderr", args, stdout, stderr)
		}
	}
}

// A known command with wrong arguments says what is wrong and shows that
// command's own usage, never "unknown command".
func TestWrongArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"migrate"}, "migrate needs one of up, down or status"},
		{[]string{"migrate", "up", "now"}, "migrate needs one of up, down or status"},
		{[]string{"migrate", "sideways"}, `migrate: unknown action "sideways"`},
		{[]string{"seed"}, "seed needs 'demo'"},
		{[]string{"seed", "production"}, "seed needs 'demo'"},
		{[]string{"recount", "everything"}, "recount takes no arguments"},
		{[]string{"serve", "--now"}, "serve takes no arguments"},
	} {
		stdout, stderr, err := advocacy(t, nil, tc.args...)
		if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("advocacy %v: err = %v, want one that says %q", tc.args, err, tc.says)
		}
		if stdout != "" || stderr != commandUsage[tc.args[0]] {
			t.Errorf("advocacy %v: stdout %q, stderr %q; want the command's usage on stderr", tc.args, stdout, stderr)
		}
	}
}

// "advocacy CMD --help" prints that command's usage and succeeds, without
// reading the configuration.
func TestCommandHelp(t *testing.T) {
	for _, args := range [][]string{{"serve", "--help"}, {"migrate", "-h"}, {"seed", "help"},
		{"recount", "--help"}, {"staff", "--help"}, {"staff", "add", "-h"}} {
		stdout, stderr, err := advocacy(t, map[string]string{"LOG_LEVEL": "loud"}, args...)
		if err != nil || stdout != commandUsage[args[0]] || stderr != "" {
			t.Errorf("advocacy %v: err %v, stdout %q, stderr %q; want %s's usage on stdout", args, err, stdout, stderr, args[0])
		}
	}
}

func TestBadConfiguration(t *testing.T) {
	_, _, err := advocacy(t, map[string]string{"LOG_LEVEL": "loud"}, "recount")
	if err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") {
		t.Errorf("err = %v, want one naming LOG_LEVEL", err)
	}
}

var statusLine = regexp.MustCompile(`^(\d{5})  (\d{5}_\w+\.(?:sql|go)) +(pending|applied \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$`)

// migrationState runs the given migrate action and returns the state it
// reports for the newest migration, the one up applies last and down rolls
// back: "pending" or "applied".
func migrationState(t *testing.T, env map[string]string, action string) string {
	t.Helper()
	stdout, stderr, err := advocacy(t, env, "migrate", action)
	if err != nil {
		t.Fatalf("migrate %s: %v (stderr %q)", action, err, stderr)
	}
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	var m []string
	for i, line := range lines {
		if m = statusLine.FindStringSubmatch(line); m == nil || (i == 0 && m[2] != "00001_foundation.sql") {
			t.Fatalf("migrate %s printed %q", action, stdout)
		}
	}
	return strings.Fields(m[3])[0]
}

func TestMigrate(t *testing.T) {
	// The first run meets a database that does not exist yet.
	env := map[string]string{"DATABASE_URL": missingDatabase(t)}
	if got := migrationState(t, env, "status"); got != "pending" {
		t.Errorf("status of a new database: %s, want pending", got)
	}
	for _, step := range []struct{ action, want string }{
		{"up", "applied"}, {"status", "applied"}, {"up", "applied"},
		{"down", "pending"}, {"status", "pending"},
		{"up", "applied"},
	} {
		if got := migrationState(t, env, step.action); got != step.want {
			t.Errorf("migrate %s: newest migration %s, want %s", step.action, got, step.want)
		}
	}

	_, _, err := advocacy(t, env, "migrate", "sideways")
	if err == nil || !strings.Contains(err.Error(), `"sideways"`) {
		t.Errorf("migrate sideways: err = %v, want one naming the action", err)
	}
}

func TestSeedDemo(t *testing.T) {
	env := map[string]string{"DATABASE_URL": missingDatabase(t), "BASE_URL": "https://act.example.org"}
	want := fmt.Sprintf("demo ready: https://act.example.org/releases/%s (petition 1: 0 signatures)\n", demo.ReleaseSlug)
	for i := range 2 {
		stdout, stderr, err := advocacy(t, env, "seed", "demo")
		if err != nil {
			t.Fatalf("seed demo, run %d: %v (stderr %q)", i+1, err, stderr)
		}
		if stdout != want {
			t.Errorf("seed demo, run %d printed %q, want %q", i+1, stdout, want)
		}
	}
	db, err := postgres.Open(context.Background(), env["DATABASE_URL"], postgres.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"campaigns", "petitions", "releases", "petition_counts"} {
		var n int
		if err := db.SQL().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d rows, %v; want exactly 1 after seeding twice", table, n, err)
		}
	}
}

func TestRecount(t *testing.T) {
	dbURL, db := pkg.Fresh(t)
	env := map[string]string{"DATABASE_URL": dbURL}
	if _, _, err := advocacy(t, env, "seed", "demo"); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := advocacy(t, env, "recount")
	if err != nil || stdout != "recount: every count matches its rows; no drift\n" {
		t.Fatalf("recount of a fresh demo: %q, %v", stdout, err)
	}

	// Two signatures written behind the signer's back, in one statement so
	// they share a day and an hour: the count and the five tallies (day,
	// hour, source, country, consent) no longer match the rows.
	if _, err := db.SQL().Exec(`INSERT INTO signatures (petition_id, full_name, email, country, consent_updates, consent_version)
		VALUES (1, 'Ada', 'ada@example.org', 'GB', true, '2026-11-v1'), (1, 'Bob', 'bob@example.org', 'GB', true, '2026-11-v1')`); err != nil {
		t.Fatal(err)
	}
	stdout, _, err = advocacy(t, env, "recount")
	want := "petition 1: count was 0, rows 2 (fixed); 5 tally rows fixed\n" +
		"recount: 1 petition(s) drifted and were fixed\n"
	if err != nil || stdout != want {
		t.Errorf("recount after drift printed %q, %v; want %q", stdout, err, want)
	}
	stdout, _, err = advocacy(t, env, "recount")
	if err != nil || stdout != "recount: every count matches its rows; no drift\n" {
		t.Errorf("second recount: %q, %v", stdout, err)
	}
}

func TestDatabaseErrorsExplainAndHidePasswords(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://app:s3cret@127.0.0.1:1/advocacy?sslmode=disable"}
	for _, args := range [][]string{{"migrate", "status"}, {"seed", "demo"}, {"recount"}} {
		_, _, err := advocacy(t, env, args...)
		if err == nil {
			t.Fatalf("advocacy %v with no server: no error", args)
		}
		msg := err.Error()
		if !strings.Contains(msg, "no PostgreSQL server answers at postgres://app:xxxxx@127.0.0.1:1/advocacy") {
			t.Errorf("advocacy %v: %q does not say where no server answers", args, msg)
		}
		if strings.Contains(msg, "s3cret") {
			t.Errorf("advocacy %v: the password is in the message %q", args, msg)
		}
	}

	u, err := url.Parse(testdb.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("no_such_role_for_advocacy", "s3cret")
	_, _, err = advocacy(t, map[string]string{"DATABASE_URL": u.String()}, "recount")
	if err == nil || !strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("unknown role: err = %v, want an authentication failure without the password", err)
	}
}

// logWatch is a log destination that tells when the server is serving.
type logWatch struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	serving chan string // receives the address once
	sent    bool
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	for _, line := range strings.Split(string(p), "\n") {
		var entry struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "serving" && !w.sent {
			w.sent = true
			w.serving <- entry.Addr
		}
	}
	return n, err
}

func (w *logWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// serve migrates a new database, serves the demo, and stops cleanly when
// its context ends.
func TestServe(t *testing.T) {
	env := map[string]string{"DATABASE_URL": missingDatabase(t), "HTTP_ADDR": "127.0.0.1:0"}
	if _, _, err := advocacy(t, env, "seed", "demo"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &logWatch{serving: make(chan string, 1)}
	done := make(chan error, 1)
	go func() {
		var stdout bytes.Buffer
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, logs)
	}()

	var addr string
	select {
	case addr = <-logs.serving:
	case err := <-done:
		t.Fatalf("serve returned before serving: %v\n%s", err, logs)
	}
	for _, path := range []string{"/", "/releases/" + demo.ReleaseSlug, "/api/v1/releases"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, resp.StatusCode)
		}
	}

	cancel() // as SIGTERM does
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, logs)
	}
	for _, want := range []string{`"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("serve's log lacks %s:\n%s", want, logs)
		}
	}
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Error("the server still answers after serve returned")
	}
}

// `advocacy jobs` says what is queued, per kind and state, and lists the
// jobs that are failing with their last error.
func TestJobs(t *testing.T) {
	dbURL, db := pkg.Fresh(t)
	env := map[string]string{"DATABASE_URL": dbURL}
	stdout, _, err := advocacy(t, env, "jobs")
	if err != nil || stdout != "no jobs\n" {
		t.Fatalf("jobs of a new database: %q, %v", stdout, err)
	}
	if _, err := db.SQL().Exec(`INSERT INTO river_job (args, kind, max_attempts, state, attempt, errors, finalized_at)
		VALUES ('{"signature_id":1}', 'signature_email', 25, 'available', 0, NULL, NULL),
		       ('{"signature_id":2}', 'signature_email', 25, 'completed', 1, NULL, now()),
		       ('{"signature_id":3}', 'signature_email', 25, 'discarded', 25,
		        ARRAY['{"at":"2026-11-30T12:00:00Z","attempt":25,"error":"421 try later","trace":""}'::jsonb], now())`); err != nil {
		t.Fatal(err)
	}
	stdout, _, err = advocacy(t, env, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"signature_email      available         1", "signature_email      completed         1",
		"signature_email      discarded         1", "attempt 25/25", "421 try later"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("jobs printed %q; want it to contain %q", stdout, want)
		}
	}
}
