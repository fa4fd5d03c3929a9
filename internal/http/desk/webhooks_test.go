package desk_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

var secretPattern = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)

// An endpoint's signing secret is in the answer that creates it and
// nowhere after: not in the list, its page, the audit log or the logs.
func TestWebhookSecretIsShownOnce(t *testing.T) {
	e := start(t)
	admin := e.member(staff.RoleAdmin)
	api := e.api(e.token(admin))
	res := api.PostJSON("/api/v1/admin/webhooks", map[string]any{"url": " https://crm.example.org/hooks ",
		"events": []string{outbound.EventDonationPaid, outbound.EventPetitionClosed, outbound.EventDonationPaid}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	body := res.JSON(t)
	secret, _ := body["secret"].(string)
	if !secretPattern.MatchString(secret) || body["url"] != "https://crm.example.org/hooks" || body["enabled"] != true ||
		fmt.Sprint(body["events"]) != "[donation.paid petition.closed]" {
		t.Fatalf("create answered %s", res.Body)
	}
	id := int64(body["id"].(float64))

	browser := e.browser()
	browser.login(admin)
	// A second endpoint through the form: its secret is on the page that
	// answers the form, once.
	page := browser.submit("/admin/webhooks", url.Values{"url": {"https://warehouse.example.org/in"},
		"events": {outbound.EventSignatureCounted}})
	apptest.AssertPage(t, page, http.StatusOK, "Copy its signing secret now", "https://warehouse.example.org/in")
	// As the browser shows it: html/template writes a "+" as "&#43;".
	formSecret := secretPattern.FindString(html.UnescapeString(page.Body))
	if formSecret == "" || formSecret == secret {
		t.Fatalf("the form's answer shows secret %q", formSecret)
	}

	var seen []string
	for _, r := range []apptest.Response{
		api.Get("/api/v1/admin/webhooks"),
		api.Get(fmt.Sprintf("/api/v1/admin/webhooks/%d/deliveries", id)),
		api.Get("/api/v1/admin/audit"),
		browser.Get("/admin/webhooks"),
		browser.Get(fmt.Sprintf("/admin/webhooks/%d", id)),
		browser.Get("/admin/audit"),
	} {
		if r.Status != http.StatusOK {
			t.Errorf("%d %.300s", r.Status, r.Body)
		}
		seen = append(seen, r.Body)
	}
	if list := seen[0]; !strings.Contains(list, "https://crm.example.org/hooks") || !strings.Contains(list, "https://warehouse.example.org/in") {
		t.Errorf("list: %s", list)
	}
	var audit string
	if err := e.db.SQL().QueryRowContext(t.Context(), `SELECT string_agg(coalesce(after::text, ''), ' ') FROM audit_log
		WHERE action = $1`, outbound.ActionEndpointCreate).Scan(&audit); err != nil || !strings.Contains(audit, "crm.example.org") {
		t.Fatalf("audit of the creation: %q %v", audit, err)
	}
	seen = append(seen, audit, e.server.Logs.String())
	for i, s := range seen {
		s = html.UnescapeString(s) // pages write a secret's "+" as "&#43;"
		if strings.Contains(s, secret) || strings.Contains(s, formSecret) || secretPattern.MatchString(s) {
			t.Errorf("answer %d shows a secret: %.500s", i, s)
		}
	}
}

// Bad input gets 422 invalid with the fields named, on the API and the form.
func TestWebhookValidation(t *testing.T) {
	e := start(t)
	admin := e.member(staff.RoleAdmin)
	api := e.api(e.token(admin))
	for _, tc := range []struct {
		body   map[string]any
		fields []string
	}{
		{map[string]any{}, []string{"url", "events"}},
		{map[string]any{"url": "crm.example.org", "events": []string{"donation.paid"}}, []string{"url"}},
		{map[string]any{"url": "ftp://crm.example.org/", "events": []string{"donation.paid"}}, []string{"url"}},
		{map[string]any{"url": "https://user:pw@crm.example.org/", "events": []string{"donation.paid"}}, []string{"url"}},
		{map[string]any{"url": "https://crm.example.org/" + strings.Repeat("x", 2000), "events": []string{"donation.paid"}}, []string{"url"}},
		{map[string]any{"url": "http://127.0.0.1:8080/", "events": []string{"donation.paid"}}, []string{"url"}},
		{map[string]any{"url": "http://10.1.2.3/", "events": []string{"donation.paid"}}, []string{"url"}},
		{map[string]any{"url": "http://[::1]/", "events": []string{"donation.paid"}}, []string{"url"}},
		{map[string]any{"url": "http://localhost/", "events": []string{"donation.paid"}}, []string{"url"}},
		{map[string]any{"url": "https://crm.example.org/", "events": []string{}}, []string{"events"}},
		{map[string]any{"url": "https://crm.example.org/", "events": []string{"everything"}}, []string{"events"}},
	} {
		apptest.AssertAPIError(t, api.PostJSON("/api/v1/admin/webhooks", tc.body), http.StatusUnprocessableEntity, "invalid", tc.fields...)
	}
	apptest.AssertAPIError(t, api.PostJSON("/api/v1/admin/webhooks", map[string]any{"url": 12}), http.StatusBadRequest, "bad_request")
	apptest.AssertAPIError(t, api.SendJSON(http.MethodPatch, "/api/v1/admin/webhooks/999999", map[string]any{"enabled": false}),
		http.StatusNotFound, "not_found")
	apptest.AssertAPIError(t, api.Get("/api/v1/admin/webhooks/999999/deliveries"), http.StatusNotFound, "not_found")
	apptest.AssertAPIError(t, api.Do(http.MethodDelete, "/api/v1/admin/webhooks/x", nil), http.StatusNotFound, "not_found")
	apptest.AssertAPIError(t, api.PostJSON("/api/v1/admin/webhooks/1/deliveries/nope/redeliver", nil), http.StatusNotFound, "not_found")
	if n := countRows(t, e.db, `SELECT count(*) FROM webhook_endpoints WHERE url IN ('crm.example.org', 'ftp://crm.example.org/',
		'https://user:pw@crm.example.org/', 'http://127.0.0.1:8080/', 'http://10.1.2.3/', 'http://[::1]/', 'http://localhost/')
		OR url LIKE '%xxxxxxxx%'`); n != 0 {
		t.Errorf("%d endpoints stored from bad input", n)
	}

	browser := e.browser()
	browser.login(admin)
	page := browser.submit("/admin/webhooks", url.Values{"url": {"http://192.168.0.10/"}})
	apptest.AssertPage(t, page, http.StatusUnprocessableEntity, "Use a public address", "Choose at least one event", `value="http://192.168.0.10/"`)
}

// Enabling, disabling, deleting and redelivering are each in the audit
// log; a disabled endpoint cannot be redelivered to.
func TestWebhookChangesAreAudited(t *testing.T) {
	e := start(t)
	admin := e.member(staff.RoleAdmin)
	api := e.api(e.token(admin))
	res := api.PostJSON("/api/v1/admin/webhooks", map[string]any{"url": "https://crm.example.org/hooks", "events": []string{"donation.paid"}})
	id := int64(res.JSON(t)["id"].(float64))
	var delivery int64
	if err := e.db.SQL().QueryRowContext(t.Context(), `INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, status)
		VALUES ($1, 'donation.paid', '{"type":"donation.paid"}', 'failed') RETURNING id`, id).Scan(&delivery); err != nil {
		t.Fatal(err)
	}
	redeliver := fmt.Sprintf("/api/v1/admin/webhooks/%d/deliveries/%d/redeliver", id, delivery)
	if res := api.PostJSON(redeliver, nil); res.Status != http.StatusAccepted || res.JSON(t)["status"] != "pending" {
		t.Fatalf("redeliver: %d %s", res.Status, res.Body)
	}
	if n := countRows(t, e.db, `SELECT count(*) FROM river_job WHERE kind = 'webhook_delivery' AND args->>'delivery_id' = $1`,
		fmt.Sprint(delivery)); n != 1 {
		t.Errorf("%d jobs queued by the redelivery", n)
	}
	if res := api.SendJSON(http.MethodPatch, fmt.Sprintf("/api/v1/admin/webhooks/%d", id), map[string]any{"enabled": false}); res.Status != 200 ||
		res.JSON(t)["enabled"] != false || res.JSON(t)["disabled_reason"] != "admin" {
		t.Fatalf("disable: %d %s", res.Status, res.Body)
	}
	apptest.AssertAPIError(t, api.SendJSON(http.MethodPatch, fmt.Sprintf("/api/v1/admin/webhooks/%d", id), map[string]any{}),
		http.StatusUnprocessableEntity, "invalid", "enabled")
	apptest.AssertAPIError(t, api.PostJSON(redeliver, nil), http.StatusConflict, "webhook_disabled")
	if res := api.Do(http.MethodDelete, fmt.Sprintf("/api/v1/admin/webhooks/%d", id), nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	apptest.AssertAPIError(t, api.Do(http.MethodDelete, fmt.Sprintf("/api/v1/admin/webhooks/%d", id), nil), http.StatusNotFound, "not_found")
	for _, action := range []string{outbound.ActionEndpointCreate, outbound.ActionRedeliver, outbound.ActionEndpointDisable,
		outbound.ActionEndpointDelete} {
		if n := countRows(t, e.db, `SELECT count(*) FROM audit_log WHERE action = $1 AND entity = 'webhook' AND entity_id = $2
			AND actor_id = $3`, action, id, admin.ID); n != 1 {
			t.Errorf("%d audit entries for %s", n, action)
		}
	}
}

// Admins see, on the desk's home page, the endpoints disabled for failing;
// other roles do not, and may not use the webhook routes.
func TestAdminsAreToldOfFailingEndpoints(t *testing.T) {
	e := start(t)
	admin := e.member(staff.RoleAdmin)
	api := e.api(e.token(admin))
	res := api.PostJSON("/api/v1/admin/webhooks", map[string]any{"url": "https://crm.example.org/broken", "events": []string{"donation.paid"}})
	id := res.JSON(t)["id"]
	apptest.Exec(t, e.db, `UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'failing', disabled_at = now()
		WHERE id = $1`, int64(id.(float64)))
	browser := e.browser()
	browser.login(admin)
	apptest.AssertPage(t, browser.Get("/admin"), http.StatusOK, "Webhook endpoint disabled automatically",
		fmt.Sprintf(`href="/admin/webhooks/%v"`, id), "https://crm.example.org/broken")
	for _, role := range []staff.Role{staff.RoleCampaigner, staff.RoleFinance} {
		c, _ := e.signedIn(role)
		if home := c.Get("/admin"); home.Status != http.StatusOK || strings.Contains(home.Body, "crm.example.org") {
			t.Errorf("%s home: %d, shows the webhook: %v", role, home.Status, strings.Contains(home.Body, "crm.example.org"))
		}
		if page := c.Get("/admin/webhooks"); page.Status != http.StatusForbidden {
			t.Errorf("%s /admin/webhooks: %d, want 403", role, page.Status)
		}
		other := e.api(e.token(e.member(role)))
		apptest.AssertAPIError(t, other.Get("/api/v1/admin/webhooks"), http.StatusForbidden, "forbidden")
		apptest.AssertAPIError(t, other.PostJSON("/api/v1/admin/webhooks", map[string]any{"url": "https://x.example.org/",
			"events": []string{"donation.paid"}}), http.StatusForbidden, "forbidden")
	}
}

// countRows runs a count query.
func countRows(t *testing.T, db *postgres.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
