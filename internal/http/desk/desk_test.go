package desk_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/staff"
)

var releaseIDInLocation = regexp.MustCompile(`^/admin/releases/(\d+)/edit\?notice=created$`)

// A campaigner writes a release, previews it, publishes it, and the public
// sees it at once; an edit shows on the public page at once too.
func TestReleaseFromDraftToPublicPage(t *testing.T) {
	e := start(t)
	w := e.world()
	c, m := e.signedIn(staff.RoleCampaigner)
	public := e.browser()
	slug := unique("convention-day")
	body := "Women's rights's words stay *exactly* as typed — quotes \"and\" all.\n\n> A quote."

	res := c.submit("/admin/releases", url.Values{"campaign_id": {fmt.Sprint(w.Campaign.ID)},
		"petition_id": {fmt.Sprint(w.Petition.ID)}, "slug": {slug}, "title": {"Convention day"},
		"summary": {"Ratify it."}, "body": {body}})
	match := releaseIDInLocation.FindStringSubmatch(res.Header.Get("Location"))
	if res.Status != http.StatusSeeOther || match == nil {
		t.Fatalf("create: %d to %q\n%s", res.Status, res.Header.Get("Location"), res.Body)
	}
	id := match[1]
	if res := public.Get("/releases/" + slug); res.Status != http.StatusNotFound {
		t.Fatalf("a draft is public: %d", res.Status)
	}

	preview := c.Get("/admin/releases/" + id + "/preview")
	if preview.Status != http.StatusOK || !strings.Contains(preview.Body, "preview-banner") {
		t.Fatalf("preview: %d", preview.Status)
	}

	res = c.submit("/admin/releases/"+id+"/publish", nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.Status)
	}
	page := public.Get("/releases/" + slug)
	if page.Status != http.StatusOK {
		t.Fatalf("published release: %d", page.Status)
	}
	// The preview showed the public page's own rendering of the body.
	if article(page.Body) != article(preview.Body) || !strings.Contains(article(page.Body), "<em>exactly</em>") {
		t.Errorf("the preview's article differs from the public one:\npreview %s\npublic  %s", article(preview.Body), article(page.Body))
	}
	if !strings.Contains(page.Body, "Check supply chains") {
		t.Error("the public page lacks its petition")
	}
	if res := public.Get("/"); !strings.Contains(res.Body, "/releases/"+slug) {
		t.Error("the newsroom does not list the published release")
	}

	// An edit of a published release shows on the next request, even though
	// the page was just cached.
	res = c.submit("/admin/releases/"+id, url.Values{"campaign_id": {fmt.Sprint(w.Campaign.ID)},
		"petition_id": {fmt.Sprint(w.Petition.ID)}, "slug": {slug}, "title": {"Convention day: ratify now"}, "body": {body}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.Status, res.Body)
	}
	if res := public.Get("/releases/" + slug); !strings.Contains(res.Body, "Convention day: ratify now") {
		t.Error("the edit is not on the public page")
	}

	// Every step is in the audit log with who made it.
	admin := e.api(e.token(e.member(staff.RoleAdmin)))
	log := admin.Get("/api/v1/admin/audit?entity=release&entity_id=" + id)
	entries, _ := log.JSON(t)["entries"].([]any)
	var actions []string
	for _, x := range entries {
		entry := x.(map[string]any)
		actions = append(actions, entry["action"].(string))
		if entry["actor_email"] != m.Email {
			t.Errorf("%s by %v, want %s", entry["action"], entry["actor_email"], m.Email)
		}
	}
	if strings.Join(actions, " ") != "release.update release.publish release.create" {
		t.Errorf("audit actions %v", actions)
	}
	if !strings.Contains(log.Body, `"title":"Convention day"`) || !strings.Contains(log.Body, `"title":"Convention day: ratify now"`) {
		t.Errorf("the update entry lacks before and after: %s", log.Body)
	}
}

// article is the release article of a page, without what surrounds it.
func article(page string) string {
	start := strings.Index(page, `<article class="release">`)
	end := strings.Index(page, "</article>")
	if start < 0 || end < start {
		return ""
	}
	// The date line differs (a preview shows "now"); compare from the title on.
	a := page[start:end]
	if i := strings.Index(a, "<h1>"); i >= 0 {
		return a[i:]
	}
	return a
}

func TestClosingAPetition(t *testing.T) {
	e := start(t)
	w := e.world()
	c, _ := e.signedIn(staff.RoleCampaigner)
	public := e.browser()
	if res := e.sign(w.Petition.ID, "before@example.org"); res.Status != http.StatusCreated {
		t.Fatalf("sign an open petition: %d", res.Status)
	}
	public.Get("/releases/" + w.Release.Slug) // cached now

	res := c.submit(fmt.Sprintf("/admin/petitions/%d/close", w.Petition.ID), nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("close: %d", res.Status)
	}
	res = e.sign(w.Petition.ID, "after@example.org")
	if res.Status != http.StatusConflict || errorCode(t, res) != "petition_closed" {
		t.Errorf("signing a closed petition: %d %s", res.Status, res.Body)
	}
	page := public.Get("/releases/" + w.Release.Slug)
	if !strings.Contains(page.Body, "This petition is closed.") || strings.Contains(page.Body, `action="/releases/`+w.Release.Slug+`/sign"`) {
		t.Error("the release page still offers the sign form")
	}
	dash := c.Get(fmt.Sprintf("/admin/petitions/%d", w.Petition.ID))
	if !strings.Contains(dash.Body, `petition-status">closed`) || !strings.Contains(dash.Body, "Reopen the petition") {
		t.Error("the dashboard does not say the petition is closed")
	}
}

// Closing a petition and unpublishing a release ask first: the link leads
// to a question, and only its form's post changes anything.
func TestCloseAndUnpublishAskFirst(t *testing.T) {
	e := start(t)
	w := e.world()
	c, _ := e.signedIn(staff.RoleCampaigner)
	dash := c.Get(fmt.Sprintf("/admin/petitions/%d", w.Petition.ID))
	edit := c.Get(fmt.Sprintf("/admin/releases/%d/edit", w.Release.ID))
	for _, tt := range []struct {
		name, page, link, question, status, done string
		before                                   func() string
	}{
		{"close", dash.Body, fmt.Sprintf("/admin/petitions/%d/close", w.Petition.ID), "Close the petition?", "open", "closed",
			func() string {
				p, err := e.server.App.Stores.Desk().PetitionStats(t.Context(), w.Petition.ID, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				return p.Petition.StatusAt(time.Now())
			}},
		{"unpublish", edit.Body, fmt.Sprintf("/admin/releases/%d/unpublish", w.Release.ID), "Unpublish the release?", "published", "draft",
			func() string {
				r, err := e.server.App.Stores.Desk().ReleaseByID(t.Context(), w.Release.ID)
				if err != nil {
					t.Fatal(err)
				}
				return r.Status
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.page, `href="`+tt.link+`"`) || strings.Contains(tt.page, `action="`+tt.link+`"`) {
				t.Errorf("the page should link to the question, not post the change")
			}
			ask := c.Get(tt.link)
			if ask.Status != http.StatusOK || !strings.Contains(ask.Body, tt.question) ||
				!strings.Contains(ask.Body, `action="`+tt.link+`"`) || !strings.Contains(ask.Body, `id="cancel"`) {
				t.Fatalf("GET %s: %d, want the question with its form and a way back", tt.link, ask.Status)
			}
			if got := tt.before(); got != tt.status {
				t.Fatalf("asking changed the status to %q", got)
			}
			if res := c.submit(tt.link, nil); res.Status != http.StatusSeeOther {
				t.Fatalf("POST %s: %d", tt.link, res.Status)
			}
			if got := tt.before(); got != tt.done {
				t.Errorf("after confirming, status %q, want %q", got, tt.done)
			}
			if res := c.Get(notFoundPath(tt.link)); res.Status != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", notFoundPath(tt.link), res.Status)
			}
		})
	}
}

func TestDashboardAndStats(t *testing.T) {
	e := start(t)
	w := e.world()
	for i := range 5 {
		if res := e.sign(w.Petition.ID, fmt.Sprintf("s%d@example.org", i)); res.Status != http.StatusCreated {
			t.Fatalf("sign: %d", res.Status)
		}
	}
	c, _ := e.signedIn(staff.RoleCampaigner)
	dash := c.Get(fmt.Sprintf("/admin/petitions/%d", w.Petition.ID))
	if dash.Status != http.StatusOK {
		t.Fatalf("dashboard: %d", dash.Status)
	}
	for _, want := range []string{`<svg class="chart-svg"`, `role="img"`, `<rect class="bar"`, "<table", "Signatures per day",
		"Signatures per hour", "United Kingdom", `<progress class="goal-progress" max="1000" value="5"`} {
		if !strings.Contains(dash.Body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if n := strings.Count(dash.Body, `<rect class="bar"`); n != 30+48 {
		t.Errorf("%d bars, want 30 days and 48 hours", n)
	}

	api := e.api(e.token(e.member(staff.RoleCampaigner)))
	st := api.Get(fmt.Sprintf("/api/v1/admin/petitions/%d/stats", w.Petition.ID)).JSON(t)
	if st["total"] != 5.0 || st["today"] != 5.0 || st["goal"] != 1000.0 {
		t.Errorf("stats totals: %v %v %v", st["total"], st["today"], st["goal"])
	}
	// Five of a thousand: half a percent, not "0%"; all five in the last
	// hour and in the rate's window; none yesterday.
	for k, want := range map[string]float64{"goal_percent": 0.5, "last_hour": 5, "rate_per_minute": 1,
		"rate_window_minutes": 5, "yesterday_same_time": 0, "opted_in": 5} {
		if st[k] != want {
			t.Errorf("stats %s = %v, want %v", k, st[k], want)
		}
	}
	for _, want := range []string{`data-stat="goal_percent">0.5%<`, `data-stat="last_hour">5<`, `data-stat="rate_per_minute">1.0<`,
		`data-stat="against">5 more than<`, `data-stat="opted_in">5<`, fmt.Sprintf(`data-stats="/admin/petitions/%d/stats"`, w.Petition.ID)} {
		if !strings.Contains(dash.Body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	// The page's script reads the same figures with the browser's session.
	if res := c.Get(fmt.Sprintf("/admin/petitions/%d/stats", w.Petition.ID)); res.Status != http.StatusOK ||
		res.JSON(t)["goal_percent"] != 0.5 {
		t.Errorf("the dashboard's stats for its script: %d %s", res.Status, res.Body)
	}
	if hours, _ := st["per_hour"].([]any); len(hours) != 48 {
		t.Errorf("per_hour has %d hours", len(hours))
	}
	for _, k := range []string{"per_day", "per_source", "per_country"} {
		if list, _ := st[k].([]any); len(list) != 1 {
			t.Errorf("%s: %v", k, st[k])
		}
	}
	if res := api.Get("/api/v1/admin/petitions/999999/stats"); res.Status != http.StatusNotFound || errorCode(t, res) != "not_found" {
		t.Errorf("stats of an unknown petition: %d %s", res.Status, res.Body)
	}
}

func TestFormsAndAPIExplainInvalidInput(t *testing.T) {
	e := start(t)
	w := e.world()
	c, _ := e.signedIn(staff.RoleCampaigner)
	res := c.submit("/admin/petitions", url.Values{"campaign_id": {fmt.Sprint(w.Campaign.ID)}, "slug": {w.Petition.Slug},
		"title": {""}, "ask": {"Do it."}, "goal": {"lots"}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid petition form: %d", res.Status)
	}
	res2 := c.submit("/admin/petitions", url.Values{"campaign_id": {fmt.Sprint(w.Campaign.ID)}, "slug": {w.Petition.Slug},
		"title": {"Twin"}, "ask": {"Do it."}, "goal": {"10"}})
	if res2.Status != http.StatusUnprocessableEntity || !strings.Contains(res2.Body, "Another petition already uses this slug") {
		t.Errorf("a taken slug: %d", res2.Status)
	}
	for _, want := range []string{"whole number", "cannot be empty", `value="` + w.Petition.Slug + `"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	api := e.api(e.token(e.member(staff.RoleCampaigner)))
	res = api.SendJSON(http.MethodPost, "/api/v1/admin/releases", map[string]any{"campaign_id": w.Campaign.ID,
		"slug": "Not A Slug", "title": ""})
	if res.Status != http.StatusUnprocessableEntity || errorCode(t, res) != "invalid" {
		t.Fatalf("invalid release: %d %s", res.Status, res.Body)
	}
	fields, _ := res.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)
	if fields["slug"] == nil || fields["title"] == nil {
		t.Errorf("fields %v, want slug and title", fields)
	}
	res = api.SendJSON(http.MethodPost, "/api/v1/admin/campaigns", map[string]any{"slug": w.Campaign.Slug, "title": "Dup"})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "already uses this slug") {
		t.Errorf("a taken slug: %d %s", res.Status, res.Body)
	}
	res = api.Do(http.MethodPost, "/api/v1/admin/campaigns", strings.NewReader("slug=x"), "Content-Type", "application/x-www-form-urlencoded")
	if res.Status != http.StatusUnsupportedMediaType {
		t.Errorf("a form body to the API: %d", res.Status)
	}
	res = api.SendJSON(http.MethodPatch, fmt.Sprintf("/api/v1/admin/releases/%d", w.Release.ID), map[string]any{"petition_id": nil})
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `"petition_id":null`) {
		t.Errorf("clearing a release's petition: %d %s", res.Status, res.Body)
	}
}

// The pages satisfy the Content-Security-Policy they are sent with: no
// inline style or script, which the policy would block.
func TestStaffPagesNeedNoInlineStyleOrScript(t *testing.T) {
	e := start(t)
	w := e.world()
	e.sign(w.Petition.ID, "csp@example.org")
	c, m := e.signedIn(staff.RoleAdmin)
	inlineScript := regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`)
	for _, path := range []string{"/admin", "/admin/campaigns", "/admin/releases", "/admin/petitions",
		fmt.Sprintf("/admin/petitions/%d", w.Petition.ID), fmt.Sprintf("/admin/releases/%d/edit", w.Draft.ID),
		fmt.Sprintf("/admin/releases/%d/preview", w.Draft.ID), "/admin/staff", fmt.Sprintf("/admin/staff/%d", m.ID), "/admin/audit"} {
		res := c.Get(path)
		if res.Status != http.StatusOK {
			t.Errorf("%s: %d", path, res.Status)
			continue
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "style-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: security headers %v", path, res.Header)
		}
		if strings.Contains(res.Body, " style=") || strings.Contains(res.Body, "<style") || inlineScript.MatchString(res.Body) ||
			strings.Contains(res.Body, " onclick=") || strings.Contains(res.Body, "javascript:") {
			t.Errorf("%s has inline style or script", path)
		}
	}
}

// An action without a body has one handler on its page route and its API
// route: the page is sent back with a notice, the API gets the changed
// thing, and each gets its own kind of error.
func TestActionsAnswerPagesAndAPIEachTheirWay(t *testing.T) {
	e := start(t)
	w := e.world()
	c, _ := e.signedIn(staff.RoleAdmin)
	api := e.api(e.token(e.member(staff.RoleAdmin)))
	owner := e.member(staff.RoleFinance)
	_, pageTok, err := e.auth.IssueToken(t.Context(), staff.CommandLine(), owner.ID, "page")
	if err != nil {
		t.Fatal(err)
	}
	_, apiTok, err := e.auth.IssueToken(t.Context(), staff.CommandLine(), owner.ID, "api")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		page, api string
		location  string
		field     string
	}{
		{fmt.Sprintf("/admin/releases/%d/publish", w.Draft.ID), fmt.Sprintf("/api/v1/admin/releases/%d/publish", w.Draft.ID),
			fmt.Sprintf("/admin/releases/%d/edit?notice=published", w.Draft.ID), `"status":"published"`},
		{fmt.Sprintf("/admin/releases/%d/unpublish", w.Draft.ID), fmt.Sprintf("/api/v1/admin/releases/%d/unpublish", w.Draft.ID),
			fmt.Sprintf("/admin/releases/%d/edit?notice=unpublished", w.Draft.ID), `"status":"draft"`},
		{fmt.Sprintf("/admin/petitions/%d/close", w.Petition.ID), fmt.Sprintf("/api/v1/admin/petitions/%d/close", w.Petition.ID),
			fmt.Sprintf("/admin/petitions/%d?notice=closed", w.Petition.ID), `"status":"closed"`},
		{fmt.Sprintf("/admin/petitions/%d/reopen", w.Petition.ID), fmt.Sprintf("/api/v1/admin/petitions/%d/reopen", w.Petition.ID),
			fmt.Sprintf("/admin/petitions/%d?notice=reopened", w.Petition.ID), `"status":"open"`},
		{fmt.Sprintf("/admin/tokens/%d/revoke", pageTok.ID), fmt.Sprintf("/api/v1/admin/tokens/%d/revoke", apiTok.ID),
			fmt.Sprintf("/admin/staff/%d?notice=revoked", owner.ID), `"active":false`},
	} {
		if res := c.submit(tt.page, nil); res.Status != http.StatusSeeOther || res.Header.Get("Location") != tt.location {
			t.Errorf("POST %s: %d to %q, want 303 to %q", tt.page, res.Status, res.Header.Get("Location"), tt.location)
		}
		if res := api.Do(http.MethodPost, tt.api, nil); res.Status != http.StatusOK || !strings.Contains(res.Body, tt.field) {
			t.Errorf("POST %s: %d %s, want 200 with %s", tt.api, res.Status, res.Body, tt.field)
		}
		// An id that names nothing: the page's error page, the API's error shape.
		page, path := notFoundPath(tt.page), notFoundPath(tt.api)
		if res := c.submit(page, nil); res.Status != http.StatusNotFound || !strings.Contains(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("POST %s: %d %s, want the 404 page", page, res.Status, res.Header.Get("Content-Type"))
		}
		if res := api.Do(http.MethodPost, path, nil); res.Status != http.StatusNotFound || errorCode(t, res) != "not_found" {
			t.Errorf("POST %s: %d %s, want 404 not_found", path, res.Status, res.Body)
		}
	}
}

// notFoundPath swaps the id in an action's path for one that names nothing.
func notFoundPath(path string) string {
	parts := strings.Split(path, "/")
	parts[len(parts)-2] = "999999999"
	return strings.Join(parts, "/")
}
