package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// signAsync posts body to path; it may run on any goroutine.
func (e *env) signAsync(path string, body map[string]any) (apptest.Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return apptest.Response{}, err
	}
	return e.Try(http.MethodPost, path, strings.NewReader(string(b)), "Content-Type", "application/json")
}

// TestConcurrentSigning sends many signatures for one petition at once,
// several from each person with their address typed differently, and checks
// that every one is answered alike and the count equals the people.
func TestConcurrentSigning(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	path := apptest.SignaturesPath(f.Petition.ID)
	const people = 24
	variants := []func(string) string{
		func(s string) string { return s },
		strings.ToUpper,
		func(s string) string { return "  " + strings.ToUpper(s[:1]) + s[1:] + "\t" },
	}

	type outcome struct {
		res apptest.Response
		err error
	}
	outcomes := make(chan outcome, people*len(variants))
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i := range people * len(variants) {
		email := variants[i/people](fmt.Sprintf("person-%d@example.org", i%people))
		wg.Go(func() {
			<-ready
			res, err := e.signAsync(path, apptest.SignBody(email))
			outcomes <- outcome{res, err}
		})
	}
	close(ready)
	wg.Wait()
	close(outcomes)

	var highest int64
	for o := range outcomes {
		if o.err != nil {
			t.Fatal(o.err)
		}
		var body struct {
			Status         string `json:"status"`
			SignatureCount int64  `json:"signature_count"`
		}
		if o.res.Status != http.StatusCreated || json.Unmarshal([]byte(o.res.Body), &body) != nil || body.Status != "recorded" {
			t.Fatalf("got %d %s, want 201 recorded", o.res.Status, o.res.Body)
		}
		if body.SignatureCount < 1 || body.SignatureCount > people {
			t.Errorf("an answer's count is %d, outside 1..%d", body.SignatureCount, people)
		}
		highest = max(highest, body.SignatureCount)
	}
	// The last batch to commit answers with the final count.
	if highest != people {
		t.Errorf("highest count answered %d, want %d", highest, people)
	}
	apptest.AssertStored(t, e.db, f.Petition.ID, people)
	var tallied int64
	err := e.db.SQL().QueryRowContext(context.Background(),
		`SELECT coalesce(sum(signature_count), 0) FROM signature_tallies WHERE petition_id = $1 AND dimension = 'country'`,
		f.Petition.ID).Scan(&tallied)
	if err != nil {
		t.Fatal(err)
	}
	if tallied != people {
		t.Errorf("country tallies add up to %d, want %d", tallied, people)
	}
	p := e.Get(fmt.Sprintf("/api/v1/petitions/%d", f.Petition.ID)).JSON(t)
	if num(p["signature_count"]) != people {
		t.Errorf("the API says %v signatures, want %d", p["signature_count"], people)
	}
}

// TestSigningDuringShutdown closes the signer while signatures keep coming:
// each is either committed and answered 201, or refused with 503. None is
// acknowledged and then lost.
func TestSigningDuringShutdown(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	path := apptest.SignaturesPath(f.Petition.ID)
	const workers, closeAfter = 16, 40

	var (
		mu       sync.Mutex
		accepted []string
		refused  int
		failures []string
	)
	var count atomic.Int64
	closeNow := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Sign until the server refuses: only a closed signer stops a worker.
			for i := 0; ; i++ {
				email := fmt.Sprintf("worker-%d-%d@example.org", w, i)
				res, err := e.signAsync(path, apptest.SignBody(email))
				mu.Lock()
				switch {
				case err != nil:
					failures = append(failures, err.Error())
				case res.Status == http.StatusCreated:
					accepted = append(accepted, email)
				case res.Status == http.StatusServiceUnavailable && strings.Contains(res.Body, `"code":"unavailable"`) &&
					res.Header.Get("Retry-After") != "":
					refused++
				default:
					failures = append(failures, fmt.Sprintf("%s: %d %s", email, res.Status, res.Body))
				}
				mu.Unlock()
				if err != nil || res.Status != http.StatusCreated {
					return
				}
				if count.Add(1) == closeAfter {
					close(closeNow)
				}
			}
		})
	}
	stopped := make(chan struct{})
	go func() {
		wg.Wait()
		close(stopped)
	}()
	select {
	case <-closeNow:
		e.server.App.Signer.Close()
	case <-stopped:
		t.Fatalf("every worker stopped before the signer closed: %v", failures)
	}
	<-stopped

	if len(failures) > 0 {
		t.Errorf("answers other than 201 or 503 unavailable with Retry-After:\n%s", strings.Join(failures, "\n"))
	}
	if refused != workers {
		t.Errorf("%d refusals, want one per worker (%d)", refused, workers)
	}
	var rows []string
	r, err := e.db.SQL().QueryContext(context.Background(), `SELECT email FROM signatures WHERE petition_id = $1`, f.Petition.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var email string
		if err := r.Scan(&email); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, email)
	}
	slices.Sort(rows)
	slices.Sort(accepted)
	for _, email := range accepted {
		if _, ok := slices.BinarySearch(rows, email); !ok {
			t.Errorf("%s was answered 201 but is not stored", email)
		}
	}
	if !slices.Equal(rows, accepted) {
		t.Errorf("%d rows stored for %d signatures answered 201", len(rows), len(accepted))
	}
	apptest.AssertStored(t, e.db, f.Petition.ID, int64(len(accepted)))
	t.Logf("%d signatures committed, %d refused after the signer closed", len(accepted), refused)
}
