package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHistogramQuantilesAreWithinOneBucketOfExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name string
		gen  func() time.Duration
	}{
		{"constant", func() time.Duration { return 3 * time.Millisecond }},
		{"uniform µs", func() time.Duration { return time.Duration(rng.IntN(100)) * time.Microsecond }},
		{"uniform ms", func() time.Duration { return time.Duration(rng.IntN(200_000)) * time.Microsecond }},
		{"long tail", func() time.Duration { return time.Duration(rng.ExpFloat64() * float64(5*time.Millisecond)) }},
		{"seconds", func() time.Duration { return time.Duration(1+rng.IntN(30)) * time.Second }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var h Histogram
			values := make([]time.Duration, 10_000)
			for i := range values {
				values[i] = tc.gen().Truncate(time.Microsecond)
				h.Record(values[i])
			}
			slices.Sort(values)
			for _, q := range []float64{0.01, 0.5, 0.95, 0.99, 1} {
				rank := int(q*float64(len(values))+0.5) - 1
				exact := values[max(rank, 0)]
				got := h.Quantile(q)
				// The bucket's upper bound: never below the value, at most 1/64 above.
				if got < exact || got > exact+exact/subBuckets+time.Microsecond {
					t.Errorf("q%.2f = %v, exact %v", q, got, exact)
				}
			}
			if h.Count() != uint64(len(values)) {
				t.Errorf("count %d, want %d", h.Count(), len(values))
			}
			s := h.Summary()
			if s.MinMs != ms(values[0]) || s.MaxMs != ms(values[len(values)-1]) {
				t.Errorf("min/max %v/%v, want %v/%v", s.MinMs, s.MaxMs, ms(values[0]), ms(values[len(values)-1]))
			}
		})
	}
}

func TestHistogramBucketsCoverEveryValueInOrder(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<22; us += 1 + us/1000 {
		b := bucketOf(us)
		if b < prev {
			t.Fatalf("bucket of %d µs is %d, below the previous %d", us, b, prev)
		}
		if high := bucketHigh(b); high < us || (b > 0 && bucketHigh(b-1) >= us) {
			t.Fatalf("%d µs in bucket %d whose range ends at %d (previous ends at %d)", us, b, high, bucketHigh(b-1))
		}
		prev = b
	}
	if b := bucketOf(1 << 62); b != histogramBuckets-1 {
		t.Errorf("a huge value lands in bucket %d, want the last (%d)", b, histogramBuckets-1)
	}
}

func TestHistogramMergeEqualsRecordingEverything(t *testing.T) {
	var a, b, all Histogram
	for i := range 5000 {
		d := time.Duration(i*i) * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var merged Histogram
	merged.Merge(&a)
	merged.Merge(&b)
	if merged.Summary() != all.Summary() {
		t.Errorf("merged %+v, want %+v", merged.Summary(), all.Summary())
	}
}

func TestCheckLoopback(t *testing.T) {
	cases := []struct {
		target string
		ok     bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.1.2.3:8080/", true},
		{"http://localhost:8080", true},
		{"http://LOCALHOST", true},
		{"http://[::1]:8080", true},
		{"https://127.0.0.1", true},
		{"http://10.0.0.1:8080", false},
		{"http://192.0.2.1", false},
		{"http://[2001:db8::1]:80", false},
		{"http://example.org", false},
		{"http://localhost.example.org", false},
		{"http://0.0.0.0:8080", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8080", false},
		{"", false},
	}
	for _, tc := range cases {
		err := CheckLoopback(tc.target)
		if (err == nil) != tc.ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok=%v", tc.target, err, tc.ok)
		}
	}
}

func TestRunRefusesATargetOffThisMachine(t *testing.T) {
	_, err := Run(context.Background(), Config{Targets: []string{"http://127.0.0.1:1", "http://192.0.2.1:8080"},
		Mode: ModePage, Slug: "x", Duration: time.Hour})
	if !errors.Is(err, ErrNotLoopback) {
		t.Fatalf("err = %v, want ErrNotLoopback", err)
	}
}

// signServer answers signatures like the real API: 201 with the count of
// distinct normalised emails, repeats included.
type signServer struct {
	mu       sync.Mutex
	people   map[string]bool
	variants int
	fail     func(n int64) bool // answer 503 to the n-th request when true
	requests atomic.Int64
	failed   atomic.Int64
}

func (s *signServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/petitions/7/signatures" ||
		r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "unexpected request "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
		return
	}
	var body struct {
		FullName       string `json:"full_name"`
		Email          string `json:"email"`
		Country        string `json:"country"`
		ConsentUpdates *bool  `json:"consent_updates"`
		Source         string `json:"source"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.FullName == "" ||
		body.Country == "" || body.ConsentUpdates == nil || body.Source != "bench-source" {
		http.Error(w, fmt.Sprintf("bad body: %v %+v", err, body), http.StatusBadRequest)
		return
	}
	if s.fail != nil && s.fail(n) {
		s.failed.Add(1)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	email := strings.ToLower(strings.TrimSpace(body.Email))
	s.mu.Lock()
	if email != body.Email {
		s.variants++
	}
	s.people[email] = true
	count := len(s.people)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"status":"recorded","signature_count":%d}`, count)
}

func TestRunSignSendsUniqueEmailsRepeatsAndVariants(t *testing.T) {
	srv := &signServer{people: map[string]bool{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	res, err := Run(context.Background(), Config{Targets: []string{ts.URL}, Mode: ModeSign, PetitionID: 7,
		Source: "bench-source", Workers: 8, Duration: time.Hour, MaxRequests: 3000,
		RepeatShare: 0.2, VariantShare: 0.5, RunID: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 3000 || res.Succeeded != 3000 || res.ErrorCount() != 0 {
		t.Fatalf("requests %d, succeeded %d, errors %v; want 3000, 3000, none", res.Requests, res.Succeeded, res.Errors)
	}
	if got := srv.requests.Load(); got != 3000 {
		t.Errorf("server saw %d requests, want 3000", got)
	}
	if int(res.NewAcknowledged) != len(srv.people) {
		t.Errorf("new acknowledged %d, server saw %d distinct people", res.NewAcknowledged, len(srv.people))
	}
	if res.NewAcknowledged+res.RepeatsSent != 3000 {
		t.Errorf("new %d + repeats %d != 3000", res.NewAcknowledged, res.RepeatsSent)
	}
	// 20 % of 3000 is 600; a share far off means the knob does not work.
	if res.RepeatsSent < 400 || res.RepeatsSent > 800 {
		t.Errorf("repeats %d, want about 600", res.RepeatsSent)
	}
	if res.VariantsSent == 0 || int(res.VariantsSent) != srv.variants {
		t.Errorf("variants sent %d, server saw %d", res.VariantsSent, srv.variants)
	}
	if res.MaxCountSeen != int64(len(srv.people)) {
		t.Errorf("highest count seen %d, want %d", res.MaxCountSeen, len(srv.people))
	}
	if res.Latency.Count != 3000 || res.Latency.P50Ms > res.Latency.P99Ms || res.Latency.P99Ms > res.Latency.MaxMs {
		t.Errorf("latency summary inconsistent: %+v", res.Latency)
	}
}

func TestRunCountsErrorsByStatus(t *testing.T) {
	srv := &signServer{people: map[string]bool{}, fail: func(n int64) bool { return n%5 == 0 }}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	res, err := Run(context.Background(), Config{Targets: []string{ts.URL}, Mode: ModeSign, PetitionID: 7,
		Source: "bench-source", Workers: 4, Duration: time.Hour, MaxRequests: 1000})
	if err != nil {
		t.Fatal(err)
	}
	failed := srv.failed.Load()
	if failed != 200 || res.Errors["503"] != failed || len(res.Errors) != 1 {
		t.Errorf("errors %v, server failed %d (want 200 × 503)", res.Errors, failed)
	}
	if res.Succeeded+res.ErrorCount() != res.Requests {
		t.Errorf("succeeded %d + errors %d != requests %d", res.Succeeded, res.ErrorCount(), res.Requests)
	}
	if res.NewUncertain != failed || res.NewAcknowledged != int64(len(srv.people)) {
		t.Errorf("new acknowledged %d (server %d), uncertain %d (server failed %d)",
			res.NewAcknowledged, len(srv.people), res.NewUncertain, failed)
	}
}

func TestRunSplitsPageLoadAcrossTargets(t *testing.T) {
	var hits [2]atomic.Int64
	servers := make([]string, 2)
	for i := range servers {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/releases/a-release" {
				http.NotFound(w, r)
				return
			}
			hits[i].Add(1)
			fmt.Fprint(w, "<p>page</p>")
		}))
		defer ts.Close()
		servers[i] = ts.URL
	}
	res, err := Run(context.Background(), Config{Targets: servers, Mode: ModePage, Slug: "a-release",
		Workers: 4, Duration: time.Hour, MaxRequests: 400})
	if err != nil {
		t.Fatal(err)
	}
	if res.Succeeded != 400 || res.ErrorCount() != 0 || res.ResponseBytes != 400*int64(len("<p>page</p>")) {
		t.Fatalf("succeeded %d, errors %v, bytes %d", res.Succeeded, res.Errors, res.ResponseBytes)
	}
	if hits[0].Load() == 0 || hits[1].Load() == 0 || hits[0].Load()+hits[1].Load() != 400 {
		t.Errorf("hits %d and %d, want both > 0 and 400 in all", hits[0].Load(), hits[1].Load())
	}
}

func TestSignatureCount(t *testing.T) {
	cases := []struct {
		body string
		want int64
		ok   bool
	}{
		{`{"status":"recorded","signature_count":12345}`, 12345, true},
		{`{"signature_count":0,"status":"recorded"}`, 0, true},
		{`{"error":{"code":"invalid"}}`, 0, false},
		{`{"signature_count":}`, 0, false},
	}
	for _, tc := range cases {
		got, ok := signatureCount([]byte(tc.body))
		if got != tc.want || ok != tc.ok {
			t.Errorf("signatureCount(%s) = %d, %v; want %d, %v", tc.body, got, ok, tc.want, tc.ok)
		}
	}
}

// A flood run sends the flood's share of people from its few addresses with
// the flood's domain, every other person from an address of their own, and
// a person's repeats from the address they first signed from.
func TestRunSignSendsClientAddressesAndAFlood(t *testing.T) {
	var mu sync.Mutex
	addrOf := map[string]string{}
	var mismatched int
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Email string `json:"email"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		email := strings.ToLower(strings.TrimSpace(body.Email))
		addr := r.Header.Get("X-Forwarded-For")
		mu.Lock()
		if prev, ok := addrOf[email]; ok && prev != addr {
			mismatched++
		}
		addrOf[email] = addr
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"status":"recorded","signature_count":1}`)
	}))
	defer ts.Close()
	flood := []string{"198.51.100.1", "198.51.101.1", "198.51.102.1"}
	res, err := Run(context.Background(), Config{Targets: []string{ts.URL}, Mode: ModeSign, PetitionID: 7, Workers: 4,
		Duration: time.Hour, MaxRequests: 4000, RepeatShare: 0.1, RunID: "f1", ClientAddrs: true, FloodShare: 0.6,
		FloodAddrs: flood})
	if err != nil || res.ErrorCount() != 0 {
		t.Fatalf("run: %+v %v", res, err)
	}
	honestAddrs := map[string]bool{}
	var floods, honest int64
	for email, addr := range addrOf {
		switch {
		case strings.HasSuffix(email, "@"+FloodDomain):
			floods++
			if !slices.Contains(flood, addr) {
				t.Errorf("flood signature %s from %q", email, addr)
			}
		default:
			honest++
			honestAddrs[addr] = true
		}
	}
	if mismatched != 0 {
		t.Errorf("%d repeats came from another address than their first signature", mismatched)
	}
	if floods != res.FloodAcknowledged || floods+honest != res.NewAcknowledged {
		t.Errorf("flood %d, honest %d; acknowledged %d of which flood %d", floods, honest, res.NewAcknowledged, res.FloodAcknowledged)
	}
	if share := float64(floods) / float64(floods+honest); share < 0.55 || share > 0.65 {
		t.Errorf("flood share %.2f, want about 0.6", share)
	}
	if len(honestAddrs) < int(honest)*99/100 {
		t.Errorf("%d honest people shared %d addresses", honest, len(honestAddrs))
	}
	if _, err := Run(context.Background(), Config{Targets: []string{ts.URL}, Mode: ModeSign, PetitionID: 7,
		Duration: time.Second, FloodShare: 0.5}); err == nil {
		t.Error("a flood without addresses was taken")
	}
}
