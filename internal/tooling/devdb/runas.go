//go:build unix

package devdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// runner runs PostgreSQL's programs. initdb and postgres refuse to run as
// root, so as root they run as an unprivileged account instead; otherwise
// as whoever runs devdb.
type runner struct {
	user     string // "" when the programs run as the current user
	uid, gid int
}

// unprivileged are the accounts tried, in order, when running as root.
var unprivileged = []string{"postgres", "nobody"}

// newRunner returns the runner for a cluster whose data folder is owned by
// owner (-1 for a cluster not created yet).
func newRunner(owner int) (runner, error) {
	if os.Geteuid() != 0 {
		return runner{uid: os.Getuid(), gid: os.Getgid()}, nil
	}
	if owner > 0 {
		u, err := user.LookupId(strconv.Itoa(owner))
		if err != nil {
			return runner{}, fmt.Errorf("the private cluster belongs to uid %d, which has no account: %w", owner, err)
		}
		return runnerFor(u)
	}
	for _, name := range unprivileged {
		if u, err := user.Lookup(name); err == nil {
			return runnerFor(u)
		}
	}
	return runner{}, fmt.Errorf("running as root, and none of the accounts %s exists to run PostgreSQL as; run as an ordinary user",
		strings.Join(unprivileged, ", "))
}

func runnerFor(u *user.User) (runner, error) {
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return runner{}, fmt.Errorf("account %s: uid %q: %w", u.Username, u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return runner{}, fmt.Errorf("account %s: gid %q: %w", u.Username, u.Gid, err)
	}
	return runner{user: u.Username, uid: uid, gid: gid}, nil
}

// describe names the account, for messages.
func (r runner) describe() string {
	if r.user == "" {
		return "you"
	}
	return "user " + r.user
}

// command prepares name with args to run as the runner's account, from "/"
// so that no working folder the account cannot enter gets in the way.
func (r runner) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	switch {
	case r.user == "":
		cmd = exec.CommandContext(ctx, name, args...)
	case haveProgram("runuser"):
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", r.user, "--", name}, args...)...)
	default:
		// su needs a shell: the account's own may be nologin.
		cmd = exec.CommandContext(ctx, "su", "-s", "/bin/sh", r.user, "-c", shellQuote(append([]string{name}, args...)))
	}
	cmd.Dir = "/"
	return cmd
}

// run runs the command and returns its output in the error when it fails.
func (r runner) run(ctx context.Context, name string, args ...string) error {
	out, err := r.command(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// mkdir makes dir, private to the runner's account. An existing dir is kept
// when it is a real folder (not a link) owned by that account.
func (r runner) mkdir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if errors.Is(err, os.ErrExist) {
		fi, lerr := os.Lstat(dir)
		if lerr != nil {
			return lerr
		}
		if !fi.IsDir() || owner(fi) != r.uid {
			return fmt.Errorf("%s exists and is not a folder owned by %s; remove it", dir, r.describe())
		}
		return nil
	}
	if err != nil {
		return err
	}
	if r.user != "" {
		return os.Chown(dir, r.uid, r.gid)
	}
	return nil
}

// canWrite reports whether the runner's account can reach and write dir:
// as root, a project under a private home folder is out of its reach.
func (r runner) canWrite(ctx context.Context, dir string) bool {
	return r.command(ctx, "test", "-w", dir).Run() == nil
}

// owner returns the uid owning a file, or -1.
func owner(fi os.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

func haveProgram(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// shellQuote quotes words for sh -c.
func shellQuote(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(quoted, " ")
}
