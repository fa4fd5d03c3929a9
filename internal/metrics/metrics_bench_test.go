package metrics_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/advocacy/advocacy/internal/metrics"
)

// BenchmarkSignatureObserved is what metrics add to one signature: its
// request, its outcome, its share of a batch and a count read.
func BenchmarkSignatureObserved(b *testing.B) {
	m, err := metrics.New(prometheus.NewRegistry(), nil) // the jobs gauge reads the database only when scraped
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.Request("/api/v1/petitions/:id/signatures", "POST", 201, 3*time.Millisecond)
		m.Outcome("new")
		m.Batch(1, time.Millisecond)
		m.CountReads(1, 0)
	}
}
