package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
)

// pendingFigures returns a petition's pending and confirmed figures and its
// pending rows.
func pendingFigures(t testing.TB, db *postgres.DB, p int64) (pending, confirmed, pendingRows int64) {
	t.Helper()
	err := db.SQL().QueryRowContext(context.Background(), `
		SELECT pending_count, confirmed_count,
		       (SELECT count(*) FROM signatures WHERE petition_id = $1 AND state = 'pending')
		FROM petition_counts WHERE petition_id = $1`, p).Scan(&pending, &confirmed, &pendingRows)
	if err != nil {
		t.Fatal(err)
	}
	return pending, confirmed, pendingRows
}

// On a petition that verifies by email, signing and confirming run at once
// on the same petition; every figure stays equal to its rows throughout,
// and each signature is counted exactly once however often it is confirmed.
func TestSigningAndConfirmingConcurrently(t *testing.T) {
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	s := newSigner(t, db, postgres.SignerOptions{})
	conf := db.NewConfirmer()
	t.Cleanup(conf.Close)
	c := newCampaign(t, db, "confirming")
	p := newPetition(t, db, c, "confirming", "open", nil)
	exec(t, db, `UPDATE petitions SET verification = 'email' WHERE id = $1`, p)

	const signers = 300
	ids := make(chan int64, signers)
	var wg sync.WaitGroup
	for i := range signers {
		wg.Go(func() {
			sig := validSignature(t, p, petition.SignInput{FullName: "Supporter", Email: fmt.Sprintf("c%d@example.org", i),
				Country: []string{"GB", "FR", "IE"}[i%3], ConsentUpdates: ptr(false)})
			res, err := s.Sign(ctx, sig)
			if err != nil || !res.Pending || !res.New {
				t.Errorf("sign %d: %+v %v", i, res, err)
				return
			}
			var id int64
			if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM signatures WHERE petition_id = $1 AND email = $2`,
				p, sig.Email).Scan(&id); err != nil {
				t.Error(err)
				return
			}
			ids <- id
		})
	}
	var confirmed sync.Map
	var confirmers sync.WaitGroup
	for range 8 {
		confirmers.Go(func() {
			for id := range ids {
				for range 2 { // every link pressed twice
					res, err := conf.Confirm(ctx, p, id)
					if err != nil {
						t.Errorf("confirm %d: %v", id, err)
						return
					}
					if res.Counted {
						if _, twice := confirmed.LoadOrStore(id, true); twice {
							t.Errorf("signature %d counted twice", id)
						}
					}
				}
			}
		})
	}
	wg.Wait()
	close(ids)
	confirmers.Wait()

	if n := assertExact(t, db, p); n != signers {
		t.Errorf("count %d, want %d", n, signers)
	}
	if pending, conf, rows := pendingFigures(t, db, p); pending != 0 || rows != 0 || conf != signers {
		t.Errorf("pending %d (rows %d), confirmed %d; want 0, 0, %d", pending, rows, conf, signers)
	}
	if _, err := conf.Confirm(ctx, p+1000, 1); !errors.Is(err, petition.ErrNotFound) {
		t.Errorf("confirming a signature of another petition: %v, want ErrNotFound", err)
	}
}

// Pending signatures stay out of the count and the tallies, and recount
// knows the states: it puts back pending and confirmed figures changed by
// hand.
func TestRecountKnowsStates(t *testing.T) {
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	s := newSigner(t, db, postgres.SignerOptions{})
	c := newCampaign(t, db, "states")
	p := newPetition(t, db, c, "states", "open", nil)
	signN(t, s, p, 4) // counted at once
	exec(t, db, `UPDATE petitions SET verification = 'email' WHERE id = $1`, p)
	for i := range 3 {
		sig := validSignature(t, p, petition.SignInput{FullName: "Later", Email: fmt.Sprintf("later%d@example.org", i),
			Country: "DE", ConsentUpdates: ptr(true)})
		if res, err := s.Sign(ctx, sig); err != nil || !res.Pending || res.SignatureCount != 4 {
			t.Fatalf("sign pending: %+v %v", res, err)
		}
	}
	if n := assertExact(t, db, p); n != 4 {
		t.Fatalf("count %d with 3 pending, want 4", n)
	}
	if drifts, err := db.Recount(ctx); err != nil || len(drifts) != 0 {
		t.Fatalf("Recount before damage = %+v, %v", drifts, err)
	}
	exec(t, db, `UPDATE petition_counts SET pending_count = 0, confirmed_count = 9 WHERE petition_id = $1`, p)
	drifts, err := db.Recount(ctx)
	if err != nil || len(drifts) != 1 || drifts[0].PendingStored != 0 || drifts[0].PendingActual != 3 ||
		drifts[0].ConfirmedStored != 9 || drifts[0].ConfirmedActual != 0 || drifts[0].Stored != 4 || drifts[0].Actual != 4 {
		t.Fatalf("Recount = %+v, %v", drifts, err)
	}
	if pending, confirmed, rows := pendingFigures(t, db, p); pending != 3 || rows != 3 || confirmed != 0 {
		t.Errorf("after recount: pending %d (rows %d), confirmed %d", pending, rows, confirmed)
	}
}
