// Package webhooks receives webhooks from outside systems: Stripe's.
package webhooks

import (
	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
)

// Webhooks receives webhooks.
type Webhooks struct {
	*kit.Kit
	donations *donation.Service
}

// New returns the webhook receivers.
func New(k *kit.Kit, donations *donation.Service) *Webhooks {
	return &Webhooks{Kit: k, donations: donations}
}

// Routes registers POST /webhooks/stripe on r.
func (w *Webhooks) Routes(r gin.IRouter) {
	r.POST("/webhooks/stripe", w.stripe)
}
