package benchsuite

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/loadgen"
	"github.com/advocacy/advocacy/internal/trust"
)

// targetTrustCPURatio is the bound on what the trust rules may add
// to the CPU a signature costs (server and PostgreSQL together).
const targetTrustCPURatio = 1.10

// floodShare is the share of the flood step's traffic from floodAddrs.
const floodShare = 0.6

// floodAddrs are the flood's handful of addresses, each in a /24 of its own.
var floodAddrs = []string{"198.51.100.10", "198.51.101.10", "203.0.113.10", "192.0.2.10", "100.64.0.10"}

// Default trust rules per address (migration 16), for the flood's bound.
const (
	defaultAddressBurst     = 30
	defaultAddressSustained = 300
)

// trustEnv is the environment of a server whose clients name their address
// in X-Forwarded-For; trusted is TRUSTED_SIGNERS ("" trusts none).
func (r *runner) trustEnv(trusted string) serverEnv {
	env := r.env
	env.extra = append(append([]string{}, r.env.extra...), "TRUSTED_PROXIES=127.0.0.1", "TRUSTED_SIGNERS="+trusted)
	return env
}

// trustLoad is the signing load with a client address per person, and
// flood's share of it from floodAddrs.
func (r *runner) trustLoad(runID, base string, flood float64) loadgen.Config {
	load := r.signLoad(runID, base)
	load.ClientAddrs = true
	if flood > 0 {
		load.FloodShare, load.FloodAddrs = flood, floodAddrs
	}
	return load
}

// stepTrust is measurement 11: signing with the trust rules on against the
// same load with every address trusted (their CPU per signature), a flood
// of 60% of the traffic from five addresses (the honest 40% all counted,
// the flood held, the count exact), and a cluster invalidated while
// signing goes on.
func (r *runner) stepTrust(ctx context.Context) error {
	off, err := r.trustSigning(ctx, "11 signing, trust rules off", "trust-off", "0.0.0.0/0,::/0")
	if err != nil {
		return err
	}
	on, err := r.trustSigning(ctx, "11 signing, trust rules on", "trust-on", "")
	if err != nil {
		return err
	}
	if off.Operation > 0 && on.Operation > 0 {
		per := func(u cpuUse) float64 { return float64((u.Server + u.Database).Nanoseconds()) / float64(u.Operation) }
		ratio := per(on) / per(off)
		row := Row{Step: "11 trust rules", Measure: "CPU per signature (server + PostgreSQL), rules on ÷ off",
			Result: fmt.Sprintf("%.2f (%.0f µs ÷ %.0f µs)", ratio, per(on)/1000, per(off)/1000),
			Target: fmt.Sprintf("≤ %.2f", targetTrustCPURatio), Verdict: VerdictOK}
		if ratio > targetTrustCPURatio {
			row.Verdict = VerdictMissed
		}
		r.report.add(row)
	}
	if err := r.trustTwo(ctx); err != nil {
		return err
	}
	return r.trustFlood(ctx)
}

// trustTwo runs the signing load with client addresses over two instances
// with the rules on: the counters are shared, the counts exact.
func (r *runner) trustTwo(ctx context.Context) error {
	const step = "11 signing, trust rules on, 2 instances"
	a, err := startServer(ctx, "trust-two-a", r.trustEnv(""))
	if err != nil {
		return err
	}
	defer a.stop()
	b, err := startServer(ctx, "trust-two-b", r.trustEnv(""))
	if err != nil {
		return err
	}
	defer b.stop()
	before, err := r.readCounts(ctx, r.petitionID)
	if err != nil {
		return err
	}
	cpuBefore, cpuErr := r.cpuSnapshot(ctx, a, b)
	r.logf("   %s: %d workers, %v", step, r.opts.Workers, r.opts.Duration)
	load := r.trustLoad("trust-two", a.base, 0)
	load.Targets = []string{a.base, b.base}
	res, err := loadgen.Run(ctx, load)
	if err != nil {
		return err
	}
	cpuAfter, cpuErr2 := r.cpuSnapshot(ctx, a, b)
	r.report.Details["trust_two"] = res
	r.report.add(signRow(step, res))
	r.report.add(errorsRow(step, res))
	exact, err := r.checkExact(ctx, before, res, a, b)
	if err != nil {
		return err
	}
	exact.Step = step
	r.report.add(exact)
	if cpuErr == nil && cpuErr2 == nil {
		r.report.add(cpuBetween(cpuBefore, cpuAfter, res.Succeeded).row(step, "signature"))
	}
	return nil
}

// trustSigning runs the signing load with client addresses on a server of
// its own trusting trusted, reports it, and returns its CPU use.
func (r *runner) trustSigning(ctx context.Context, step, name, trusted string) (cpuUse, error) {
	s, err := startServer(ctx, name, r.trustEnv(trusted))
	if err != nil {
		return cpuUse{}, err
	}
	defer s.stop()
	before, err := r.readCounts(ctx, r.petitionID)
	if err != nil {
		return cpuUse{}, err
	}
	cpuBefore, cpuErr := r.cpuSnapshot(ctx, s)
	r.logf("   %s: %d workers, %v", step, r.opts.Workers, r.opts.Duration)
	res, err := loadgen.Run(ctx, r.trustLoad(name, s.base, 0))
	if err != nil {
		return cpuUse{}, err
	}
	cpuAfter, cpuErr2 := r.cpuSnapshot(ctx, s)
	if err := r.reportSigning(ctx, step, strings.ReplaceAll(name, "-", "_"), before, res, s, cpuBefore, cpuAfter,
		errors.Join(cpuErr, cpuErr2)); err != nil {
		return cpuUse{}, err
	}
	if cpuErr != nil || cpuErr2 != nil {
		return cpuUse{}, nil
	}
	return cpuBetween(cpuBefore, cpuAfter, res.Succeeded), nil
}

// floodFigures are one run's signatures by origin and state.
type floodFigures struct {
	HonestRows, HonestCounted, FloodRows, FloodCounted, FloodSuspect int64
}

func (r *runner) floodFiguresOf(ctx context.Context, runID string) (floodFigures, error) {
	var f floodFigures
	err := r.conn.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE email NOT LIKE '%@`+loadgen.FloodDomain+`'),
		       count(*) FILTER (WHERE email NOT LIKE '%@`+loadgen.FloodDomain+`' AND state = 'counted'),
		       count(*) FILTER (WHERE email LIKE '%@`+loadgen.FloodDomain+`'),
		       count(*) FILTER (WHERE email LIKE '%@`+loadgen.FloodDomain+`' AND state = 'counted'),
		       count(*) FILTER (WHERE email LIKE '%@`+loadgen.FloodDomain+`' AND state = 'suspect')
		FROM signatures WHERE petition_id = $1 AND email LIKE $2`, r.petitionID, "bench-"+runID+"-%").
		Scan(&f.HonestRows, &f.HonestCounted, &f.FloodRows, &f.FloodCounted, &f.FloodSuspect)
	return f, err
}

// trustFlood drives 60% of the load from five addresses, checks what was
// held, then invalidates the flood's cluster while honest signing goes on.
func (r *runner) trustFlood(ctx context.Context) error {
	const step = "11 flood: 60% from 5 addresses"
	s, err := startServer(ctx, "trust-flood", r.trustEnv(""))
	if err != nil {
		return err
	}
	defer s.stop()
	r.logf("   %s: %d workers, %v", step, r.opts.Workers, r.opts.Duration)
	load := r.trustLoad("trust-flood", s.base, floodShare)
	started := time.Now()
	res, err := loadgen.Run(ctx, load)
	if err != nil {
		return err
	}
	r.report.Details["trust_flood"] = res
	r.report.add(signRow(step, res))
	r.report.add(errorsRow(step, res))
	after, err := r.settledCounts(ctx, r.petitionID)
	if err != nil {
		return err
	}
	f, err := r.floodFiguresOf(ctx, load.RunID)
	if err != nil {
		return err
	}
	r.report.Details["trust_flood_figures"] = f
	honestAcked := res.NewAcknowledged - res.FloodAcknowledged
	row := Row{Step: step, Measure: "honest signatures counted; count == counted rows",
		Result: fmt.Sprintf("%d of %d honest rows counted (%d acknowledged); count %d = counted rows %d",
			f.HonestCounted, f.HonestRows, honestAcked, after.Count, after.Rows),
		Target: "all; exact", Verdict: VerdictOK}
	if f.HonestCounted != f.HonestRows || f.HonestRows < honestAcked || after.Count != after.Rows || after.Rows != after.Distinct {
		row.Verdict = VerdictFailed
	}
	r.report.add(row)
	// Each address may pass its burst in each clock minute the run touched,
	// never its sustained rate, and one more a minute: the instance does not
	// count a key's first signature in a minute.
	minutes := int64(math.Ceil(time.Since(started).Minutes())) + 1
	bound := int64(len(floodAddrs)) * (min(defaultAddressBurst*minutes, defaultAddressSustained) + minutes)
	row = Row{Step: step, Measure: "flood signatures held as suspect",
		Result: fmt.Sprintf("%d of %d held (%d counted: the rules' allowance, at most %d)",
			f.FloodSuspect, f.FloodRows, f.FloodCounted, bound),
		Target: "all over the rules", Verdict: VerdictOK}
	if f.FloodCounted > bound || f.FloodCounted+f.FloodSuspect != f.FloodRows {
		row.Verdict = VerdictFailed
	}
	r.report.add(row)
	return r.trustInvalidate(ctx, s)
}

// trustInvalidate invalidates every flood signature of the petition (the
// cluster of the flood's email domain) while honest signing runs on s, and
// reports how long it took, the signing meanwhile, and the count after.
func (r *runner) trustInvalidate(ctx context.Context, s *server) error {
	const step = "11 invalidate the flood's cluster while signing"
	load := r.trustLoad("trust-inv", s.base, 0)
	type loadResult struct {
		res loadgen.Result
		err error
	}
	done := make(chan loadResult, 1)
	go func() {
		res, err := loadgen.Run(ctx, load)
		done <- loadResult{res, err}
	}()
	// Let the load reach its pace first.
	select {
	case <-time.After(min(r.opts.Duration/4, 3*time.Second)):
	case <-ctx.Done():
		return ctx.Err()
	}
	startedAt := time.Now()
	out, applyErr := r.db.Trust().ApplyTrust(ctx, staff.CommandLine(), r.petitionID, trust.ActionInvalidate,
		trust.Selector{Domain: loadgen.FloodDomain}, false)
	took := time.Since(startedAt)
	lr := <-done
	if lr.err != nil {
		return lr.err
	}
	if applyErr != nil {
		return applyErr
	}
	r.report.Details["trust_invalidate"] = map[string]any{"changed": out.Changed, "seconds": took.Seconds(), "load": lr.res}
	r.report.add(Row{Step: step, Measure: "signatures invalidated in one transaction",
		Result: fmt.Sprintf("%d in %.2f s", out.Changed, took.Seconds()), Target: "seconds", Verdict: VerdictInfo})
	r.report.add(signRow(step, lr.res))
	r.report.add(errorsRow(step, lr.res))
	after, err := r.settledCounts(ctx, r.petitionID)
	if err != nil {
		return err
	}
	row := Row{Step: step, Measure: "count == counted rows after the invalidation",
		Result: fmt.Sprintf("count %d, counted rows %d, distinct %d", after.Count, after.Rows, after.Distinct),
		Target: "exact", Verdict: VerdictOK}
	if after.Count != after.Rows || after.Rows != after.Distinct {
		row.Verdict = VerdictFailed
	}
	r.report.add(row)
	return nil
}
