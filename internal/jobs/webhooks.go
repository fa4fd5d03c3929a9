package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/postgres"
)

// WebhookDeliveryArgs is the job queued with each webhook delivery, in the
// transaction of the change that causes it (see postgres.WebhookDeliveryKind).
type WebhookDeliveryArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job in the queue.
func (WebhookDeliveryArgs) Kind() string { return postgres.WebhookDeliveryKind }

// webhookRetries are the waits after each failed attempt: quick at first,
// for a receiver that blinked, then hours apart. With the first attempt they
// make postgres.WebhookMaxAttempts attempts over about three days (75 h 53
// min from the first to the last), after which the delivery is failed.
var webhookRetries = []time.Duration{
	5 * time.Second, 30 * time.Second, 2 * time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour,
	12 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour,
}

// WebhookBackoff is the default wait after a delivery's attempt-th failed
// attempt (1 for the first).
func WebhookBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	return webhookRetries[min(attempt, len(webhookRetries))-1]
}

// webhookDelivery makes one attempt at a webhook delivery.
type webhookDelivery struct {
	river.WorkerDefaults[WebhookDeliveryArgs]
	deliverer *outbound.Deliverer
	backoff   func(attempt int) time.Duration
	delivered func(result string)
}

func (w *webhookDelivery) Work(ctx context.Context, job *river.Job[WebhookDeliveryArgs]) error {
	last := job.Attempt >= job.MaxAttempts
	a, out, err := w.deliverer.Deliver(ctx, job.Args.DeliveryID, last)
	if a.Result != "" && w.delivered != nil {
		w.delivered(a.Result)
	}
	switch {
	case errors.Is(err, outbound.ErrNotFound), errors.Is(err, outbound.ErrDisabled), out.Disabled:
		// Deleted, or disabled (by an admin, or just now for failing):
		// there is nothing to try again.
		return river.JobCancel(err)
	}
	return err
}

// NextRetry spaces the attempts by the backoff.
func (w *webhookDelivery) NextRetry(job *river.Job[WebhookDeliveryArgs]) time.Time {
	return time.Now().Add(w.backoff(job.Attempt))
}

// Timeout leaves the deliverer's own timeout room to record the attempt.
func (w *webhookDelivery) Timeout(*river.Job[WebhookDeliveryArgs]) time.Duration {
	return w.deliverer.Timeout() + 30*time.Second
}
