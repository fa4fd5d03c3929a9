package benchsuite

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/tooling/loadgen"
)

// Targets of email verification, on the same machine.
const (
	targetConfirmPerSecond = 3000
	// maxConfirmLinks bounds the links step 9 makes (and holds in memory).
	maxConfirmLinks = 300_000
)

// verifyState is a petition's figures and rows by state, read together.
type verifyState struct {
	Count, Pending, Confirmed int64 // petition_counts
	CountedRows, PendingRows  int64
	Tallied                   int64 // the country tallies' sum
}

func (r *runner) readVerifyState(ctx context.Context) (verifyState, error) {
	var s verifyState
	err := r.conn.QueryRow(ctx, `
		SELECT c.signature_count, c.pending_count, c.confirmed_count,
		       (SELECT count(*) FROM signatures WHERE petition_id = $1 AND state = 'counted'),
		       (SELECT count(*) FROM signatures WHERE petition_id = $1 AND state = 'pending'),
		       (SELECT coalesce(sum(signature_count), 0) FROM signature_tallies WHERE petition_id = $1 AND dimension = 'country')
		FROM petition_counts c WHERE c.petition_id = $1`, r.petitionID).
		Scan(&s.Count, &s.Pending, &s.Confirmed, &s.CountedRows, &s.PendingRows, &s.Tallied)
	return s, err
}

// problems lists how s breaks the invariants: each figure equals its rows.
func (s verifyState) problems() []string {
	var out []string
	if s.Count != s.CountedRows || s.Tallied != s.Count {
		out = append(out, fmt.Sprintf("count %d, counted rows %d, tallied %d", s.Count, s.CountedRows, s.Tallied))
	}
	if s.Pending != s.PendingRows {
		out = append(out, fmt.Sprintf("pending %d, pending rows %d", s.Pending, s.PendingRows))
	}
	return out
}

// emailEnv is the servers' environment with email on, sending to
// EmailSMTPURL.
func (r *runner) emailEnv() serverEnv {
	env := r.env
	env.extra = append(append([]string{}, env.extra...),
		"SMTP_URL="+r.opts.EmailSMTPURL, "MAIL_FROM=bench@localhost", "ORG_NAME=advocacy benchmark")
	return env
}

// stepVerify is measurements 8 and 9 on the demo petition switched to
// email verification, on an instance with email on: signing (each new
// signature pending, with exactly one queued email, the count unmoved),
// then confirming the pending signatures through their links, as a surge of
// opened emails would (each confirmation moving the count by one).
func (r *runner) stepVerify(ctx context.Context) error {
	if _, err := r.conn.Exec(ctx, `UPDATE petitions SET verification = 'email' WHERE id = $1`, r.petitionID); err != nil {
		return err
	}
	defer func() {
		_, _ = r.conn.Exec(context.Background(), `UPDATE petitions SET verification = 'none' WHERE id = $1`, r.petitionID)
	}()
	s, err := startServer(ctx, "verify", r.emailEnv())
	if err != nil {
		return err
	}
	defer s.stop()

	before, err := r.readVerifyState(ctx)
	if err != nil {
		return err
	}
	started := time.Now()
	cpuBefore, cpuErr := r.cpuSnapshot(ctx, s)
	r.logf("   signing a petition that verifies by email: %d workers, %v", r.opts.Workers, r.opts.Duration)
	load := r.signLoad("verify", s.base)
	load.WantStatus = http.StatusAccepted
	res, err := loadgen.Run(ctx, load)
	if err != nil {
		return err
	}
	cpuAfter, cpuErr2 := r.cpuSnapshot(ctx, s)
	step := "8 signing, email verification"
	r.report.Details["sign_verify"] = res
	r.report.add(signRow(step, res))
	r.report.add(errorsRow(step, res))
	if err := errors.Join(cpuErr, cpuErr2); err == nil {
		cpu := cpuBetween(cpuBefore, cpuAfter, res.Succeeded)
		r.report.Details["sign_verify_cpu"] = cpu
		r.report.add(cpu.row(step, "signature"))
	}
	after, err := r.settledVerifyState(ctx)
	if err != nil {
		return err
	}
	jobs, err := r.emailJobsSince(ctx, started)
	if err != nil {
		return err
	}
	added := after.PendingRows - before.PendingRows
	problems := after.problems()
	if after.Count != before.Count {
		problems = append(problems, fmt.Sprintf("the count moved from %d to %d before any confirmation", before.Count, after.Count))
	}
	if added < res.NewAcknowledged || added > res.NewAcknowledged+res.NewUncertain {
		problems = append(problems, fmt.Sprintf("+%d pending rows for %d acknowledged new (+%d unanswered)",
			added, res.NewAcknowledged, res.NewUncertain))
	}
	if res.MaxCountSeen > after.Count {
		problems = append(problems, fmt.Sprintf("an answer said %d, above the count %d", res.MaxCountSeen, after.Count))
	}
	if jobs.New != added {
		problems = append(problems, fmt.Sprintf("%d email jobs queued for %d new signatures", jobs.New, added))
	}
	r.report.add(verdictRow(step, "pending == pending rows; count unmoved; one queued email per new signature",
		fmt.Sprintf("+%d pending rows for %d acknowledged new (+%d unanswered), %d email jobs; count %d",
			added, res.NewAcknowledged, res.NewUncertain, jobs.New, after.Count), problems))

	return r.confirmSurge(ctx, s, after)
}

// confirmSurge posts the confirmation link of every pending signature (up
// to maxConfirmLinks) once, and checks each confirmation moved the count by
// exactly one.
func (r *runner) confirmSurge(ctx context.Context, s *server, before verifyState) error {
	var key []byte
	if err := r.conn.QueryRow(ctx, `SELECT key FROM server_keys WHERE name = $1`, app.ConfirmKey).Scan(&key); err != nil {
		return fmt.Errorf("the confirmation key: %w", err)
	}
	tokens := petition.NewTokens(petition.StaticKey(key))
	rows, err := r.conn.Query(ctx, `SELECT id FROM signatures WHERE petition_id = $1 AND state = 'pending' ORDER BY id LIMIT $2`,
		r.petitionID, maxConfirmLinks)
	if err != nil {
		return err
	}
	var paths []string
	now := time.Now()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		token, err := tokens.Issue(ctx, id, now)
		if err != nil {
			rows.Close()
			return err
		}
		paths = append(paths, "/confirm/"+token)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	step := "9 confirming signatures"
	r.logf("   confirming %d signatures: %d workers, at most %v", len(paths), r.opts.Workers, r.opts.Duration)
	res, err := loadgen.Run(ctx, loadgen.Config{Targets: []string{s.base}, Mode: loadgen.ModePost, Paths: paths,
		Workers: r.opts.Workers, Duration: r.opts.Duration})
	if err != nil {
		return err
	}
	r.report.Details["confirm"] = res
	row := Row{Step: step, Measure: fmt.Sprintf("confirmations/s, %d workers, %.0f s", res.Workers, res.Seconds),
		Result: fmt.Sprintf("%.0f/s; p50 %.1f ms, p95 %.1f ms, p99 %.1f ms", res.PerSecond,
			res.Latency.P50Ms, res.Latency.P95Ms, res.Latency.P99Ms),
		Target: fmt.Sprintf("≥ %d/s", targetConfirmPerSecond), Verdict: VerdictOK}
	if res.PerSecond < targetConfirmPerSecond {
		row.Verdict = VerdictMissed
	}
	r.report.add(row)
	r.report.add(errorsRow(step, res))
	after, err := r.settledVerifyState(ctx)
	if err != nil {
		return err
	}
	moved := after.Count - before.Count
	problems := after.problems()
	if moved < res.Succeeded || moved > res.Succeeded+res.NewUncertain {
		problems = append(problems, fmt.Sprintf("the count moved by %d for %d confirmations answered (+%d unanswered)",
			moved, res.Succeeded, res.NewUncertain))
	}
	if after.Confirmed-before.Confirmed != moved || before.Pending-after.Pending != moved {
		problems = append(problems, fmt.Sprintf("confirmed +%d, pending −%d, count +%d",
			after.Confirmed-before.Confirmed, before.Pending-after.Pending, moved))
	}
	r.report.add(verdictRow(step, "count +1 per confirmation; count == counted rows == tallies",
		fmt.Sprintf("count +%d for %d confirmed (+%d unanswered); count %d = counted rows %d = tallied %d", moved,
			res.Succeeded, res.NewUncertain, after.Count, after.CountedRows, after.Tallied), problems))
	return nil
}

// settledVerifyState waits until two reads 200 ms apart agree.
func (r *runner) settledVerifyState(ctx context.Context) (verifyState, error) {
	return settle(ctx, r.readVerifyState)
}

// verdictRow is an exactness row: OK without problems, FAILED with them.
func verdictRow(step, measure, result string, problems []string) Row {
	row := Row{Step: step, Measure: measure, Result: result, Target: "exact", Verdict: VerdictOK}
	if len(problems) > 0 {
		row.Result = strings.Join(problems, "; ")
		row.Verdict = VerdictFailed
	}
	return row
}
