// Package app wires the program together: the PostgreSQL stores, the caches
// in front of them, the domain services, the Stripe adapter and the web
// layer. `advocacy serve` runs what it builds, and so does every test that
// needs the whole server, so tests exercise the wiring that production uses.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/donation"
	httpserver "github.com/advocacy/advocacy/internal/http"
	"github.com/advocacy/advocacy/internal/jobs"
	"github.com/advocacy/advocacy/internal/mail"
	"github.com/advocacy/advocacy/internal/markdown"
	"github.com/advocacy/advocacy/internal/metrics"
	"github.com/advocacy/advocacy/internal/newsroom"
	"github.com/advocacy/advocacy/internal/notify"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/storage"
	"github.com/advocacy/advocacy/internal/storecache"
	"github.com/advocacy/advocacy/internal/stripe"
)

// Options change what New builds, for tests and tools. The zero value is
// what `advocacy serve` uses.
type Options struct {
	// StaffAuth tunes the staff sign-in (tests make passwords cheap to hash).
	StaffAuth staff.AuthOptions
	// Gateway, when set, replaces the Stripe gateway that STRIPE_SECRET_KEY
	// would make (tests wrap the real one to see what it was asked).
	Gateway donation.Gateway
	// Signer, when set, is used instead of a new one (tests inject failures).
	Signer *postgres.Signer
	// Mailer, when set, replaces the SMTP sender that SMTP_URL would make
	// (tests wrap the real one to make it fail).
	Mailer notify.Mailer
	// Metrics, when set, gets the advocacy_… metrics and the web layer, the
	// signer New makes, the caches and the job workers report to them
	// (`serve` sets it when METRICS_ADDR is; see internal/metrics). Unset,
	// nothing is measured.
	Metrics *prometheus.Registry
}

// App is the server, ready to serve.
type App struct {
	// Handler serves every route.
	Handler http.Handler
	// Signer commits signatures in batches; Close drains it.
	Signer *postgres.Signer
	// Stores are the caches in front of the database.
	Stores    *storecache.Stores
	ownSigner bool
	// jobs works the background jobs; nil while email is off (there are no
	// others yet).
	jobs *jobs.Runner
}

// New builds the server over db with cfg.
func New(cfg config.Config, logger *slog.Logger, db *postgres.DB, opts Options) (*App, error) {
	if logger == nil {
		logger = slog.Default()
	}
	var m *metrics.Metrics
	signerOpts := postgres.SignerOptions{EnqueueEmails: cfg.EmailEnabled()}
	var cacheOpts storecache.Options
	var observeRequest func(route, method string, status int, took time.Duration)
	var emailed func(result string)
	if opts.Metrics != nil {
		var err error
		if m, err = metrics.New(opts.Metrics, db.SQL()); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		signerOpts.Observer, cacheOpts.CountReads, observeRequest, emailed = m, m.CountReads, m.Request, m.Emailed
	}
	signer, own := opts.Signer, false
	if signer == nil {
		// While email is on, each new signature queues its email in its own
		// batch's statement.
		signer, own = db.NewSigner(signerOpts), true
	}
	a := &App{Signer: signer, ownSigner: own}
	fail := func(err error) (*App, error) {
		a.Close()
		return nil, err
	}
	if cfg.EmailEnabled() {
		runner, err := startJobs(cfg, logger, db, opts.Mailer, emailed)
		if err != nil {
			return fail(err)
		}
		a.jobs = runner
	}
	md := markdown.New()
	// Bodies are rendered as staff save them; the caches sit in front.
	stores := storecache.New(db.Campaigns(), db.Petitions(), signer, staff.RenderBodies(db.Desk(), RenderBody(md)), cacheOpts)
	a.Stores = stores
	gateway, verifier, err := payments(cfg, logger, opts.Gateway)
	if err != nil {
		return fail(err)
	}
	// Every instance shares the key, so a form one instance served can be
	// posted to another.
	embedKey, err := loadServerKey(db, "embed_form", logger)
	if err != nil {
		return fail(err)
	}
	campaigns := stores.Campaigns()
	petitions := stores.Petitions()
	srv, err := httpserver.New(httpserver.Deps{
		Config: cfg, Logger: logger, DB: db, ObserveRequest: observeRequest,
		Campaigns: campaigns, Petitions: petitions, Version: stores.Version,
		Newsroom: newsroom.New(campaigns, petitions, stores.Version, md.Render),
		Signing:  petition.NewService(petitions, stores.Signer(), campaigns),
		Staff:    db.Staff(), Desk: stores.Desk(), StaffAuth: opts.StaffAuth,
		Donations: donation.NewService(db.Donations(), donation.ServiceConfig{
			Gateway: gateway, Verifier: verifier, BaseURL: cfg.BaseURL, Logger: logger}),
		EmbedKey: embedKey.get,
	})
	if err != nil {
		return fail(err)
	}
	a.Handler = srv.Handler()
	return a, nil
}

// RenderBody adapts md to the desk's body renderer.
func RenderBody(md *markdown.Renderer) staff.BodyRenderer {
	return func(body string) (string, error) {
		out, err := md.Render(body)
		return string(out), err
	}
}

// serverKeyTimeout bounds reading a server key at start.
const serverKeyTimeout = 10 * time.Second

// serverKey is a server key (see postgres.DB.ServerKey), read once.
type serverKey struct {
	db   *postgres.DB
	name string
	key  atomic.Pointer[[]byte]
}

// loadServerKey reads the server key name at start. When the database does
// not answer yet, the key is read at its first use instead (that use
// answering 503 until it can be read); any other failure is returned.
func loadServerKey(db *postgres.DB, name string, logger *slog.Logger) (*serverKey, error) {
	k := &serverKey{db: db, name: name}
	ctx, cancel := context.WithTimeout(context.Background(), serverKeyTimeout)
	defer cancel()
	_, err := k.get(ctx)
	switch {
	case errors.Is(err, storage.ErrUnavailable):
		logger.Warn("the database does not answer: the server key will be read at its first use", "key", name)
		return k, nil
	case err != nil:
		return nil, err
	}
	return k, nil
}

// get returns the key, reading it from the database until it has it.
func (k *serverKey) get(ctx context.Context) ([]byte, error) {
	if key := k.key.Load(); key != nil {
		return *key, nil
	}
	key, err := k.db.ServerKey(ctx, k.name)
	if err != nil {
		return nil, err
	}
	k.key.Store(&key)
	return key, nil
}

// jobsStopTimeout is how long Close lets running jobs finish; those still
// running are cancelled and tried again by the next instance to start.
const jobsStopTimeout = 10 * time.Second

// Close commits every queued signature, stops the signer New made, then
// lets the running jobs finish and stops the workers. Signatures first: a
// signature committed while closing has queued its email, which the next
// start sends.
func (a *App) Close() {
	if a.ownSigner {
		a.Signer.Close()
	}
	if a.jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), jobsStopTimeout)
		defer cancel()
		_ = a.jobs.Stop(ctx)
	}
}

// startJobs starts the workers of the background jobs, sending email through
// mailer, or through SMTP_URL's server when mailer is nil, and telling
// emailed (when set) of each attempt.
func startJobs(cfg config.Config, logger *slog.Logger, db *postgres.DB, mailer notify.Mailer,
	emailed func(result string)) (*jobs.Runner, error) {
	if mailer == nil {
		sender, err := mail.New(mail.Config{URL: cfg.SMTPURL, From: cfg.MailFrom, OrgName: cfg.OrgName})
		if err != nil {
			return nil, err
		}
		mailer = sender
	}
	notices, err := notify.NewService(db.Notices(), mailer, notify.Config{BaseURL: cfg.BaseURL, OrgName: cfg.OrgName})
	if err != nil {
		return nil, err
	}
	return jobs.Start(context.Background(), jobs.Config{DatabaseURL: db.URL(), Notices: notices, Logger: logger,
		Emailed: emailed})
}

// payments returns a Stripe gateway when STRIPE_SECRET_KEY is set (else
// donations stay off) and a webhook verifier when STRIPE_WEBHOOK_SECRET is.
// The verifier does not need the key, so refunds and disputes of earlier
// donations are still recorded after donations are switched off.
func payments(cfg config.Config, logger *slog.Logger, override donation.Gateway) (donation.Gateway, donation.WebhookVerifier, error) {
	var gateway donation.Gateway
	var verifier donation.WebhookVerifier
	if cfg.StripeSecretKey != "" {
		gateway = override
		if gateway == nil {
			g, err := stripe.New(stripe.Config{SecretKey: cfg.StripeSecretKey, APIBase: cfg.StripeAPIBase})
			if err != nil {
				return nil, nil, fmt.Errorf("stripe: %w", err)
			}
			gateway = g
		}
		if cfg.StripeWebhookSecret == "" {
			logger.Warn("STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: " +
				"donations will stay pending because Stripe's webhooks cannot be verified")
		}
	}
	if cfg.StripeWebhookSecret != "" {
		w, err := stripe.NewWebhooks(cfg.StripeWebhookSecret, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("stripe webhooks: %w", err)
		}
		verifier = w
	}
	return gateway, verifier, nil
}
