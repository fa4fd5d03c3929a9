package staff_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
)

// BenchmarkPetitionStats measures the dashboard's statistics and the count
// read on a petition of 10 signatures and one of 1,000,000. Both read data
// kept with the count (petition_counts, signature_tallies), so their cost
// should not grow with the petition; COUNT(*) is measured alongside to show
// what that avoids. The million rows are built only when this benchmark
// runs (a minute or so), never by `go test` alone:
//
//	go test -run '^$' -bench PetitionStats -benchtime 200x ./internal/staff
func BenchmarkPetitionStats(b *testing.B) {
	ctx := context.Background()
	_, db := pkgDB.Fresh(b)
	sizes := []int{10, 1_000_000}
	ids := make(map[int]int64, len(sizes))
	for _, n := range sizes {
		ids[n] = buildPetition(b, db, n)
	}
	start := time.Now()
	if _, err := db.Recount(ctx); err != nil { // fills counts and tallies from the rows
		b.Fatal(err)
	}
	exec(b, db, `ANALYZE`)
	b.Logf("counts and tallies of %v signatures recomputed in %s", sizes, time.Since(start).Round(time.Millisecond))

	desk, petitions := db.Desk(), db.Petitions()
	for _, n := range sizes {
		id := ids[n]
		st, err := desk.PetitionStats(ctx, id, time.Now())
		if err != nil || st.Total != int64(n) {
			b.Fatalf("petition of %d: stats total %d, %v", n, st.Total, err)
		}
		b.Run(fmt.Sprintf("stats/signatures=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := desk.PetitionStats(ctx, id, time.Now()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("count/signatures=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := petitions.SignatureCounts(ctx, []int64{id}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("count(*)-for-comparison/signatures=%d", n), func(b *testing.B) {
			for b.Loop() {
				var c int64
				if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM signatures WHERE petition_id = $1`, id).Scan(&c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// buildPetition stores a petition with n signatures spread over 90 days,
// ten countries and three sources, written straight into the table.
func buildPetition(b *testing.B, db *postgres.DB, n int) int64 {
	b.Helper()
	fx := newFixture(b, db, staff.CommandLine())
	start := time.Now()
	exec(b, db, `
		INSERT INTO signatures (petition_id, full_name, email, postcode, country, consent_updates, consent_version,
		                        source_code, created_at)
		SELECT $1, 'Supporter ' || g, 'bench' || g || '@example.org', '',
		       (ARRAY['GB','FR','DE','IE','ES','IT','NL','US','CA','AU'])[1 + g % 10], g % 3 = 0, '2026-11-v1',
		       (ARRAY['', 'newsletter', 'social'])[1 + g % 3],
		       now() - make_interval(hours => g % (90 * 24), secs => g % 3600)
		FROM generate_series(1, $2::int) g`, fx.Petition.ID, n)
	b.Logf("%d signatures written in %s", n, time.Since(start).Round(time.Millisecond))
	return fx.Petition.ID
}
