package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// Each input that once reached the database and answered 500 is refused at
// the edge with the status a client can act on: a path that names nothing
// is not found, a bad field or filter is a bad request.
func TestHostileInputIsRefusedAtTheEdge(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	srv := apptest.Start(t, db, apptest.Options{
		Config: func(c *config.Config) { c.StripeSecretKey = "sk_test_edge" }, // donations on, Stripe never reached
		App:    app.Options{StaffAuth: staff.AuthOptions{Passwords: apptest.CheapPasswords}},
	})
	f := apptest.Seed(t, db, nil)
	auth, err := staff.NewAuth(db.Staff(), staff.AuthOptions{Passwords: apptest.CheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := auth.CreateMember(t.Context(), staff.CommandLine(), "edge-admin@example.org", staff.RoleAdmin, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := auth.IssueToken(t.Context(), staff.CommandLine(), admin.ID, "edge")
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client(t)
	formToken := c.FormToken("/releases/" + f.Release.Slug)
	bearer := []string{"Authorization", "Bearer " + token}
	release := "/releases/" + f.Release.Slug

	for _, tc := range []struct {
		name   string
		send   func() apptest.Response
		status int
	}{
		{"NUL in a release slug", func() apptest.Response { return c.Get("/releases/%00") }, http.StatusNotFound},
		{"NUL in an API release slug", func() apptest.Response { return c.Get("/api/v1/releases/%00") }, http.StatusNotFound},
		{"invalid UTF-8 in an API campaign slug", func() apptest.Response { return c.Get("/api/v1/campaigns/%ff") }, http.StatusNotFound},
		{"overlong UTF-8 in a slug", func() apptest.Response { return c.Get("/releases/%c0%af") }, http.StatusNotFound},
		{"NUL in a campaign slug", func() apptest.Response { return c.Get("/campaigns/%00") }, http.StatusNotFound},
		{"NUL in a thanks page slug", func() apptest.Response { return c.Get("/releases/%00/thanks") }, http.StatusNotFound},
		{"NUL in a sign form slug", func() apptest.Response {
			return c.PostForm("/releases/%00/sign", apptest.SignForm(formToken, "edge@example.org"))
		}, http.StatusNotFound},
		{"NUL in a donate form slug", func() apptest.Response {
			return c.PostForm("/releases/%00/donate", url.Values{"csrf_token": {formToken}, "amount": {"10"}})
		}, http.StatusNotFound},
		{"NUL in a checkout session id", func() apptest.Response { return c.Get("/donations/thanks?session_id=%00") }, http.StatusBadRequest},
		{"NUL in a signature's source", func() apptest.Response {
			return c.PostJSON(apptest.SignaturesPath(f.Petition.ID), `{"full_name":"Ada","email":"ada@example.org","country":"GB","consent_updates":true,"source":"\u0000"}`)
		}, http.StatusBadRequest},
		{"invalid UTF-8 in a signature's name", func() apptest.Response {
			return c.PostJSON(apptest.SignaturesPath(f.Petition.ID), "{\"full_name\":\"\xff\xfeA\",\"email\":\"ada@example.org\",\"country\":\"GB\",\"consent_updates\":true}")
		}, http.StatusBadRequest},
		{"an email given twice", func() apptest.Response {
			return c.PostJSON(apptest.SignaturesPath(f.Petition.ID), `{"full_name":"Ada","email":"a@example.org","email":"b@example.org","country":"GB","consent_updates":true}`)
		}, http.StatusBadRequest},
		{"an address literal as email", func() apptest.Response {
			return c.PostJSON(apptest.SignaturesPath(f.Petition.ID), `{"full_name":"Ada","email":"a@[127.0.0.1]","country":"GB","consent_updates":true}`)
		}, http.StatusUnprocessableEntity},
		{"a domain starting with a hyphen", func() apptest.Response {
			return c.PostJSON(apptest.SignaturesPath(f.Petition.ID), `{"full_name":"Ada","email":"a@-x.org","country":"GB","consent_updates":true}`)
		}, http.StatusUnprocessableEntity},
		{"NUL in a staff login email", func() apptest.Response {
			login := srv.Client(t)
			tok := login.FormToken("/admin/login")
			return login.Do(http.MethodPost, "/admin/login", strings.NewReader("csrf_token="+tok+"&email=a%00%40b.org&password=x"),
				"Content-Type", "application/x-www-form-urlencoded")
		}, http.StatusBadRequest},
		{"NUL in a donations filter", func() apptest.Response { return c.Get("/api/v1/admin/donations?campaign=%00", bearer...) }, http.StatusBadRequest},
		{"NUL in an audit filter", func() apptest.Response { return c.Get("/api/v1/admin/audit?entity=%00", bearer...) }, http.StatusBadRequest},
		{"NUL in any Gift Aid query", func() apptest.Response { return c.Get("/api/v1/admin/giftaid.csv?x=%00", bearer...) }, http.StatusBadRequest},
		{"a malformed donate form", func() apptest.Response {
			return c.Do(http.MethodPost, release+"/donate", strings.NewReader("csrf_token="+formToken+"&amount=%zz"),
				"Content-Type", "application/x-www-form-urlencoded")
		}, http.StatusBadRequest},
		{"an escape sequence in a Gift Aid name", func() apptest.Response {
			return c.PostForm(release+"/donate", url.Values{"csrf_token": {formToken}, "amount": {"10"}, "gift_aid": {"yes"},
				"gift_aid_first_name": {"\x1b[31mJane"}, "gift_aid_last_name": {"Doe"}, "gift_aid_house": {"1"},
				"gift_aid_address": {"1 High St"}, "gift_aid_postcode": {"SW1A 1AA"},
				"gift_aid_confirm": {"yes"}})
		}, http.StatusUnprocessableEntity},
		{"a static folder", func() apptest.Response { return c.Get("/static/") }, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.send()
			if res.Status != tc.status {
				t.Errorf("status %d, want %d\n%.300s", res.Status, tc.status, res.Body)
			}
			apptest.AssertNoLeak(t, res.Body)
		})
	}
	apptest.AssertStored(t, db, f.Petition.ID, 0)
}
