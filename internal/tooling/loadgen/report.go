package loadgen

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// WriteTable writes r as a small human-readable table.
func (r Result) WriteTable(out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	row := func(k, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...))
	}
	row("mode", "%s", r.Mode)
	row("targets", "%s", strings.Join(r.Targets, ", "))
	row("workers", "%d", r.Workers)
	row("duration", "%.1f s", r.Seconds)
	row("requests", "%d (%d as expected)", r.Requests, r.Succeeded)
	row("throughput", "%.0f/s", r.PerSecond)
	l := r.Latency
	row("latency", "p50 %.2f ms · p95 %.2f ms · p99 %.2f ms · max %.2f ms · mean %.2f ms", l.P50Ms, l.P95Ms, l.P99Ms, l.MaxMs, l.Mean)
	row("errors", "%s", r.ErrorsText())
	if r.Mode == ModeSign {
		row("new signatures", "%d acknowledged, %d without an answer", r.NewAcknowledged, r.NewUncertain)
		row("repeats", "%d sent (%d with case or space changed)", r.RepeatsSent, r.VariantsSent)
		row("highest count", "%d", r.MaxCountSeen)
	}
	return tw.Flush()
}

// ErrorsText lists the errors by status or kind, "0" when there were none.
func (r Result) ErrorsText() string {
	if len(r.Errors) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, r.Errors[k])
	}
	return fmt.Sprintf("%d (%s)", r.ErrorCount(), strings.Join(parts, ", "))
}
