//go:build unix

package devdb

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/advocacy/advocacy/internal/postgres"
)

// DefaultFirstPort is the first port a private cluster tries; it takes the
// next free one above when that is taken.
const DefaultFirstPort = 55432

// portsTried bounds the search for a free port.
const portsTried = 100

// superuser is the private cluster's one role. Logins are trusted: the
// cluster listens on 127.0.0.1 only and holds development data.
const superuser = "postgres"

// Cluster is a private PostgreSQL cluster for development, kept in a folder
// of the project. Its layout:
//
//	Dir/lock            taken while devdb starts or stops the cluster
//	Dir/cluster/        the cluster's home, or a link to it (see SpillRoot)
//	  data/             the data folder (initdb's)
//	  server.log        the server's log
//	  .s.PGSQL.<port>   the server's Unix socket
type Cluster struct {
	// Dir is the project's folder for the cluster, usually .pgdata.
	Dir string
	// BinDirs are the folders searched for initdb and pg_ctl, in order of
	// preference. Nil means DefaultBinDirs().
	BinDirs []string
	// FirstPort is the first port tried. Zero means DefaultFirstPort.
	FirstPort int
	// SpillRoot is where, running as root, the cluster's home is made when
	// the unprivileged account that must own it cannot reach Dir (a project
	// under /root, say); Dir/cluster then links to it. Empty means /var/tmp,
	// or the system's temporary folder when there is none.
	SpillRoot string
	// Log receives one line per step worth telling a developer. Nil
	// discards them.
	Log io.Writer
}

func (c *Cluster) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "devdb: "+format+"\n", args...)
	}
}

// home is absolute: PostgreSQL's programs run from "/".
func (c *Cluster) home() string {
	abs, err := filepath.Abs(c.Dir)
	if err != nil {
		abs = c.Dir
	}
	return filepath.Join(abs, "cluster")
}

// realHome is home with links resolved: the path to give PostgreSQL's
// programs, which may not be able to pass through the project's folder.
func (c *Cluster) realHome() string {
	real, err := filepath.EvalSymlinks(c.home())
	if err != nil {
		return c.home()
	}
	return real
}

func (c *Cluster) data() string    { return filepath.Join(c.realHome(), "data") }
func (c *Cluster) logFile() string { return filepath.Join(c.realHome(), "server.log") }

// URL returns the URL of database on the private cluster listening on port.
func URL(port int, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Start makes sure the private cluster runs and returns the URL of database
// on it, creating the database when missing. The first call creates the
// cluster with initdb; later ones reuse it, and find it running when it
// already is. It returns ErrNoBinaries (wrapped) when no PostgreSQL server
// binaries are installed.
func (c *Cluster) Start(ctx context.Context, database string) (string, error) {
	if database == "" {
		database = "postgres"
	}
	unlock, err := c.lock()
	if err != nil {
		return "", err
	}
	defer unlock()

	if port, ok := c.runningPort(ctx); ok {
		c.logf("the private cluster in %s runs on 127.0.0.1:%d", c.Dir, port)
		return c.ensureDatabase(ctx, port, database)
	}
	installed, err := findBinaries(ctx, c.binDirs())
	if err != nil {
		return "", err
	}
	r, err := newRunner(c.dataOwner())
	if err != nil {
		return "", err
	}
	if !c.exists() {
		if err := c.makeHome(ctx, r); err != nil {
			return "", err
		}
	}
	// makeHome may have linked the home to one made by an earlier run
	// whose .pgdata was removed since: that cluster may exist, even run.
	if port, ok := c.runningPort(ctx); ok {
		c.logf("the private cluster in %s runs on 127.0.0.1:%d", c.Dir, port)
		return c.ensureDatabase(ctx, port, database)
	}
	bins, err := c.pickBinaries(installed)
	if err != nil {
		return "", err
	}
	if !c.exists() {
		if err := c.initialise(ctx, r, bins); err != nil {
			return "", err
		}
	}
	port, err := c.start(ctx, r, bins)
	if err != nil {
		return "", err
	}
	return c.ensureDatabase(ctx, port, database)
}

// Stop stops the private cluster, waiting until it has. Stopping a cluster
// that does not run, or does not exist, is not an error. It reports whether
// a running cluster was stopped.
func (c *Cluster) Stop(ctx context.Context) (bool, error) {
	if _, err := os.Stat(c.Dir); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	unlock, err := c.lock()
	if err != nil {
		return false, err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(c.data(), "postmaster.pid")); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	installed, err := findBinaries(ctx, c.binDirs())
	if err != nil {
		return false, err
	}
	bins, err := c.pickBinaries(installed)
	if err != nil {
		return false, err
	}
	r, err := newRunner(c.dataOwner())
	if err != nil {
		return false, err
	}
	cmd := r.command(ctx, filepath.Join(bins.Dir, "pg_ctl"), "stop", "-D", c.data(), "-m", "fast", "-w")
	if out, err := cmd.CombinedOutput(); err != nil {
		// pg_ctl fails, saying so, when the server has gone already.
		if said := strings.ToLower(string(out)); strings.Contains(said, "is server running") || strings.Contains(said, "no such process") {
			return false, nil
		}
		return false, fmt.Errorf("pg_ctl stop: %w\n%s", err, strings.TrimSpace(string(out)))
	}
	c.logf("stopped the private cluster in %s", c.Dir)
	return true, nil
}

func (c *Cluster) binDirs() []string {
	if c.BinDirs == nil {
		return DefaultBinDirs()
	}
	return c.BinDirs
}

// lock serialises devdb runs on one cluster (two `make test` at once, say).
func (c *Cluster) lock() (func(), error) {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("make %s: %w", c.Dir, err)
	}
	f, err := os.OpenFile(filepath.Join(c.Dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}

// dataOwner returns the uid owning the data folder, or -1 when there is none.
func (c *Cluster) dataOwner() int {
	fi, err := os.Stat(c.data())
	if err != nil {
		return -1
	}
	return owner(fi)
}

// pickBinaries chooses the installation to run the cluster with: the first
// one, or for an existing cluster the first of the version that made it.
func (c *Cluster) pickBinaries(installed []Binaries) (Binaries, error) {
	b, err := os.ReadFile(filepath.Join(c.data(), "PG_VERSION"))
	if errors.Is(err, os.ErrNotExist) {
		return installed[0], nil
	}
	if err != nil {
		return Binaries{}, err
	}
	want := strings.TrimSpace(string(b))
	var have []string
	for _, bins := range installed {
		if bins.Version == want {
			return bins, nil
		}
		have = append(have, bins.Version)
	}
	return Binaries{}, fmt.Errorf("the private cluster in %s was made by PostgreSQL %s, but only version(s) %s are installed; "+
		"install %s, or stop devdb and remove %s to start afresh", c.Dir, want, strings.Join(have, ", "), want, c.Dir)
}

// exists reports whether initdb has made the cluster.
func (c *Cluster) exists() bool {
	_, err := os.Stat(filepath.Join(c.data(), "PG_VERSION"))
	return err == nil
}

// initialise runs initdb in the cluster's home.
func (c *Cluster) initialise(ctx context.Context, r runner, bins Binaries) error {
	c.logf("creating a private PostgreSQL %s cluster in %s (as %s)", bins.Version, c.home(), r.describe())
	err := r.run(ctx, filepath.Join(bins.Dir, "initdb"),
		"-D", c.data(), "-U", superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	if err != nil {
		return fmt.Errorf("create the private cluster: %w", err)
	}
	return nil
}

// makeHome makes Dir/cluster: a folder the runner's account owns. As root,
// when that account cannot reach the project (a project under /root, say),
// the home is made under SpillRoot and Dir/cluster links to it.
func (c *Cluster) makeHome(ctx context.Context, r runner) error {
	home := c.home()
	if fi, err := os.Lstat(home); err == nil {
		if _, err := os.Stat(home); err == nil {
			return nil // made by an earlier run that stopped before initdb
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			return fmt.Errorf("%s is unusable; remove it", home)
		}
		// A link to a home that has gone (a cleaned temporary folder).
		if err := os.Remove(home); err != nil {
			return err
		}
	}
	if err := r.mkdir(home); err != nil {
		return err
	}
	if r.user == "" || r.canWrite(ctx, home) {
		return nil
	}
	if err := os.Remove(home); err != nil {
		return err
	}
	spill := filepath.Join(c.spillRoot(), "advocacy-pgdata-"+c.dirHash())
	if err := r.mkdir(spill); err != nil {
		return err
	}
	if !r.canWrite(ctx, spill) {
		return fmt.Errorf("%s cannot write to %s or %s; run devdb as an ordinary user, or set SpillRoot", r.describe(), home, spill)
	}
	if err := os.Symlink(spill, home); err != nil {
		return err
	}
	c.logf("%s cannot reach %s, so the cluster lives in %s, linked from %s", r.describe(), c.Dir, spill, home)
	return nil
}

func (c *Cluster) spillRoot() string {
	if c.SpillRoot != "" {
		return c.SpillRoot
	}
	if fi, err := os.Stat("/var/tmp"); err == nil && fi.IsDir() {
		return "/var/tmp"
	}
	return os.TempDir()
}

// dirHash names the spilled home after the project's folder, so that two
// checkouts of the project get two clusters.
func (c *Cluster) dirHash() string {
	sum := sha256.Sum256([]byte(filepath.Dir(c.home())))
	return hex.EncodeToString(sum[:6])
}

// runningPort returns the port of the cluster when it runs and answers.
func (c *Cluster) runningPort(ctx context.Context) (int, bool) {
	port, err := pidFilePort(filepath.Join(c.data(), "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	return port, Probe(ctx, URL(port, "postgres")) == nil
}

// pidFilePort reads the port from postmaster.pid, whose fourth line it is.
func pidFilePort(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for line := 1; s.Scan(); line++ {
		if line == 4 {
			return strconv.Atoi(strings.TrimSpace(s.Text()))
		}
	}
	return 0, fmt.Errorf("%s: no port line", path)
}

// start starts the server on a free port on 127.0.0.1 and waits until it
// accepts connections.
func (c *Cluster) start(ctx context.Context, r runner, bins Binaries) (int, error) {
	port, err := c.freePort()
	if err != nil {
		return 0, err
	}
	// Settings go on the command line, not in postgresql.conf, so that a
	// moved project or a taken port need nothing rewritten. A throwaway
	// development cluster trades crash safety for speed: tests create and
	// drop many databases.
	options := []string{
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-k", socketDir(c.realHome(), port),
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
	}
	c.logf("starting it on 127.0.0.1:%d (log: %s)", port, c.logFile())
	err = r.run(ctx, filepath.Join(bins.Dir, "pg_ctl"), "start", "-w", "-t", "60",
		"-D", c.data(), "-l", c.logFile(), "-o", shellQuote(options))
	if err != nil {
		return 0, fmt.Errorf("start the private cluster: %w\nlast lines of %s:\n%s", err, c.logFile(), tail(c.logFile(), 15))
	}
	if err := Probe(ctx, URL(port, "postgres")); err != nil {
		return 0, fmt.Errorf("the private cluster started but does not answer: %w\nlast lines of %s:\n%s", err, c.logFile(), tail(c.logFile(), 15))
	}
	return port, nil
}

// socketDir returns the folder for the server's Unix socket: the cluster's
// home, or none ("") when its path is too long for a socket address.
func socketDir(home string, port int) string {
	const maxSocketPath = 103 // the smallest sun_path, macOS's, less its NUL
	if len(filepath.Join(home, ".s.PGSQL."+strconv.Itoa(port))) > maxSocketPath {
		return ""
	}
	return home
}

// freePort returns the first port from FirstPort on that nothing listens on.
func (c *Cluster) freePort() (int, error) {
	first := c.FirstPort
	if first == 0 {
		first = DefaultFirstPort
	}
	for port := first; port < first+portsTried; port++ {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			ln.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port on 127.0.0.1 from %d to %d", first, first+portsTried-1)
}

// ensureDatabase creates database on the cluster when it is missing.
func (c *Cluster) ensureDatabase(ctx context.Context, port int, database string) (string, error) {
	u := URL(port, database)
	if err := postgres.EnsureDatabase(ctx, u); err != nil {
		return "", fmt.Errorf("private cluster: %w", err)
	}
	return u, nil
}

// tail returns the last n lines of the file at path, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
