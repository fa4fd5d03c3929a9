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

	"github.com/advocacy/advocacy/internal/postgres"
)

// failedShown bounds the failing jobs Report lists.
const failedShown = 20

// Count is how many jobs of one kind are in one state.
type Count struct {
	Kind  string
	State string // one of States
	Jobs  int64
}

// Counts returns how many jobs of each kind are in each state, by kind then
// state; pairs with no job are left out. It is what `advocacy jobs` shows
// first and what the jobs gauge reports.
func Counts(ctx context.Context, db *sql.DB) ([]Count, error) {
	rows, err := db.QueryContext(ctx, `SELECT kind, state::text, count(*) FROM river_job GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Kind, &c.State, &c.Jobs); err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return out, nil
}

// States are the states a job can be in, as River names them.
func States() []string {
	states := rivertype.JobStates()
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

// Kinds are the kinds of job this program queues.
func Kinds() []string { return []string{postgres.SignatureEmailKind, postgres.WebhookDeliveryKind} }

// Report writes what is in the queue: how many jobs of each kind are in
// each state, then the jobs that are failing (retrying) or have failed for
// good (discarded), newest first, with their last error.
func Report(ctx context.Context, db *sql.DB, w io.Writer) error {
	counts, err := Counts(ctx, db)
	if err != nil {
		return err
	}
	var lines []string
	for _, c := range counts {
		lines = append(lines, fmt.Sprintf("%-20s %-10s %8d", c.Kind, c.State, c.Jobs))
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
