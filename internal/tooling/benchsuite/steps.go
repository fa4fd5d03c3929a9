package benchsuite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/advocacy/advocacy/internal/tooling/loadgen"
)

// stepPgbench measures what PostgreSQL itself does on this machine, now:
// a single-row insert per transaction, with as many clients as the load
// generator has workers, for as long as the signing step runs.
func (r *runner) stepPgbench(ctx context.Context) error {
	pgbench, err := findPgbench()
	if err != nil {
		r.report.add(Row{Step: "baseline", Measure: "pgbench", Result: err.Error(), Verdict: VerdictSkipped})
		return nil
	}
	if err := preparePgbench(ctx, r.conn); err != nil {
		return err
	}
	results := map[string]pgbenchResult{}
	for _, script := range []string{"insert", "insert+counter"} {
		d := r.opts.Duration
		if script == "insert+counter" {
			// Only for contrast; a third of the time is enough to see it.
			d = max(d/3, 5*time.Second)
		}
		r.logf("   pgbench %s: %d clients, %v", script, r.opts.Workers, d)
		res, err := runPgbench(ctx, pgbench, r.dbURL, r.opts.OutDir, script, r.opts.Workers, d)
		if err != nil {
			return err
		}
		results[script] = res
	}
	r.report.Details["pgbench"] = results
	ins, cnt := results["insert"], results["insert+counter"]
	r.report.add(Row{Step: "baseline", Measure: fmt.Sprintf("pgbench: one-row insert per transaction, %d clients, %.0f s", ins.Clients, ins.Seconds),
		Result:  fmt.Sprintf("%.0f/s; p50 %.1f ms, p99 %.1f ms; %d failed", ins.TPS, ins.Latency.P50Ms, ins.Latency.P99Ms, ins.Failed),
		Verdict: VerdictInfo})
	r.report.add(Row{Step: "baseline", Measure: fmt.Sprintf("pgbench: the same insert + one shared counter row, %.0f s", cnt.Seconds),
		Result:  fmt.Sprintf("%.0f/s; p50 %.1f ms, p99 %.1f ms", cnt.TPS, cnt.Latency.P50Ms, cnt.Latency.P99Ms),
		Verdict: VerdictInfo})
	return nil
}

// countState is a petition's stored count and its counted rows, read together.
type countState struct {
	Count    int64 `json:"count"`
	Rows     int64 `json:"rows"`
	Distinct int64 `json:"distinct_emails"`
}

func (r *runner) readCounts(ctx context.Context, petitionID int64) (countState, error) {
	var s countState
	err := r.conn.QueryRow(ctx, `
		SELECT (SELECT signature_count FROM petition_counts WHERE petition_id = $1),
		       count(*), count(DISTINCT email)
		FROM signatures WHERE petition_id = $1 AND state = 'counted'`, petitionID).Scan(&s.Count, &s.Rows, &s.Distinct)
	return s, err
}

// settledCounts waits for signatures still in flight when the load stopped
// (the server commits every one it queued) and returns the counts once two
// reads 200 ms apart agree.
func (r *runner) settledCounts(ctx context.Context, petitionID int64) (countState, error) {
	return settle(ctx, func(ctx context.Context) (countState, error) { return r.readCounts(ctx, petitionID) })
}

// settle reads until two reads 200 ms apart agree, for at most 10 s.
func settle[T comparable](ctx context.Context, read func(context.Context) (T, error)) (T, error) {
	prev, err := read(ctx)
	if err != nil {
		return prev, err
	}
	for range 50 {
		select {
		case <-ctx.Done():
			return prev, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		cur, err := read(ctx)
		if err != nil {
			return cur, err
		}
		if cur == prev {
			return cur, nil
		}
		prev = cur
	}
	return prev, errors.New("the figures were still moving 10 s after the load stopped")
}

// apiCount is the signature_count GET /api/v1/petitions/:id answers.
func apiCount(ctx context.Context, base string, petitionID int64) (int64, error) {
	body, err := httpGet(ctx, base+"/api/v1/petitions/"+strconv.FormatInt(petitionID, 10))
	if err != nil {
		return 0, err
	}
	m := signCountRe.FindSubmatch(body)
	if m == nil {
		return 0, fmt.Errorf("no signature_count in %s", body)
	}
	return strconv.ParseInt(string(m[1]), 10, 64)
}

var (
	pageCountRe = regexp.MustCompile(`class="js-count">([0-9,]+)<`)
	signCountRe = regexp.MustCompile(`"signature_count":(\d+)`)
)

// pageCount is the count a release page shows.
func pageCount(ctx context.Context, base, slug string) (int64, error) {
	body, err := httpGet(ctx, base+"/releases/"+slug)
	if err != nil {
		return 0, err
	}
	return parsePageCount(body)
}

func parsePageCount(body []byte) (int64, error) {
	m := pageCountRe.FindSubmatch(body)
	if m == nil {
		return 0, fmt.Errorf("no count on the release page")
	}
	return strconv.ParseInt(strings.ReplaceAll(string(m[1]), ",", ""), 10, 64)
}

var plainClient = &http.Client{Timeout: 10 * time.Second}

func httpGet(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := plainClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return body, nil
}

// checkExact verifies the contract after a signing run: the stored count
// equals the rows and the distinct emails, every acknowledged new signature
// is a row (and no more rows than were sent), and every instance's API
// answers the exact count.
func (r *runner) checkExact(ctx context.Context, before countState, res loadgen.Result, servers ...*server) (Row, error) {
	after, err := r.settledCounts(ctx, r.petitionID)
	if err != nil {
		return Row{}, err
	}
	added := after.Rows - before.Rows
	var problems []string
	if after.Count != after.Rows || after.Rows != after.Distinct {
		problems = append(problems, fmt.Sprintf("count %d, rows %d, distinct emails %d", after.Count, after.Rows, after.Distinct))
	}
	if added < res.NewAcknowledged {
		problems = append(problems, fmt.Sprintf("%d acknowledged signatures but only %d new rows: acknowledged signatures lost",
			res.NewAcknowledged, added))
	}
	if added > res.NewAcknowledged+res.NewUncertain {
		problems = append(problems, fmt.Sprintf("%d new rows but only %d new signatures sent", added, res.NewAcknowledged+res.NewUncertain))
	}
	if res.MaxCountSeen > after.Count {
		problems = append(problems, fmt.Sprintf("an answer said %d, above the final count %d", res.MaxCountSeen, after.Count))
	}
	for _, s := range servers {
		n, err := apiCount(ctx, s.base, r.petitionID)
		if err != nil {
			return Row{}, err
		}
		if n != after.Count {
			problems = append(problems, fmt.Sprintf("instance %s API says %d, rows %d", s.name, n, after.Rows))
		}
	}
	row := Row{Measure: "count == rows == distinct emails; every acknowledged signature stored",
		Result: fmt.Sprintf("count %d = rows %d = distinct %d; +%d rows for %d acknowledged new (+%d unanswered)",
			after.Count, after.Rows, after.Distinct, added, res.NewAcknowledged, res.NewUncertain),
		Target: "exact", Verdict: VerdictOK}
	if len(problems) > 0 {
		row.Result = strings.Join(problems, "; ")
		row.Verdict = VerdictFailed
	}
	return row, nil
}

func signRow(step string, res loadgen.Result) Row {
	row := Row{Step: step, Measure: fmt.Sprintf("signatures/s, %d workers, %.0f s", res.Workers, res.Seconds),
		Result: fmt.Sprintf("%.0f/s; p50 %.1f ms, p95 %.1f ms, p99 %.1f ms", res.PerSecond,
			res.Latency.P50Ms, res.Latency.P95Ms, res.Latency.P99Ms),
		Target:  fmt.Sprintf("≥ %d/s, p99 < %d ms", targetSignPerSecond, targetSignP99Ms),
		Verdict: VerdictOK}
	if res.PerSecond < targetSignPerSecond || res.Latency.P99Ms >= targetSignP99Ms {
		row.Verdict = VerdictMissed
	}
	return row
}

func errorsRow(step string, res loadgen.Result) Row {
	row := Row{Step: step, Measure: "errors", Result: res.ErrorsText() + fmt.Sprintf(" of %d requests", res.Requests),
		Target: "0", Verdict: VerdictOK}
	if res.ErrorCount() > 0 {
		row.Verdict = VerdictFailed
	}
	return row
}

// stepSign is measurements 1 and 6: signing on one instance, then the
// instance's peak memory.
func (r *runner) stepSign(ctx context.Context) error {
	a, err := r.serverA(ctx)
	if err != nil {
		return err
	}
	before, err := r.readCounts(ctx, r.petitionID)
	if err != nil {
		return err
	}
	profiles := r.profileDuringLoad(ctx, a, "sign")
	// CPU figures need /proc; without it they are left out, not the step.
	cpuBefore, cpuErr := r.cpuSnapshot(ctx, a)
	r.logf("   signing on one instance: %d workers, %v", r.opts.Workers, r.opts.Duration)
	res, err := loadgen.Run(ctx, r.signLoad("one", a.base))
	if err != nil {
		return err
	}
	cpuAfter, cpuErr2 := r.cpuSnapshot(ctx, a)
	profiles.Wait()
	if r.opts.Profile && a.pprof != "" {
		r.saveProfile(ctx, a, "/debug/pprof/heap", "heap-sign.pprof")
	}
	step := "1 signing (1 instance)"
	if err := r.reportSigning(ctx, step, "sign_one_instance", before, res, a, cpuBefore, cpuAfter, errors.Join(cpuErr, cpuErr2)); err != nil {
		return err
	}

	mem, err := a.memory()
	if err != nil {
		r.report.add(Row{Step: "6 server memory", Measure: "peak RSS while signing", Result: err.Error(), Verdict: VerdictSkipped})
		return nil
	}
	r.report.Details["sign_one_instance_memory"] = mem
	row := Row{Step: "6 server memory", Measure: "peak RSS (VmHWM) of the signing instance",
		Result: fmt.Sprintf("%.0f MB (now %.0f MB)", mb(mem.Peak), mb(mem.RSS)),
		Target: fmt.Sprintf("< %d MB", targetPeakRSSBytes>>20), Verdict: VerdictOK}
	if mem.Peak >= targetPeakRSSBytes {
		row.Verdict = VerdictMissed
	}
	r.report.add(row)
	if ins, ok := r.report.Details["pgbench"].(map[string]pgbenchResult); ok && ins["insert"].TPS > 0 {
		r.report.add(Row{Step: step, Measure: "HTTP signing ÷ pgbench one-row insert",
			Result:  fmt.Sprintf("%.2f (%.0f/s ÷ %.0f/s)", res.PerSecond/ins["insert"].TPS, res.PerSecond, ins["insert"].TPS),
			Target:  "stretch: 1.0",
			Verdict: VerdictInfo})
	}
	return nil
}

// reportSigning adds the rows of one signing load on s: rate, errors,
// exactness and (when both CPU snapshots were taken) CPU per signature. key
// names its details in the report.
func (r *runner) reportSigning(ctx context.Context, step, key string, before countState, res loadgen.Result, s *server,
	cpuBefore, cpuAfter cpuSnapshot, cpuErr error) error {
	r.report.Details[key] = res
	r.report.add(signRow(step, res))
	r.report.add(errorsRow(step, res))
	exact, err := r.checkExact(ctx, before, res, s)
	if err != nil {
		return err
	}
	exact.Step = step
	r.report.add(exact)
	if cpuErr == nil {
		cpu := cpuBetween(cpuBefore, cpuAfter, res.Succeeded)
		r.report.Details[key+"_cpu"] = cpu
		r.report.add(cpu.row(step, "signature"))
	}
	return nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// profileDuringLoad starts a CPU profile of s covering most of a load step
// (when profiling is on); wait on the result before reading the file.
func (r *runner) profileDuringLoad(ctx context.Context, s *server, name string) *sync.WaitGroup {
	var wg sync.WaitGroup
	if r.opts.Profile && s.pprof != "" {
		secs := max(1, min(30, int(r.opts.Duration.Seconds())-4))
		wg.Go(func() {
			r.saveProfile(ctx, s, fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), "cpu-"+name+".pprof")
		})
	}
	return &wg
}

// saveProfile fetches a profile from a server's profiler into the results.
func (r *runner) saveProfile(ctx context.Context, s *server, path, name string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.pprof+path, nil)
	if err != nil {
		r.logf("   profile %s: %v", name, err)
		return
	}
	// A CPU profile takes as long as it samples: no short client timeout.
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		r.logf("   profile %s: %v", name, err)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s", resp.Status)
	}
	if err != nil {
		r.logf("   profile %s: %v", name, err)
		return
	}
	file := filepath.Join(r.opts.OutDir, name)
	if err := os.WriteFile(file, body, 0o644); err != nil {
		r.logf("   profile %s: %v", name, err)
		return
	}
	r.logf("   saved %s (go tool pprof -top %s)", file, file)
}

// stepTwo is measurement 2: the same load over two instances on one
// database. Afterwards each instance's release page must show the exact
// count within a second.
func (r *runner) stepTwo(ctx context.Context) error {
	a, err := r.serverA(ctx)
	if err != nil {
		return err
	}
	b, err := r.serverB(ctx)
	if err != nil {
		return err
	}
	before, err := r.readCounts(ctx, r.petitionID)
	if err != nil {
		return err
	}
	cpuBefore, cpuErr := r.cpuSnapshot(ctx, a, b)
	r.logf("   signing over two instances: %d workers, %v", r.opts.Workers, r.opts.Duration)
	res, err := loadgen.Run(ctx, r.signLoad("two", a.base, b.base))
	if err != nil {
		return err
	}
	cpuAfter, cpuErr2 := r.cpuSnapshot(ctx, a, b)
	// Straight away, before anything else reads: how long each instance's
	// page takes to show the final count once the database has it.
	lags, err := r.pageLagAfterLoad(ctx, a, b)
	if err != nil {
		return err
	}
	r.report.Details["sign_two_instances"] = res
	step := "2 signing (2 instances)"
	// The issue sets no rate for two instances, only exact counts: the
	// rate is shown for comparison with one instance.
	rate := signRow(step, res)
	rate.Target, rate.Verdict = "", VerdictInfo
	r.report.add(rate)
	r.report.add(errorsRow(step, res))
	exact, err := r.checkExact(ctx, before, res, a, b)
	if err != nil {
		return err
	}
	exact.Step = step
	r.report.add(exact)
	if cpuErr == nil && cpuErr2 == nil {
		cpu := cpuBetween(cpuBefore, cpuAfter, res.Succeeded)
		r.report.Details["sign_two_instances_cpu"] = cpu
		r.report.add(cpu.row(step, "signature"))
	}

	var parts []string
	worst := time.Duration(0)
	for _, s := range []*server{a, b} {
		worst = max(worst, lags[s.name])
		parts = append(parts, fmt.Sprintf("%s %.0f ms", s.name, float64(lags[s.name].Microseconds())/1000))
	}
	row := Row{Step: step, Measure: "release page shows the final count, after the database has it",
		Result: strings.Join(parts, ", "), Target: fmt.Sprintf("≤ %d ms", targetCountLagMs), Verdict: VerdictOK}
	if worst > targetCountLagMs*time.Millisecond {
		row.Verdict = VerdictFailed
	}
	r.report.add(row)
	return nil
}

// pageLagAfterLoad polls the stored count and every instance's release
// page every 10 ms after a load stops, until the count has not moved for
// 500 ms and every page shows it. Each instance's lag is the time from the
// first read of the final count in the database to its page showing it (the
// polling adds up to ~10 ms).
func (r *runner) pageLagAfterLoad(ctx context.Context, servers ...*server) (map[string]time.Duration, error) {
	start := time.Now()
	var current int64 = -1
	var since time.Time
	shown := map[string]time.Time{}
	for {
		counts, err := r.db.Petitions().SignatureCounts(ctx, []int64{r.petitionID})
		if err != nil {
			return nil, err
		}
		n := counts[r.petitionID]
		now := time.Now()
		if n != current {
			current, since = n, now
			clear(shown)
		}
		for _, s := range servers {
			if _, ok := shown[s.name]; ok {
				continue
			}
			c, err := pageCount(ctx, s.base, r.releaseSlug)
			if err != nil {
				return nil, err
			}
			if c == current {
				shown[s.name] = time.Now()
			}
		}
		if len(shown) == len(servers) && time.Since(since) >= 500*time.Millisecond {
			lags := map[string]time.Duration{}
			for name, t := range shown {
				lags[name] = t.Sub(since)
			}
			return lags, nil
		}
		if time.Since(start) > 15*time.Second {
			return nil, fmt.Errorf("pages did not show the count %d within 15 s of signing stopping (shown on %d of %d instances)",
				current, len(shown), len(servers))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
