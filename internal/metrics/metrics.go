// Package metrics is the program's Prometheus metrics: the registry that
// `advocacy serve` exposes on METRICS_ADDR, the advocacy_… metrics, and the
// plain callbacks through which the web layer, the signer, the caches and
// the job workers report to them. It is the only package that imports the
// Prometheus client; the packages it observes know only their own small
// observer types (postgres.SignerObserver, storecache.Options.CountReads,
// jobs.Config.Emailed, jobs.Config.WebhookDelivered, the request observer
// in internal/http/kit).
package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/advocacy/advocacy/internal/jobs"
	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/postgres"
)

// NewRegistry returns an empty registry with the Go runtime's and the
// process's collectors (go_…, process_…). `serve` makes one and passes it
// down; there is no global registry.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// latencyBuckets cover a request or a commit from 1 ms to 10 s; the signing
// target (p99 under 100 ms) falls on a bucket boundary.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics are the advocacy_… metrics of one registry.
type Metrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	signatures map[string]prometheus.Counter // by postgres.Outcome…
	batchSize  prometheus.Histogram
	commit     prometheus.Histogram
	cacheHits  prometheus.Counter
	cacheMiss  prometheus.Counter
	emails     map[string]prometheus.Counter // by jobs.Email…
	webhooks   map[string]prometheus.Counter // by outbound.Result…
}

// New registers the advocacy_… metrics on reg, and the jobs gauge, which
// counts River's jobs in db when scraped.
func New(reg prometheus.Registerer, db *sql.DB) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "advocacy_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "advocacy_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: latencyBuckets,
		}, []string{"route", "method"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "advocacy_signer_batch_size",
			Help:    "Signatures committed per batch by the group-commit signer.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 9), // 1 … 256, the largest batch
		}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "advocacy_signer_commit_seconds",
			Help:    "Time to store and commit one batch of signatures, retries included.",
			Buckets: latencyBuckets,
		}),
	}
	signatures := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "advocacy_signatures_total",
		Help: "Signatures the signer answered, by outcome: new, repeat, closed, not_found, error.",
	}, []string{"outcome"})
	cache := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "advocacy_count_cache_reads_total",
		Help: "Petition signature counts read through the count cache, by result: hit or miss (read from the database).",
	}, []string{"result"})
	emails := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "advocacy_emails_total",
		Help: "Attempts to send an email, by result: sent, or failed (to be retried).",
	}, []string{"result"})
	webhooks := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "advocacy_webhook_deliveries_total",
		Help: "Attempts to deliver a webhook, by result: succeeded, failed (an answer outside 2xx), timeout, refused (not a public address), error (no connection).",
	}, []string{"result"})
	// Every label value is made now, so each series exists (at 0) from
	// the start and a rate over it is defined before its first event.
	m.signatures = map[string]prometheus.Counter{}
	for _, o := range []string{postgres.OutcomeNew, postgres.OutcomeRepeat, postgres.OutcomeClosed,
		postgres.OutcomeNotFound, postgres.OutcomeError} {
		m.signatures[o] = signatures.WithLabelValues(o)
	}
	m.cacheHits, m.cacheMiss = cache.WithLabelValues("hit"), cache.WithLabelValues("miss")
	m.emails = map[string]prometheus.Counter{}
	for _, r := range []string{jobs.EmailSent, jobs.EmailFailed} {
		m.emails[r] = emails.WithLabelValues(r)
	}
	m.webhooks = map[string]prometheus.Counter{}
	for _, r := range []string{outbound.ResultSucceeded, outbound.ResultFailed, outbound.ResultTimeout,
		outbound.ResultRefused, outbound.ResultError} {
		m.webhooks[r] = webhooks.WithLabelValues(r)
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, signatures, m.batchSize, m.commit, cache, emails,
		webhooks, newJobsCollector(db)} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Request records one answered HTTP request; route is the route's pattern
// (never the raw path, so the series stay few).
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(took.Seconds())
}

// Batch implements postgres.SignerObserver.
func (m *Metrics) Batch(size int, took time.Duration) {
	m.batchSize.Observe(float64(size))
	m.commit.Observe(took.Seconds())
}

// Outcome implements postgres.SignerObserver.
func (m *Metrics) Outcome(outcome string) {
	if c, ok := m.signatures[outcome]; ok {
		c.Inc()
	}
}

// CountReads is storecache.Options.CountReads.
func (m *Metrics) CountReads(hits, misses int) {
	if hits > 0 {
		m.cacheHits.Add(float64(hits))
	}
	if misses > 0 {
		m.cacheMiss.Add(float64(misses))
	}
}

// Emailed is jobs.Config.Emailed.
func (m *Metrics) Emailed(result string) {
	if c, ok := m.emails[result]; ok {
		c.Inc()
	}
}

// WebhookDelivered is jobs.Config.WebhookDelivered.
func (m *Metrics) WebhookDelivered(result string) {
	if c, ok := m.webhooks[result]; ok {
		c.Inc()
	}
}

var _ postgres.SignerObserver = (*Metrics)(nil)

// jobsScrapeTimeout bounds the count of River's jobs made at each scrape.
const jobsScrapeTimeout = 2 * time.Second

// jobsCollector reports advocacy_jobs{kind,state} from River's table at
// scrape time, with the same query as `advocacy jobs` (jobs.Counts). Every
// state of every kind this program queues is reported, at 0 when empty.
type jobsCollector struct {
	db   *sql.DB
	desc *prometheus.Desc
}

func newJobsCollector(db *sql.DB) *jobsCollector {
	return &jobsCollector{db: db, desc: prometheus.NewDesc("advocacy_jobs",
		"Background jobs in River's queue, by kind and state (available, running, retryable, discarded…), counted at scrape time.",
		[]string{"kind", "state"}, nil)}
}

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), jobsScrapeTimeout)
	defer cancel()
	counts, err := jobs.Counts(ctx, c.db)
	if err != nil {
		// The scrape goes on without this gauge (see Handler) and the error is logged.
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	type key struct{ kind, state string }
	n := map[key]int64{}
	kinds := jobs.Kinds()
	for _, jc := range counts {
		if !slices.Contains(kinds, jc.Kind) {
			kinds = append(kinds, jc.Kind)
		}
		n[key{jc.Kind, jc.State}] += jc.Jobs
	}
	for _, kind := range kinds {
		for _, state := range jobs.States() {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n[key{kind, state}]), kind, state)
		}
	}
}

// Handler serves reg's metrics in Prometheus' text format. A collector that
// fails (the jobs gauge while the database is down) is left out of the
// answer and logged, instead of failing the whole scrape.
func Handler(reg *prometheus.Registry, logger *slog.Logger) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError,
		ErrorLog: scrapeLog{logger}, Timeout: 10 * time.Second})
}

// scrapeLog adapts slog to promhttp.Logger.
type scrapeLog struct{ logger *slog.Logger }

func (l scrapeLog) Println(v ...any) { l.logger.Warn("metrics scrape", "err", fmt.Sprint(v...)) }
