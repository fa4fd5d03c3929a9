// Package http serves the public pages and the JSON API with gin. It is the
// one place where domain errors become status codes.
package http

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/markdown"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
)

// Pinger reports whether the database answers, for /healthz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are what the server needs from the rest of the program.
type Deps struct {
	Config    config.Config
	Logger    *slog.Logger
	Campaigns campaign.Store
	Petitions petition.Store
	Signer    petition.Signer
	DB        Pinger
	// Counts caches petition counts; nil makes a private one.
	Counts *CountCache
	// Staff and Desk serve the staff pages and API under /admin and
	// /api/v1/admin; without Staff those routes are not registered.
	Staff     staff.Store
	Desk      staff.Desk
	StaffAuth staff.AuthOptions
	// Donations stores donations. Gateway creates Stripe Checkout Sessions;
	// without it (no STRIPE_SECRET_KEY) donations are off. Webhooks verifies
	// Stripe's webhooks; without it (no STRIPE_WEBHOOK_SECRET) the webhook
	// answers 503.
	Donations donation.Store
	Gateway   donation.Gateway
	Webhooks  donation.WebhookVerifier
}

// Server holds the router and what its handlers share.
type Server struct {
	Deps
	engine    *gin.Engine
	pages     map[string]*template.Template
	markdown  *markdown.Renderer
	csrf      *csrf
	signLimit *rateLimiter
	countries []petition.Country
	views     *ttlCache[string, releaseView]
	consent   *ttlCache[struct{}, petition.Consent]
	staffAuth *staff.Auth

	supporters  *supporterCookies // nil when donations are off
	donateLimit *rateLimiter

	lookups   *signLookups
	pageCache *pageCache
}

// New builds the router with every route and its middleware.
func New(deps Deps) (*Server, error) {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	s := &Server{
		Deps:      deps,
		pages:     pages,
		markdown:  markdown.New(),
		csrf:      newCSRF(deps.Config.SecureCookies()),
		signLimit: newRateLimiter(deps.Config.SignRatePerMinute),
		countries: petition.Countries(),
		views:     newTTLCache[string, releaseView](viewTTL),
		consent:   newTTLCache[struct{}, petition.Consent](time.Minute),
		lookups:   newSignLookups(),
		pageCache: newPageCache(),
	}
	if s.Counts == nil {
		s.Counts = NewCountCache()
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
	r.Use(s.requestLog(), s.recoverPanic(), securityHeaders(), s.crossOrigin())
	r.NoRoute(s.notFound)
	r.NoMethod(s.methodNotAllowed)

	r.GET("/healthz", s.healthz)
	r.StaticFS("/static", staticFS())

	r.GET("/", s.newsroomPage)
	r.GET("/releases/:slug", s.releasePage)
	r.POST("/releases/:slug/sign", s.limitBody(), s.signForm)
	r.GET("/releases/:slug/thanks", s.thanksPage)
	r.GET("/campaigns/:slug", s.campaignPage)

	api := r.Group("/api/v1", s.limitBody())
	api.GET("/campaigns/:slug", s.apiCampaign)
	api.GET("/releases", s.apiReleases)
	api.GET("/releases/:slug", s.apiRelease)
	api.GET("/petitions/:id", s.apiPetition)
	api.POST("/petitions/:id/signatures", s.apiSign)

	if deps.Staff != nil {
		if err := s.registerStaff(r); err != nil {
			return nil, err
		}
	}
	if err := s.registerDonations(r); err != nil {
		return nil, err
	}

	s.engine = r
	return s, nil
}

// Handler returns the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

func (s *Server) healthz(c *gin.Context) {
	if s.DB != nil {
		if err := s.DB.Ping(c.Request.Context()); err != nil {
			s.apiError(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
