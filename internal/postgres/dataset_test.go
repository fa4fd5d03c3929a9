package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/advocacy/advocacy/internal/postgres"
)

// Generated signatures leave the count equal to the rows and the tallies
// adding up, as signing does: the recount finds nothing to fix.
func TestGenerateSignaturesKeepsCountsExact(t *testing.T) {
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	c := newCampaign(t, db, "generated")
	p := newPetition(t, db, c, "generated", "open", nil)
	empty := newPetition(t, db, c, "generated-empty", "open", nil)

	var progress []int64
	// Chunks that do not divide the total, to cover the last short one.
	err := db.GenerateSignatures(ctx, p, 5000, postgres.GenerateOptions{ChunkSize: 2000,
		Progress: func(done int64) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{2000, 4000, 5000}; !slices.Equal(progress, want) {
		t.Errorf("progress %v, want %v", progress, want)
	}
	if err := db.GenerateSignatures(ctx, empty, 0, postgres.GenerateOptions{}); err != nil {
		t.Fatalf("generating nothing: %v", err)
	}

	if n := assertExact(t, db, p); n != 5000 {
		t.Errorf("petition %d: %d rows, want 5000", p, n)
	}
	assertExact(t, db, empty)
	counts, err := db.Petitions().SignatureCounts(ctx, []int64{p, empty})
	if err != nil || counts[p] != 5000 || counts[empty] != 0 {
		t.Errorf("SignatureCounts = %v, %v; want 5000 and 0", counts, err)
	}
	if n := queryInt(t, db, `SELECT count(DISTINCT dimension) FROM signature_tallies WHERE petition_id = $1`, p); n != 5 {
		t.Errorf("tallies in %d dimensions, want 5", n)
	}
	if drifts, err := db.Recount(ctx); err != nil || len(drifts) != 0 {
		t.Errorf("Recount = %+v, %v; want no drift", drifts, err)
	}

	// Generated addresses are numbered from 1, so a second run would repeat them.
	if err := db.GenerateSignatures(ctx, p, 1, postgres.GenerateOptions{}); err == nil {
		t.Error("generating into a petition with signatures succeeded; want an error")
	}
	if err := db.GenerateSignatures(ctx, -1, 1, postgres.GenerateOptions{}); err == nil {
		t.Error("generating into a missing petition succeeded; want an error")
	}
	if err := db.GenerateSignatures(ctx, empty, -1, postgres.GenerateOptions{}); err == nil {
		t.Error("generating a negative number of signatures succeeded; want an error")
	}
	if got := storedCount(t, db, p); got != 5000 {
		t.Errorf("after the refused runs, count %d, want 5000", got)
	}
}
