package desk

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/valid"
)

// deliveriesShown bounds the deliveries a page or an answer lists.
const deliveriesShown = 100

// webhookJSON is an endpoint as the staff API shows it: never its secret.
type webhookJSON struct {
	ID             int64      `json:"id"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Enabled        bool       `json:"enabled"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	DisabledAt     *time.Time `json:"disabled_at"`
	LastSuccessAt  *time.Time `json:"last_success_at"`
	FailingSince   *time.Time `json:"failing_since"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func toWebhookJSON(e outbound.Endpoint) webhookJSON {
	return webhookJSON{ID: e.ID, URL: e.URL, Events: e.Events, Enabled: e.Enabled, DisabledReason: e.DisabledReason,
		DisabledAt: e.DisabledAt, LastSuccessAt: e.LastSuccessAt, FailingSince: e.FailingSince,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// attemptJSON is one attempt at a delivery.
type attemptJSON struct {
	AttemptedAt  time.Time `json:"attempted_at"`
	StatusCode   *int      `json:"status_code"`
	DurationMs   int64     `json:"duration_ms"`
	Result       string    `json:"result"`
	ResponseBody string    `json:"response_body"`
	Error        string    `json:"error"`
}

// deliveryJSON is a delivery with its attempts; payload is the body sent.
type deliveryJSON struct {
	ID          int64           `json:"id"`
	MessageID   string          `json:"message_id"`
	Event       string          `json:"event"`
	Status      string          `json:"status"`
	Payload     json.RawMessage `json:"payload"`
	CreatedAt   time.Time       `json:"created_at"`
	CompletedAt *time.Time      `json:"completed_at"`
	Attempts    []attemptJSON   `json:"attempts"`
}

func toDeliveryJSON(d outbound.Delivery) deliveryJSON {
	out := deliveryJSON{ID: d.ID, MessageID: d.MessageID, Event: d.EventType, Status: d.Status,
		Payload: json.RawMessage(d.Payload), CreatedAt: d.CreatedAt, CompletedAt: d.CompletedAt, Attempts: []attemptJSON{}}
	for _, a := range d.Attempts {
		aj := attemptJSON{AttemptedAt: a.AttemptedAt, DurationMs: a.Duration.Milliseconds(), Result: a.Result,
			ResponseBody: a.ResponseBody, Error: a.Error}
		if a.StatusCode != 0 {
			code := a.StatusCode
			aj.StatusCode = &code
		}
		out.Attempts = append(out.Attempts, aj)
	}
	return out
}

// newEndpoint validates what an admin asks for under this server's rules.
func (d *Desk) newEndpoint(url string, events []string) (outbound.NewEndpoint, error) {
	in := outbound.NewEndpoint{URL: url, Events: events}.Normalise()
	return in, in.Validate(d.WebhookAllowPrivate)
}

// webhooksAPI serves GET /api/v1/admin/webhooks.
func (d *Desk) webhooksAPI(c *gin.Context) {
	list, err := d.Webhooks.Endpoints(c.Request.Context())
	d.answerJSON(c, http.StatusOK, gin.H{"webhooks": listJSON(list, toWebhookJSON)}, err)
}

// createWebhookAPI serves POST /api/v1/admin/webhooks with {"url","events"}:
// 201 with the endpoint and its signing secret in "secret", shown this once.
func (d *Desk) createWebhookAPI(c *gin.Context) {
	var req struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := kit.DecodeJSON(c, &req); err != nil {
		d.APIError(c, err)
		return
	}
	in, err := d.newEndpoint(req.URL, req.Events)
	if err != nil {
		d.APIError(c, err)
		return
	}
	e, secret, err := d.Webhooks.CreateEndpoint(c.Request.Context(), kit.Actor(c), in)
	if err != nil {
		d.APIError(c, err)
		return
	}
	c.JSON(http.StatusCreated, struct {
		webhookJSON
		Secret string `json:"secret"`
	}{toWebhookJSON(e), secret})
}

// updateWebhookAPI serves PATCH /api/v1/admin/webhooks/:id with
// {"enabled":bool}.
func (d *Desk) updateWebhookAPI(c *gin.Context) {
	id, err := kit.IDParam(c, outbound.ErrNotFound)
	if err != nil {
		d.APIError(c, err)
		return
	}
	var req struct {
		Enabled *bool `json:"enabled"`
	}
	if err := kit.DecodeJSON(c, &req); err != nil {
		d.APIError(c, err)
		return
	}
	if req.Enabled == nil {
		d.APIError(c, valid.Errors{"enabled": "Say whether the endpoint is enabled: true or false."})
		return
	}
	e, err := d.Webhooks.SetEnabled(c.Request.Context(), kit.Actor(c), id, *req.Enabled)
	d.answerJSON(c, http.StatusOK, toWebhookJSON(e), err)
}

// deleteWebhookAPI serves DELETE /api/v1/admin/webhooks/:id: 204.
func (d *Desk) deleteWebhookAPI(c *gin.Context) {
	id, err := kit.IDParam(c, outbound.ErrNotFound)
	if err == nil {
		err = d.Webhooks.DeleteEndpoint(c.Request.Context(), kit.Actor(c), id)
	}
	if err != nil {
		d.APIError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// deliveriesAPI serves GET /api/v1/admin/webhooks/:id/deliveries: the
// newest deliveries with their attempts.
func (d *Desk) deliveriesAPI(c *gin.Context) {
	id, err := kit.IDParam(c, outbound.ErrNotFound)
	if err != nil {
		d.APIError(c, err)
		return
	}
	list, err := d.Webhooks.Deliveries(c.Request.Context(), id, deliveriesShown)
	d.answerJSON(c, http.StatusOK, gin.H{"deliveries": listJSON(list, toDeliveryJSON)}, err)
}

// redeliver serves POST /api/v1/admin/webhooks/:id/deliveries/:delivery_id/redeliver
// (202 with the delivery) and the same path under /admin (303 to the
// endpoint's page): the delivery is queued again with its webhook-id.
func (d *Desk) redeliver(c *gin.Context) {
	id, err := kit.IDParam(c, outbound.ErrNotFound)
	var deliveryID int64
	if err == nil {
		deliveryID, err = strconv.ParseInt(c.Param("delivery_id"), 10, 64)
		if err != nil || deliveryID <= 0 {
			err = outbound.ErrNotFound
		}
	}
	var del outbound.Delivery
	if err == nil {
		del, err = d.Webhooks.Redeliver(c.Request.Context(), kit.Actor(c), id, deliveryID)
	}
	switch {
	case err != nil:
		d.Fail(c, err)
	case kit.WantsJSON(c):
		c.JSON(http.StatusAccepted, toDeliveryJSON(del))
	default:
		kit.RedirectWithNotice(c, webhookPath(id), "redelivered")
	}
}

func webhookPath(id int64) string { return "/admin/webhooks/" + strconv.FormatInt(id, 10) }

// webhooksPageData is what desk_webhooks.html shows: the endpoints, the
// form to add one, and a new endpoint's secret the one time it is shown.
type webhooksPageData struct {
	Endpoints []outbound.Endpoint
	Events    []string
	New       struct {
		URL    string
		Events map[string]bool
	}
	Created   *outbound.Endpoint
	NewSecret string
	Errors    valid.Errors
	Notice    string
}

// staffPage gives a desk page kept outside web/templates/admin what the
// layout gives those inside: the staff header and styles.
func staffPage(c *gin.Context, p kit.Page) kit.Page {
	if m, ok := kit.StaffFrom(c); ok {
		p.Staff = &m
	}
	p.StaffStyles = true
	return p
}

func (d *Desk) renderWebhooksPage(c *gin.Context, status int, data webhooksPageData) {
	var err error
	if data.Endpoints, err = d.Webhooks.Endpoints(c.Request.Context()); err != nil {
		d.Fail(c, err)
		return
	}
	data.Events = outbound.Events()
	d.Render(c, status, "desk_webhooks", staffPage(c, kit.Page{Title: "Webhooks", Data: data}))
}

// webhooksPage serves GET /admin/webhooks.
func (d *Desk) webhooksPage(c *gin.Context) {
	d.renderWebhooksPage(c, http.StatusOK, webhooksPageData{Notice: kit.Notice(c)})
}

// createWebhookForm serves POST /admin/webhooks: it adds the endpoint and
// shows its secret on the page this once (never in a URL, never again).
func (d *Desk) createWebhookForm(c *gin.Context) {
	in, err := d.newEndpoint(c.PostForm("url"), c.PostFormArray("events"))
	var e outbound.Endpoint
	var secret string
	if err == nil {
		e, secret, err = d.Webhooks.CreateEndpoint(c.Request.Context(), kit.Actor(c), in)
	}
	if fields, ok := kit.FieldErrors(err); ok {
		data := webhooksPageData{Errors: fields}
		data.New.URL, data.New.Events = c.PostForm("url"), map[string]bool{}
		for _, ev := range c.PostFormArray("events") {
			data.New.Events[ev] = true
		}
		d.renderWebhooksPage(c, http.StatusUnprocessableEntity, data)
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	d.renderWebhooksPage(c, http.StatusOK, webhooksPageData{Created: &e, NewSecret: secret})
}

// setWebhookEnabled serves the enable and disable forms.
func (d *Desk) setWebhookEnabled(c *gin.Context, enabled bool, notice string) {
	id, err := kit.IDParam(c, outbound.ErrNotFound)
	if err == nil {
		_, err = d.Webhooks.SetEnabled(c.Request.Context(), kit.Actor(c), id, enabled)
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	kit.RedirectWithNotice(c, webhookPath(id), notice)
}

// enableWebhookForm serves POST /admin/webhooks/:id/enable.
func (d *Desk) enableWebhookForm(c *gin.Context) { d.setWebhookEnabled(c, true, "enabled") }

// disableWebhookForm serves POST /admin/webhooks/:id/disable.
func (d *Desk) disableWebhookForm(c *gin.Context) { d.setWebhookEnabled(c, false, "disabled") }

// deleteWebhookForm serves POST /admin/webhooks/:id/delete.
func (d *Desk) deleteWebhookForm(c *gin.Context) {
	id, err := kit.IDParam(c, outbound.ErrNotFound)
	if err == nil {
		err = d.Webhooks.DeleteEndpoint(c.Request.Context(), kit.Actor(c), id)
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	kit.RedirectWithNotice(c, "/admin/webhooks", "deleted")
}

// webhookPageData is what desk_webhook.html shows: one endpoint and its
// newest deliveries with their attempts.
type webhookPageData struct {
	Endpoint   outbound.Endpoint
	Deliveries []outbound.Delivery
	Notice     string
}

// webhookPage serves GET /admin/webhooks/:id.
func (d *Desk) webhookPage(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := kit.IDParam(c, outbound.ErrNotFound)
	data := webhookPageData{Notice: kit.Notice(c)}
	if err == nil {
		data.Endpoint, err = d.Webhooks.Endpoint(ctx, id)
	}
	if err == nil {
		data.Deliveries, err = d.Webhooks.Deliveries(ctx, id, deliveriesShown)
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	d.Render(c, http.StatusOK, "desk_webhook", staffPage(c, kit.Page{Title: "Webhook " + data.Endpoint.URL, Data: data}))
}
