package benchsuite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/advocacy/advocacy/internal/tooling/loadgen"
)

func TestGeneratedDatasetIsConsistentWithItsCountAndTallies(t *testing.T) {
	_, db := testPkg.Fresh(t)
	ctx := context.Background()

	// Chunks that do not divide the total, to cover the last short one.
	d, err := GenerateDataset(ctx, db, DatasetSpec{CampaignSlug: "bench-scale", PetitionSlug: "bench-test", Signatures: 2500, ChunkSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	small, err := GenerateDataset(ctx, db, DatasetSpec{CampaignSlug: "bench-scale", PetitionSlug: "bench-test-small", Signatures: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []Dataset{d, small} {
		var count, rows int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT (SELECT signature_count FROM petition_counts WHERE petition_id = $1), count(*)
			FROM signatures WHERE petition_id = $1`, want.PetitionID).Scan(&count, &rows); err != nil {
			t.Fatal(err)
		}
		if count != want.Signatures || rows != want.Signatures {
			t.Errorf("petition %d: count %d, rows %d; want %d", want.PetitionID, count, rows, want.Signatures)
		}
		rs, err := db.SQL().QueryContext(ctx, `SELECT sum(signature_count)::bigint FROM signature_tallies WHERE petition_id = $1
			GROUP BY dimension ORDER BY dimension`, want.PetitionID)
		if err != nil {
			t.Fatal(err)
		}
		var perDimension []int64
		for rs.Next() {
			var n int64
			if err := rs.Scan(&n); err != nil {
				t.Fatal(err)
			}
			perDimension = append(perDimension, n)
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
		rs.Close()
		if len(perDimension) != 5 {
			t.Errorf("petition %d: tallies in %d dimensions, want 5 (day, hour, source, country, consent)", want.PetitionID, len(perDimension))
		}
		for _, n := range perDimension {
			if n != want.Signatures {
				t.Errorf("petition %d: a dimension's tallies add up to %d, want %d", want.PetitionID, n, want.Signatures)
			}
		}
	}
	// The server's own recount agrees with every count and tally.
	drifts, err := db.Recount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(drifts) > 0 {
		t.Errorf("recount found drift in generated data: %+v", drifts)
	}
	if _, err := GenerateDataset(ctx, db, DatasetSpec{CampaignSlug: "bench-scale", PetitionSlug: "bench-test", Signatures: 1}); err == nil {
		t.Error("generating into a petition that has signatures succeeded; want an error")
	}
}

func TestCheckLocalDatabase(t *testing.T) {
	cases := []struct {
		url string
		ok  bool
	}{
		{"postgres://postgres@127.0.0.1:5432/postgres", true},
		{"postgres://postgres@localhost/postgres", true},
		{"postgres://postgres@[::1]:5432/postgres", true},
		{"postgres:///postgres?host=/var/run/postgresql", true},
		{"postgres://postgres@db.example.org/postgres", false},
		{"postgres://postgres@10.0.0.5/postgres", false},
	}
	for _, tc := range cases {
		if err := checkLocalDatabase(tc.url); (err == nil) != tc.ok {
			t.Errorf("checkLocalDatabase(%q) = %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
}

func TestOptionsRefuseADatabaseNotMeantForBenchmarks(t *testing.T) {
	for _, name := range []string{"advocacy", "postgres", "advocacy_dev"} {
		o := Options{Database: name}
		if err := o.defaults(); err == nil {
			t.Errorf("database %q accepted; the suite drops it, so it must be refused", name)
		}
	}
	o := Options{Steps: []string{"sign", "nonsense"}}
	if err := o.defaults(); err == nil {
		t.Error("an unknown step was accepted")
	}
}

func TestParsePgbench(t *testing.T) {
	out := []byte(`pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: script.sql
scaling factor: 1
query mode: prepared
number of clients: 64
number of threads: 2
maximum number of tries: 1
duration: 20 s
number of transactions actually processed: 83600
number of failed transactions: 0 (0.000%)
latency average = 15.288 ms
initial connection time = 59.931 ms
tps = 4186.212345 (without initial connection time)
`)
	r, err := parsePgbenchOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.TPS != 4186.212345 || r.Transactions != 83600 || r.Failed != 0 {
		t.Errorf("parsed %+v", r)
	}
	if _, err := parsePgbenchOutput([]byte("pgbench: error: connection refused")); err == nil {
		t.Error("output without tps parsed without error")
	}

	log := filepath.Join(t.TempDir(), "log.123")
	lines := "0 1 1500 0 1700000000 1\n1 1 2500 0 1700000000 2\n2 7 failed 0 1700000000 3\n3 1 12000 0 1700000000 4\n"
	if err := os.WriteFile(log, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	var h loadgen.Histogram
	if err := readPgbenchLog(log, &h); err != nil {
		t.Fatal(err)
	}
	if s := h.Summary(); s.Count != 3 || s.MaxMs != 12 || s.MinMs != 1.5 {
		t.Errorf("log read as %+v; want 3 values from 1.5 to 12 ms", s)
	}
}

func TestPageCountAndThousands(t *testing.T) {
	n, err := parsePageCount([]byte(`<p><strong class="js-count">1,234,567</strong> signatures`))
	if err != nil || n != 1234567 {
		t.Errorf("parsePageCount = %d, %v", n, err)
	}
	if _, err := parsePageCount([]byte(`<p>no count</p>`)); err == nil {
		t.Error("a page without a count parsed")
	}
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 10000000: "10,000,000"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestRowCounterCountsRowsAcrossSplitWrites(t *testing.T) {
	csv := "signature_id,email\n1,a@example.org\n2,b@example.org\n3,c@example.org\n"
	for _, size := range []int{1, 3, 7, len(csv)} {
		var c rowCounter
		for i := 0; i < len(csv); i += size {
			if _, err := c.Write([]byte(csv[i:min(i+size, len(csv))])); err != nil {
				t.Fatal(err)
			}
		}
		if c.rows() != 3 || c.bytes != int64(len(csv)) {
			t.Errorf("writes of %d bytes: %d rows, %d bytes; want 3 rows, %d bytes", size, c.rows(), c.bytes, len(csv))
		}
	}
}
