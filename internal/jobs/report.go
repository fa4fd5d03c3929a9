package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"
)

// failedShown bounds the failing jobs Report lists.
const failedShown = 20

// Report writes what is in the queue: how many jobs of each kind are in
// each state, then the jobs that are failing (retrying) or have failed for
// good (discarded), newest first, with their last error.
func Report(ctx context.Context, db *sql.DB, w io.Writer) error {
	rows, err := db.QueryContext(ctx, `SELECT kind, state::text, count(*) FROM river_job GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var kind, state string
		var n int64
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
		lines = append(lines, fmt.Sprintf("%-20s %-10s %8d", kind, state, n))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if len(lines) == 0 {
		fmt.Fprintln(w, "no jobs")
		return nil
	}
	fmt.Fprintf(w, "%-20s %-10s %8s\n%s\n", "kind", "state", "jobs", strings.Join(lines, "\n"))

	// An insert-only client reads the failing jobs through River's own API.
	client, err := river.NewClient(riverdatabasesql.New(db), &river.Config{})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	failing, err := client.JobList(ctx, river.NewJobListParams().
		States(rivertype.JobStateRetryable, rivertype.JobStateDiscarded).
		OrderBy(river.JobListOrderByTime, river.SortOrderDesc).First(failedShown))
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if len(failing.Jobs) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nfailing (retryable: will be tried again; discarded: gave up), newest %d:\n", failedShown)
	for _, j := range failing.Jobs {
		last := ""
		if n := len(j.Errors); n > 0 {
			last = j.Errors[n-1].Error
		}
		fmt.Fprintf(w, "%8d  %-20s %-10s attempt %d/%d, created %s: %s\n", j.ID, j.Kind, j.State,
			j.Attempt, j.MaxAttempts, j.CreatedAt.UTC().Format(time.RFC3339), last)
	}
	return nil
}
