package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
)

// These tests cover the one-statement batch (batchSQL) and the single
// batch worker: every answer, count and tally it produces under concurrency.

// batchFixture is a fresh database with an open and a closed petition.
type batchFixture struct {
	db        *postgres.DB
	open      int64
	closed    int64
	releaseID int64
	consent   string
}

func newBatchFixture(t *testing.T) batchFixture {
	t.Helper()
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	set, err := db.Seed(ctx, postgres.SeedSet{Campaign: demo.Campaign(), Petition: demo.Petition(), Release: demo.Release()})
	if err != nil {
		t.Fatal(err)
	}
	closedPetition := demo.Petition()
	closedPetition.Slug, closedPetition.Status = "a-closed-petition", petition.StatusClosed
	closedRelease := demo.Release()
	closedRelease.Slug = "a-release-of-the-closed-petition"
	closedSet, err := db.Seed(ctx, postgres.SeedSet{Campaign: demo.Campaign(), Petition: closedPetition, Release: closedRelease})
	if err != nil {
		t.Fatal(err)
	}
	consent, err := db.Petitions().CurrentConsent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return batchFixture{db: db, open: set.Petition.ID, closed: closedSet.Petition.ID,
		releaseID: set.Release.ID, consent: consent.Version}
}

// signature is person n's signature of petition id; sources and countries
// vary so that every kind of tally moves.
func (f batchFixture) signature(id int64, email string, n int) petition.Signature {
	sig := petition.Signature{PetitionID: id, FullName: fmt.Sprintf("Signer %d", n), Email: email,
		Country: []string{"GB", "IE", "FR", "DE"}[n%4], ConsentUpdates: n%2 == 0, ConsentVersion: f.consent}
	switch n % 3 {
	case 0:
		sig.SourceReleaseID = &f.releaseID
	case 1:
		sig.SourceCode = "newsletter"
	}
	return sig
}

type stored struct{ count, rows, distinct int64 }

func (f batchFixture) stored(t *testing.T, id int64) stored {
	t.Helper()
	var s stored
	err := f.db.SQL().QueryRow(`SELECT (SELECT signature_count FROM petition_counts WHERE petition_id = $1),
		count(*), count(DISTINCT email) FROM signatures WHERE petition_id = $1`, id).Scan(&s.count, &s.rows, &s.distinct)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f batchFixture) assertNoDrift(t *testing.T) {
	t.Helper()
	drifts, err := f.db.Recount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(drifts) > 0 {
		t.Errorf("recount found drift (count or tallies): %+v", drifts)
	}
}

type answer struct {
	email  string
	repeat bool
	res    petition.SignResult
}

func TestBatchedSigningCountsEachPersonOnceAndAnswersConsistently(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			f := newBatchFixture(t)
			signer := f.db.NewSigner(postgres.SignerOptions{Workers: workers, MaxBatch: 32})
			const goroutines, each = 24, 40
			var mu sync.Mutex
			var answers []answer
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					var mine []answer
					for i := range each {
						email := fmt.Sprintf("person-%d-%d@example.org", g, i)
						repeat := i%5 == 4 // every fifth repeats an earlier one of this goroutine
						if repeat {
							email = fmt.Sprintf("person-%d-%d@example.org", g, i-2)
						}
						res, err := signer.Sign(context.Background(), f.signature(f.open, email, g*each+i))
						if err != nil {
							t.Errorf("sign %s: %v", email, err)
							return
						}
						mine = append(mine, answer{email: email, repeat: repeat, res: res})
					}
					mu.Lock()
					answers = append(answers, mine...)
					mu.Unlock()
				})
			}
			wg.Wait()
			signer.Close()

			people := goroutines * (each - each/5)
			if s := f.stored(t, f.open); s.count != int64(people) || s.rows != s.count || s.distinct != s.count {
				t.Fatalf("count %d, rows %d, distinct %d; want %d each", s.count, s.rows, s.distinct, people)
			}
			firstCount := map[string]int64{}
			var newCounts []int64
			for _, a := range answers {
				if a.repeat == a.res.New {
					t.Errorf("%s: New = %v for a repeat=%v signature", a.email, a.res.New, a.repeat)
				}
				if !a.repeat {
					firstCount[a.email] = a.res.SignatureCount
					newCounts = append(newCounts, a.res.SignatureCount)
				}
			}
			for _, a := range answers {
				if a.repeat && a.res.SignatureCount < firstCount[a.email] {
					t.Errorf("%s: repeat answered %d, below the %d its first signature was answered",
						a.email, a.res.SignatureCount, firstCount[a.email])
				}
			}
			// Batches move the count one after another: a new signature is
			// answered with the count after its batch, so exactly c new
			// signatures are answered with a count of c or less.
			sort.Slice(newCounts, func(i, j int) bool { return newCounts[i] < newCounts[j] })
			for i, c := range newCounts {
				if i+1 < len(newCounts) && newCounts[i+1] == c {
					continue
				}
				if int64(i+1) != c {
					t.Fatalf("%d new signatures were answered with a count of %d or less", i+1, c)
				}
			}
			f.assertNoDrift(t)
		})
	}
}

func TestRepeatOnAnotherInstanceIsAnsweredWithACountIncludingTheOriginal(t *testing.T) {
	f := newBatchFixture(t)
	// Two signers on one database, as two server instances would be.
	signers := []*postgres.Signer{f.db.NewSigner(postgres.SignerOptions{}), f.db.NewSigner(postgres.SignerOptions{})}
	const people = 150
	type pair struct{ res [2]petition.SignResult }
	results := make([]pair, people)
	// One person at a time, on both signers at once: each batch then holds
	// one signature, and the one that loses the race is a batch of nothing
	// but a repeat, whose original may commit while it waits.
	for n := range people {
		email := fmt.Sprintf("twice-%d@example.org", n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, s := range signers {
			wg.Go(func() {
				<-start
				res, err := s.Sign(context.Background(), f.signature(f.open, email, n))
				if err != nil {
					t.Errorf("sign %s on signer %d: %v", email, i, err)
				}
				results[n].res[i] = res
			})
		}
		close(start)
		wg.Wait()
	}
	for _, s := range signers {
		s.Close()
	}
	for n, p := range results {
		a, b := p.res[0], p.res[1]
		if a.New == b.New {
			t.Errorf("person %d: New %v and %v; want exactly one new", n, a.New, b.New)
			continue
		}
		first, repeat := a, b
		if b.New {
			first, repeat = b, a
		}
		if repeat.SignatureCount < first.SignatureCount {
			t.Errorf("person %d: the repeat was answered %d, below the %d the original was answered",
				n, repeat.SignatureCount, first.SignatureCount)
		}
	}
	if s := f.stored(t, f.open); s.count != people || s.rows != people {
		t.Errorf("count %d, rows %d; want %d", s.count, s.rows, people)
	}
	f.assertNoDrift(t)
}

func TestBatchAnswersEachSignatureForItsOwnPetition(t *testing.T) {
	f := newBatchFixture(t)
	signer := f.db.NewSigner(postgres.SignerOptions{MaxBatch: 64})
	defer signer.Close()
	cases := []struct {
		name     string
		petition int64
		want     error
	}{
		{"open", f.open, nil},
		{"closed", f.closed, petition.ErrClosed},
		{"missing", f.closed + 1000, petition.ErrNotFound},
	}
	// All at once, so that they share batches.
	var wg sync.WaitGroup
	var got sync.Map
	for _, tc := range cases {
		for i := range 20 {
			wg.Go(func() {
				email := fmt.Sprintf("%s-%d@example.org", tc.name, i)
				_, err := signer.Sign(context.Background(), f.signature(tc.petition, email, i))
				got.Store(email, err)
				if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
					t.Errorf("%s: err = %v, want %v", email, err, tc.want)
				}
			})
		}
	}
	wg.Wait()
	if s := f.stored(t, f.open); s.count != 20 || s.rows != 20 {
		t.Errorf("open petition: count %d, rows %d; want 20", s.count, s.rows)
	}
	if s := f.stored(t, f.closed); s.count != 0 || s.rows != 0 {
		t.Errorf("closed petition: count %d, rows %d; want 0", s.count, s.rows)
	}
}

func TestBatchThatFailsBeforeCommitLosesNothingAcknowledgedAndCountsNothingTwice(t *testing.T) {
	f := newBatchFixture(t)
	signer := f.db.NewSigner(postgres.SignerOptions{MaxBatch: 16})
	var calls atomic.Int64
	postgres.SetBeforeCommit(signer, func(int) error {
		if calls.Add(1)%3 == 0 {
			return errors.New("injected failure before commit")
		}
		return nil
	})
	const people = 400
	acknowledged := make([]bool, people)
	var wg sync.WaitGroup
	for n := range people {
		wg.Go(func() {
			email := fmt.Sprintf("crash-%d@example.org", n)
			_, err := signer.Sign(context.Background(), f.signature(f.open, email, n))
			acknowledged[n] = err == nil
		})
	}
	wg.Wait()
	signer.Close()

	rows, err := f.db.SQL().Query(`SELECT email FROM signatures WHERE petition_id = $1`, f.open)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	storedEmails := map[string]bool{}
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			t.Fatal(err)
		}
		storedEmails[e] = true
	}
	var acked int
	for n, ok := range acknowledged {
		email := fmt.Sprintf("crash-%d@example.org", n)
		if ok {
			acked++
		}
		if ok != storedEmails[email] {
			t.Errorf("%s: acknowledged %v, stored %v", email, ok, storedEmails[email])
		}
	}
	if acked == 0 || acked == people {
		t.Fatalf("%d of %d acknowledged: the injected failures did not bite", acked, people)
	}
	if s := f.stored(t, f.open); s.count != int64(acked) || s.rows != int64(acked) {
		t.Errorf("count %d, rows %d; want %d (the acknowledged ones)", s.count, s.rows, acked)
	}
	f.assertNoDrift(t)
}
