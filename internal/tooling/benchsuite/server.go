package benchsuite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// buildBinary compiles cmd/advocacy into dir and returns its path.
func buildBinary(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "advocacy")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/advocacy")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build advocacy: %v\n%s", err, out)
	}
	return bin, nil
}

// moduleRoot is the directory of this module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the suite from inside the advocacy module")
	}
	return filepath.Dir(mod), nil
}

// freeLoopbackAddr returns a 127.0.0.1 address no one listens on now.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// server is one `advocacy serve` process.
type server struct {
	name  string
	base  string // http://127.0.0.1:port
	pprof string // host:port of the profiler, when enabled
	cmd   *exec.Cmd
	log   *os.File
	done  chan error
}

// serverEnv is what every server process gets on top of the suite's own
// environment.
type serverEnv struct {
	binary      string
	databaseURL string
	logDir      string
	logLevel    string
	profile     bool
	extra       []string // further NAME=value pairs (tuning knobs)
}

// startServer starts `advocacy serve` on a free loopback port and waits until
// /healthz answers. Signing is not rate limited (SIGN_RATE_PER_MINUTE=0): the
// load comes from one address.
func startServer(ctx context.Context, name string, env serverEnv) (*server, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	s := &server{name: name, base: "http://" + addr, done: make(chan error, 1)}
	vars := []string{
		"DATABASE_URL=" + env.databaseURL,
		"HTTP_ADDR=" + addr,
		"BASE_URL=" + s.base,
		"SIGN_RATE_PER_MINUTE=0",
		// The load comes from loopback: the trust rules would hold it as one
		// address's flood. The flood step sets its own.
		"TRUSTED_SIGNERS=127.0.0.0/8,::1",
		"LOG_LEVEL=" + env.logLevel,
		"DATABASE_URL_FILE=", "STRIPE_SECRET_KEY=", "STRIPE_SECRET_KEY_FILE=",
		// Every instance works the shared queue, so every instance may
		// deliver the webhook step's deliveries to its loopback receiver.
		"WEBHOOK_ALLOW_PRIVATE=true",
	}
	if env.profile {
		if s.pprof, err = freeLoopbackAddr(); err != nil {
			return nil, err
		}
		vars = append(vars, "PPROF_ADDR="+s.pprof)
	}
	vars = append(vars, env.extra...)
	if s.log, err = os.Create(filepath.Join(env.logDir, "server-"+name+".log")); err != nil {
		return nil, err
	}
	s.cmd = exec.Command(env.binary, "serve")
	s.cmd.Env = append(os.Environ(), vars...)
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	s.cmd.SysProcAttr = childProcAttr()
	if err := s.cmd.Start(); err != nil {
		s.log.Close()
		return nil, fmt.Errorf("start server %s: %w", name, err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	if err := s.awaitHealthy(ctx, 60*time.Second); err != nil {
		_ = s.stop()
		return nil, err
	}
	return s, nil
}

// awaitHealthy polls /healthz until it answers 200, the process exits, or
// the time runs out.
func (s *server) awaitHealthy(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("server %s exited while starting (%v); see %s", s.name, err, s.log.Name())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server %s did not become healthy within %v; see %s", s.name, within, s.log.Name())
		}
	}
}

// stop sends SIGTERM and waits for a graceful exit, killing the process if
// it takes longer than 30 s.
func (s *server) stop() error {
	defer s.log.Close()
	if s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		return fmt.Errorf("server %s did not stop within 30 s and was killed", s.name)
	}
}

// memory is a process's resident memory in bytes: now, and its peak.
type memory struct {
	RSS  int64 `json:"rss_bytes"`
	Peak int64 `json:"peak_rss_bytes"`
}

// memory reads VmRSS and VmHWM from /proc. It fails where /proc is missing.
func (s *server) memory() (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return memory{}, fmt.Errorf("parse %s: %w", k, err)
		}
		if k == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.Peak = kb << 10
		}
	}
	return m, sc.Err()
}

// runCommand runs the advocacy binary with a subcommand against the bench
// database and returns its output.
func runCommand(ctx context.Context, env serverEnv, args ...string) (string, error) {
	return runCommandWith(ctx, env, nil, args...)
}

// runCommandWith is runCommand with further NAME=value pairs in its
// environment.
func runCommandWith(ctx context.Context, env serverEnv, vars []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, env.binary, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+env.databaseURL, "DATABASE_URL_FILE=", "LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, vars...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("advocacy %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
