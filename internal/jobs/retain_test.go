package jobs_test

import (
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/jobs"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// The daily retention job runs with email off too, and anonymises the
// signatures of a petition closed longer ago than the limit, leaving its
// count as it was.
func TestRetentionJobRunsWithoutEmail(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	f := apptest.Seed(t, db, nil)
	apptest.Exec(t, db, `INSERT INTO signatures (petition_id, full_name, email, postcode, country, consent_updates, consent_version)
		VALUES ($1, 'Ada Lovelace', 'ada@example.org', 'N1 9GU', 'GB', true, '2026-11-v1')`, f.Petition.ID)
	apptest.Exec(t, db, `UPDATE petition_counts SET signature_count = 1 WHERE petition_id = $1`, f.Petition.ID)
	apptest.Exec(t, db, `UPDATE petitions SET status = 'closed' WHERE id = $1`, f.Petition.ID)
	apptest.Exec(t, db, `UPDATE petitions SET closed_at = now() - interval '181 days' WHERE id = $1`, f.Petition.ID)
	apptest.Start(t, db, apptest.Options{App: app.Options{Jobs: app.JobOptions{RetainOnStart: true}}})

	deadline := time.Now().Add(time.Minute)
	for {
		var state string
		err := db.SQL().QueryRowContext(t.Context(), `SELECT state::text FROM river_job WHERE kind = $1`, jobs.RetainArgs{}.Kind()).Scan(&state)
		if err == nil && state == "completed" {
			break
		}
		if err == nil && (state == "discarded" || state == "cancelled") {
			t.Fatalf("the retention job %s", state)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the retention job after a minute: %q (%v)", state, err)
		}
		time.Sleep(50 * time.Millisecond) // polling the database for the state we wait for
	}
	var name, email, postcode string
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT full_name, email, postcode FROM signatures WHERE petition_id = $1`,
		f.Petition.ID).Scan(&name, &email, &postcode); err != nil {
		t.Fatal(err)
	}
	if name != "" || postcode != "" || email[:7] != "erased-" {
		t.Errorf("after the job: %q %q %q, want it anonymised", name, email, postcode)
	}
	apptest.AssertStored(t, db, f.Petition.ID, 1)
}
