//go:build unix

package devdb

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

// serverURL returns the tests' server URL for another database or user.
func serverURL(t *testing.T, user, database string) string {
	t.Helper()
	u, err := url.Parse(testdb.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		u.User = url.User(user)
	}
	u.Path = "/" + database
	return u.String()
}

// closedPort returns a port on 127.0.0.1 that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func nobodyThereURL(t *testing.T, database string) string {
	return "postgres://postgres@127.0.0.1:" + strconv.Itoa(closedPort(t)) + "/" + database + "?sslmode=disable"
}

func TestProbe(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		dsn  string
		want error // nil: the server answers
	}{
		{"a server answers", serverURL(t, "", "postgres"), nil},
		{"the database is missing but the server answers", serverURL(t, "", "advocacy_devdb_no_such_database"), nil},
		{"the server refuses the login", serverURL(t, "advocacy_devdb_no_such_role", "postgres"), postgres.ErrAuth},
		{"nothing listens", nobodyThereURL(t, "advocacy"), ErrNoServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Probe(ctx, tt.dsn)
			if tt.want == nil && err != nil {
				t.Fatalf("Probe(%s) = %v, want the server to answer", tt.dsn, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Probe(%s) = %v, want %v", tt.dsn, err, tt.want)
			}
		})
	}
}

func TestResolveKeepsAServerThatAnswers(t *testing.T) {
	dsn := serverURL(t, "", "advocacy")
	dir := filepath.Join(t.TempDir(), ".pgdata")
	got, err := Resolve(context.Background(), dsn, &Cluster{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got != dsn {
		t.Errorf("Resolve = %s, want DATABASE_URL itself, %s", got, dsn)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Resolve touched the private cluster's folder (%v) though a server answers", err)
	}
}

func TestResolveReportsALoginRefused(t *testing.T) {
	dsn := serverURL(t, "advocacy_devdb_no_such_role", "advocacy")
	_, err := Resolve(context.Background(), dsn, &Cluster{Dir: filepath.Join(t.TempDir(), ".pgdata")})
	if !errors.Is(err, postgres.ErrAuth) {
		t.Fatalf("Resolve = %v, want ErrAuth", err)
	}
}

func TestResolveWithNeitherServerNorBinariesSaysHowToGetOne(t *testing.T) {
	c := &Cluster{Dir: filepath.Join(t.TempDir(), ".pgdata"), BinDirs: []string{t.TempDir()}}
	_, err := Resolve(context.Background(), nobodyThereURL(t, "advocacy"), c)
	if !errors.Is(err, ErrNoServer) || !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("Resolve = %v, want ErrNoServer and ErrNoBinaries", err)
	}
	for _, how := range []string{"apt-get install postgresql", "brew install postgresql", "docker compose up -d db"} {
		if !strings.Contains(err.Error(), how) {
			t.Errorf("the message does not say %q:\n%v", how, err)
		}
	}
}

// TestPrivateCluster creates, starts, reuses, stops and restarts a real
// cluster with the PostgreSQL binaries installed here. As root it also
// covers a project the unprivileged account cannot reach.
func TestPrivateCluster(t *testing.T) {
	if _, err := findBinaries(context.Background(), DefaultBinDirs()); err != nil {
		t.Skipf("no PostgreSQL server binaries to start a private cluster with: %v", err)
	}
	type layout struct {
		name      string
		project   func(t *testing.T) string // the project folder
		spillRoot func(t *testing.T) string
		spilled   bool // the cluster's home is expected outside the project
	}
	layouts := []layout{{name: "inside the project", project: openFolder, spillRoot: func(*testing.T) string { return "" }}}
	if os.Geteuid() == 0 {
		layouts = append(layouts, layout{
			name:      "as root, a project the unprivileged account cannot reach",
			project:   func(t *testing.T) string { return t.TempDir() }, // 0700, root's
			spillRoot: openFolder,
			spilled:   true,
		})
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			ctx := context.Background()
			spillRoot := l.spillRoot(t)
			c := &Cluster{
				Dir:       filepath.Join(l.project(t), ".pgdata"),
				FirstPort: closedPort(t),
				SpillRoot: spillRoot,
			}
			t.Cleanup(func() {
				if _, err := c.Stop(context.Background()); err != nil {
					t.Errorf("stop: %v", err)
				}
			})

			first, err := Resolve(ctx, nobodyThereURL(t, "advocacy_devdb"), c)
			if err != nil {
				t.Fatal(err)
			}
			assertDatabase(t, first, "advocacy_devdb")
			link, err := os.Readlink(c.home())
			if spilled := err == nil && strings.HasPrefix(link, spillRoot); spilled != l.spilled {
				t.Errorf("the cluster's home links to %q (%v); want it spilled outside the project: %v", link, err, l.spilled)
			}

			again, err := c.Start(ctx, "advocacy_devdb")
			if err != nil {
				t.Fatal(err)
			}
			if again != first {
				t.Errorf("a second Start gave %s, want the running cluster's %s", again, first)
			}

			stopped, err := c.Stop(ctx)
			if err != nil || !stopped {
				t.Fatalf("Stop = %v, %v; want the running cluster stopped", stopped, err)
			}
			if err := Probe(ctx, first); !errors.Is(err, ErrNoServer) {
				t.Fatalf("after Stop, Probe = %v, want ErrNoServer", err)
			}
			if stopped, err := c.Stop(ctx); err != nil || stopped {
				t.Fatalf("Stop on a stopped cluster = %v, %v; want false, nil", stopped, err)
			}

			restarted, err := c.Start(ctx, "advocacy_devdb_other")
			if err != nil {
				t.Fatal(err)
			}
			assertDatabase(t, restarted, "advocacy_devdb_other")
		})
	}
}

// openFolder makes a folder every account can enter, removed after t.
func openFolder(t *testing.T) string {
	dir, err := os.MkdirTemp("", "devdb-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// assertDatabase connects to dsn and checks that it reaches database.
func assertDatabase(t *testing.T, dsn, database string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", dsn, err)
	}
	defer conn.Close(ctx)
	var got string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != database {
		t.Errorf("connected to database %q, want %q", got, database)
	}
}

func TestNewestFirst(t *testing.T) {
	got := newestFirst([]string{
		"/usr/lib/postgresql/9.6/bin",
		"/usr/lib/postgresql/16/bin",
		"/usr/lib/postgresql/10/bin",
		"/opt/homebrew/opt/postgresql@17/bin",
		"/usr/lib/postgresql/9.4/bin",
	})
	want := []string{
		"/opt/homebrew/opt/postgresql@17/bin",
		"/usr/lib/postgresql/16/bin",
		"/usr/lib/postgresql/10/bin",
		"/usr/lib/postgresql/9.6/bin",
		"/usr/lib/postgresql/9.4/bin",
	}
	if !slices.Equal(got, want) {
		t.Errorf("newestFirst = %v, want %v", got, want)
	}
}

func TestParseMajorVersion(t *testing.T) {
	tests := []struct {
		output string
		want   string
	}{
		{"pg_ctl (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)\n", "15"},
		{"pg_ctl (PostgreSQL) 17.2\n", "17"},
		{"pg_ctl (PostgreSQL) 18beta1\n", "18"},
		{"pg_ctl (PostgreSQL) 9.6.24\n", "9.6"},
	}
	for _, tt := range tests {
		got, ok := parseMajorVersion(tt.output)
		if !ok || got != tt.want {
			t.Errorf("parseMajorVersion(%q) = %q, %v; want %q", tt.output, got, ok, tt.want)
		}
	}
	if got, ok := parseMajorVersion("command not found"); ok {
		t.Errorf("parseMajorVersion of no version = %q, want none", got)
	}
}
