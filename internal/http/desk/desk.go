// Package desk serves the campaigner's desk and staff administration: the
// pages under /admin and the staff API under /api/v1/admin.
//
// Handler names say whom they answer: a …Page renders a page for a browser,
// a …Form takes a browser's form post, an …API answers an integration in
// JSON. An action without a body (publish, close, revoke…) has one handler
// on both routes, answering as the route's audience expects.
package desk

import (
	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/privacy"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/trust"
)

// Previewer renders a release as its public page will look.
type Previewer interface {
	Preview(c *gin.Context, r campaign.Release, editURL string)
}

// Deps are what the desk needs.
type Deps struct {
	Staff staff.Store
	// Desk makes staff changes; its writes invalidate the public caches.
	Desk      staff.Desk
	Campaigns campaign.Store
	Petitions petition.Store
	// Donations gives campaigners each release's donation totals; nil when
	// this server keeps no donations.
	Donations donation.Store
	Preview   Previewer
	// Webhooks are the outbound webhook endpoints (admins only); nil: none.
	Webhooks outbound.Store
	// WebhookAllowPrivate lets endpoints be saved on loopback and private
	// addresses (WEBHOOK_ALLOW_PRIVATE).
	WebhookAllowPrivate bool
	// Privacy answers subject access and erasure requests (admins).
	Privacy *privacy.Service
	// Trust is the trust rules and the review of petitions' signatures.
	Trust *trust.Service
}

// Desk serves the staff desk.
type Desk struct {
	*kit.Kit
	Deps
	guard *kit.Guard
}

// New returns the desk; guard checks who may use each route.
func New(k *kit.Kit, guard *kit.Guard, d Deps) *Desk { return &Desk{Kit: k, Deps: d, guard: guard} }

// auth is the staff sign-in: sessions, passwords and tokens.
func (d *Desk) auth() *staff.Auth { return d.guard.Auth() }

// listJSON turns each item of a list into its JSON shape.
func listJSON[T, J any](list []T, toJSON func(T) J) []J {
	out := make([]J, len(list))
	for i, v := range list {
		out[i] = toJSON(v)
	}
	return out
}

// answerJSON answers an API call with body and status, or with err in the
// API's error shape when the call failed.
func (d *Desk) answerJSON(c *gin.Context, status int, body any, err error) {
	if err != nil {
		d.APIError(c, err)
		return
	}
	c.JSON(status, body)
}
