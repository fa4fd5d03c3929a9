package benchsuite

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Verdicts of a row.
const (
	VerdictOK      = "ok"      // met its target, or its check held
	VerdictMissed  = "MISSED"  // a performance target was not reached
	VerdictFailed  = "FAILED"  // a correctness check failed, or the step broke
	VerdictInfo    = "info"    // a figure with no target of its own
	VerdictSkipped = "skipped" // not run (flag, or a tool missing)
)

// Row is one line of the results table.
type Row struct {
	Step    string `json:"step"`
	Measure string `json:"measure"`
	Result  string `json:"result"`
	Target  string `json:"target,omitempty"`
	Verdict string `json:"verdict"`
}

// Machine describes where the suite ran, so figures can be compared.
type Machine struct {
	CPUs          int    `json:"cpus"`
	CPUModel      string `json:"cpu_model"`
	MemoryMB      int64  `json:"memory_mb"`
	Kernel        string `json:"kernel"`
	GoVersion     string `json:"go_version"`
	PostgreSQL    string `json:"postgresql"`
	SyncCommit    string `json:"synchronous_commit"`
	LoadAvgBefore string `json:"load_average_before"`
	LoadAvgAfter  string `json:"load_average_after"`
}

// Report is everything a run measured.
type Report struct {
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	Machine  Machine        `json:"machine"`
	Settings map[string]any `json:"settings"`
	Rows     []Row          `json:"rows"`
	// Details holds each step's raw figures (load results, pgbench output).
	Details map[string]any `json:"details"`
}

// Failed reports whether a correctness check failed or a step broke.
func (r *Report) Failed() bool {
	for _, row := range r.Rows {
		if row.Verdict == VerdictFailed {
			return true
		}
	}
	return false
}

// Missed reports whether a performance target was not reached.
func (r *Report) Missed() bool {
	for _, row := range r.Rows {
		if row.Verdict == VerdictMissed {
			return true
		}
	}
	return false
}

func (r *Report) add(row Row) { r.Rows = append(r.Rows, row) }

// WriteTable writes the rows as an aligned text table.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "step\tmeasure\tresult\ttarget\tverdict")
	fmt.Fprintln(tw, "----\t-------\t------\t------\t-------")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", row.Step, row.Measure, row.Result, row.Target, row.Verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", r.Machine.line())
	return err
}

// WriteMarkdown writes the machine and the rows as a Markdown table.
func (r *Report) WriteMarkdown(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "# Benchmark results, %s\n\n", r.Started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(b, "%s\n\n", r.Machine.line())
	fmt.Fprintln(b, "| step | measure | result | target | verdict |")
	fmt.Fprintln(b, "|---|---|---|---|---|")
	esc := strings.NewReplacer("|", `\|`)
	for _, row := range r.Rows {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", esc.Replace(row.Step), esc.Replace(row.Measure),
			esc.Replace(row.Result), esc.Replace(row.Target), row.Verdict)
	}
	return b.Flush()
}

// WriteFiles writes results.json and results.md (and a copy named after the
// start time) into dir.
func (r *Report) WriteFiles(dir string) ([]string, error) {
	stamp := r.Started.UTC().Format("20060102-150405")
	var written []string
	for _, name := range []string{"results", "results-" + stamp} {
		j, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return nil, err
		}
		jp := dir + "/" + name + ".json"
		if err := os.WriteFile(jp, append(j, '\n'), 0o644); err != nil {
			return nil, err
		}
		var md strings.Builder
		if err := r.WriteMarkdown(&md); err != nil {
			return nil, err
		}
		mp := dir + "/" + name + ".md"
		if err := os.WriteFile(mp, []byte(md.String()), 0o644); err != nil {
			return nil, err
		}
		written = append(written, jp, mp)
	}
	return written, nil
}

func (m Machine) line() string {
	return fmt.Sprintf("machine: %d CPUs (%s), %d MB RAM, %s; %s; PostgreSQL %s (synchronous_commit=%s); load average before %s, after %s",
		m.CPUs, m.CPUModel, m.MemoryMB, m.Kernel, m.GoVersion, m.PostgreSQL, m.SyncCommit, m.LoadAvgBefore, m.LoadAvgAfter)
}

// describeMachine reads what /proc tells about this machine.
func describeMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), CPUModel: "unknown", Kernel: runtime.GOOS}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kb int64
				fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb)
				m.MemoryMB = kb / 1024
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.LoadAvgBefore = loadAverage()
	return m
}

// loadAverage is the 1, 5 and 15 minute load average, a measure of how
// busy the machine was besides the suite.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
