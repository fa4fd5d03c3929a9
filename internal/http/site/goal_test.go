package site_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// A petition that reaches its goal asks for the next step, on its pages and
// in the public API.
func TestSteppedGoal(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, func(s *postgres.SeedSet) { s.Petition.Goal = 2 })
	// The thanks page: the release page is served from memory for a moment.
	page := "/releases/" + f.Release.Slug + "/thanks"
	apiPath := fmt.Sprintf("/api/v1/petitions/%d", f.Petition.ID)

	e.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody("step-1@example.org"))
	res := e.Get(page)
	apptest.AssertPage(t, res, http.StatusOK, "of a goal of 2", `max="2" value="1"`)
	if strings.Contains(res.Body, "Help us reach") {
		t.Error("the page asks for the next step before the goal is reached")
	}
	if p := e.Get(apiPath).JSON(t); p["goal"] != 2.0 || p["current_goal"] != 2.0 {
		t.Errorf("API goal %v, current_goal %v; want 2 and 2", p["goal"], p["current_goal"])
	}

	e.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody("step-2@example.org"))
	apptest.AssertPage(t, e.Get(page), http.StatusOK,
		"we passed our goal of 2! Help us reach <b>5</b>", `max="5" value="2"`, "Progress to the goal of 5: 40%")
	if p := e.Get(apiPath).JSON(t); p["goal"] != 2.0 || p["current_goal"] != 5.0 {
		t.Errorf("API goal %v, current_goal %v; want 2 and 5", p["goal"], p["current_goal"])
	}
}
