package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/trust"
)

var trustKey = []byte("a test key of thirty-two bytes!!")

// newMarker marks signatures as the server does, with the rules stored in db.
func newMarker(db *postgres.DB, trusted ...netip.Prefix) *trust.Marker {
	return trust.NewMarker(func(context.Context) ([]byte, error) { return trustKey, nil }, trusted, db.Trust())
}

// saveRules replaces db's trust rules.
func saveRules(t testing.TB, db *postgres.DB, s trust.Settings) {
	t.Helper()
	if _, err := db.Trust().SaveTrustSettings(context.Background(), staff.CommandLine(), s.Normalise()); err != nil {
		t.Fatal(err)
	}
}

// markedSignature is a valid signature from addr, marked by m.
func markedSignature(t testing.TB, m *trust.Marker, p int64, email, addr string) petition.Signature {
	t.Helper()
	sig := validSignature(t, p, petition.SignInput{FullName: "Supporter", Email: email, Country: "GB",
		ConsentUpdates: ptr(false)})
	mk, err := m.Mark(context.Background(), addr, sig.Email)
	if err != nil {
		t.Fatal(err)
	}
	sig.Marking = mk
	return sig
}

// stateCounts returns how many of petition p's signatures are in each state.
func stateCounts(t testing.TB, db *postgres.DB, p int64) map[string]int64 {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(),
		`SELECT state, count(*) FROM signatures WHERE petition_id = $1 GROUP BY state`, p)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		out[s] = n
	}
	return out
}

// Two instances (two pools, two signers) share the rules: an address over
// its burst is held whichever instance it signs through, silently (the
// signer's result differs only in the server's own Held), and the count
// stays equal to the counted rows. Each instance lets the first signature
// of a key in a minute through uncounted (see firstSight): a burst of 3 on
// two instances lets 5 through.
func TestTrustRulesSharedByTwoInstances(t *testing.T) {
	ctx := context.Background()
	url, db := pkg.Fresh(t)
	other, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	saveRules(t, db, trust.Settings{Address: trust.Rate{Burst: 3}, Network: trust.Rate{Sustained: 1000}})
	signers := []*postgres.Signer{newSigner(t, db, postgres.SignerOptions{}), newSigner(t, other, postgres.SignerOptions{})}
	markers := []*trust.Marker{newMarker(db), newMarker(other)}
	inOneMinute(t, func(attempt int) func() {
		slug := fmt.Sprintf("shared-rules-%d", attempt)
		p := newPetition(t, db, newCampaign(t, db, slug), slug, "open", nil)
		flood := fmt.Sprintf("198.51.100.%d", 7+attempt)
		var held int
		for i := range 10 {
			sig := markedSignature(t, markers[i%2], p, fmt.Sprintf("flood%d@example.org", i), flood)
			res, err := signers[i%2].Sign(ctx, sig)
			if err != nil || !res.New {
				t.Fatalf("sign %d: %+v %v", i, res, err)
			}
			if res.Held {
				held++
			}
		}
		for i := range 2 {
			sig := markedSignature(t, markers[i%2], p, fmt.Sprintf("honest%d@example.org", i), "203.0.113.9")
			if res, err := signers[i%2].Sign(ctx, sig); err != nil || res.Held {
				t.Fatalf("honest sign %d: %+v %v", i, res, err)
			}
		}
		return func() {
			if held != 5 {
				t.Errorf("%d of 10 signatures from one address held, want 5 (burst 3, and one a minute per instance)", held)
			}
			if got := stateCounts(t, db, p); got[petition.StateCounted] != 7 || got[petition.StateSuspect] != 5 {
				t.Errorf("states %v, want 7 counted and 5 suspect", got)
			}
			if n := assertExact(t, db, p); n != 7 {
				t.Errorf("count %d, want 7", n)
			}
		}
	})
}

// inOneMinute runs try until a run starts and ends in one clock minute
// (the rules count per clock minute, and the first-sight filter starts
// again with each), at most three times. try gets the attempt's number to
// make its keys and petition its own, and returns its checks, run once the
// minute is known to be one.
func inOneMinute(t testing.TB, try func(attempt int) (check func())) {
	t.Helper()
	for attempt := range 3 {
		start := time.Now().Truncate(time.Minute)
		check := try(attempt)
		if time.Now().Truncate(time.Minute).Equal(start) {
			check()
			return
		}
	}
	t.Fatal("three attempts each crossed the end of a minute")
}

// The lists settle a signature before any rate: a trusted range (from the
// configuration or the settings) is never held, a held domain always is.
func TestTrustLists(t *testing.T) {
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	saveRules(t, db, trust.Settings{Address: trust.Rate{Burst: 1}, TrustedAddresses: []string{"192.0.2.0/24"},
		HeldDomains: []string{"mailinator.example"}})
	s := newSigner(t, db, postgres.SignerOptions{})
	m := newMarker(db, netip.MustParsePrefix("2001:db8::/32"))
	inOneMinute(t, func(attempt int) func() {
		slug := fmt.Sprintf("lists-%d", attempt)
		p := newPetition(t, db, newCampaign(t, db, slug), slug, "open", nil)
		rated := fmt.Sprintf("198.51.100.%d", 3+attempt)
		tests := []struct {
			email, addr string
			held        bool
		}{
			{"a1@example.org", "192.0.2.10", false},
			{"a2@example.org", "192.0.2.10", false}, // over the burst, but trusted
			{"b1@example.org", "2001:db8::1", false},
			{"b2@example.org", "2001:db8::1", false}, // trusted by configuration
			{"c1@mailinator.example", "198.51.100.1", true},
			{"c2@sub.mailinator.example", "198.51.100.2", true},
			{"d1@example.org", rated, false}, // the first in the minute: not counted
			{"d2@example.org", rated, false}, // the burst's one
			{"d3@example.org", rated, true},  // over the burst
			{"e1@example.org", "", false},    // no address: rated on its domain alone
		}
		var wrong []string
		for _, tt := range tests {
			res, err := s.Sign(ctx, markedSignature(t, m, p, tt.email, tt.addr))
			if err != nil || res.Held != tt.held {
				wrong = append(wrong, fmt.Sprintf("%s from %q: %+v %v, want held %v", tt.email, tt.addr, res, err, tt.held))
			}
		}
		return func() {
			for _, w := range wrong {
				t.Error(w)
			}
			assertExact(t, db, p)
		}
	})
}

// On a petition that verifies by email, a suspect signature its owner
// confirms stays suspect with its confirmation recorded; the owner's
// answer is that of a first confirmation.
func TestConfirmingASuspectKeepsItSuspect(t *testing.T) {
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	saveRules(t, db, trust.Settings{HeldDomains: []string{"held.example"}})
	s := newSigner(t, db, postgres.SignerOptions{})
	conf := db.NewConfirmer()
	t.Cleanup(conf.Close)
	p := newPetition(t, db, newCampaign(t, db, "confirm-suspect"), "confirm-suspect", "open", nil)
	exec(t, db, `UPDATE petitions SET verification = 'email' WHERE id = $1`, p)
	res, err := s.Sign(ctx, markedSignature(t, newMarker(db), p, "someone@held.example", "198.51.100.4"))
	if err != nil || !res.Held || !res.Pending {
		t.Fatalf("sign: %+v %v", res, err)
	}
	id := queryInt(t, db, `SELECT id FROM signatures WHERE petition_id = $1`, p)
	c, err := db.Confirmations().Confirmable(ctx, id)
	if err != nil || c.State != petition.StatePending {
		t.Fatalf("Confirmable = %+v, %v; its owner must see it pending", c, err)
	}
	// Its email is the confirmation link, as a pending signature's.
	if n, err := db.Notices().Signed(ctx, id); err != nil || n.State != petition.StatePending {
		t.Fatalf("Signed = %+v, %v; its email must ask for confirmation", n, err)
	}
	got, err := conf.Confirm(ctx, p, id)
	if err != nil || !got.Counted || got.SignatureCount != 0 {
		t.Fatalf("Confirm = %+v, %v", got, err)
	}
	if again, err := conf.Confirm(ctx, p, id); err != nil || again.Counted {
		t.Fatalf("second Confirm = %+v, %v", again, err)
	}
	if c, err := db.Confirmations().Confirmable(ctx, id); err != nil || c.State != petition.StateCounted {
		t.Fatalf("Confirmable after = %+v, %v; its owner must see it confirmed", c, err)
	}
	if n, err := db.Notices().Signed(ctx, id); err != nil || n.State != petition.StateCounted {
		t.Fatalf("Signed after = %+v, %v; a repeat's email must say it is signed", n, err)
	}
	if st := stateCounts(t, db, p); st[petition.StateSuspect] != 1 || len(st) != 1 {
		t.Errorf("states %v, want one suspect", st)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM signatures WHERE id = $1 AND confirmed_at IS NOT NULL`, id); n != 1 {
		t.Error("confirmation not recorded")
	}
	r, err := db.Trust().PetitionReview(ctx, p)
	if err != nil || r.Suspect != 1 || r.SuspectConfirmed != 1 || len(r.Suspects) != 1 || r.Suspects[0].ConfirmedAt == nil {
		t.Errorf("review = %+v, %v", r, err)
	}
	if drifts, err := db.Recount(ctx); err != nil || len(drifts) != 0 {
		t.Errorf("Recount = %+v, %v", drifts, err)
	}
}

// A cluster of counted signatures is invalidated while signing goes on,
// then counted again: the count equals the counted rows throughout (the
// recount finds no drift), the signatures acted on are exactly the
// cluster's, and a dry run changes nothing.
func TestInvalidateWhileSigning(t *testing.T) {
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	saveRules(t, db, trust.Settings{})
	s := newSigner(t, db, postgres.SignerOptions{})
	m := newMarker(db)
	store := db.Trust()
	p := newPetition(t, db, newCampaign(t, db, "invalidate"), "invalidate", "open", nil)
	const cluster = 3000
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < cluster; i += 8 {
				if _, err := s.Sign(ctx, markedSignature(t, m, p, fmt.Sprintf("bot%d@flood.example", i), "198.51.100.66")); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	sel := trust.Selector{Domain: "flood.example"}
	hook, _, err := db.Webhooks().CreateEndpoint(ctx, staff.CommandLine(), outbound.NewEndpoint{URL: "https://crm.example.org/hooks",
		Events: []string{outbound.EventSignatureInvalidated, outbound.EventSignatureCounted}})
	if err != nil {
		t.Fatal(err)
	}
	dry, err := store.ApplyTrust(ctx, staff.CommandLine(), p, trust.ActionInvalidate, sel, true)
	if err != nil || dry.Changed != cluster || dry.SignatureCount != cluster {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}

	// Honest supporters keep signing while the cluster is taken out.
	var honest atomic.Int64
	stop := make(chan struct{})
	var signing sync.WaitGroup
	for w := range 4 {
		signing.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				addr := fmt.Sprintf("203.0.%d.%d", w, i%250+1)
				if _, err := s.Sign(ctx, markedSignature(t, m, p, fmt.Sprintf("h%d-%d@example.org", w, i), addr)); err != nil {
					t.Error(err)
					return
				}
				honest.Add(1)
			}
		})
	}
	waitFor(t, func() bool { return honest.Load() >= 50 })
	out, err := store.ApplyTrust(ctx, staff.CommandLine(), p, trust.ActionInvalidate, sel, false)
	if err != nil || out.Changed != cluster {
		t.Fatalf("invalidate = %+v, %v", out, err)
	}
	n := honest.Load()
	waitFor(t, func() bool { return honest.Load() >= n+50 })
	close(stop)
	signing.Wait()

	if drifts, err := db.Recount(ctx); err != nil || len(drifts) != 0 {
		t.Fatalf("Recount after invalidating = %+v, %v", drifts, err)
	}
	if got := assertExact(t, db, p); got != honest.Load() {
		t.Errorf("count %d after invalidating, want the %d honest signatures", got, honest.Load())
	}
	if st := stateCounts(t, db, p); st[petition.StateInvalidated] != cluster {
		t.Errorf("states %v, want %d invalidated", st, cluster)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM audit_log WHERE action = 'trust.invalidate' AND entity_id = $1
			AND after->>'changed' = $2 AND after->'selector'->>'domain' = 'flood.example'`, p, fmt.Sprint(cluster)); n != 1 {
		t.Errorf("%d audit rows for the invalidation, want 1", n)
	}

	deliveries := func(event string) int64 {
		return queryInt(t, db, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND event_type = $2
			AND payload::jsonb->'data'->>'petition_id' = $3 AND payload NOT LIKE '%@%'`, hook.ID, event, fmt.Sprint(p))
	}
	if n := deliveries(outbound.EventSignatureInvalidated); n != cluster {
		t.Errorf("%d signature.invalidated deliveries, want %d", n, cluster)
	}
	counted := deliveries(outbound.EventSignatureCounted)
	back, err := store.ApplyTrust(ctx, staff.CommandLine(), p, trust.ActionCount, sel, false)
	if err != nil || back.Changed != cluster || back.SignatureCount != honest.Load()+cluster {
		t.Fatalf("count again = %+v, %v (honest %d)", back, err, honest.Load())
	}
	if drifts, err := db.Recount(ctx); err != nil || len(drifts) != 0 {
		t.Fatalf("Recount after counting again = %+v, %v", drifts, err)
	}
	if n := deliveries(outbound.EventSignatureCounted) - counted; n != cluster {
		t.Errorf("%d signature.counted deliveries for counting again, want %d", n, cluster)
	}
	assertExact(t, db, p)
}

// Selectors combine, and pick by hashed address, network, source, email
// and time; an unknown petition is not found.
func TestTrustSelectors(t *testing.T) {
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	saveRules(t, db, trust.Settings{})
	s := newSigner(t, db, postgres.SignerOptions{})
	m := newMarker(db)
	svc := trust.NewService(db.Trust(), func(context.Context) ([]byte, error) { return trustKey, nil })
	p := newPetition(t, db, newCampaign(t, db, "selectors"), "selectors", "open", nil)
	for i, addr := range []string{"198.51.100.1", "198.51.100.1", "198.51.100.2", "203.0.113.5"} {
		if _, err := s.Sign(ctx, markedSignature(t, m, p, fmt.Sprintf("s%d@example.org", i), addr)); err != nil {
			t.Fatal(err)
		}
	}
	later := time.Now().Add(time.Hour)
	tests := []struct {
		name string
		in   trust.SelectorInput
		want int64
	}{
		{"address", trust.SelectorInput{Address: "198.51.100.1"}, 2},
		{"network by address", trust.SelectorInput{Network: "198.51.100.200"}, 3},
		{"network by range", trust.SelectorInput{Network: "198.51.100.0/24"}, 3},
		{"combined", trust.SelectorInput{Network: "198.51.100.0/24", Email: "S2@example.org"}, 1},
		{"source", trust.SelectorInput{Source: "direct"}, 4},
		{"domain", trust.SelectorInput{Domain: "Example.org"}, 4},
		{"window", trust.SelectorInput{From: &later}, 0},
	}
	for _, tt := range tests {
		out, err := svc.Apply(ctx, staff.CommandLine(), p, trust.ActionInvalidate, tt.in, true)
		if err != nil || out.Changed != tt.want {
			t.Errorf("%s: %+v, %v; want %d", tt.name, out, err, tt.want)
		}
	}
	r, err := svc.Review(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	top := r.Clusters[trust.ByAddress][0]
	out, err := svc.Apply(ctx, staff.CommandLine(), p, trust.ActionInvalidate, trust.SelectorInput{Address: top.Key}, true)
	if err != nil || top.Counted != 2 || out.Changed != 2 {
		t.Errorf("largest address cluster %+v selected by its hash: %+v, %v", top, out, err)
	}
	if _, err := svc.Apply(ctx, staff.CommandLine(), p, trust.ActionInvalidate, trust.SelectorInput{}, true); err == nil {
		t.Error("an empty selector was taken")
	}
	if _, err := svc.Apply(ctx, staff.CommandLine(), p, trust.ActionInvalidate, trust.SelectorInput{Network: "10.0.0.0/8"}, true); err == nil {
		t.Error("a network wider than /24 was taken")
	}
	if _, err := svc.Apply(ctx, staff.CommandLine(), -1, trust.ActionInvalidate, trust.SelectorInput{Source: "direct"}, false); !isNotFound(err) {
		t.Errorf("unknown petition: %v", err)
	}
}

// waitFor waits until cond holds, polling; the test's deadline bounds it.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for !cond() {
		time.Sleep(5 * time.Millisecond)
	}
}

func isNotFound(err error) bool { return errors.Is(err, petition.ErrNotFound) }
