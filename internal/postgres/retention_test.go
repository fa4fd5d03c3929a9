package postgres_test

import (
	"context"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
)

// figuresOf is everything counts, tallies and the dashboard show of a
// petition: what retention must leave as it was.
type petitionFigures struct {
	Counts  [3]int64
	Tallies map[string]int64
	Stats   petition.Stats
}

func figuresOf(t testing.TB, db *postgres.DB, p int64, at time.Time) petitionFigures {
	t.Helper()
	ctx := context.Background()
	var f petitionFigures
	if err := db.SQL().QueryRowContext(ctx, `SELECT signature_count, pending_count, confirmed_count FROM petition_counts WHERE petition_id = $1`,
		p).Scan(&f.Counts[0], &f.Counts[1], &f.Counts[2]); err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT dimension || '/' || key, signature_count FROM signature_tallies WHERE petition_id = $1`, p)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	f.Tallies = map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		f.Tallies[k] = n
	}
	if f.Stats, err = db.Desk().PetitionStats(ctx, p, at); err != nil {
		t.Fatal(err)
	}
	return f
}

// closedDaysAgo closes petition p as of days ago.
func closedDaysAgo(t testing.TB, db *postgres.DB, p int64, days int) {
	t.Helper()
	exec(t, db, `UPDATE petitions SET status = 'closed' WHERE id = $1`, p)
	exec(t, db, `UPDATE petitions SET closed_at = now() - make_interval(days => $2) WHERE id = $1`, p, days)
}

// personal counts the petition's signatures that still hold a name, an
// email that is not a placeholder, or a postcode.
func personal(t testing.TB, db *postgres.DB, p int64) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRowContext(context.Background(), `
		SELECT count(*) FROM signatures WHERE petition_id = $1
		  AND (full_name <> '' OR postcode <> '' OR email <> 'erased-' || id || '@invalid' OR anonymised_at IS NULL)`,
		p).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A petition closed longer ago than the limit loses its signers' details in
// batches of at most petition.RetentionBatch rows a transaction, while the
// program holds no more than a few batches' worth of nothing (the rows
// never leave the database); counts, tallies and the dashboard's figures
// are exactly as before, and the recount finds nothing to fix.
func TestRetentionOfALargePetition(t *testing.T) {
	const rows = 300_000
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	c := newCampaign(t, db, "retention-large")
	p := newPetition(t, db, c, "retention-large", "open", nil)
	if err := db.GenerateSignatures(ctx, p, rows, postgres.GenerateOptions{Until: time.Now().AddDate(0, 0, -220)}); err != nil {
		t.Fatal(err)
	}
	closedDaysAgo(t, db, p, 200)
	at := time.Now()
	before := figuresOf(t, db, p, at)

	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := heap()
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond): // sampling the heap while the run goes on
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
	}()
	rep, err := petition.NewRetention(db.Retention(), 180).Run(ctx, false)
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	if peak > base && peak-base > 8<<20 {
		t.Errorf("the heap grew by %d MiB during retention, want a few batches' worth at most", (peak-base)>>20)
	}
	if len(rep.Petitions) != 1 || rep.Petitions[0].PetitionID != p || rep.Anonymised() != rows {
		t.Fatalf("report %+v, want %d signatures of petition %d", rep, rows, p)
	}
	if n := personal(t, db, p); n != 0 {
		t.Errorf("%d signatures keep personal details", n)
	}
	if after := figuresOf(t, db, p, at); !reflect.DeepEqual(after, before) {
		t.Errorf("figures changed:\nbefore %+v\nafter  %+v", before, after)
	}
	assertExact(t, db, p)
	if drifts, err := db.Recount(ctx); err != nil || len(drifts) != 0 {
		t.Errorf("recount: %+v %v", drifts, err)
	}
	// now() is each transaction's start: one time per batch.
	var batches, largest int64
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*), max(n) FROM (
		SELECT count(*) n FROM signatures WHERE petition_id = $1 GROUP BY anonymised_at) b`, p).Scan(&batches, &largest); err != nil {
		t.Fatal(err)
	}
	if largest > petition.RetentionBatch || batches < rows/petition.RetentionBatch {
		t.Errorf("%d transactions, the largest of %d rows; want at most %d rows each", batches, largest, petition.RetentionBatch)
	}
	// Done: the next run has nothing to do.
	if again, err := petition.NewRetention(db.Retention(), 180).Run(ctx, false); err != nil || len(again.Petitions) != 0 {
		t.Errorf("second run: %+v, %v; want nothing due", again, err)
	}
}

// Only petitions closed (or past their closing date) longer ago than the
// limit are due; a dry run says what it would do and changes nothing; the
// report names the next petition to come due; a petition reopened after
// retention takes the same person's signature again as a new one.
func TestRetentionChoosesWhatIsDue(t *testing.T) {
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	c := newCampaign(t, db, "retention")
	longAgo := time.Now().AddDate(0, 0, -200)
	oldClosed := newPetition(t, db, c, "retention-old-closed", "open", nil)
	pastDate := newPetition(t, db, c, "retention-past-date", "open", nil)
	recent := newPetition(t, db, c, "retention-recent", "open", nil)
	open := newPetition(t, db, c, "retention-open", "open", nil)
	signers := postgres.SignerOptions{}
	s := db.NewSigner(signers)
	defer s.Close()
	sign := func(p int64, email string) petition.SignResult {
		t.Helper()
		res, err := s.Sign(ctx, petition.Signature{PetitionID: p, FullName: "Ada Lovelace", Email: email, Postcode: "N1 9GU",
			Country: "GB", ConsentUpdates: true, ConsentVersion: "2026-11-v1", SourceCode: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, p := range []int64{oldClosed, pastDate, recent, open} {
		sign(p, "ada@example.org")
		sign(p, "grace@example.org")
	}
	closedDaysAgo(t, db, oldClosed, 200)
	exec(t, db, `UPDATE petitions SET closes_at = $2 WHERE id = $1`, pastDate, longAgo.Add(time.Hour))
	closedDaysAgo(t, db, recent, 10)
	exec(t, db, `UPDATE petitions SET closes_at = now() + interval '30 days' WHERE id = $1`, open)

	dry, err := petition.NewRetention(db.Retention(), 180).Run(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if !dry.DryRun || len(dry.Petitions) != 2 || dry.Petitions[0].PetitionID != oldClosed || dry.Petitions[1].PetitionID != pastDate ||
		dry.Anonymised() != 4 {
		t.Fatalf("dry run: %+v, want petitions %d and %d with 2 signatures each", dry, oldClosed, pastDate)
	}
	if dry.Next == nil || dry.Next.PetitionID != recent || dry.Next.Signatures != 2 {
		t.Fatalf("dry run's next: %+v, want petition %d", dry.Next, recent)
	}
	if days := dry.NextAt.Sub(time.Now()).Hours() / 24; days < 169 || days > 171 {
		t.Errorf("petition %d comes due in %.1f days, want 170", recent, days)
	}
	for _, p := range []int64{oldClosed, pastDate, recent, open} {
		if n := personal(t, db, p); n != 2 {
			t.Fatalf("after a dry run petition %d has %d signatures with details, want 2", p, n)
		}
	}

	rep, err := petition.NewRetention(db.Retention(), 180).Run(ctx, false)
	if err != nil || rep.Anonymised() != 4 || rep.Next == nil || rep.Next.PetitionID != recent {
		t.Fatalf("run: %+v, %v", rep, err)
	}
	for p, want := range map[int64]int64{oldClosed: 0, pastDate: 0, recent: 2, open: 2} {
		if n := personal(t, db, p); n != want {
			t.Errorf("petition %d: %d signatures with details, want %d", p, n, want)
		}
	}
	var country, source, state string
	var consent bool
	if err := db.SQL().QueryRowContext(ctx, `SELECT country, source_code, state, consent_updates FROM signatures
		WHERE petition_id = $1 ORDER BY id LIMIT 1`, oldClosed).Scan(&country, &source, &state, &consent); err != nil ||
		country != "GB" || source != "test" || state != petition.StateCounted {
		t.Errorf("an anonymised signature keeps %q %q %q (%v), want GB, test, counted", country, source, state, err)
	}

	// Reopened, the petition takes the same person's signature as new.
	exec(t, db, `UPDATE petitions SET status = 'open', closes_at = NULL WHERE id = $1`, oldClosed)
	if res := sign(oldClosed, "ada@example.org"); !res.New || res.SignatureCount != 3 {
		t.Errorf("signing again after retention: %+v, want a new signature and a count of 3", res)
	}
	assertExact(t, db, oldClosed)
	// Closed again, it is due again once the limit passes, for the new
	// signature only. (Time moves on: the first retention was long before
	// the second closing.)
	closedDaysAgo(t, db, oldClosed, 181)
	exec(t, db, `UPDATE petitions SET signatures_anonymised_at = now() - interval '400 days' WHERE id = $1`, oldClosed)
	rep, err = petition.NewRetention(db.Retention(), 180).Run(ctx, false)
	if err != nil || len(rep.Petitions) != 1 || rep.Petitions[0].PetitionID != oldClosed || rep.Anonymised() != 1 {
		t.Errorf("after closing again: %+v, %v; want the one new signature", rep, err)
	}
}
