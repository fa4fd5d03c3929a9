// Package jobs runs the work that happens after a request: durable jobs in
// PostgreSQL, worked by River (github.com/riverqueue/river). A job is
// queued in the same transaction as what causes it, so a crash can neither
// lose it nor run one whose cause rolled back; River retries a failing job
// with growing backoff and, after its last attempt, keeps it as discarded
// for an admin to see (`advocacy jobs`). Each worker calls one domain
// service.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/notify"
	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
)

// SignatureEmailArgs is the job queued with each new signature while email
// is on (by the signer's own statement; see postgres.SignatureEmailKind).
type SignatureEmailArgs struct {
	SignatureID int64 `json:"signature_id"`
	// Reason is postgres.EmailForNew or postgres.EmailForRepeat.
	Reason string `json:"reason"`
}

// Kind names the job in the queue.
func (SignatureEmailArgs) Kind() string { return postgres.SignatureEmailKind }

// signatureEmail sends the email a signature gets when it is stored or
// signed again: its confirmation link while pending, else a thank-you or
// "you have already signed".
type signatureEmail struct {
	river.WorkerDefaults[SignatureEmailArgs]
	notices *notify.Service
	emailed func(result string)
}

func (w *signatureEmail) Work(ctx context.Context, job *river.Job[SignatureEmailArgs]) error {
	if w.notices == nil {
		// Email is off: keep the job, without counting an attempt, for
		// when it is on again (as when no worker ran while email was off).
		return river.JobSnooze(time.Hour)
	}
	err := w.notices.SignatureEmail(ctx, job.Args.SignatureID, job.Args.Reason == postgres.EmailForRepeat)
	if errors.Is(err, petition.ErrNotFound) {
		// The signature is gone (erased): there is no one to write to.
		return river.JobCancel(err)
	}
	sent := err == nil || errors.Is(err, notify.ErrNotRecorded)
	if w.emailed != nil {
		result := EmailSent
		if !sent {
			result = EmailFailed
		}
		w.emailed(result)
	}
	if err != nil && sent {
		// Sent, not recorded: a retry would send it again. The job keeps
		// the error.
		return river.JobCancel(err)
	}
	return err
}

// What became of one attempt to send an email, as Config.Emailed is told.
const (
	EmailSent   = "sent"   // the mail server took it
	EmailFailed = "failed" // it was not sent; the job will be tried again, or given up after its last attempt
)

// Timeout bounds one attempt: an SMTP exchange that hangs is given up and
// tried again later.
func (w *signatureEmail) Timeout(*river.Job[SignatureEmailArgs]) time.Duration { return time.Minute }

// RetainArgs is the daily retention job: the signatures of petitions closed
// longer than RETENTION_DAYS ago lose their signers' details. It is
// inserted by River's periodic scheduler on the leader instance.
type RetainArgs struct{}

// Kind names the job in the queue.
func (RetainArgs) Kind() string { return "privacy_retain" }

// MaintenanceQueue is the queue of the jobs that look after the data
// rather than people (retention), worked whether email is on or not.
const MaintenanceQueue = "maintenance"

// RetentionHour is the hour (UTC) the daily retention job runs at: a fixed
// time of day rather than every 24 hours from start, so deploys and
// restarts do not keep putting it off.
const RetentionHour = 3

// dailyAt is a River schedule: every day at an hour, UTC.
type dailyAt int

func (h dailyAt) Next(now time.Time) time.Time {
	now = now.UTC()
	next := time.Date(now.Year(), now.Month(), now.Day(), int(h), 0, 0, 0, time.UTC)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// retain runs retention and logs what it did and what comes next.
type retain struct {
	river.WorkerDefaults[RetainArgs]
	retention *petition.Retention
	donations *donation.Retention
	logger    *slog.Logger
}

func (w *retain) Work(ctx context.Context, _ *river.Job[RetainArgs]) error {
	rep, err := w.retention.Run(ctx, false)
	if err != nil {
		return err
	}
	attrs := []any{"petitions", len(rep.Petitions), "signatures", rep.Anonymised(), "cutoff", rep.Cutoff}
	if rep.Next != nil {
		attrs = append(attrs, "next_petition", rep.Next.PetitionID, "next_at", rep.NextAt)
	}
	w.logger.InfoContext(ctx, "retention", attrs...)
	if w.donations == nil {
		return nil
	}
	drep, err := w.donations.Run(ctx, false)
	if err != nil {
		return err
	}
	w.logger.InfoContext(ctx, "donation retention", "donations", drep.Erased, "cutoff", drep.Cutoff, "next_at", drep.NextAt)
	return nil
}

// Timeout lets a run over millions of rows finish: it commits in batches,
// so a run cut short keeps what it did and the next carries on.
func (w *retain) Timeout(*river.Job[RetainArgs]) time.Duration { return time.Hour }

// PruneTrustArgs is the job that deletes the trust rules' idle counters,
// every PruneTrustEvery, inserted by River's periodic scheduler.
type PruneTrustArgs struct{}

// Kind names the job in the queue.
func (PruneTrustArgs) Kind() string { return "trust_prune" }

// PruneTrustEvery is how often the trust rules' idle counters are pruned:
// a flood from many addresses leaves a row per address for two hours.
const PruneTrustEvery = 10 * time.Minute

// pruneTrust deletes idle counters.
type pruneTrust struct {
	river.WorkerDefaults[PruneTrustArgs]
	prune  func(ctx context.Context) (int64, error)
	logger *slog.Logger
}

func (w *pruneTrust) Work(ctx context.Context, _ *river.Job[PruneTrustArgs]) error {
	n, err := w.prune(ctx)
	if err != nil {
		return err
	}
	w.logger.DebugContext(ctx, "trust counters pruned", "rows", n)
	return nil
}

// Config is what the workers need.
type Config struct {
	// DatabaseURL is the database the queue lives in.
	DatabaseURL string
	// Notices sends the emails; nil while email is off (email jobs then
	// wait for it to be on again).
	Notices *notify.Service
	// Retention, when set, is run daily at RetentionHour UTC, and
	// DonationRetention (when set) after it.
	Retention         *petition.Retention
	DonationRetention *donation.Retention
	// RetainOnStart runs retention as the workers start, too (tests).
	RetainOnStart bool
	// PruneTrustCounters, when set, is run every PruneTrustEvery: it
	// deletes the trust rules' idle counters.
	PruneTrustCounters func(ctx context.Context) (int64, error)
	Logger             *slog.Logger
	// PollInterval is how often idle workers look for new jobs (default 1 s:
	// an email leaves within about a second of its signature).
	PollInterval time.Duration
	// MaxWorkers is how many jobs run at once (default 20: each email holds
	// one SMTP connection while it is sent, each webhook one HTTP request).
	MaxWorkers int
	// Emailed, when set, is told of every attempt to send an email:
	// EmailSent or EmailFailed (for metrics).
	Emailed func(result string)
	// Webhooks makes the attempts at webhook deliveries.
	Webhooks *outbound.Deliverer
	// WebhookBackoff is the wait after a delivery's attempt-th failure
	// (default WebhookBackoff; tests make it short).
	WebhookBackoff func(attempt int) time.Duration
	// WebhookDelivered, when set, is told of the result of every attempt at
	// a webhook delivery (one of outbound's Result… values, for metrics).
	WebhookDelivered func(result string)
}

// Runner works the queue until Stop.
type Runner struct {
	pool   *pgxpool.Pool
	client *river.Client[pgx.Tx]
	// stop ends the retries of a start the database was not there for;
	// done is closed once they are over.
	stop, done chan struct{}
	stopOnce   sync.Once
}

// startRetry is how often a start the database refused is tried again.
const startRetry = 2 * time.Second

// Start connects and starts the workers.
func Start(ctx context.Context, cfg Config) (*Runner, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = 20
	}
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	if cfg.WebhookBackoff == nil {
		cfg.WebhookBackoff = WebhookBackoff
	}
	workers := river.NewWorkers()
	err = river.AddWorkerSafely(workers, &signatureEmail{notices: cfg.Notices, emailed: cfg.Emailed})
	if err == nil && cfg.Webhooks != nil {
		err = river.AddWorkerSafely(workers, &webhookDelivery{deliverer: cfg.Webhooks, backoff: cfg.WebhookBackoff,
			delivered: cfg.WebhookDelivered})
	}
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
	if cfg.Notices != nil {
		// Only an instance that can send email takes email jobs: one with
		// email off would otherwise hold them back from those that can.
		queues[postgres.EmailQueue] = river.QueueConfig{MaxWorkers: cfg.MaxWorkers}
	}
	var periodic []*river.PeriodicJob
	if err == nil && cfg.Retention != nil {
		err = river.AddWorkerSafely(workers, &retain{retention: cfg.Retention, donations: cfg.DonationRetention, logger: cfg.Logger})
		queues[MaintenanceQueue] = river.QueueConfig{MaxWorkers: 1}
		periodic = append(periodic, river.NewPeriodicJob(dailyAt(RetentionHour),
			func() (river.JobArgs, *river.InsertOpts) {
				// One a day, however many leaders come and go.
				return RetainArgs{}, &river.InsertOpts{Queue: MaintenanceQueue, MaxAttempts: 5,
					UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
			}, &river.PeriodicJobOpts{ID: RetainArgs{}.Kind(), RunOnStart: cfg.RetainOnStart}))
	}
	if err == nil && cfg.PruneTrustCounters != nil {
		err = river.AddWorkerSafely(workers, &pruneTrust{prune: cfg.PruneTrustCounters, logger: cfg.Logger})
		queues[MaintenanceQueue] = river.QueueConfig{MaxWorkers: 1}
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(PruneTrustEvery),
			func() (river.JobArgs, *river.InsertOpts) {
				return PruneTrustArgs{}, &river.InsertOpts{Queue: MaintenanceQueue, MaxAttempts: 3,
					UniqueOpts: river.UniqueOpts{ByPeriod: PruneTrustEvery}}
			}, &river.PeriodicJobOpts{ID: PruneTrustArgs{}.Kind()}))
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("job queue: %w", err)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:            queues,
		PeriodicJobs:      periodic,
		Workers:           workers,
		FetchPollInterval: cfg.PollInterval,
		// River fetches at most the free workers' worth of jobs per fetch,
		// then rests FetchCooldown before the next: at River's default
		// (100 ms) 8 workers drained at most 80 emails a second, whatever
		// the mail server could take. 10 ms lets a backlog go as fast as
		// SMTP does.
		FetchCooldown: min(cfg.PollInterval, 10*time.Millisecond),
		Logger:        cfg.Logger,
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("job queue: %w", err)
	}
	r := &Runner{pool: pool, client: client, stop: make(chan struct{}), done: make(chan struct{})}
	err = client.Start(ctx)
	var unreachable *pgconn.ConnectError
	switch {
	case err == nil:
		close(r.done)
	case errors.As(err, &unreachable):
		// The server starts, and answers 503, while its database is away;
		// the workers start when it is back.
		cfg.Logger.Warn("job queue: the database does not answer; the workers start once it does", "error", err)
		go r.retryStart(cfg.Logger)
	default:
		pool.Close()
		return nil, fmt.Errorf("job queue: start: %w", err)
	}
	return r, nil
}

// retryStart starts the client once the database answers, or gives up at Stop.
func (r *Runner) retryStart(logger *slog.Logger) {
	defer close(r.done)
	tick := time.NewTicker(startRetry)
	defer tick.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-tick.C:
			if err := r.client.Start(context.Background()); err == nil {
				logger.Info("job queue: the workers started")
				return
			}
		}
	}
}

// Stop lets running jobs finish (until ctx ends, when they are cancelled and
// left to be retried) and closes the connections.
func (r *Runner) Stop(ctx context.Context) error {
	r.stopOnce.Do(func() { close(r.stop) })
	<-r.done
	err := r.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = r.client.StopAndCancel(context.Background())
	}
	r.pool.Close()
	return err
}
