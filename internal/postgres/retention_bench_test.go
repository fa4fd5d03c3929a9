package postgres_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
)

// BenchmarkRetention anonymises a closed petition of RETENTION_BENCH_ROWS
// signatures (default 100,000; docs/performance.md has the million-row
// figure) per iteration, generated outside the timer, and reports rows a
// second and the program's heap growth:
//
//	RETENTION_BENCH_ROWS=1000000 go test -run '^$' -bench Retention -benchtime 1x ./internal/postgres
func BenchmarkRetention(b *testing.B) {
	rows := int64(100_000)
	if v := os.Getenv("RETENTION_BENCH_ROWS"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("RETENTION_BENCH_ROWS=%q", v)
		}
		rows = n
	}
	ctx := context.Background()
	_, db := pkg.Fresh(b)
	c := newCampaign(b, db, "retention-bench")
	var took time.Duration
	var grew uint64
	for i := range b.N {
		b.StopTimer()
		p := newPetition(b, db, c, fmt.Sprintf("retention-bench-%d", i), "open", nil)
		if err := db.GenerateSignatures(ctx, p, rows, postgres.GenerateOptions{}); err != nil {
			b.Fatal(err)
		}
		closedDaysAgo(b, db, p, 200)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		b.StartTimer()
		rep, err := petition.NewRetention(db.Retention(), 180).Run(ctx, false)
		b.StopTimer()
		took += time.Since(start)
		runtime.ReadMemStats(&after)
		if after.HeapAlloc > before.HeapAlloc {
			grew = max(grew, after.HeapAlloc-before.HeapAlloc)
		}
		if err != nil || rep.Anonymised() != rows {
			b.Fatalf("run %d: %+v, %v", i, rep, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/took.Seconds(), "rows/s")
	b.ReportMetric(float64(grew)/(1<<20), "heap-MiB")
}
