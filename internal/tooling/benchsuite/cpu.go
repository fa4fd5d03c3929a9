package benchsuite

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 on
// every mainstream Linux build).
const clockTick = 10 * time.Millisecond

// processCPU is the CPU time (user + system) pid has used so far.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields after its ')' are fixed.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// selfCPU is the CPU time this process (the load generator) has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSnapshot is the CPU used so far by the servers, by the PostgreSQL
// backends serving the bench database, and by the suite itself. On a
// machine shared with other work, CPU per signature is steadier than
// signatures per second.
type cpuSnapshot struct {
	servers  time.Duration
	backends map[int]time.Duration
	self     time.Duration
	commits  int64 // transactions committed in the bench database, read-only ones too
}

func (r *runner) cpuSnapshot(ctx context.Context, servers ...*server) (cpuSnapshot, error) {
	snap := cpuSnapshot{backends: map[int]time.Duration{}, self: selfCPU()}
	for _, s := range servers {
		d, err := processCPU(s.cmd.Process.Pid)
		if err != nil {
			return snap, err
		}
		snap.servers += d
	}
	// Backends report their counters about once a second; enough over a run.
	if err := r.conn.QueryRow(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = $1`, r.opts.Database).
		Scan(&snap.commits); err != nil {
		return snap, err
	}
	rows, err := r.conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, r.opts.Database)
	if err != nil {
		return snap, err
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return snap, err
		}
		if d, err := processCPU(pid); err == nil {
			snap.backends[pid] = d
		}
	}
	return snap, rows.Err()
}

// cpuUse is the CPU spent between two snapshots.
type cpuUse struct {
	Server    time.Duration `json:"server_ns"`
	Database  time.Duration `json:"database_ns"`
	LoadGen   time.Duration `json:"loadgen_ns"`
	Operation int64         `json:"operations"`
	Commits   int64         `json:"commits"`
}

func cpuBetween(before, after cpuSnapshot, ops int64) cpuUse {
	u := cpuUse{Server: after.servers - before.servers, LoadGen: after.self - before.self, Operation: ops,
		Commits: after.commits - before.commits}
	for pid, d := range after.backends {
		u.Database += d - before.backends[pid] // a backend born meanwhile started at 0
	}
	return u
}

func (u cpuUse) row(step, what string) Row {
	per := func(d time.Duration) float64 {
		if u.Operation == 0 {
			return 0
		}
		return float64(d.Microseconds()) / float64(u.Operation)
	}
	row := Row{Step: step, Measure: "CPU per " + what + " (server · PostgreSQL backends · load generator)",
		Result:  fmt.Sprintf("%.0f µs · %.0f µs · %.0f µs", per(u.Server), per(u.Database), per(u.LoadGen)),
		Verdict: VerdictInfo}
	if u.Commits > 0 {
		row.Result += fmt.Sprintf("; %.1f per PostgreSQL transaction", float64(u.Operation)/float64(u.Commits))
	}
	return row
}
