// Package http is the web layer's composition: it builds the gin router,
// puts the shared middleware in front, and mounts each audience's package
// beside the others. gin stays inside internal/http; what a route does is
// said in the package of the audience it serves:
//
//   - site: the public pages and the sign and donate forms
//   - api: the public JSON API
//   - desk: the staff desk, its pages and the staff API
//   - finance: donations for finance staff, pages and API
//   - webhooks: incoming webhooks (Stripe)
//
// kit is the toolkit they share.
package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/api"
	"github.com/advocacy/advocacy/internal/http/desk"
	"github.com/advocacy/advocacy/internal/http/finance"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/http/site"
	"github.com/advocacy/advocacy/internal/http/webhooks"
	"github.com/advocacy/advocacy/internal/newsroom"
	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/privacy"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/storage"
	"github.com/advocacy/advocacy/internal/trust"
)

// Pinger reports whether the database answers and whether its schema is
// the one this binary expects, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
	// MigrationsCurrent reports whether every migration the binary knows
	// has been applied.
	MigrationsCurrent(ctx context.Context) (bool, error)
}

// Deps are what the server needs from the rest of the program (see
// internal/app, which wires them).
type Deps struct {
	Config config.Config
	Logger *slog.Logger
	DB     Pinger
	// ObserveRequest, when set, is told of every answered request (the
	// request metrics; see internal/metrics).
	ObserveRequest kit.RequestObserver
	// Campaigns and Petitions are read on every page; Version changes when
	// staff change what they hold (see internal/storecache).
	Campaigns campaign.Store
	Petitions petition.Store
	Version   func() uint64
	// Newsroom reads releases as the public sees them, for pages and API.
	Newsroom *newsroom.Service
	// Signing signs petitions, for the form and the API alike.
	Signing *petition.Service
	// Confirmations confirms signatures from emailed links; nil while
	// email is off.
	Confirmations *petition.Confirmations
	// Unsubscribes withdraws consent to updates from the links in every
	// email; nil: /unsubscribe is not served.
	Unsubscribes *petition.Unsubscribes
	// Staff and Desk serve the staff pages and API under /admin and
	// /api/v1/admin; without Staff those routes are not registered.
	Staff     staff.Store
	Desk      staff.Desk
	StaffAuth staff.AuthOptions
	// Donations takes donations (when a gateway is configured), applies
	// Stripe's webhooks and serves finance.
	Donations *donation.Service
	// EmbedKey returns the key that signs the embeddable form's tokens
	// (server key "embed_form"; see site.Deps).
	EmbedKey func(ctx context.Context) ([]byte, error)
	// Webhooks are the outbound webhook endpoints admins manage.
	Webhooks outbound.Store
	// Privacy answers subject access and erasure requests (admins).
	Privacy *privacy.Service
	// Trust is the trust rules, the review of petitions and the actions
	// on their clusters.
	Trust *trust.Service
}

// Server is the router with every route.
type Server struct {
	engine *gin.Engine
}

// New builds the router with every route and its middleware.
func New(deps Deps) (*Server, error) {
	k, err := kit.New(deps.Config, deps.Logger)
	if err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	// Only listed proxies may name the client in X-Forwarded-For; with none
	// listed, the connecting address is the client.
	if err := r.SetTrustedProxies(deps.Config.TrustedProxies); err != nil {
		return nil, err
	}
	if deps.ObserveRequest != nil {
		r.Use(k.ObserveRequests(deps.ObserveRequest))
	}
	r.Use(k.RequestLog(), k.RecoverPanic(), k.SecurityHeaders(), k.CrossOrigin(), k.RejectUnreadable())
	r.NoRoute(k.NotFound)
	r.NoMethod(k.MethodNotAllowed)

	// Liveness: the process answers. It asks nothing of the database, so a
	// database outage never gets healthy instances restarted.
	r.GET("/healthz", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	// Readiness: this instance can serve, since the database answers and
	// its schema is the one this binary expects.
	r.GET("/readyz", func(c *gin.Context) {
		if err := ready(c.Request.Context(), deps.DB); err != nil {
			k.APIError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	})
	r.StaticFS("/static", kit.StaticFS())

	// The form and the API share one signing limit per address.
	signLimit := kit.NewRateLimiter(deps.Config.SignRatePerMinute)
	public, err := site.New(k, site.Deps{Campaigns: deps.Campaigns, Petitions: deps.Petitions, Newsroom: deps.Newsroom,
		Signing: deps.Signing, Donations: deps.Donations, Version: deps.Version, SignLimit: signLimit,
		Confirmations: deps.Confirmations,
		Unsubscribes:  deps.Unsubscribes,
		EmbedKey:      deps.EmbedKey})
	if err != nil {
		return nil, err
	}
	public.Routes(r)
	api.New(k, api.Deps{Campaigns: deps.Campaigns, Petitions: deps.Petitions, Newsroom: deps.Newsroom,
		Signing: deps.Signing, SignLimit: signLimit}).Routes(r.Group("/api/v1", k.LimitBody(kit.MaxBodyBytes)))
	webhooks.New(k, deps.Donations).Routes(r)

	if deps.Staff != nil {
		auth, err := staff.NewAuth(deps.Staff, deps.StaffAuth)
		if err != nil {
			return nil, err
		}
		guard := k.NewGuard(auth)
		pages := r.Group("/admin", k.LimitBody(kit.MaxStaffBodyBytes))
		staffAPI := r.Group("/api/v1/admin", k.LimitBody(kit.MaxStaffBodyBytes))
		desk.New(k, guard, desk.Deps{Staff: deps.Staff, Desk: deps.Desk, Campaigns: deps.Campaigns,
			Petitions: deps.Petitions, Donations: deps.Donations.Store(), Preview: public,
			Webhooks: deps.Webhooks, WebhookAllowPrivate: deps.Config.WebhookAllowPrivate,
			Privacy: deps.Privacy, Trust: deps.Trust}).Routes(pages, staffAPI)
		finance.New(k, guard, finance.Deps{Donations: deps.Donations, Desk: deps.Desk,
			Campaigns: deps.Campaigns}).Routes(pages, staffAPI)
	}
	return &Server{engine: r}, nil
}

// errPending is /readyz's answer while migrations are pending: the
// instance waits for `advocacy migrate up` (or a newer instance's start).
var errPending = kit.NewError(http.StatusServiceUnavailable, kit.CodeUnavailable,
	"The database schema is not up to date: migrations are pending.")

// ready returns nil when db answers and its migrations are current,
// storage.ErrUnavailable (wrapped) when it does not answer, errPending when
// migrations are pending. Any other failure is unavailable too: whatever
// it is, the instance cannot serve. A nil db (tools without one) is ready.
func ready(ctx context.Context, db Pinger) error {
	if db == nil {
		return nil
	}
	unavailable := func(err error) error {
		if errors.Is(err, storage.ErrUnavailable) {
			return err
		}
		return fmt.Errorf("%w: %w", storage.ErrUnavailable, err)
	}
	if err := db.Ping(ctx); err != nil {
		return unavailable(err)
	}
	current, err := db.MigrationsCurrent(ctx)
	if err != nil {
		return unavailable(err)
	}
	if !current {
		return errPending
	}
	return nil
}

// Handler returns the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }
