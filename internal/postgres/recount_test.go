package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
)

// signN signs n people onto petition p, from mixed countries and sources.
func signN(t *testing.T, s *postgres.Signer, p int64, n int) {
	t.Helper()
	for i := range n {
		sig := validSignature(t, p, petition.SignInput{FullName: "Supporter", Email: fmt.Sprintf("s%d-%d@example.org", p, i),
			Country: []string{"GB", "IE"}[i%2], ConsentUpdates: ptr(true)})
		if i%3 == 0 {
			sig.SourceCode = "leaflet"
		}
		if _, err := s.Sign(context.Background(), sig); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRecountFixesDrift(t *testing.T) {
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	s := newSigner(t, db, postgres.SignerOptions{})
	c := newCampaign(t, db, "recount")
	countDrift := newPetition(t, db, c, "count-drift", "open", nil)
	tallyDrift := newPetition(t, db, c, "tally-drift", "open", nil)
	bothDrift := newPetition(t, db, c, "both-drift", "open", nil)
	noCountRow := newPetition(t, db, c, "no-count-row", "open", nil)
	untouched := newPetition(t, db, c, "untouched", "open", nil)
	empty := newPetition(t, db, c, "empty", "open", nil)
	signN(t, s, countDrift, 5)
	signN(t, s, tallyDrift, 3)
	signN(t, s, bothDrift, 2)
	signN(t, s, noCountRow, 1)
	signN(t, s, untouched, 4)

	if drifts, err := db.Recount(ctx); err != nil || len(drifts) != 0 {
		t.Fatalf("before any damage: Recount = %+v, %v; want no drift", drifts, err)
	}

	// Damage the counts and tallies by hand.
	exec(t, db, `UPDATE petition_counts SET signature_count = 99 WHERE petition_id = $1`, countDrift)
	exec(t, db, `UPDATE signature_tallies SET signature_count = signature_count + 1
		WHERE petition_id = $1 AND dimension = 'country' AND key = 'GB'`, tallyDrift) // wrong
	exec(t, db, `DELETE FROM signature_tallies WHERE petition_id = $1 AND dimension = 'source' AND key = 'direct'`, tallyDrift) // missing
	exec(t, db, `INSERT INTO signature_tallies VALUES ($1, 'country', 'ZZ', 7)`, tallyDrift)                                    // extra
	bothTallies, _ := expectedTallies(t, db, bothDrift)
	exec(t, db, `UPDATE petition_counts SET signature_count = 0 WHERE petition_id = $1`, bothDrift)
	exec(t, db, `DELETE FROM signature_tallies WHERE petition_id = $1`, bothDrift)
	exec(t, db, `DELETE FROM petition_counts WHERE petition_id = $1`, noCountRow)

	drifts, err := db.Recount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []postgres.Drift{
		{PetitionID: countDrift, Stored: 99, Actual: 5, TallyChanges: 0},
		{PetitionID: tallyDrift, Stored: 3, Actual: 3, TallyChanges: 3},
		{PetitionID: bothDrift, Stored: 0, Actual: 2, TallyChanges: int64(len(bothTallies))},
		{PetitionID: noCountRow, Stored: 0, Actual: 1, TallyChanges: 0},
	}
	if !slices.Equal(drifts, want) {
		t.Errorf("Recount drifts\n got %+v\nwant %+v", drifts, want)
	}
	for _, p := range []int64{countDrift, tallyDrift, bothDrift, noCountRow, untouched, empty} {
		assertExact(t, db, p)
	}
	if got, err := db.Petitions().PetitionByID(ctx, noCountRow); err != nil || got.SignatureCount != 1 {
		t.Errorf("petition whose count row was lost: %+v, %v; want it readable with count 1", got, err)
	}

	if drifts, err := db.Recount(ctx); err != nil || len(drifts) != 0 {
		t.Errorf("second Recount = %+v, %v; want no drift", drifts, err)
	}
	// Signing goes on from the corrected counts.
	if res, err := s.Sign(ctx, signature(t, countDrift, "Late", "late@example.org")); err != nil || res.SignatureCount != 6 {
		t.Errorf("sign after recount: %+v, %v; want count 6", res, err)
	}
}

// Recounting while people sign neither loses nor double-counts anything, and
// finds nothing to fix: the signer keeps counts exact at every commit.
func TestRecountWhileSigning(t *testing.T) {
	ctx := context.Background()
	dbURL, db := pkg.Fresh(t)
	other, err := postgres.Open(ctx, dbURL, postgres.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	s := newSigner(t, db, postgres.SignerOptions{Workers: 2, MaxBatch: 8})
	c := newCampaign(t, db, "recount-live")
	p1 := newPetition(t, db, c, "live-one", "open", nil)
	p2 := newPetition(t, db, c, "live-two", "open", nil)
	attempts := append(crowd(t, p1, 100, 4), crowd(t, p2, 60, 3)...)

	done := make(chan struct{})
	go func() {
		defer close(done)
		signAll([]*postgres.Signer{s}, attempts)
	}()
	recounts := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		drifts, err := other.Recount(ctx)
		if err != nil {
			t.Fatalf("Recount while signing: %v", err)
		}
		recounts++
		if len(drifts) != 0 {
			t.Errorf("Recount while signing found drift %+v", drifts)
		}
	}
	for _, a := range attempts {
		if a.err != nil {
			t.Fatalf("person %d: %v", a.person, a.err)
		}
	}
	assertAnswers(t, db, p1, attempts)
	assertAnswers(t, db, p2, attempts)
	if n1, n2 := storedCount(t, db, p1), storedCount(t, db, p2); n1 != 100 || n2 != 60 {
		t.Errorf("counts %d and %d, want 100 and 60", n1, n2)
	}
	t.Logf("%d recounts ran", recounts)
}
