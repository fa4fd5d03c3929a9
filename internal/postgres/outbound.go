package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
)

// WebhookDeliveryKind is the job kind queued with each webhook delivery; its
// args are {"delivery_id": N}. The job queue's worker (package jobs) makes
// the attempts.
const WebhookDeliveryKind = "webhook_delivery"

// WebhookMaxAttempts is how many times a delivery is tried: with the
// worker's backoff (jobs.WebhookBackoff) the last attempt comes about three
// days after the first.
const WebhookMaxAttempts = 16

// webhookActor is who the audit log names for what the service does to
// endpoints on its own (disabling one that keeps failing).
var webhookActor = staff.Actor{Email: "(webhooks)"}

// webhookJobsSQL queues one River job per row of the CTE deliveries (with
// an id column), written as River's clients write its table.
func webhookJobsSQL(deliveries string) string {
	return `INSERT INTO river_job (args, kind, max_attempts, priority, queue, state)
    SELECT jsonb_build_object('delivery_id', id), '` + WebhookDeliveryKind + `', ` +
		strconv.Itoa(WebhookMaxAttempts) + `, 1, 'default', 'available' FROM ` + deliveries
}

// webhookCTEs returns two WITH items, named prefix_d and prefix_j, that store
// a delivery of event for every enabled endpoint subscribed to it and every
// row of source (a query yielding "at", a timestamptz, and "data", a jsonb),
// and queue their jobs. With no such endpoint they insert nothing and cost
// next to nothing: the endpoints are read first and source is joined to none.
func webhookCTEs(prefix, event, source string) string {
	return prefix + `_d AS (
    INSERT INTO webhook_deliveries (endpoint_id, event_type, payload)
    SELECT e.id, '` + event + `',
           jsonb_build_object('type', '` + event + `',
                              'timestamp', to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                              'data', s.data)::text
    FROM webhook_endpoints e CROSS JOIN (` + source + `) s
    WHERE e.enabled AND '` + event + `' = ANY (e.events)
    ORDER BY e.id
    RETURNING id
), ` + prefix + `_j AS (
    ` + webhookJobsSQL(prefix+"_d") + `
)`
}

// SignatureCountedCTEs returns WITH items (to put after a comma in a WITH
// list) that queue a signature.counted delivery, for every enabled endpoint
// subscribed to it, of every row of rows: the name of a CTE of newly counted
// signatures with id, petition_id and created_at. The data is the
// signature's id, its petition's id and slug: no personal data. prefix names
// the items (prefix_d, prefix_j), so a statement may use it twice.
func SignatureCountedCTEs(prefix, rows string) string {
	return webhookCTEs(prefix, outbound.EventSignatureCounted, `
        SELECT r.created_at AS at,
               jsonb_build_object('signature_id', r.id, 'petition_id', r.petition_id, 'petition_slug', p.slug) AS data
        FROM `+rows+` r JOIN petitions p ON p.id = r.petition_id`)
}

// enqueueWebhook stores, in tx, a delivery of event with data for every
// enabled endpoint subscribed to it, and queues their jobs: they commit with
// the change that causes them, or not at all.
func enqueueWebhook(tx *gorm.DB, event string, at time.Time, data any) error {
	body, err := json.Marshal(outbound.Payload{Type: event, Timestamp: at.UTC(), Data: data})
	if err != nil {
		return fmt.Errorf("webhook %s: %w", event, err)
	}
	err = tx.Exec(`WITH d AS (
    INSERT INTO webhook_deliveries (endpoint_id, event_type, payload)
    SELECT id, ?::text, ? FROM webhook_endpoints WHERE enabled AND ?::text = ANY (events) ORDER BY id
    RETURNING id
) `+webhookJobsSQL("d"), event, string(body), event).Error
	if err != nil {
		return fmt.Errorf("webhook %s: %w", event, err)
	}
	return nil
}

// WebhookStore implements outbound.Store and outbound.AttemptStore.
type WebhookStore struct{ db *DB }

// Webhooks returns the webhook store.
func (db *DB) Webhooks() *WebhookStore { return &WebhookStore{db: db} }

var (
	_ outbound.Store        = (*WebhookStore)(nil)
	_ outbound.AttemptStore = (*WebhookStore)(nil)
)

// endpointRow mirrors webhook_endpoints, its events read as JSON.
type endpointRow struct {
	ID             int64
	URL            string
	EventsJSON     string
	Enabled        bool
	DisabledReason string
	DisabledAt     *time.Time
	LastSuccessAt  *time.Time
	FailingSince   *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

const endpointColumns = `id, url, to_jsonb(events)::text AS events_json, enabled, disabled_reason, disabled_at,
    last_success_at, failing_since, created_at, updated_at`

func (r endpointRow) domain() outbound.Endpoint {
	e := outbound.Endpoint{ID: r.ID, URL: r.URL, Enabled: r.Enabled, DisabledReason: r.DisabledReason,
		DisabledAt: utc(r.DisabledAt), LastSuccessAt: utc(r.LastSuccessAt), FailingSince: utc(r.FailingSince),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	_ = json.Unmarshal([]byte(r.EventsJSON), &e.Events)
	return e
}

// endpointSnapshot is an endpoint in the audit log: never its secret.
type endpointSnapshot struct {
	ID             int64    `json:"id"`
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	Enabled        bool     `json:"enabled"`
	DisabledReason string   `json:"disabled_reason,omitempty"`
}

func snapEndpoint(e outbound.Endpoint) endpointSnapshot {
	return endpointSnapshot{ID: e.ID, URL: e.URL, Events: e.Events, Enabled: e.Enabled, DisabledReason: e.DisabledReason}
}

// CreateEndpoint stores an endpoint, validated by the caller's rules (see
// outbound.NewEndpoint.Validate), with a new secret.
func (s *WebhookStore) CreateEndpoint(ctx context.Context, actor staff.Actor, in outbound.NewEndpoint) (outbound.Endpoint, string, error) {
	events, err := json.Marshal(in.Events)
	if err != nil {
		return outbound.Endpoint{}, "", fmt.Errorf("create webhook: %w", err)
	}
	secret := outbound.NewSecret()
	var row endpointRow
	err = s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`INSERT INTO webhook_endpoints (url, events, secret)
			VALUES (?, ARRAY(SELECT jsonb_array_elements_text(?::jsonb)), ?) RETURNING `+endpointColumns,
			in.URL, string(events), secret).Scan(&row).Error
		if err != nil {
			return err
		}
		return writeAudit(tx, actor, outbound.ActionEndpointCreate, "webhook", row.ID, nil, snapEndpoint(row.domain()))
	})
	if err != nil {
		return outbound.Endpoint{}, "", fmt.Errorf("create webhook: %w", translate(err))
	}
	return row.domain(), secret, nil
}

// Endpoints lists every endpoint, newest first.
func (s *WebhookStore) Endpoints(ctx context.Context) ([]outbound.Endpoint, error) {
	return s.endpoints(ctx, "webhooks", `TRUE`)
}

// AutoDisabled lists the endpoints disabled for failing, newest first.
func (s *WebhookStore) AutoDisabled(ctx context.Context) ([]outbound.Endpoint, error) {
	return s.endpoints(ctx, "failing webhooks", `NOT enabled AND disabled_reason = '`+outbound.DisabledFailing+`'`)
}

func (s *WebhookStore) endpoints(ctx context.Context, what, where string) ([]outbound.Endpoint, error) {
	var rows []endpointRow
	err := s.db.gorm.WithContext(ctx).Raw(`SELECT ` + endpointColumns + ` FROM webhook_endpoints WHERE ` + where + ` ORDER BY id DESC`).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, translate(err))
	}
	out := make([]outbound.Endpoint, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Endpoint returns outbound.ErrNotFound if there is no such endpoint.
func (s *WebhookStore) Endpoint(ctx context.Context, id int64) (outbound.Endpoint, error) {
	row, err := loadEndpoint(s.db.gorm.WithContext(ctx), id, false)
	if err != nil {
		return outbound.Endpoint{}, fmt.Errorf("webhook %d: %w", id, translate(err))
	}
	return row.domain(), nil
}

func loadEndpoint(tx *gorm.DB, id int64, lock bool) (endpointRow, error) {
	q := `SELECT ` + endpointColumns + ` FROM webhook_endpoints WHERE id = ?`
	if lock {
		q += ` FOR UPDATE`
	}
	var row endpointRow
	err := tx.Raw(q, id).Scan(&row).Error
	if err == nil && row.ID == 0 {
		err = outbound.ErrNotFound
	}
	return row, err
}

// cancelPending cancels the endpoint's deliveries still to be made.
func cancelPending(tx *gorm.DB, endpointID int64) error {
	return tx.Exec(`UPDATE webhook_deliveries SET status = ?, completed_at = now()
		WHERE endpoint_id = ? AND status = ?`, outbound.DeliveryCancelled, endpointID, outbound.DeliveryPending).Error
}

// SetEnabled enables or disables an endpoint. Disabling cancels its pending
// deliveries; enabling starts its health afresh.
func (s *WebhookStore) SetEnabled(ctx context.Context, actor staff.Actor, id int64, enabled bool) (outbound.Endpoint, error) {
	action := outbound.ActionEndpointDisable
	if enabled {
		action = outbound.ActionEndpointEnable
	}
	var after endpointRow
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := loadEndpoint(tx, id, true)
		if err != nil {
			return err
		}
		if before.Enabled == enabled {
			after = before
			return nil
		}
		err = tx.Raw(`UPDATE webhook_endpoints SET enabled = ?,
				disabled_reason = CASE WHEN ? THEN '' ELSE ? END,
				disabled_at = CASE WHEN ? THEN NULL ELSE now() END,
				failing_since = NULL, updated_at = now()
			WHERE id = ? RETURNING `+endpointColumns, enabled, enabled, outbound.DisabledByAdmin, enabled, id).Scan(&after).Error
		if err != nil {
			return err
		}
		if !enabled {
			if err := cancelPending(tx, id); err != nil {
				return err
			}
		}
		return writeAudit(tx, actor, action, "webhook", id, snapEndpoint(before.domain()), snapEndpoint(after.domain()))
	})
	if err != nil {
		return outbound.Endpoint{}, fmt.Errorf("%s %d: %w", action, id, translate(err))
	}
	return after.domain(), nil
}

// DeleteEndpoint deletes an endpoint with its deliveries and their
// attempts; the jobs still queued for them find nothing and stop.
func (s *WebhookStore) DeleteEndpoint(ctx context.Context, actor staff.Actor, id int64) error {
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := loadEndpoint(tx, id, true)
		if err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM webhook_endpoints WHERE id = ?`, id).Error; err != nil {
			return err
		}
		return writeAudit(tx, actor, outbound.ActionEndpointDelete, "webhook", id, snapEndpoint(before.domain()), nil)
	})
	if err != nil {
		return fmt.Errorf("delete webhook %d: %w", id, translate(err))
	}
	return nil
}

type deliveryRow struct {
	ID          int64
	MessageID   string
	EndpointID  int64
	EventType   string
	Payload     string
	Status      string
	CreatedAt   time.Time
	CompletedAt *time.Time
}

func (r deliveryRow) domain() outbound.Delivery {
	return outbound.Delivery{ID: r.ID, MessageID: r.MessageID, EndpointID: r.EndpointID, EventType: r.EventType,
		Payload: r.Payload, Status: r.Status, CreatedAt: r.CreatedAt.UTC(), CompletedAt: utc(r.CompletedAt)}
}

const deliveryColumns = `id, message_id, endpoint_id, event_type, payload, status, created_at, completed_at`

type attemptRow struct {
	ID           int64
	DeliveryID   int64
	AttemptedAt  time.Time
	DurationMs   int64
	StatusCode   *int
	Result       string
	ResponseBody string
	Error        string
}

func (r attemptRow) domain() outbound.Attempt {
	return outbound.Attempt{ID: r.ID, AttemptedAt: r.AttemptedAt.UTC(), Duration: time.Duration(r.DurationMs) * time.Millisecond,
		StatusCode: deref(r.StatusCode), Result: r.Result, ResponseBody: r.ResponseBody, Error: r.Error}
}

// Deliveries returns the endpoint's newest deliveries, at most limit, with
// their attempts in the order they were made.
func (s *WebhookStore) Deliveries(ctx context.Context, endpointID int64, limit int) ([]outbound.Delivery, error) {
	q := s.db.gorm.WithContext(ctx)
	if _, err := loadEndpoint(q, endpointID, false); err != nil {
		return nil, fmt.Errorf("webhook %d deliveries: %w", endpointID, translate(err))
	}
	var rows []deliveryRow
	if err := q.Raw(`SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?`,
		endpointID, limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("webhook %d deliveries: %w", endpointID, translate(err))
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	byID := make(map[int64]int, len(rows))
	out := make([]outbound.Delivery, len(rows))
	for i, r := range rows {
		ids[i], byID[r.ID], out[i] = r.ID, i, r.domain()
	}
	var attempts []attemptRow
	if err := q.Raw(`SELECT id, delivery_id, attempted_at, duration_ms, status_code, result, response_body, error
			FROM webhook_attempts WHERE delivery_id IN ? ORDER BY id`, ids).Scan(&attempts).Error; err != nil {
		return nil, fmt.Errorf("webhook %d attempts: %w", endpointID, translate(err))
	}
	for _, a := range attempts {
		i := byID[a.DeliveryID]
		out[i].Attempts = append(out[i].Attempts, a.domain())
	}
	return out, nil
}

// Redeliver queues the delivery again, with its webhook-id, unless it is
// still pending (a job for it is queued already: it is returned as it is).
// Returns outbound.ErrDisabled if the endpoint is disabled.
func (s *WebhookStore) Redeliver(ctx context.Context, actor staff.Actor, endpointID, deliveryID int64) (outbound.Delivery, error) {
	var row deliveryRow
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ep, err := loadEndpoint(tx, endpointID, true)
		if err != nil {
			return err
		}
		if !ep.Enabled {
			return outbound.ErrDisabled
		}
		if err := tx.Raw(`SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ? AND endpoint_id = ? FOR UPDATE`,
			deliveryID, endpointID).Scan(&row).Error; err != nil {
			return err
		}
		if row.ID == 0 {
			return outbound.ErrNotFound
		}
		if row.Status == outbound.DeliveryPending {
			return nil
		}
		before := row.Status
		if err := tx.Raw(`UPDATE webhook_deliveries SET status = ?, completed_at = NULL WHERE id = ? RETURNING `+deliveryColumns,
			outbound.DeliveryPending, deliveryID).Scan(&row).Error; err != nil {
			return err
		}
		if err := tx.Exec(`WITH d AS (SELECT ?::bigint AS id) `+webhookJobsSQL("d"), deliveryID).Error; err != nil {
			return err
		}
		type snap struct {
			DeliveryID int64  `json:"delivery_id"`
			MessageID  string `json:"message_id"`
			Event      string `json:"event"`
			Status     string `json:"status"`
		}
		return writeAudit(tx, actor, outbound.ActionRedeliver, "webhook", endpointID,
			snap{row.ID, row.MessageID, row.EventType, before}, snap{row.ID, row.MessageID, row.EventType, row.Status})
	})
	if err != nil {
		return outbound.Delivery{}, fmt.Errorf("redeliver webhook %d/%d: %w", endpointID, deliveryID, translate(err))
	}
	return row.domain(), nil
}

// Target returns the delivery with its endpoint's URL, secret and state.
func (s *WebhookStore) Target(ctx context.Context, deliveryID int64) (outbound.Target, error) {
	var row struct {
		Delivery deliveryRow `gorm:"embedded"`
		URL      string
		Secret   string
		Enabled  bool
	}
	err := s.db.gorm.WithContext(ctx).Raw(`SELECT d.id, d.message_id, d.endpoint_id, d.event_type, d.payload, d.status,
			d.created_at, d.completed_at, e.url, e.secret, e.enabled
		FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = ?`, deliveryID).Scan(&row).Error
	if err == nil && row.Delivery.ID == 0 {
		err = outbound.ErrNotFound
	}
	if err != nil {
		return outbound.Target{}, fmt.Errorf("webhook delivery %d: %w", deliveryID, translate(err))
	}
	return outbound.Target{Delivery: row.Delivery.domain(), URL: row.URL, Secret: row.Secret, Enabled: row.Enabled}, nil
}

// CancelDelivery marks a pending delivery cancelled (its endpoint is
// disabled).
func (s *WebhookStore) CancelDelivery(ctx context.Context, deliveryID int64) error {
	err := s.db.gorm.WithContext(ctx).Exec(`UPDATE webhook_deliveries SET status = ?, completed_at = now()
		WHERE id = ? AND status = ?`, outbound.DeliveryCancelled, deliveryID, outbound.DeliveryPending).Error
	if err != nil {
		return fmt.Errorf("cancel webhook delivery %d: %w", deliveryID, translate(err))
	}
	return nil
}

// recordAttemptSQL logs an attempt, moves its delivery and its endpoint's
// health in one statement: one round trip and one commit per attempt, the
// work every delivery does. A healthy endpoint's last success moves only
// when it moves by a second or more, so that its deliveries do not all queue
// on its row. It answers the endpoint, whether it is enabled, and whether it
// has now failed for longer than it may (only ever on a failure).
const recordAttemptSQL = `
WITH d AS (
    UPDATE webhook_deliveries SET attempts = attempts + 1,
        status = CASE WHEN status = 'cancelled' AND $2 = 'pending' THEN status ELSE $2 END,
        completed_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END
    WHERE id = $1
    RETURNING endpoint_id
), a AS (
    INSERT INTO webhook_attempts (delivery_id, attempted_at, duration_ms, status_code, result, response_body, error)
    SELECT $1, $3, $4, $5, $6, $7, $8 FROM d
), e AS (
    UPDATE webhook_endpoints w SET
        last_success_at = CASE WHEN $9 THEN greatest(w.last_success_at, $3) ELSE w.last_success_at END,
        failing_since   = CASE WHEN $9 THEN NULL ELSE coalesce(w.failing_since, $3) END
    FROM d
    WHERE w.id = d.endpoint_id
      AND (NOT $9 OR w.failing_since IS NOT NULL OR w.last_success_at IS NULL OR w.last_success_at < $3::timestamptz - interval '1 second')
    RETURNING w.enabled, NOT $9 AND w.failing_since <= clock_timestamp() - $10::interval AS expired
)
SELECT d.endpoint_id, coalesce(e.enabled, false), coalesce(e.expired, false) FROM d LEFT JOIN e ON true`

// RecordAttempt logs an attempt and moves the delivery to status and the
// endpoint's health, in one statement. An endpoint whose first failure since
// its last success is at least disableAfter old, and which has just failed
// again, is then disabled, its pending deliveries cancelled and the change
// written to the audit log, in a transaction of its own.
func (s *WebhookStore) RecordAttempt(ctx context.Context, deliveryID int64, a outbound.Attempt, status string,
	disableAfter time.Duration) (outbound.Outcome, error) {
	var code *int
	if a.StatusCode != 0 {
		code = &a.StatusCode
	}
	var endpointID int64
	var enabled, expired bool
	err := s.db.sql.QueryRowContext(ctx, recordAttemptSQL, deliveryID, status, a.AttemptedAt, a.Duration.Milliseconds(), code,
		a.Result, a.ResponseBody, a.Error, a.Result == outbound.ResultSucceeded,
		fmt.Sprintf("%d microseconds", disableAfter.Microseconds())).Scan(&endpointID, &enabled, &expired)
	if errors.Is(err, sql.ErrNoRows) {
		// Deleted while the attempt was made.
		return outbound.Outcome{}, fmt.Errorf("record webhook attempt %d: %w", deliveryID, outbound.ErrNotFound)
	}
	if err != nil {
		return outbound.Outcome{}, fmt.Errorf("record webhook attempt %d: %w", deliveryID, translate(err))
	}
	if !enabled || !expired {
		return outbound.Outcome{}, nil
	}
	disabled, err := s.disableFailing(ctx, endpointID)
	if err != nil {
		return outbound.Outcome{}, fmt.Errorf("record webhook attempt %d: %w", deliveryID, translate(err))
	}
	return outbound.Outcome{Disabled: disabled}, nil
}

// disableFailing disables an endpoint that has failed for too long, unless
// another attempt has disabled it (or an admin has) meanwhile.
func (s *WebhookStore) disableFailing(ctx context.Context, endpointID int64) (bool, error) {
	disabled := false
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := loadEndpoint(tx, endpointID, true)
		if err != nil || !before.Enabled || before.FailingSince == nil {
			return err
		}
		var after endpointRow
		if err := tx.Raw(`UPDATE webhook_endpoints SET enabled = false, disabled_reason = ?, disabled_at = now(), updated_at = now()
				WHERE id = ? RETURNING `+endpointColumns, outbound.DisabledFailing, endpointID).Scan(&after).Error; err != nil {
			return err
		}
		if err := cancelPending(tx, endpointID); err != nil {
			return err
		}
		disabled = true
		return writeAudit(tx, webhookActor, outbound.ActionAutoDisable, "webhook", endpointID,
			snapEndpoint(before.domain()), snapEndpoint(after.domain()))
	})
	return disabled, err
}

// donationData is a donation in webhooks: ids and amounts, never the
// donor's name, email or Gift Aid details.
type donationData struct {
	DonationID     int64  `json:"donation_id"`
	CampaignID     int64  `json:"campaign_id"`
	ReleaseID      *int64 `json:"release_id"`
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	Status         string `json:"status"`
	AmountRefunded int64  `json:"amount_refunded"`
}

// enqueueDonationWebhooks queues donation.paid when the money of the
// donation has just been taken, and donation.refunded when its refunded
// amount has just risen. Both follow the facts the state machine keeps,
// which only grow, so a repeated or late event never sends either twice.
func enqueueDonationWebhooks(tx *gorm.DB, before donation.State, after donationRow) error {
	data := donationData{DonationID: after.ID, CampaignID: after.CampaignID, ReleaseID: after.ReleaseID,
		Amount: after.Amount, Currency: after.Currency, Status: after.Status, AmountRefunded: after.AmountRefunded}
	if before.PaidAt == nil && after.PaidAt != nil {
		if err := enqueueWebhook(tx, outbound.EventDonationPaid, after.PaidAt.UTC(), data); err != nil {
			return err
		}
	}
	if after.AmountRefunded > before.AmountRefunded {
		if err := enqueueWebhook(tx, outbound.EventDonationRefunded, time.Now().UTC(), data); err != nil {
			return err
		}
	}
	return nil
}

// petitionClosedData is a petition in the petition.closed event.
type petitionClosedData struct {
	PetitionID     int64  `json:"petition_id"`
	PetitionSlug   string `json:"petition_slug"`
	CampaignID     int64  `json:"campaign_id"`
	SignatureCount int64  `json:"signature_count"`
}

// enqueuePetitionClosed queues petition.closed when staff have just closed
// the petition (after carries its count).
func enqueuePetitionClosed(tx *gorm.DB, before, after petitionRow) error {
	if before.Status == petition.StatusClosed || after.Status != petition.StatusClosed {
		return nil
	}
	return enqueueWebhook(tx, outbound.EventPetitionClosed, time.Now().UTC(), petitionClosedData{
		PetitionID: after.ID, PetitionSlug: after.Slug, CampaignID: after.CampaignID, SignatureCount: after.SignatureCount})
}
