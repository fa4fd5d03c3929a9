package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/storage"
)

func newOpenPetition(t testing.TB, db *postgres.DB) int64 {
	t.Helper()
	return newPetition(t, db, newCampaign(t, db, unique("sign")), unique("sign"), "open", nil)
}

func newSigner(t testing.TB, db *postgres.DB, opts postgres.SignerOptions) *postgres.Signer {
	t.Helper()
	s := db.NewSigner(opts)
	t.Cleanup(s.Close)
	return s
}

// storedCount is the petition's count as the site reads it.
func storedCount(t testing.TB, db *postgres.DB, p int64) int64 {
	t.Helper()
	return queryInt(t, db, `SELECT signature_count FROM petition_counts WHERE petition_id = $1`, p)
}

func storedEmails(t testing.TB, db *postgres.DB, p int64) map[string]bool {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT email FROM signatures WHERE petition_id = $1`, p)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			t.Fatal(err)
		}
		if out[e] {
			t.Errorf("petition %d: %s stored twice", p, e)
		}
		out[e] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type tallyKey struct{ dimension, key string }

// expectedTallies works out petition p's tallies from its signature rows,
// independently of the SQL that keeps them, and returns them with the
// number of rows.
func expectedTallies(t testing.TB, db *postgres.DB, p int64) (map[tallyKey]int64, int64) {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(),
		`SELECT created_at, country, source_release_id, source_code, consent_updates FROM signatures
		WHERE petition_id = $1 AND state = 'counted'`, p)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := map[tallyKey]int64{}
	var n int64
	for rows.Next() {
		var at time.Time
		var country, code string
		var release *int64
		var consent bool
		if err := rows.Scan(&at, &country, &release, &code, &consent); err != nil {
			t.Fatal(err)
		}
		n++
		at = at.UTC()
		want[tallyKey{"day", at.Format("2006-01-02")}]++
		want[tallyKey{"hour", at.Format("2006-01-02T15")}]++
		want[tallyKey{"source", postgres.SourceKey(release, code)}]++
		want[tallyKey{"country", country}]++
		if consent {
			want[tallyKey{"consent", "yes"}]++
		} else {
			want[tallyKey{"consent", "no"}]++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return want, n
}

// assertExact checks that petition p's count and every tally agree with its
// signature rows, and returns the count.
func assertExact(t testing.TB, db *postgres.DB, p int64) int64 {
	t.Helper()
	count := storedCount(t, db, p)
	want, n := expectedTallies(t, db, p)
	if count != n {
		t.Errorf("petition %d: count %d, but %d signature rows", p, count, n)
	}

	got := map[tallyKey]int64{}
	sums := map[string]int64{}
	trows, err := db.SQL().QueryContext(context.Background(),
		`SELECT dimension, key, signature_count FROM signature_tallies WHERE petition_id = $1`, p)
	if err != nil {
		t.Fatal(err)
	}
	defer trows.Close()
	for trows.Next() {
		var k tallyKey
		var v int64
		if err := trows.Scan(&k.dimension, &k.key, &v); err != nil {
			t.Fatal(err)
		}
		got[k] = v
		sums[k.dimension] += v
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("petition %d: tally %s/%s = %d, rows say %d", p, k.dimension, k.key, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok && v != 0 {
			t.Errorf("petition %d: tally %s/%s = %d, but no row has it", p, k.dimension, k.key, v)
		}
	}
	if n > 0 {
		for _, d := range []string{"day", "hour", "source", "country", "consent"} {
			if sums[d] != count {
				t.Errorf("petition %d: %s tallies sum to %d, count is %d", p, d, sums[d], count)
			}
		}
	}
	return count
}

func validSignature(t testing.TB, p int64, in petition.SignInput) petition.Signature {
	t.Helper()
	sig, err := in.Validate()
	if err != nil {
		t.Fatalf("validate %+v: %v", in, err)
	}
	sig.PetitionID = p
	sig.ConsentVersion = consentVersion
	return sig
}

func TestSignOne(t *testing.T) {
	ctx := context.Background()
	p := newOpenPetition(t, shared)
	s := newSigner(t, shared, postgres.SignerOptions{})

	before := time.Now().Add(-time.Minute)
	sig := validSignature(t, p, petition.SignInput{FullName: " Ada  Lovelace ", Email: " Ada@Example.ORG ",
		Postcode: "sw1a 1aa", Country: "gb", ConsentUpdates: ptr(true)})
	res, err := s.Sign(ctx, sig)
	if err != nil {
		t.Fatal(err)
	}
	if res != (petition.SignResult{SignatureCount: 1, New: true}) {
		t.Errorf("Sign = %+v, want count 1, new", res)
	}
	if assertExact(t, shared, p) != 1 {
		t.Error("count is not 1")
	}

	var got petition.Signature
	var createdAt time.Time
	err = shared.SQL().QueryRowContext(ctx, `SELECT full_name, email, postcode, country, consent_updates, consent_version,
		source_code, created_at FROM signatures WHERE petition_id = $1`, p).Scan(&got.FullName, &got.Email, &got.Postcode,
		&got.Country, &got.ConsentUpdates, &got.ConsentVersion, &got.SourceCode, &createdAt)
	if err != nil {
		t.Fatal(err)
	}
	want := petition.Signature{FullName: "Ada Lovelace", Email: "ada@example.org", Postcode: "SW1A 1AA", Country: "GB",
		ConsentUpdates: true, ConsentVersion: consentVersion}
	if got != want {
		t.Errorf("stored\n %+v\nwant\n %+v", got, want)
	}
	if createdAt.Before(before) || createdAt.After(time.Now().Add(time.Minute)) {
		t.Errorf("created_at = %v, want now", createdAt)
	}
}

func TestSignRecordsSources(t *testing.T) {
	ctx := context.Background()
	p := newOpenPetition(t, shared)
	c := queryInt(t, shared, `SELECT campaign_id FROM petitions WHERE id = $1`, p)
	rel := newRelease(t, shared, c, &p, unique("source"), "body", ptr(time.Now()))
	s := newSigner(t, shared, postgres.SignerOptions{})

	inputs := []struct {
		email, country string
		release        *int64
		code           string
	}{
		{"a@example.org", "GB", &rel, ""},
		{"b@example.org", "GB", &rel, ""},
		{"c@example.org", "IE", nil, "newsletter-2026"},
		{"d@example.org", "FR", nil, ""},
		// A shared link's channel wins over the release it led to.
		{"e@example.org", "FR", &rel, "share-email"},
	}
	for i, in := range inputs {
		sig := validSignature(t, p, petition.SignInput{FullName: "Supporter", Email: in.email, Country: in.country, ConsentUpdates: ptr(false)})
		sig.SourceReleaseID, sig.SourceCode = in.release, in.code
		res, err := s.Sign(ctx, sig)
		if err != nil || res.SignatureCount != int64(i+1) || !res.New {
			t.Fatalf("sign %s: %+v, %v; want count %d", in.email, res, err, i+1)
		}
	}
	assertExact(t, shared, p)
	releaseKey := fmt.Sprintf("release:%d", rel)
	for key, want := range map[tallyKey]int64{
		{"source", releaseKey}: 2, {"source", "code:newsletter-2026"}: 1, {"source", "code:share-email"}: 1,
		{"source", "direct"}: 1,
		{"country", "GB"}:    2, {"country", "IE"}: 1, {"country", "FR"}: 2,
	} {
		got := queryInt(t, shared, `SELECT coalesce(sum(signature_count), 0) FROM signature_tallies
			WHERE petition_id = $1 AND dimension = $2 AND key = $3`, p, key.dimension, key.key)
		if got != want {
			t.Errorf("tally %s/%s = %d, want %d", key.dimension, key.key, got, want)
		}
	}
	if n := queryInt(t, shared, `SELECT count(*) FROM signature_tallies WHERE petition_id = $1 AND dimension IN ('day', 'hour')`, p); n < 2 {
		t.Errorf("%d day and hour tallies, want at least one of each", n)
	}
}

func TestSignRepeat(t *testing.T) {
	ctx := context.Background()
	p := newOpenPetition(t, shared)
	s := newSigner(t, shared, postgres.SignerOptions{})

	first, err := s.Sign(ctx, validSignature(t, p, petition.SignInput{FullName: "Ada Lovelace", Email: "ada@example.org",
		Country: "GB", ConsentUpdates: ptr(true)}))
	if err != nil || first != (petition.SignResult{SignatureCount: 1, New: true}) {
		t.Fatalf("first signature: %+v, %v", first, err)
	}
	for _, email := range []string{"ada@example.org", "ADA@EXAMPLE.ORG", "  Ada@Example.Org\t"} {
		// The same person again, typed differently and with other details.
		res, err := s.Sign(ctx, validSignature(t, p, petition.SignInput{FullName: "A. Lovelace", Email: email,
			Country: "IE", ConsentUpdates: ptr(false)}))
		if err != nil {
			t.Fatal(err)
		}
		if res != (petition.SignResult{SignatureCount: 1, New: false}) {
			t.Errorf("repeat %q: %+v, want the same count and not new", email, res)
		}
	}
	if assertExact(t, shared, p) != 1 {
		t.Error("a repeat changed the count")
	}
	var name, country string
	if err := shared.SQL().QueryRowContext(ctx, `SELECT full_name, country FROM signatures WHERE petition_id = $1`, p).Scan(&name, &country); err != nil {
		t.Fatal(err)
	}
	if name != "Ada Lovelace" || country != "GB" {
		t.Errorf("a repeat overwrote the signature: %s, %s", name, country)
	}

	// The same person on another petition is a new signature.
	other := newOpenPetition(t, shared)
	if res, err := s.Sign(ctx, signature(t, other, "Ada Lovelace", "ada@example.org")); err != nil || !res.New || res.SignatureCount != 1 {
		t.Errorf("same person, other petition: %+v, %v", res, err)
	}
}

func TestSignRefused(t *testing.T) {
	ctx := context.Background()
	s := newSigner(t, shared, postgres.SignerOptions{})
	c := newCampaign(t, shared, unique("refused"))
	tests := []struct {
		name     string
		status   string
		closesAt *time.Time
		want     error
	}{
		{"closed", "closed", nil, petition.ErrClosed},
		{"closed, closing date ahead", "closed", ptr(time.Now().Add(time.Hour)), petition.ErrClosed},
		{"past its closing date", "open", ptr(time.Now().Add(-time.Second)), petition.ErrClosed},
		{"closing date ahead", "open", ptr(time.Now().Add(time.Hour)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPetition(t, shared, c, unique("refused"), tt.status, tt.closesAt)
			res, err := s.Sign(ctx, signature(t, p, "Ada", "ada@example.org"))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Sign = %+v, %v; want %v", res, err, tt.want)
			}
			want := int64(0)
			if tt.want == nil {
				want = 1
			}
			if n := assertExact(t, shared, p); n != want {
				t.Errorf("count %d, want %d", n, want)
			}
			if n := queryInt(t, shared, `SELECT count(*) FROM signature_tallies WHERE petition_id = $1`, p); want == 0 && n != 0 {
				t.Errorf("%d tallies for a refused signature", n)
			}
		})
	}

	res, err := s.Sign(ctx, signature(t, -1, "Ada", "ada@example.org"))
	if !errors.Is(err, petition.ErrNotFound) {
		t.Errorf("unknown petition: Sign = %+v, %v; want petition.ErrNotFound", res, err)
	}
}

// One batch holding every kind of outcome answers each one on its own.
func TestSignBatchOfMixedOutcomes(t *testing.T) {
	c := newCampaign(t, shared, unique("mixed"))
	p1 := newPetition(t, shared, c, unique("mixed"), "open", nil)
	p2 := newPetition(t, shared, c, unique("mixed"), "open", nil)
	closed := newPetition(t, shared, c, unique("mixed"), "closed", nil)
	s := newSigner(t, shared, postgres.SignerOptions{Workers: 1})
	var calls []int
	postgres.SetBeforeCommit(s, func(n int) error { calls = append(calls, n); return nil })

	results, errs := postgres.CommitBatch(s, []petition.Signature{
		signature(t, p1, "Ada", "ada@example.org"),
		signature(t, p1, "Ada", " ADA@example.org"), // repeat inside the batch
		signature(t, closed, "Ada", "ada@example.org"),
		signature(t, -1, "Ada", "ada@example.org"),
		signature(t, p2, "Ada", "ada@example.org"),
		signature(t, p1, "Bob", "bob@example.org"),
	})
	want := []struct {
		res petition.SignResult
		err error
	}{
		{petition.SignResult{SignatureCount: 2, New: true}, nil},
		{petition.SignResult{SignatureCount: 2, New: false}, nil},
		{petition.SignResult{}, petition.ErrClosed},
		{petition.SignResult{}, petition.ErrNotFound},
		{petition.SignResult{SignatureCount: 1, New: true}, nil},
		{petition.SignResult{SignatureCount: 2, New: true}, nil},
	}
	for i, w := range want {
		if results[i] != w.res || !errors.Is(errs[i], w.err) || (w.err == nil) != (errs[i] == nil) {
			t.Errorf("signature %d: %+v, %v; want %+v, %v", i, results[i], errs[i], w.res, w.err)
		}
	}
	if !slices.Equal(calls, []int{6}) {
		t.Errorf("transactions of sizes %v, want one of 6: refusals do not fail the batch", calls)
	}
	for p, n := range map[int64]int64{p1: 2, p2: 1, closed: 0} {
		if got := assertExact(t, shared, p); got != n {
			t.Errorf("petition %d: count %d, want %d", p, got, n)
		}
	}
}

var (
	errCrash        = errors.New("crash before commit")
	pgErrorDeadlock = pgconn.PgError{Code: "40P01", Message: "deadlock detected"}
)

// What commit does when a batch's transaction fails, call by call.
func TestSignBatchFailures(t *testing.T) {
	deadlock := &pgErrorDeadlock
	tests := []struct {
		name string
		// fail decides the hook's answer for its n-th call (from 1) on a
		// batch of size.
		fail      func(n, size int) error
		bad       bool  // the third signature breaks a schema rule
		wantCalls []int // the sizes of the transactions that reached the hook
		wantErr   []error
		wantNew   []bool
		wantCount []int64
	}{
		{
			name:      "a failed batch is retried one signature at a time",
			fail:      func(n, size int) error { return when(size > 1, errCrash) },
			wantCalls: []int{4, 1, 1, 1, 1},
			wantErr:   []error{nil, nil, nil, nil},
			wantNew:   []bool{true, true, false, true},
			wantCount: []int64{1, 2, 2, 3},
		},
		{
			name:      "a signature whose own retry fails is refused, alone",
			fail:      func(n, size int) error { return when(n == 1 || n == 3, errCrash) },
			wantCalls: []int{4, 1, 1, 1, 1},
			wantErr:   []error{nil, errCrash, nil, nil},
			wantNew:   []bool{true, false, false, true},
			wantCount: []int64{1, 0, 1, 2},
		},
		{
			name:      "every attempt fails",
			fail:      func(n, size int) error { return errCrash },
			wantCalls: []int{4, 1, 1, 1, 1},
			wantErr:   []error{errCrash, errCrash, errCrash, errCrash},
			wantNew:   []bool{false, false, false, false},
			wantCount: []int64{0, 0, 0, 0},
		},
		{
			name:      "an unreachable database is not retried",
			fail:      func(n, size int) error { return fmt.Errorf("%w: connection reset", storage.ErrUnavailable) },
			wantCalls: []int{4},
			wantErr:   []error{storage.ErrUnavailable, storage.ErrUnavailable, storage.ErrUnavailable, storage.ErrUnavailable},
			wantNew:   []bool{false, false, false, false},
			wantCount: []int64{0, 0, 0, 0},
		},
		{
			name:      "a deadlock is retried as a batch",
			fail:      func(n, size int) error { return when(n <= 2, error(deadlock)) },
			wantCalls: []int{4, 4, 4},
			wantErr:   []error{nil, nil, nil, nil},
			wantNew:   []bool{true, true, false, true},
			wantCount: []int64{3, 3, 3, 3},
		},
		{
			name:      "after five deadlocks, one signature at a time",
			fail:      func(n, size int) error { return when(n <= 5, error(deadlock)) },
			wantCalls: []int{4, 4, 4, 4, 4, 1, 1, 1, 1},
			wantErr:   []error{nil, nil, nil, nil},
			wantNew:   []bool{true, true, false, true},
			wantCount: []int64{1, 2, 2, 3},
		},
		{
			name:      "a row the schema refuses does not refuse its neighbours",
			fail:      func(n, size int) error { return nil },
			bad:       true,
			wantCalls: []int{1, 1, 1}, // the batch and the bad row fail before the hook
			wantErr:   []error{nil, nil, errAny, nil},
			wantNew:   []bool{true, true, false, true},
			wantCount: []int64{1, 2, 0, 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newOpenPetition(t, shared)
			s := newSigner(t, shared, postgres.SignerOptions{Workers: 1})
			var calls []int
			postgres.SetBeforeCommit(s, func(size int) error {
				calls = append(calls, size)
				return tt.fail(len(calls), size)
			})
			sigs := []petition.Signature{
				signature(t, p, "Ada", "ada@example.org"),
				signature(t, p, "Bob", "bob@example.org"),
				signature(t, p, "Ada", "ADA@example.org "), // Ada again
				signature(t, p, "Cy", "cy@example.org"),
			}
			if tt.bad {
				sigs[2] = signature(t, p, "Dee", "dee@example.org")
				sigs[2].Country = "gb" // bypasses validation; the schema wants upper case
			}
			results, errs := postgres.CommitBatch(s, sigs)

			if !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("transactions reaching the hook: sizes %v, want %v", calls, tt.wantCalls)
			}
			acked := map[string]bool{}
			for i := range sigs {
				switch want := tt.wantErr[i]; {
				case want == nil && errs[i] != nil:
					t.Errorf("signature %d: %v, want success", i, errs[i])
				case want == errAny && errs[i] == nil, want != nil && want != errAny && !errors.Is(errs[i], want):
					t.Errorf("signature %d: error %v, want %v", i, errs[i], want)
				}
				if errs[i] == nil {
					acked[sigs[i].Email] = true
				}
				if results[i].New != tt.wantNew[i] || results[i].SignatureCount != tt.wantCount[i] {
					t.Errorf("signature %d: %+v, want new %v, count %d", i, results[i], tt.wantNew[i], tt.wantCount[i])
				}
			}
			stored := storedEmails(t, shared, p)
			if len(stored) != len(acked) {
				t.Errorf("stored %v, acknowledged %v", stored, acked)
			}
			for e := range acked {
				if !stored[e] {
					t.Errorf("%s was acknowledged but is not stored", e)
				}
			}
			if n := assertExact(t, shared, p); n != int64(len(acked)) {
				t.Errorf("count %d, want %d", n, len(acked))
			}
		})
	}
}

// errAny in a table means any error will do.
var errAny = errors.New("any error")

func when(cond bool, err error) error {
	if cond {
		return err
	}
	return nil
}

// attempt is one supporter's try at signing, and what Sign answered.
type attempt struct {
	person int
	sig    petition.Signature
	res    petition.SignResult
	err    error
}

// crowd builds the attempts of people supporters on petition p: each signs
// once, and every repeatEvery-th signs three times, typing the address
// differently each time.
func crowd(t testing.TB, p int64, people, repeatEvery int) []attempt {
	t.Helper()
	var out []attempt
	for i := range people {
		forms := []string{fmt.Sprintf("person%03d@example.org", i)}
		if repeatEvery > 0 && i%repeatEvery == 0 {
			forms = append(forms, fmt.Sprintf("PERSON%03d@Example.ORG", i), fmt.Sprintf("  person%03d@EXAMPLE.org  ", i))
		}
		for _, email := range forms {
			out = append(out, attempt{person: i, sig: validSignature(t, p, petition.SignInput{
				FullName: fmt.Sprintf("Person %d", i), Email: email, Country: []string{"GB", "IE", "FR"}[i%3],
				ConsentUpdates: ptr(i%2 == 0)})})
		}
	}
	return out
}

// signAll makes every attempt at once, one goroutine each, spread over the
// signers, and waits for every answer.
func signAll(signers []*postgres.Signer, attempts []attempt) {
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(attempts), func(i, j int) { attempts[i], attempts[j] = attempts[j], attempts[i] })
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			<-start
			a := &attempts[i]
			a.res, a.err = signers[i%len(signers)].Sign(context.Background(), a.sig)
		})
	}
	close(start)
	wg.Wait()
}

// assertAnswers checks the answers given for petition p against what was
// stored: exactly the acknowledged people are stored, each once; the count
// is exact; each person was told "new" once; and every answer's count
// includes the signature it answers.
func assertAnswers(t *testing.T, db *postgres.DB, p int64, attempts []attempt) {
	t.Helper()
	final := assertExact(t, db, p)
	stored := storedEmails(t, db, p)
	ackedPeople := map[int]bool{}
	newCount := map[int]int64{} // person → count answered to their new signature
	var newCounts []int64
	for _, a := range attempts {
		if a.sig.PetitionID != p || a.err != nil {
			continue
		}
		ackedPeople[a.person] = true
		if !stored[a.sig.Email] {
			t.Errorf("person %d was acknowledged but is not stored", a.person)
		}
		if a.res.SignatureCount < 1 || a.res.SignatureCount > final {
			t.Errorf("person %d was told count %d, final count %d", a.person, a.res.SignatureCount, final)
		}
		if a.res.New {
			if _, twice := newCount[a.person]; twice {
				t.Errorf("person %d was told twice that their signature is new", a.person)
			}
			newCount[a.person] = a.res.SignatureCount
			newCounts = append(newCounts, a.res.SignatureCount)
		}
	}
	if int64(len(stored)) != final || len(ackedPeople) != len(stored) {
		t.Errorf("petition %d: %d stored, %d people acknowledged, count %d", p, len(stored), len(ackedPeople), final)
	}
	if len(newCount) != len(ackedPeople) {
		t.Errorf("petition %d: %d people told new, %d acknowledged", p, len(newCount), len(ackedPeople))
	}
	// The count answered to the k-th new signature (in count order) is at
	// least k: a signer's count includes their own signature and those
	// committed before it.
	slices.Sort(newCounts)
	for k, c := range newCounts {
		if c < int64(k+1) {
			t.Errorf("petition %d: the %d-th new signature was told count %d", p, k+1, c)
			break
		}
	}
	if len(newCounts) > 0 && newCounts[len(newCounts)-1] != final {
		t.Errorf("petition %d: the last commit answered %d, final count %d", p, newCounts[len(newCounts)-1], final)
	}
	// A repeat's answer includes the signature it repeats.
	for _, a := range attempts {
		if a.sig.PetitionID == p && a.err == nil && !a.res.New && a.res.SignatureCount < newCount[a.person] {
			t.Errorf("person %d: repeat told %d, before their own signature's %d", a.person, a.res.SignatureCount, newCount[a.person])
		}
	}
}

func TestSignConcurrently(t *testing.T) {
	p := newOpenPetition(t, shared)
	s := newSigner(t, shared, postgres.SignerOptions{})
	attempts := crowd(t, p, 120, 3) // 120 people, 40 of them three times: 200 goroutines
	if len(attempts) != 200 {
		t.Fatalf("%d attempts", len(attempts))
	}
	signAll([]*postgres.Signer{s}, attempts)
	for _, a := range attempts {
		if a.err != nil {
			t.Fatalf("person %d: %v", a.person, a.err)
		}
	}
	assertAnswers(t, shared, p, attempts)
	if n := storedCount(t, shared, p); n != 120 {
		t.Errorf("count %d, want 120", n)
	}
}

// Two signers on one database behave as two server processes do, each with
// its own pool, signing the same people onto the same petitions.
func TestSignConcurrentlyFromTwoProcesses(t *testing.T) {
	ctx := context.Background()
	other, err := postgres.Open(ctx, sharedURL, postgres.Options{MaxOpenConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	signers := []*postgres.Signer{
		newSigner(t, shared, postgres.SignerOptions{Workers: 2, MaxBatch: 32}),
		newSigner(t, other, postgres.SignerOptions{Workers: 2, MaxBatch: 32}),
	}
	c := newCampaign(t, shared, unique("two"))
	p1 := newPetition(t, shared, c, unique("two"), "open", nil)
	p2 := newPetition(t, shared, c, unique("two"), "open", nil)
	closed := newPetition(t, shared, c, unique("two"), "closed", nil)

	attempts := append(crowd(t, p1, 80, 4), crowd(t, p2, 60, 2)...)
	attempts = append(attempts, crowd(t, closed, 15, 5)...)
	attempts = append(attempts, crowd(t, -1, 10, 0)...)
	signAll(signers, attempts)

	for _, a := range attempts {
		switch a.sig.PetitionID {
		case closed:
			if !errors.Is(a.err, petition.ErrClosed) {
				t.Errorf("closed petition: person %d: %+v, %v", a.person, a.res, a.err)
			}
		case -1:
			if !errors.Is(a.err, petition.ErrNotFound) {
				t.Errorf("unknown petition: person %d: %+v, %v", a.person, a.res, a.err)
			}
		default:
			if a.err != nil {
				t.Errorf("petition %d, person %d: %v", a.sig.PetitionID, a.person, a.err)
			}
		}
	}
	assertAnswers(t, shared, p1, attempts)
	assertAnswers(t, shared, p2, attempts)
	for p, want := range map[int64]int64{p1: 80, p2: 60, closed: 0} {
		if n := assertExact(t, shared, p); n != want {
			t.Errorf("petition %d: count %d, want %d", p, n, want)
		}
	}
}

// A crash between a batch's statements and its COMMIT loses the whole
// transaction; signing goes on. Nothing acknowledged may be missing, and
// nothing may be counted twice.
func TestSignCrashInTheMiddle(t *testing.T) {
	p := newOpenPetition(t, shared)
	s := newSigner(t, shared, postgres.SignerOptions{Workers: 3, MaxBatch: 16})
	var mu sync.Mutex
	var batchCalls, singleCalls, failedBatches, failedSingles int
	// Every other batch of several signatures fails, and so does every
	// other transaction of one (the retries of the failed batches included).
	postgres.SetBeforeCommit(s, func(size int) error {
		mu.Lock()
		defer mu.Unlock()
		if size > 1 {
			batchCalls++
			if batchCalls%2 == 1 {
				failedBatches++
				return errCrash
			}
			return nil
		}
		singleCalls++
		if singleCalls%2 == 0 {
			failedSingles++
			return errCrash
		}
		return nil
	})
	attempts := crowd(t, p, 150, 3) // 250 goroutines
	signAll([]*postgres.Signer{s}, attempts)

	if failedBatches == 0 || failedSingles == 0 {
		t.Fatalf("no failure was injected (%d batches, %d single transactions): the test proved nothing", batchCalls, singleCalls)
	}
	var refused int
	for _, a := range attempts {
		if a.err == nil {
			continue
		}
		refused++
		if !errors.Is(a.err, errCrash) {
			t.Errorf("person %d: %v, want the injected failure", a.person, a.err)
		}
		if a.res != (petition.SignResult{}) {
			t.Errorf("person %d: refused, yet answered %+v", a.person, a.res)
		}
	}
	// Only a transaction of one signature answers its failure to the
	// signer; a failed batch is tried again one by one.
	if refused != failedSingles {
		t.Errorf("%d signers refused, %d single transactions failed", refused, failedSingles)
	}
	assertAnswers(t, shared, p, attempts)
	t.Logf("%d batches (%d failed), %d single transactions (%d failed), %d stored",
		batchCalls, failedBatches, singleCalls, failedSingles, storedCount(t, shared, p))
}

func TestCloseCommitsWhatIsQueued(t *testing.T) {
	ctx := context.Background()
	p := newOpenPetition(t, shared)
	s := shared.NewSigner(postgres.SignerOptions{Workers: 1, MaxBatch: 8})
	var pending []postgres.Pending
	// The queue holds 8: Enqueue waits for room, so signatures are still
	// queued, and a batch in flight, when Close is called.
	for i := range 100 {
		pe, ok := postgres.Enqueue(s, signature(t, p, "Supporter", fmt.Sprintf("queued%d@example.org", i)))
		if !ok {
			t.Fatal("the signer refused a signature before Close")
		}
		pending = append(pending, pe)
	}
	s.Close()
	// Close has returned: every queued signature already has its answer.
	for i, pe := range pending {
		res, err, ok := pe.Outcome()
		if !ok {
			t.Fatalf("signature %d still undecided after Close returned", i)
		}
		if err != nil || !res.New {
			t.Errorf("signature %d: %+v, %v", i, res, err)
		}
	}
	if n := assertExact(t, shared, p); n != 100 {
		t.Errorf("count %d after Close, want 100", n)
	}

	res, err := s.Sign(ctx, signature(t, p, "Late", "late@example.org"))
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("Sign after Close = %+v, %v; want storage.ErrUnavailable", res, err)
	}
	if _, ok := postgres.Enqueue(s, signature(t, p, "Late", "late@example.org")); ok {
		t.Error("a closed signer queued a signature")
	}
	s.Close() // a second Close is harmless
	if n := storedCount(t, shared, p); n != 100 {
		t.Errorf("count %d, want 100", n)
	}
}

// Signers racing Close are either committed or told to retry; never lost.
func TestCloseWhileSigning(t *testing.T) {
	p := newOpenPetition(t, shared)
	s := shared.NewSigner(postgres.SignerOptions{Workers: 2, MaxBatch: 4})
	attempts := crowd(t, p, 100, 0)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			<-start
			a := &attempts[i]
			a.res, a.err = s.Sign(context.Background(), a.sig)
		})
	}
	wg.Go(func() {
		<-start
		s.Close()
	})
	close(start)
	wg.Wait()
	for _, a := range attempts {
		if a.err != nil && !errors.Is(a.err, storage.ErrUnavailable) {
			t.Errorf("person %d: %v", a.person, a.err)
		}
	}
	assertAnswers(t, shared, p, attempts)
}

// A caller that gives up is either signed or told why not; never both.
func TestSignWithCancelledContext(t *testing.T) {
	p := newOpenPetition(t, shared)
	s := newSigner(t, shared, postgres.SignerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	attempts := crowd(t, p, 40, 0)
	for i := range attempts {
		a := &attempts[i]
		a.res, a.err = s.Sign(ctx, a.sig)
		if a.err != nil && !errors.Is(a.err, context.Canceled) {
			t.Errorf("person %d: %v, want context.Canceled", a.person, a.err)
		}
	}
	assertAnswers(t, shared, p, attempts)
}
