package benchsuite

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/tooling/loadgen"
)

// webhookDrainLimit bounds how long the webhook step waits for the workers
// to deliver what the load queued.
const webhookDrainLimit = 10 * time.Minute

// webhookLoadRequests caps the webhook step's load, as the email step's.
const webhookLoadRequests = 20_000

// targetWebhooksPerSecond is the target for deliveries to a local
// receiver while signing runs.
const targetWebhooksPerSecond = 1000

// webhookDeliveries is what the deliveries of an endpoint have come to.
type webhookDeliveries struct {
	Queued, Succeeded, Open, Failed int64
	FirstQueued, LastDone           time.Time
	Attempts                        int64
}

func (r *runner) webhookDeliveriesOf(ctx context.Context, endpointID int64) (webhookDeliveries, error) {
	var w webhookDeliveries
	var first, last *time.Time
	err := r.conn.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'pending'),
		       count(*) FILTER (WHERE status IN ('failed', 'cancelled')), min(created_at), max(completed_at),
		       coalesce(sum(attempts), 0)
		FROM webhook_deliveries WHERE endpoint_id = $1`, endpointID).
		Scan(&w.Queued, &w.Succeeded, &w.Open, &w.Failed, &first, &last, &w.Attempts)
	if first != nil {
		w.FirstQueued = *first
	}
	if last != nil {
		w.LastDone = *last
	}
	return w, err
}

// stepWebhooks is measurement 10: signing on an instance of its own with an
// endpoint subscribed to signature.counted, a receiver in this process on
// loopback (answering 204), and the deliveries made during and after the
// load. Exact means one delivery per new signature, each delivered once.
func (r *runner) stepWebhooks(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var received atomic.Int64
	receiver := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = receiver.Serve(ln) }()
	defer receiver.Close()

	var endpointID int64
	if err := r.conn.QueryRow(ctx, `INSERT INTO webhook_endpoints (url, events, secret) VALUES ($1, $2, $3) RETURNING id`,
		"http://"+ln.Addr().String()+"/hooks", []string{outbound.EventSignatureCounted}, outbound.NewSecret()).Scan(&endpointID); err != nil {
		return fmt.Errorf("webhook endpoint: %w", err)
	}
	// Later steps and runs sign without it.
	defer func() {
		_, _ = r.conn.Exec(context.WithoutCancel(ctx), `UPDATE webhook_endpoints SET enabled = false WHERE id = $1`, endpointID)
	}()

	s, err := startServer(ctx, "webhooks", r.env)
	if err != nil {
		return err
	}
	defer s.stop()
	before, err := r.readCounts(ctx, r.petitionID)
	if err != nil {
		return err
	}
	cpuBefore, cpuErr := r.cpuSnapshot(ctx, s)
	r.logf("   signing with a webhook endpoint: %d workers, %v or %d requests", r.opts.Workers, r.opts.Duration, webhookLoadRequests)
	load := r.signLoad("webhooks", s.base)
	load.MaxRequests = webhookLoadRequests
	res, err := loadgen.Run(ctx, load)
	if err != nil {
		return err
	}
	// What was delivered while the load ran (its deliveries race the
	// signing for the same two cores), and the rest once it stopped.
	loadEnded := time.Now()
	during, err := r.webhookDeliveriesOf(ctx, endpointID)
	if err != nil {
		return err
	}
	cpuAfter, cpuErr2 := r.cpuSnapshot(ctx, s)
	step := "10 signing, webhooks on"
	if err := r.reportSigning(ctx, step, "sign_webhooks", before, res, s, cpuBefore, cpuAfter, errors.Join(cpuErr, cpuErr2)); err != nil {
		return err
	}
	after, err := r.settledCounts(ctx, r.petitionID)
	if err != nil {
		return err
	}
	w, err := r.webhookDeliveriesOf(ctx, endpointID)
	if err != nil {
		return err
	}
	newRows := after.Rows - before.Rows
	row := Row{Step: step, Measure: "signature.counted deliveries queued per new signature",
		Result: fmt.Sprintf("%d deliveries for %d new signatures", w.Queued, newRows), Target: "exactly one each", Verdict: VerdictOK}
	if w.Queued != newRows {
		row.Verdict = VerdictFailed
	}
	r.report.add(row)

	r.logf("   waiting for the workers to deliver %d webhooks", w.Open)
	deadline := time.Now().Add(webhookDrainLimit)
	for w.Open > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(250 * time.Millisecond) // polling the deliveries for the state we wait for
		if w, err = r.webhookDeliveriesOf(ctx, endpointID); err != nil {
			return err
		}
	}
	drain := Row{Step: step, Measure: "webhooks delivered to a loopback receiver (during and after the load)",
		Target: fmt.Sprintf("≥ %d/s, each once", targetWebhooksPerSecond), Verdict: VerdictOK}
	switch {
	case w.Open > 0 || w.Failed > 0:
		drain.Result = fmt.Sprintf("%d delivered, %d failed, %d still queued after %v", w.Succeeded, w.Failed, w.Open, webhookDrainLimit)
		drain.Verdict = VerdictFailed
	case received.Load() != w.Succeeded || w.Attempts != w.Succeeded:
		drain.Result = fmt.Sprintf("%d deliveries, %d attempts, %d requests received", w.Succeeded, w.Attempts, received.Load())
		drain.Verdict = VerdictFailed
	default:
		took := w.LastDone.Sub(w.FirstQueued)
		rate := float64(w.Succeeded) / took.Seconds()
		duringTook := loadEnded.Sub(during.FirstQueued)
		afterTook := w.LastDone.Sub(loadEnded)
		drain.Result = fmt.Sprintf("%d webhooks in %.1f s from the first queued to the last delivered: %.0f/s; "+
			"%d (%.0f/s) while signing ran at %.0f/s, the other %d in %.1f s after (%.0f/s)",
			w.Succeeded, took.Seconds(), rate, during.Succeeded, float64(during.Succeeded)/duringTook.Seconds(), res.PerSecond,
			w.Succeeded-during.Succeeded, afterTook.Seconds(), float64(w.Succeeded-during.Succeeded)/afterTook.Seconds())
		if rate < targetWebhooksPerSecond {
			drain.Verdict = VerdictMissed
		}
	}
	r.report.Details["webhook_deliveries"] = w
	r.report.add(drain)
	return nil
}
