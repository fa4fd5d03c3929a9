package desk_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

func TestLoginSetsAHardenedSessionCookie(t *testing.T) {
	for _, tt := range []struct {
		name    string
		baseURL string
		secure  bool
	}{
		{"http", "", false},
		{"https", "https://campaigns.example.org", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, func(o *options) { o.baseURL = tt.baseURL })
			m := e.member(staff.RoleCampaigner)
			c := e.browser()
			res := c.submit("/admin/login", url.Values{"email": {m.Email}, "password": {goodPassword},
				"next": {"/admin/petitions"}})
			if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/admin/petitions" {
				t.Fatalf("login: %d to %q", res.Status, res.Header.Get("Location"))
			}
			var cookie *http.Cookie
			for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
				if ck.Name == "advocacy_session" {
					cookie = ck
				}
			}
			if cookie == nil {
				t.Fatalf("no session cookie in %v", res.Header.Values("Set-Cookie"))
			}
			if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure != tt.secure ||
				cookie.Path != "/admin" || cookie.MaxAge <= 0 {
				t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Secure=%v, Path=/admin, an expiry", cookie, tt.secure)
			}
			if strings.Contains(e.server.Logs.String(), m.Email) {
				t.Error("the log holds the staff member's email")
			}
		})
	}
}

func TestLoginRefusesWrongPasswordsAndUnsafeRedirects(t *testing.T) {
	e := start(t)
	m := e.member(staff.RoleCampaigner)
	c := e.browser()
	res := c.submit("/admin/login", url.Values{"email": {m.Email}, "password": {"not the password"}})
	if res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, "do not match") {
		t.Errorf("wrong password: %d\n%s", res.Status, res.Body)
	}
	if !strings.Contains(res.Body, `value="`+m.Email+`"`) {
		t.Error("the form does not keep the typed email")
	}
	for _, next := range []string{"https://evil.example/admin", "//evil.example/admin", "/releases/x", "/admin/login"} {
		c := e.browser()
		res := c.submit("/admin/login", url.Values{"email": {m.Email}, "password": {goodPassword}, "next": {next}})
		if loc := res.Header.Get("Location"); res.Status != http.StatusSeeOther || loc != "/admin" {
			t.Errorf("next %q: %d to %q, want 303 to /admin", next, res.Status, loc)
		}
	}
}

func TestLoginThrottling(t *testing.T) {
	t.Run("per account", func(t *testing.T) {
		e := start(t, func(o *options) { o.throttle = staff.ThrottlePolicy{MaxPerAccount: 3, MaxPerAddress: 1000} })
		m := e.member(staff.RoleAdmin)
		c := e.browser()
		for i := range 3 {
			res := c.submit("/admin/login", url.Values{"email": {m.Email}, "password": {fmt.Sprint("guess ", i)}})
			if res.Status != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d", i+1, res.Status)
			}
		}
		res := c.submit("/admin/login", url.Values{"email": {m.Email}, "password": {goodPassword}})
		wait, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if res.Status != http.StatusTooManyRequests || err != nil || wait <= 0 || wait > 15*60 {
			t.Fatalf("after 3 failures: %d, Retry-After %q; want 429 with a wait", res.Status, res.Header.Get("Retry-After"))
		}
		if !strings.Contains(res.Body, "Too many failed logins") || strings.Contains(res.Body, "advocacy_session") {
			t.Errorf("throttled page:\n%s", res.Body)
		}
		if got := res.Header.Values("Set-Cookie"); strings.Contains(strings.Join(got, ";"), "advocacy_session=") {
			t.Errorf("a throttled login set a session: %v", got)
		}
		// Another account from the same address is not held back.
		other := e.member(staff.RoleCampaigner)
		e.browser().login(other)
	})
	t.Run("per address", func(t *testing.T) {
		e := start(t, func(o *options) { o.throttle = staff.ThrottlePolicy{MaxPerAccount: 1000, MaxPerAddress: 4} })
		// Tests run one at a time: forget other tests' failures from this address.
		apptest.Exec(t, e.db, `DELETE FROM staff_login_failures WHERE address = '127.0.0.1'`)
		m := e.member(staff.RoleCampaigner)
		c := e.browser()
		for i := range 4 {
			res := c.submit("/admin/login", url.Values{"email": {fmt.Sprintf("guess%d@example.org", i)}, "password": {"guess"}})
			if res.Status != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d", i+1, res.Status)
			}
		}
		res := c.submit("/admin/login", url.Values{"email": {m.Email}, "password": {goodPassword}})
		if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("from an address with 4 failures: %d, want 429 with Retry-After", res.Status)
		}
	})
}

func TestSessionExpiryAndLogout(t *testing.T) {
	e := start(t)
	c, m := e.signedIn(staff.RoleCampaigner)
	if res := c.Get("/admin/petitions"); res.Status != http.StatusOK {
		t.Fatalf("signed in: %d", res.Status)
	}
	e.expireSessions(m)
	res := c.Get("/admin/petitions?page=2")
	if loc := res.Header.Get("Location"); res.Status != http.StatusSeeOther || loc != "/admin/login?next="+url.QueryEscape("/admin/petitions?page=2") {
		t.Errorf("after expiry: %d to %q, want 303 to the login page with next", res.Status, loc)
	}

	c.login(m)
	if res := c.Get("/admin"); res.Status != http.StatusOK {
		t.Fatalf("signed in again: %d", res.Status)
	}
	old := c.sessionCookie()
	if res := c.submit("/admin/logout", nil); res.Status != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
		t.Fatalf("logout: %d to %q", res.Status, res.Header.Get("Location"))
	}
	if res := c.Get("/admin"); res.Status != http.StatusSeeOther {
		t.Errorf("after logout: %d, want a redirect to log in", res.Status)
	}
	// The old cookie, replayed, no longer works: the session is gone on the server.
	replay := e.browser()
	replay.setSessionCookie(old)
	if res := replay.Get("/admin"); res.Status != http.StatusSeeOther {
		t.Errorf("a logged-out session replayed: %d, want a redirect to log in", res.Status)
	}
}

func (c *client) sessionCookie() string {
	c.t.Helper()
	v := c.Cookie("/admin", "advocacy_session")
	if v == "" {
		c.t.Fatal("no session cookie")
	}
	return v
}

func (c *client) setSessionCookie(v string) {
	c.SetCookie("/admin", &http.Cookie{Name: "advocacy_session", Value: v, Path: "/admin"})
}

func TestFormsWithoutTheirTokenAreRefused(t *testing.T) {
	e := start(t)
	w := e.world()
	c, _ := e.signedIn(staff.RoleCampaigner)
	c.csrf() // the browser has its CSRF cookie; the forgery lacks the field
	closePath := fmt.Sprintf("/admin/petitions/%d/close", w.Petition.ID)
	for name, form := range map[string]url.Values{
		"no token":    {},
		"wrong token": {"csrf_token": {strings.Repeat("A", 43)}},
	} {
		res := c.PostForm(closePath, form)
		if res.Status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, res.Status)
		}
	}
	res := c.PostForm("/admin/campaigns", url.Values{"slug": {unique("forged")}, "title": {"Forged"}, "status": {"active"}, "currency": {"GBP"}})
	if res.Status != http.StatusForbidden {
		t.Errorf("create without a token: %d, want 403", res.Status)
	}
	// A post another site's page makes the browser send is refused too.
	res = c.Do(http.MethodPost, closePath, strings.NewReader("csrf_token="+c.csrf()),
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if res.Status != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", res.Status)
	}
	if res := e.api("").Get(fmt.Sprintf("/api/v1/petitions/%d", w.Petition.ID)); !strings.Contains(res.Body, `"status":"open"`) {
		t.Errorf("the petition changed after refused posts: %s", res.Body)
	}
	// Logging in needs the token as well.
	m := e.member(staff.RoleAdmin)
	anon := e.browser()
	anon.csrf()
	if res := anon.PostForm("/admin/login", url.Values{"email": {m.Email}, "password": {goodPassword}}); res.Status != http.StatusForbidden {
		t.Errorf("login without a token: %d, want 403", res.Status)
	}
}

func TestRevokedTokenStopsWorkingAtOnce(t *testing.T) {
	e := start(t)
	w := e.world()
	admin := e.api(e.token(e.member(staff.RoleAdmin)))
	m := e.member(staff.RoleCampaigner)
	res := admin.SendJSON(http.MethodPost, fmt.Sprintf("/api/v1/admin/staff/%d/tokens", m.ID), map[string]any{"name": "CRM"})
	if res.Status != http.StatusCreated {
		t.Fatalf("issue: %d %s", res.Status, res.Body)
	}
	issued := res.JSON(t)
	secret, _ := issued["token"].(string)
	id := int64(issued["id"].(float64))
	integration := e.api(secret)
	stats := fmt.Sprintf("/api/v1/admin/petitions/%d/stats", w.Petition.ID)
	if res := integration.Get(stats); res.Status != http.StatusOK {
		t.Fatalf("with the new token: %d %s", res.Status, res.Body)
	}
	if res := admin.Do(http.MethodPost, fmt.Sprintf("/api/v1/admin/tokens/%d/revoke", id), nil); res.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", res.Status, res.Body)
	}
	res = integration.Get(stats)
	if res.Status != http.StatusUnauthorized || errorCode(t, res) != "unauthorized" || res.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("the revoked token, the next moment: %d %s", res.Status, res.Body)
	}
	// Listing shows the token revoked, without its secret.
	res = admin.Get(fmt.Sprintf("/api/v1/admin/staff/%d/tokens", m.ID))
	if strings.Contains(res.Body, secret) || !strings.Contains(res.Body, `"active":false`) {
		t.Errorf("token list: %s", res.Body)
	}
}

func TestBearerTokensAreTheOnlyWayIntoTheAPI(t *testing.T) {
	e := start(t)
	c, m := e.signedIn(staff.RoleAdmin)
	// A browser session does not open the API…
	if res := c.Get("/api/v1/admin/me"); res.Status != http.StatusUnauthorized {
		t.Errorf("API with a session cookie: %d, want 401", res.Status)
	}
	// …and a token does not open the pages.
	tok := e.token(m)
	page := e.browser().Bearer(tok)
	if res := page.Get("/admin"); res.Status != http.StatusSeeOther {
		t.Errorf("page with a bearer token: %d, want a redirect to log in", res.Status)
	}
	for _, h := range []string{"Basic " + tok, "Bearer", "Bearer " + tok + "x", "bearer " + tok} {
		res := e.browser().Do(http.MethodGet, "/api/v1/admin/me", nil, "Authorization", h)
		want := http.StatusUnauthorized
		if h == "bearer "+tok { // the scheme is case-insensitive
			want = http.StatusOK
		}
		if res.Status != want {
			t.Errorf("Authorization %.20q: %d, want %d", h, res.Status, want)
		}
	}
}

func TestAdminCannotLockThemselvesOut(t *testing.T) {
	e := start(t)
	c, m := e.signedIn(staff.RoleAdmin)
	res := c.submit(fmt.Sprintf("/admin/staff/%d", m.ID), url.Values{"role": {"finance"}, "disabled": {"yes"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "your own") {
		t.Errorf("demoting oneself: %d", res.Status)
	}
	if res := c.Get("/admin/staff"); res.Status != http.StatusOK {
		t.Errorf("still an admin: %d", res.Status)
	}
}
