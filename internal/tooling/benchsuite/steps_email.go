package benchsuite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/advocacy/advocacy/internal/tooling/loadgen"
)

// emailDrainLimit bounds how long the email step waits for the workers to
// send what the load queued.
const emailDrainLimit = 10 * time.Minute

// emailLoadRequests caps the email step's load: every new signature is an
// email to send afterwards, and the backlog is measured until it is gone.
const emailLoadRequests = 20_000

// emailJobs is what the queue holds of the jobs created since a moment:
// queued by reason, and how the workers fared.
type emailJobs struct {
	New, Repeat          int64     // queued for new signatures, and for repeats let through
	Done, Failed, Open   int64     // completed; discarded or cancelled; not finished yet
	FirstQueued, LastRun time.Time // the first job's creation, the last one's completion
}

func (r *runner) emailJobsSince(ctx context.Context, since time.Time) (emailJobs, error) {
	var j emailJobs
	var first, last *time.Time
	err := r.conn.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE args->>'reason' = 'new'),
		       count(*) FILTER (WHERE args->>'reason' = 'repeat'),
		       count(*) FILTER (WHERE state = 'completed'),
		       count(*) FILTER (WHERE state IN ('discarded', 'cancelled')),
		       count(*) FILTER (WHERE state NOT IN ('completed', 'discarded', 'cancelled')),
		       min(created_at), max(finalized_at) FILTER (WHERE state = 'completed')
		FROM river_job WHERE kind = 'signature_email' AND created_at >= $1`, since).
		Scan(&j.New, &j.Repeat, &j.Done, &j.Failed, &j.Open, &first, &last)
	if first != nil {
		j.FirstQueued = *first
	}
	if last != nil {
		j.LastRun = *last
	}
	return j, err
}

// stepEmail is measurement 7: signing with email on (each new signature
// queues its email in its own batch's statement) on an instance of its own
// whose workers send to the SMTP server at EmailSMTPURL (Mailpit), then the
// backlog draining. Exact means one queued email per new signature.
func (r *runner) stepEmail(ctx context.Context) error {
	s, err := startServer(ctx, "email", r.emailEnv())
	if err != nil {
		return err
	}
	defer s.stop()
	before, err := r.readCounts(ctx, r.petitionID)
	if err != nil {
		return err
	}
	started := time.Now()
	cpuBefore, cpuErr := r.cpuSnapshot(ctx, s)
	r.logf("   signing with email on: %d workers, %v or %d requests", r.opts.Workers, r.opts.Duration, emailLoadRequests)
	load := r.signLoad("email", s.base)
	load.MaxRequests = emailLoadRequests
	res, err := loadgen.Run(ctx, load)
	if err != nil {
		return err
	}
	cpuAfter, cpuErr2 := r.cpuSnapshot(ctx, s)
	step := "7 signing, email on"
	if err := r.reportSigning(ctx, step, "sign_email", before, res, s, cpuBefore, cpuAfter, errors.Join(cpuErr, cpuErr2)); err != nil {
		return err
	}

	after, err := r.settledCounts(ctx, r.petitionID)
	if err != nil {
		return err
	}
	jobs, err := r.emailJobsSince(ctx, started)
	if err != nil {
		return err
	}
	newRows := after.Rows - before.Rows
	row := Row{Step: step, Measure: "email jobs queued per new signature",
		Result: fmt.Sprintf("%d jobs for %d new signatures (and %d for repeats let through the hourly limit)",
			jobs.New, newRows, jobs.Repeat), Target: "exactly one each", Verdict: VerdictOK}
	if jobs.New != newRows {
		row.Verdict = VerdictFailed
	}
	r.report.add(row)

	r.logf("   waiting for the workers to send %d emails", jobs.Open)
	deadline := time.Now().Add(emailDrainLimit)
	for jobs.Open > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(250 * time.Millisecond) // polling the queue for the state we wait for
		if jobs, err = r.emailJobsSince(ctx, started); err != nil {
			return err
		}
	}
	drain := Row{Step: step, Measure: "email backlog drained into Mailpit (during and after the load)",
		Target: "every email sent", Verdict: VerdictOK}
	switch {
	case jobs.Open > 0 || jobs.Failed > 0:
		drain.Result = fmt.Sprintf("%d sent, %d failed, %d still queued after %v", jobs.Done, jobs.Failed, jobs.Open, emailDrainLimit)
		drain.Verdict = VerdictFailed
	default:
		took := jobs.LastRun.Sub(jobs.FirstQueued)
		drain.Result = fmt.Sprintf("%d emails in %.1f s from the first queued to the last sent: %.0f/s",
			jobs.Done, took.Seconds(), float64(jobs.Done)/took.Seconds())
	}
	r.report.Details["email_jobs"] = jobs
	r.report.add(drain)
	return nil
}
