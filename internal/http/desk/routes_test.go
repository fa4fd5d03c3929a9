package desk_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// routeCase is one staff route: who may use it, and what it answers them.
type routeCase struct {
	method string
	path   string
	form   func() url.Values // a page's form (its CSRF token is added); made afresh for each request
	json   func() any        // an API body, made afresh for each request
	roles  []staff.Role
	want   int
}

func (rc routeCase) api() bool { return strings.HasPrefix(rc.path, "/api/") }

// wrongRole is a role that may not use the route, or "" when every role may.
func (rc routeCase) wrongRole() staff.Role {
	for _, r := range []staff.Role{staff.RoleFinance, staff.RoleCampaigner, staff.RoleAdmin} {
		if !r.In(rc.roles...) {
			return r
		}
	}
	return ""
}

// staffRoutes lists every staff page and API route with a request that
// succeeds for a role allowed to make it.
func staffRoutes(e *env) []routeCase {
	w := e.world()
	target := e.member(staff.RoleFinance)
	_, tok, err := e.auth.IssueToken(e.t.Context(), staff.CommandLine(), target.ID, "to revoke")
	if err != nil {
		e.t.Fatal(err)
	}
	editors, admins, anyone := staff.EditorRoles(), staff.AdminRoles(), staff.Roles()
	c, p, d := w.Campaign.ID, w.Petition.ID, w.Draft.ID
	campaignForm := func() url.Values {
		return url.Values{"slug": {unique("c")}, "title": {"A campaign"}, "status": {"active"}, "currency": {"GBP"}}
	}
	releaseForm := func() url.Values {
		return url.Values{"campaign_id": {fmt.Sprint(c)}, "slug": {unique("r")}, "title": {"A release"}, "body": {"Words."}}
	}
	petitionForm := func() url.Values {
		return url.Values{"campaign_id": {fmt.Sprint(c)}, "slug": {unique("p")}, "title": {"A petition"},
			"ask": {"Do it."}, "goal": {"100"}}
	}
	sp := func(format string, args ...any) string { return fmt.Sprintf(format, args...) }
	// Webhook endpoints on an address deliveries refuse at once, and a
	// finished delivery of each to send again.
	hook := func() (int64, int64) {
		ep, _, err := e.db.Webhooks().CreateEndpoint(e.t.Context(), staff.CommandLine(),
			outbound.NewEndpoint{URL: "https://192.0.2.1/hooks", Events: []string{outbound.EventDonationPaid}})
		if err != nil {
			e.t.Fatal(err)
		}
		var delivery int64
		if err := e.db.SQL().QueryRowContext(e.t.Context(), `INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, status)
			VALUES ($1, 'donation.paid', '{}', 'failed') RETURNING id`, ep.ID).Scan(&delivery); err != nil {
			e.t.Fatal(err)
		}
		return ep.ID, delivery
	}
	wh, whDelivery := hook()
	whPageDelete, _ := hook()
	whAPIDelete, whAPIDelivery := hook()
	webhookBody := func() any {
		return map[string]any{"url": "https://crm.example.org/hooks", "events": []string{outbound.EventDonationPaid}}
	}
	return []routeCase{
		{http.MethodGet, "/admin", nil, nil, anyone, 200},
		{http.MethodGet, "/admin/campaigns", nil, nil, editors, 200},
		{http.MethodGet, "/admin/campaigns/new", nil, nil, editors, 200},
		{http.MethodPost, "/admin/campaigns", campaignForm, nil, editors, 303},
		{http.MethodGet, sp("/admin/campaigns/%d/edit", c), nil, nil, editors, 200},
		{http.MethodPost, sp("/admin/campaigns/%d", c), static(url.Values{"slug": {w.Campaign.Slug}, "title": {"Renamed"},
			"status": {"active"}, "currency": {"GBP"}}), nil, editors, 303},
		{http.MethodGet, "/admin/releases", nil, nil, editors, 200},
		{http.MethodGet, "/admin/releases/new", nil, nil, editors, 200},
		{http.MethodPost, "/admin/releases", releaseForm, nil, editors, 303},
		{http.MethodGet, sp("/admin/releases/%d/edit", d), nil, nil, editors, 200},
		{http.MethodPost, sp("/admin/releases/%d", d), static(url.Values{"campaign_id": {fmt.Sprint(c)}, "slug": {w.Draft.Slug},
			"title": {"Draft v2"}, "body": {"Still not yet."}}), nil, editors, 303},
		{http.MethodGet, sp("/admin/releases/%d/preview", d), nil, nil, editors, 200},
		{http.MethodPost, sp("/admin/releases/%d/publish", d), nil, nil, editors, 303},
		{http.MethodGet, sp("/admin/releases/%d/unpublish", d), nil, nil, editors, 200},
		{http.MethodPost, sp("/admin/releases/%d/unpublish", d), nil, nil, editors, 303},
		{http.MethodGet, "/admin/petitions", nil, nil, editors, 200},
		{http.MethodGet, "/admin/petitions/new", nil, nil, editors, 200},
		{http.MethodPost, "/admin/petitions", petitionForm, nil, editors, 303},
		{http.MethodGet, sp("/admin/petitions/%d", p), nil, nil, editors, 200},
		{http.MethodGet, sp("/admin/petitions/%d/edit", p), nil, nil, editors, 200},
		{http.MethodPost, sp("/admin/petitions/%d", p), static(url.Values{"campaign_id": {fmt.Sprint(c)}, "slug": {w.Petition.Slug},
			"title": {"Check supply chains now"}, "ask": {w.Petition.Ask}, "goal": {"2000"}}), nil, editors, 303},
		{http.MethodGet, sp("/admin/petitions/%d/stats", p), nil, nil, editors, 200},
		{http.MethodGet, sp("/admin/petitions/%d/close", p), nil, nil, editors, 200},
		{http.MethodPost, sp("/admin/petitions/%d/close", p), nil, nil, editors, 303},
		{http.MethodPost, sp("/admin/petitions/%d/reopen", p), nil, nil, editors, 303},
		{http.MethodGet, sp("/admin/petitions/%d/signatures.csv", p), nil, nil, editors, 200},
		{http.MethodGet, "/admin/staff", nil, nil, admins, 200},
		{http.MethodPost, "/admin/staff", static(url.Values{"email": {unique("new") + "@example.org"}, "role": {"campaigner"},
			"password": {goodPassword}}), nil, admins, 303},
		{http.MethodGet, sp("/admin/staff/%d", target.ID), nil, nil, admins, 200},
		{http.MethodPost, sp("/admin/staff/%d", target.ID), static(url.Values{"role": {"finance"}}), nil, admins, 303},
		{http.MethodPost, sp("/admin/staff/%d/password", target.ID), static(url.Values{"password": {goodPassword}}), nil, admins, 303},
		{http.MethodPost, sp("/admin/staff/%d/tokens", target.ID), static(url.Values{"name": {"CRM"}}), nil, admins, 200},
		{http.MethodPost, sp("/admin/tokens/%d/revoke", tok.ID), nil, nil, admins, 303},
		{http.MethodGet, "/admin/audit", nil, nil, admins, 200},
		{http.MethodGet, "/admin/webhooks", nil, nil, admins, 200},
		{http.MethodPost, "/admin/webhooks", static(url.Values{"url": {"https://crm.example.org/hooks"},
			"events": {outbound.EventDonationPaid}}), nil, admins, 200},
		{http.MethodGet, sp("/admin/webhooks/%d", wh), nil, nil, admins, 200},
		{http.MethodPost, sp("/admin/webhooks/%d/deliveries/%d/redeliver", wh, whDelivery), nil, nil, admins, 303},
		{http.MethodPost, sp("/admin/webhooks/%d/disable", wh), nil, nil, admins, 303},
		{http.MethodPost, sp("/admin/webhooks/%d/enable", wh), nil, nil, admins, 303},
		{http.MethodPost, sp("/admin/webhooks/%d/delete", whPageDelete), nil, nil, admins, 303},

		{http.MethodGet, "/api/v1/admin/me", nil, nil, anyone, 200},
		{http.MethodGet, "/api/v1/admin/campaigns", nil, nil, editors, 200},
		{http.MethodPost, "/api/v1/admin/campaigns", nil, func() any { return map[string]any{"slug": unique("c"), "title": "API campaign"} }, editors, 201},
		{http.MethodGet, sp("/api/v1/admin/campaigns/%d", c), nil, nil, editors, 200},
		{http.MethodPatch, sp("/api/v1/admin/campaigns/%d", c), nil, value(map[string]any{"summary": "New summary"}), editors, 200},
		{http.MethodGet, "/api/v1/admin/releases", nil, nil, editors, 200},
		{http.MethodPost, "/api/v1/admin/releases", nil, func() any { return map[string]any{"campaign_id": c, "slug": unique("r"), "title": "API release"} }, editors, 201},
		{http.MethodGet, sp("/api/v1/admin/releases/%d", d), nil, nil, editors, 200},
		{http.MethodPatch, sp("/api/v1/admin/releases/%d", d), nil, value(map[string]any{"summary": "Soon."}), editors, 200},
		{http.MethodPost, sp("/api/v1/admin/releases/%d/publish", d), nil, nil, editors, 200},
		{http.MethodPost, sp("/api/v1/admin/releases/%d/unpublish", d), nil, nil, editors, 200},
		{http.MethodGet, "/api/v1/admin/petitions", nil, nil, editors, 200},
		{http.MethodPost, "/api/v1/admin/petitions", nil, func() any {
			return map[string]any{"campaign_id": c, "slug": unique("p"), "title": "API petition", "ask": "Do it.", "goal": 10}
		}, editors, 201},
		{http.MethodGet, sp("/api/v1/admin/petitions/%d", p), nil, nil, editors, 200},
		{http.MethodPatch, sp("/api/v1/admin/petitions/%d", p), nil, value(map[string]any{"goal": 5000}), editors, 200},
		{http.MethodPost, sp("/api/v1/admin/petitions/%d/close", p), nil, nil, editors, 200},
		{http.MethodPost, sp("/api/v1/admin/petitions/%d/reopen", p), nil, nil, editors, 200},
		{http.MethodGet, sp("/api/v1/admin/petitions/%d/stats", p), nil, nil, editors, 200},
		{http.MethodGet, sp("/api/v1/admin/petitions/%d/signatures.csv", p), nil, nil, editors, 200},
		{http.MethodGet, "/api/v1/admin/staff", nil, nil, admins, 200},
		{http.MethodPost, "/api/v1/admin/staff", nil, value(map[string]any{"email": unique("api") + "@example.org", "role": "finance",
			"password": goodPassword}), admins, 201},
		{http.MethodPatch, sp("/api/v1/admin/staff/%d", target.ID), nil, value(map[string]any{"role": "finance"}), admins, 200},
		{http.MethodGet, sp("/api/v1/admin/staff/%d/tokens", target.ID), nil, nil, admins, 200},
		{http.MethodPost, sp("/api/v1/admin/staff/%d/tokens", target.ID), nil, value(map[string]any{"name": "sync"}), admins, 201},
		{http.MethodPost, sp("/api/v1/admin/tokens/%d/revoke", tok.ID), nil, nil, admins, 200},
		{http.MethodGet, "/api/v1/admin/audit", nil, nil, admins, 200},
		{http.MethodGet, "/api/v1/admin/webhooks", nil, nil, admins, 200},
		{http.MethodPost, "/api/v1/admin/webhooks", nil, webhookBody, admins, 201},
		{http.MethodPatch, sp("/api/v1/admin/webhooks/%d", wh), nil, value(map[string]any{"enabled": true}), admins, 200},
		{http.MethodGet, sp("/api/v1/admin/webhooks/%d/deliveries", wh), nil, nil, admins, 200},
		{http.MethodPost, sp("/api/v1/admin/webhooks/%d/deliveries/%d/redeliver", whAPIDelete, whAPIDelivery), nil, nil, admins, 202},
		{http.MethodDelete, sp("/api/v1/admin/webhooks/%d", whAPIDelete), nil, nil, admins, 204},
	}
}

// static is a form that is the same for every request.
func static(v url.Values) func() url.Values {
	return func() url.Values {
		out := url.Values{}
		for k, x := range v {
			out[k] = x
		}
		return out
	}
}

// value is an API body that is the same for every request.
func value(v any) func() any { return func() any { return v } }

// send makes the route's request as c.
func (rc routeCase) send(c *client) apptest.Response {
	c.t.Helper()
	switch {
	case rc.api() && rc.json != nil:
		return c.SendJSON(rc.method, rc.path, rc.json())
	case rc.api() || rc.method == http.MethodGet:
		return c.Do(rc.method, rc.path, nil)
	default:
		form := url.Values{}
		if rc.form != nil {
			form = rc.form()
		}
		return c.submit(rc.path, form)
	}
}

// Every staff route: anonymous visitors are sent to log in (pages) or get
// 401 (API); a role the contract does not name gets 403; a role it names
// gets the route's answer.
func TestEveryStaffRouteChecksItsRoles(t *testing.T) {
	e := start(t)
	routes := staffRoutes(e)
	browsers := map[staff.Role]*client{}
	tokens := map[staff.Role]*client{}
	for _, role := range staff.Roles() {
		m := e.member(role)
		browsers[role] = e.browser()
		browsers[role].login(m)
		tokens[role] = e.api(e.token(m))
	}
	as := func(rc routeCase, role staff.Role) *client {
		switch {
		case role == "" && rc.api():
			return e.api("")
		case role == "":
			return e.browser()
		case rc.api():
			return tokens[role]
		default:
			return browsers[role]
		}
	}
	for _, rc := range routes {
		t.Run(rc.method+" "+rc.path, func(t *testing.T) {
			parent := e.t
			e.t = t
			defer func() { e.t = parent }()

			res := rc.send(as(rc, ""))
			if rc.api() {
				if res.Status != http.StatusUnauthorized || errorCode(t, res) != "unauthorized" {
					t.Errorf("anonymous: %d %s, want 401 unauthorized", res.Status, res.Body)
				}
			} else if loc := res.Header.Get("Location"); res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/login?next=") {
				t.Errorf("anonymous: %d to %q, want 303 to the login page", res.Status, loc)
			}

			if wrong := rc.wrongRole(); wrong != "" {
				res = rc.send(as(rc, wrong))
				if res.Status != http.StatusForbidden {
					t.Errorf("as %s: %d, want 403\n%s", wrong, res.Status, res.Body)
				} else if rc.api() && errorCode(t, res) != "forbidden" {
					t.Errorf("as %s: code %q, want forbidden", wrong, errorCode(t, res))
				}
			}

			for _, role := range rc.roles {
				res = rc.send(as(rc, role))
				if res.Status != rc.want {
					t.Errorf("as %s: %d, want %d\n%.600s", role, res.Status, rc.want, res.Body)
				}
				if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("as %s: Cache-Control %q, want no-store", role, cc)
				}
			}
		})
	}
}
