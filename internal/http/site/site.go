// Package site serves the public pages: the newsroom, releases with their
// petition, campaigns, the sign and donate forms, the pages Stripe
// Checkout returns to, and the sign form that partners embed in their own
// pages (embed*.go).
package site

import (
	"context"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/singleflight"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/newsroom"
	"github.com/advocacy/advocacy/internal/petition"
)

// Deps are what the public site needs.
type Deps struct {
	Campaigns campaign.Store
	Petitions petition.Store
	Signing   *petition.Service
	// Newsroom reads releases as the public sees them.
	Newsroom *newsroom.Service
	// Donations takes donations; nil, or one without a gateway, switches
	// the donate form off.
	Donations *donation.Service
	// Version changes when staff change something; the rendered pages
	// cached here drop what is older.
	Version func() uint64
	// SignLimit is the per-address signing limit, shared with the API.
	SignLimit *kit.RateLimiter
	// Confirmations confirms signatures from emailed links; nil without
	// email, when /confirm is not served.
	Confirmations *petition.Confirmations
	// Unsubscribes withdraws consent to updates from the links in every
	// email; nil: /unsubscribe is not served.
	Unsubscribes *petition.Unsubscribes
	// EmbedKey returns the key that signs the embedded form's tokens: the
	// server key "embed_form", which every instance shares (32 bytes at
	// least). It is asked on every use of the embedded form, so it should
	// answer from memory once it has the key.
	EmbedKey func(ctx context.Context) ([]byte, error)
}

// Site serves the public pages.
type Site struct {
	*kit.Kit
	Deps
	countries []petition.Country
	pages     *pageCache
	// renders lets concurrent requests for a page that is not cached share
	// one render.
	renders singleflight.Group
	// supporters seals the cookie that links a donation to its donor's
	// signature; nil without a Stripe key.
	supporters *supporterCookies
	// donateLimit caps donation attempts per address: each costs a Stripe
	// API call and a row, so it runs at the signing rate, on its own, but
	// never above DonateRatePerMinute.
	donateLimit *kit.RateLimiter
	// embed serves the embeddable sign form (embed.go).
	embed *embed
}

// DonateRatePerMinute is the most donation attempts a client address may
// make a minute: the signing rate's flood guard is far above what a donor
// needs, and each attempt costs a call to Stripe.
const DonateRatePerMinute = 60

// New returns the public site.
func New(k *kit.Kit, d Deps) (*Site, error) {
	if d.Version == nil {
		d.Version = func() uint64 { return 0 } // nothing staff change reaches it
	}
	if d.Donations == nil {
		d.Donations = donation.NewService(nil, donation.ServiceConfig{}) // donations off
	}
	if d.SignLimit == nil {
		d.SignLimit = kit.NewRateLimiter(k.Config.SignRatePerMinute)
	}
	supporters, err := newSupporterCookies(k.Config.StripeSecretKey, k.Config.SecureCookies())
	if err != nil {
		return nil, err
	}
	emb, err := newEmbed(k.Config.EmbedOrigins, k.Config.BaseURL)
	if err != nil {
		return nil, err
	}
	return &Site{Kit: k, Deps: d, embed: emb,
		countries:   petition.Countries(),
		pages:       newPageCache(d.Version),
		supporters:  supporters,
		donateLimit: kit.NewRateLimiter(min(k.Config.SignRatePerMinute, DonateRatePerMinute)),
	}, nil
}

// Routes registers the public pages and forms on r.
func (s *Site) Routes(r gin.IRouter) {
	r.GET("/", s.newsroomPage)
	r.GET("/releases/:slug", s.releasePage)
	r.POST("/releases/:slug/sign", s.LimitBody(kit.MaxBodyBytes), s.signForm)
	r.GET("/releases/:slug/thanks", s.thanksPage)
	r.GET("/campaigns/:slug", s.campaignPage)
	r.POST("/campaigns/:slug/petitions/:petition/sign", s.LimitBody(kit.MaxBodyBytes), s.campaignSign)
	r.GET("/privacy", s.privacyPage)
	if s.Confirmations != nil {
		r.GET("/confirm/:token", s.confirmPage)
		r.POST("/confirm/:token", s.LimitBody(kit.MaxBodyBytes), s.confirmForm)
	}
	if s.Unsubscribes != nil {
		r.GET("/unsubscribe/:token", s.unsubscribePage)
		// The button on that page, and mail providers' one-click POST
		// (RFC 8058), which kit.CrossOrigin lets through (unsubscribe.go).
		r.POST("/unsubscribe/:token", s.LimitBody(kit.MaxBodyBytes), s.unsubscribeForm)
	}

	// Without a gateway (no STRIPE_SECRET_KEY) these answer 503
	// donations_disabled.
	r.POST("/releases/:slug/donate", s.LimitBody(kit.MaxBodyBytes), s.donate)
	r.GET("/donations/thanks", s.donationThanks)
	r.GET("/donations/cancelled", s.donationCancelled)

	// The embeddable sign form, for partners' pages (embed.go).
	r.GET("/embed.js", s.embedScript)
	embed := r.Group("/embed/petitions/:slug", s.embedHeaders)
	embed.GET("", s.embedPage)
	embed.POST("/sign", s.LimitBody(kit.MaxBodyBytes), s.embedSign)
	embed.GET("/thanks", s.embedThanks)
}
