package metrics_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/metrics"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "metrics", &pkgDB) }

// TestServerMetrics signs twice (new, then repeat) and reads the petition
// through the API, then scrapes the registry the app reported to.
func TestServerMetrics(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	reg := metrics.NewRegistry()
	srv := apptest.Start(t, db, apptest.Options{App: app.Options{Metrics: reg}})
	f := apptest.Seed(t, db, nil)
	c := srv.Client(t)

	for _, email := range []string{"ada@example.org", "ada@example.org"} {
		if res := c.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody(email)); res.Status != http.StatusCreated {
			t.Fatalf("sign: %d %s", res.Status, res.Body)
		}
	}
	if res := c.Get(strings.TrimSuffix(apptest.SignaturesPath(f.Petition.ID), "/signatures")); res.Status != http.StatusOK {
		t.Fatalf("petition: %d %s", res.Status, res.Body)
	}
	if res := c.Get("/no/such/page/12345"); res.Status != http.StatusNotFound {
		t.Fatalf("unknown page: %d", res.Status)
	}
	apptest.Exec(t, db, `INSERT INTO river_job (args, kind, max_attempts, priority, queue, state, finalized_at)
		VALUES ('{}', 'signature_email', 25, 1, 'default', 'discarded', now())`)

	got := gather(t, reg)
	for _, want := range []struct {
		name   string
		labels map[string]string
		value  float64
	}{
		{"advocacy_http_requests_total", map[string]string{"route": "/api/v1/petitions/:id/signatures", "method": "POST", "status": "201"}, 2},
		{"advocacy_http_requests_total", map[string]string{"route": "/api/v1/petitions/:id", "method": "GET", "status": "200"}, 1},
		{"advocacy_http_requests_total", map[string]string{"route": "unmatched", "method": "GET", "status": "404"}, 1},
		{"advocacy_http_request_duration_seconds", map[string]string{"route": "/api/v1/petitions/:id/signatures", "method": "POST"}, 2},
		{"advocacy_signatures_total", map[string]string{"outcome": "new"}, 1},
		{"advocacy_signatures_total", map[string]string{"outcome": "repeat"}, 1},
		{"advocacy_signatures_total", map[string]string{"outcome": "error"}, 0},
		{"advocacy_signatures_total", map[string]string{"outcome": "closed"}, 0},
		{"advocacy_signatures_total", map[string]string{"outcome": "not_found"}, 0},
		{"advocacy_signer_batch_size", nil, 2}, // two batches of one: sample count
		{"advocacy_signer_commit_seconds", nil, 2},
		{"advocacy_jobs", map[string]string{"kind": "signature_email", "state": "discarded"}, 1},
		{"advocacy_jobs", map[string]string{"kind": "signature_email", "state": "available"}, 0},
		{"advocacy_emails_total", map[string]string{"result": "sent"}, 0},
		{"advocacy_emails_total", map[string]string{"result": "failed"}, 0},
	} {
		if v, ok := got.value(want.name, want.labels); !ok || v != want.value {
			t.Errorf("%s%v = %v (present: %v), want %v", want.name, want.labels, v, ok, want.value)
		}
	}
	if sum := got.histogramSum("advocacy_signer_batch_size"); sum != 2 {
		t.Errorf("signatures in batches = %v, want 2", sum)
	}
	hits, hitOK := got.value("advocacy_count_cache_reads_total", map[string]string{"result": "hit"})
	misses, missOK := got.value("advocacy_count_cache_reads_total", map[string]string{"result": "miss"})
	if !hitOK || !missOK || hits+misses < 1 {
		t.Errorf("count cache reads: hit %v (%v), miss %v (%v); want both series and at least one read", hits, hitOK, misses, missOK)
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := got[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
	// The route label is the pattern, never the path a client sent.
	for _, m := range got["advocacy_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "no/such") {
				t.Errorf("a raw path became a route label: %q", l.GetValue())
			}
		}
	}

	// What METRICS_ADDR serves: the text format, with the same figures.
	ms := httptest.NewServer(metrics.Handler(reg, slog.New(slog.DiscardHandler)))
	defer ms.Close()
	res, err := http.Get(ms.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, line := range []string{`advocacy_signatures_total{outcome="new"} 1`, `advocacy_signatures_total{outcome="repeat"} 1`,
		`advocacy_jobs{kind="signature_email",state="discarded"} 1`} {
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), line+"\n") {
			t.Errorf("scrape: %d, no line %q", res.StatusCode, line)
		}
	}
}

// TestScrapeWithoutDatabase: while the database is down the jobs gauge is
// left out and everything else is still served.
func TestScrapeWithoutDatabase(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	reg := metrics.NewRegistry()
	if _, err := metrics.New(reg, db.SQL()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ms := httptest.NewServer(metrics.Handler(reg, slog.New(slog.DiscardHandler)))
	defer ms.Close()
	res, err := http.Get(ms.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "go_goroutines") ||
		!strings.Contains(string(body), `advocacy_signatures_total{outcome="new"} 0`) || strings.Contains(string(body), "advocacy_jobs{") {
		t.Errorf("scrape with the database closed: %d\n%s", res.StatusCode, body)
	}
}

// TestObservers: the callbacks the other packages are given move the
// metrics they name, and nothing else.
func TestObservers(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, db.SQL())
	if err != nil {
		t.Fatal(err)
	}
	m.Emailed("sent")
	m.Emailed("sent")
	m.Emailed("failed")
	m.CountReads(3, 1)
	m.Outcome("closed")
	m.Outcome("not a known outcome")
	got := gather(t, reg)
	for _, want := range []struct {
		name   string
		labels map[string]string
		value  float64
	}{
		{"advocacy_emails_total", map[string]string{"result": "sent"}, 2},
		{"advocacy_emails_total", map[string]string{"result": "failed"}, 1},
		{"advocacy_count_cache_reads_total", map[string]string{"result": "hit"}, 3},
		{"advocacy_count_cache_reads_total", map[string]string{"result": "miss"}, 1},
		{"advocacy_signatures_total", map[string]string{"outcome": "closed"}, 1},
		{"advocacy_signatures_total", map[string]string{"outcome": "new"}, 0},
	} {
		if v, ok := got.value(want.name, want.labels); !ok || v != want.value {
			t.Errorf("%s%v = %v (present: %v), want %v", want.name, want.labels, v, ok, want.value)
		}
	}
	if n := len(got["advocacy_signatures_total"].GetMetric()); n != 5 {
		t.Errorf("%d outcome series, want the 5 known ones", n)
	}
}

// families are a scrape, by metric name.
type families map[string]*dto.MetricFamily

func gather(t *testing.T, reg *prometheus.Registry) families {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := families{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// value is the value of the series of name with exactly labels: a
// counter's or gauge's value, a histogram's sample count.
func (f families) value(name string, labels map[string]string) (float64, bool) {
	m := f.series(name, labels)
	switch {
	case m == nil:
		return 0, false
	case m.Counter != nil:
		return m.GetCounter().GetValue(), true
	case m.Gauge != nil:
		return m.GetGauge().GetValue(), true
	case m.Histogram != nil:
		return float64(m.GetHistogram().GetSampleCount()), true
	}
	return 0, false
}

func (f families) histogramSum(name string) float64 {
	if m := f.series(name, nil); m != nil {
		return m.GetHistogram().GetSampleSum()
	}
	return -1
}

func (f families) series(name string, labels map[string]string) *dto.Metric {
	for _, m := range f[name].GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if match {
			return m
		}
	}
	return nil
}
