package http_test

import (
	"net/http"
	"testing"

	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// /healthz says the process runs and asks nothing of the database: a
// database outage must not get healthy instances restarted.
func TestHealthzNeedsNoDatabase(t *testing.T) {
	t.Parallel()
	e := start(t)
	for _, state := range []string{"database up", "database closed"} {
		res := e.Get("/healthz")
		if res.Status != http.StatusOK || res.Body != `{"status":"ok"}` {
			t.Fatalf("healthz, %s: %d %s", state, res.Status, res.Body)
		}
		e.db.Close()
	}
}

// /readyz is ready only when the database answers and every migration the
// binary knows is applied; otherwise it is the API's 503 with Retry-After.
func TestReadyz(t *testing.T) {
	t.Parallel()
	ready := func(t *testing.T, e *env) {
		t.Helper()
		if res := e.Get("/readyz"); res.Status != http.StatusOK || res.Body != `{"status":"ready"}` {
			t.Fatalf("readyz: %d %s, want 200 ready", res.Status, res.Body)
		}
	}
	notReady := func(t *testing.T, e *env) apptest.Response {
		t.Helper()
		res := e.Get("/readyz")
		apptest.AssertAPIError(t, res, http.StatusServiceUnavailable, "unavailable")
		if res.Header.Get("Retry-After") == "" {
			t.Error("readyz: 503 without Retry-After")
		}
		return res
	}

	t.Run("migrated", func(t *testing.T) {
		t.Parallel()
		ready(t, start(t))
	})
	t.Run("a migration pending", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		if err := e.db.MigrateDown(t.Context()); err != nil {
			t.Fatal(err)
		}
		res := notReady(t, e)
		if got := res.JSON(t)["error"].(map[string]any)["message"]; got != "The database schema is not up to date: migrations are pending." {
			t.Errorf("message = %q", got)
		}
		if res := e.Get("/healthz"); res.Status != http.StatusOK {
			t.Errorf("healthz with a migration pending: %d, want 200", res.Status)
		}
		if err := e.db.MigrateUp(t.Context()); err != nil {
			t.Fatal(err)
		}
		ready(t, e)
	})
	t.Run("database closed", func(t *testing.T) {
		t.Parallel()
		e := start(t)
		e.db.Close()
		notReady(t, e)
	})
}
