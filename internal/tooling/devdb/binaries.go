//go:build unix

package devdb

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Binaries is one installation of PostgreSQL's server programs.
type Binaries struct {
	Dir     string // holds initdb, pg_ctl and postgres
	Version string // major version, as data/PG_VERSION spells it: "16", "9.6"
}

// versionedDirs are where distributions put each major version's programs,
// outside PATH: Debian and Ubuntu, Red Hat's packages, Homebrew's versioned
// formulae on Apple silicon and on Intel.
var versionedDirs = []string{
	"/usr/lib/postgresql/*/bin",
	"/usr/pgsql-*/bin",
	"/opt/homebrew/opt/postgresql@*/bin",
	"/usr/local/opt/postgresql@*/bin",
}

// DefaultBinDirs lists the folders to search for initdb and pg_ctl: the one
// holding pg_ctl in PATH first (the developer's choice), then each installed
// major version, newest first.
func DefaultBinDirs() []string {
	var dirs []string
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	var versioned []string
	for _, pattern := range versionedDirs {
		m, _ := filepath.Glob(pattern) // the patterns are valid
		versioned = append(versioned, m...)
	}
	return append(dirs, newestFirst(versioned)...)
}

// newestFirst sorts folders named after versions, newest first.
func newestFirst(dirs []string) []string {
	sort.SliceStable(dirs, func(i, j int) bool { return versionKey(dirs[i]) > versionKey(dirs[j]) })
	return dirs
}

var firstNumbers = regexp.MustCompile(`(\d+)(?:\.(\d+))?`)

// versionKey orders "…/postgresql/9.6/bin" before "…/postgresql/10/bin" before
// "…/postgresql@16/bin" by the first version number in the path.
func versionKey(path string) int {
	m := firstNumbers.FindStringSubmatch(path)
	if m == nil {
		return 0
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return major*100 + minor
}

// findBinaries returns the usable installations among dirs, in order, with
// duplicates (a PATH link to a versioned folder) removed. It returns
// ErrNoBinaries when there is none.
func findBinaries(ctx context.Context, dirs []string) ([]Binaries, error) {
	var found []Binaries
	seen := map[string]bool{}
	for _, dir := range dirs {
		pgCtl, err := filepath.EvalSymlinks(filepath.Join(dir, "pg_ctl"))
		if err != nil || !executable(pgCtl) {
			continue
		}
		// pg_ctl runs the postgres beside its real self; initdb must be
		// the same version, so it is looked for beside it too.
		real := filepath.Dir(pgCtl)
		if seen[real] || !executable(filepath.Join(real, "initdb")) || !executable(filepath.Join(real, "postgres")) {
			continue
		}
		seen[real] = true
		version, err := majorVersion(ctx, pgCtl)
		if err != nil {
			continue
		}
		found = append(found, Binaries{Dir: real, Version: version})
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%w (looked in PATH and %s)", ErrNoBinaries, strings.Join(versionedDirs, ", "))
	}
	return found, nil
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

var pgCtlVersion = regexp.MustCompile(`\(PostgreSQL\) (\d+)(?:\.(\d+))?`)

// majorVersion asks pg_ctl for its version: "pg_ctl (PostgreSQL) 15.19 …" is
// "15"; before version 10 the major version had two parts: "9.6".
func majorVersion(ctx context.Context, pgCtl string) (string, error) {
	out, err := exec.CommandContext(ctx, pgCtl, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", pgCtl, err)
	}
	v, ok := parseMajorVersion(string(out))
	if !ok {
		return "", fmt.Errorf("%s --version: no version in %q", pgCtl, out)
	}
	return v, nil
}

func parseMajorVersion(versionOutput string) (string, bool) {
	m := pgCtlVersion.FindStringSubmatch(versionOutput)
	if m == nil {
		return "", false
	}
	if major, _ := strconv.Atoi(m[1]); major < 10 && m[2] != "" {
		return m[1] + "." + m[2], true
	}
	return m[1], true
}
