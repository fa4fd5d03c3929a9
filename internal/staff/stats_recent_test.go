package staff_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
)

// The last hour and the rate now count signatures by when they were made:
// older ones, pending ones and other petitions' stay out.
func TestStatsCountTheLastHourAndTheRateNow(t *testing.T) {
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{})
	who := addMember(t, auth, staff.RoleCampaigner)
	fx, other := newFixture(t, db, who.Actor()), newFixture(t, db, who.Actor())
	signer := db.NewSigner(postgres.SignerOptions{})
	defer signer.Close()
	sign := func(p int64, n int, tag string) {
		t.Helper()
		for i := range n {
			if _, err := signer.Sign(ctx, petition.Signature{PetitionID: p, FullName: "Supporter", Country: "GB",
				Email: fmt.Sprintf("%s-%d@example.org", tag, i), ConsentVersion: "2026-11-v1"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	stats := func() petition.Stats {
		t.Helper()
		st, err := db.Desk().PetitionStats(ctx, fx.Petition.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	// A petition with no signature older than an hour counts from its first.
	sign(fx.Petition.ID, 3, "young")
	if st := stats(); st.LastHour != 3 || st.Recent != 3 {
		t.Errorf("a young petition: last hour %d, recent %d; want 3 and 3", st.LastHour, st.Recent)
	}
	// Made two hours ago, half an hour ago, and now.
	exec(t, db, `UPDATE signatures SET created_at = now() - interval '2 hours' WHERE petition_id = $1 AND email LIKE 'young-%'`,
		fx.Petition.ID)
	sign(fx.Petition.ID, 4, "half")
	exec(t, db, `UPDATE signatures SET created_at = now() - interval '30 minutes' WHERE petition_id = $1 AND email LIKE 'half-%'`,
		fx.Petition.ID)
	sign(fx.Petition.ID, 2, "now")
	sign(other.Petition.ID, 5, "elsewhere")
	exec(t, db, `UPDATE signatures SET state = 'pending' WHERE petition_id = $1 AND email = 'now-1@example.org'`, fx.Petition.ID)

	st := stats()
	if st.LastHour != 4+1 || st.Recent != 1 {
		t.Errorf("last hour %d, recent %d; want 5 and 1", st.LastHour, st.Recent)
	}
	if st.RatePerMinute() != 1/petition.RateWindow.Minutes() {
		t.Errorf("rate per minute %v", st.RatePerMinute())
	}
}
