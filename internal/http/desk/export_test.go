package desk_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

var csvHeader = "signature_id,signed_at,full_name,email,postcode,country,consent_updates,consent_version,source_release,source_code,state,confirmed_at,consent_withdrawn_at"

func TestExportNeutralisesFormulas(t *testing.T) {
	e := start(t)
	w := e.world()
	// Rows as a hostile signer could leave them (the API would refuse some
	// of these values; the export must be safe whatever is stored).
	apptest.Exec(t, e.db, `INSERT INTO signatures (petition_id, full_name, email, postcode, country, consent_updates, consent_version,
			source_release_id, source_code) VALUES
		($1, '=HYPERLINK("http://evil.example","x")', '=a@example.org', '+44 20', 'GB', true, '2026-11-v1', $2, '@SUM(A1)'),
		($1, '-2+3', '@b@example.org', '-1', 'FR', false, '2026-11-v1', NULL, '=cmd'),
		($1, 'Zoë Ünal, "Jr"', 'zoe@example.org', 'N1 9GU', 'DE', true, '2026-11-v1', NULL, '')`,
		w.Petition.ID, w.Release.ID)
	api := e.api(e.token(e.member(staff.RoleCampaigner)))
	res := api.Get(fmt.Sprintf("/api/v1/admin/petitions/%d/signatures.csv", w.Petition.ID))
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", res.Status, res.Header)
	}
	records, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, res.Body)
	}
	if strings.Join(records[0], ",") != csvHeader || len(records) != 4 {
		t.Fatalf("header %v and %d rows", records[0], len(records)-1)
	}
	want := [][]string{
		{`'=HYPERLINK("http://evil.example","x")`, "'=a@example.org", "'+44 20", "GB", "yes", "2026-11-v1", w.Release.Slug, "'@SUM(A1)", "counted", "", ""},
		{"'-2+3", "'@b@example.org", "'-1", "FR", "no", "2026-11-v1", "", "'=cmd", "counted", "", ""},
		{`Zoë Ünal, "Jr"`, "zoe@example.org", "N1 9GU", "DE", "yes", "2026-11-v1", "", "", "counted", "", ""},
	}
	for i, w := range want {
		if got := records[i+1][2:]; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("row %d: %q\nwant    %q", i+1, got, w)
		}
	}
	// Through the page too, for a signed-in campaigner.
	c, _ := e.signedIn(staff.RoleCampaigner)
	if page := c.Get(fmt.Sprintf("/admin/petitions/%d/signatures.csv", w.Petition.ID)); page.Body != res.Body {
		t.Error("the page's CSV differs from the API's")
	}
}

// countingReader counts the bytes the client has read.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// The export of a large petition streams: while the client reads tens of
// megabytes, the heap of the process (server and client both) never grows
// by more than a few pages' worth.
func TestExportStreamsInBoundedMemory(t *testing.T) {
	const rows = 200_000
	const heapLimit = 8 << 20
	e := start(t)
	w := e.world()
	apptest.Exec(t, e.db, `INSERT INTO signatures (petition_id, full_name, email, postcode, country, consent_updates, consent_version)
		SELECT $1, 'Supporter number ' || g || ' ' || repeat('x', 80), 'stream' || g || '@example.org', 'SW1A 1AA',
		       'GB', g % 2 = 0, '2026-11-v1'
		FROM generate_series(1, $2::int) g`, w.Petition.ID, rows)
	api := e.api(e.token(e.member(staff.RoleCampaigner)))

	heap := func() int64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	base := heap()
	res, err := api.Open(http.MethodGet, fmt.Sprintf("/api/v1/admin/petitions/%d/signatures.csv", w.Petition.ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", res.StatusCode)
	}
	body := &countingReader{r: res.Body}
	r := csv.NewReader(body)
	r.ReuseRecord = true
	var n int
	var lastID, peak int64
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("row %d: %v", n, err)
		}
		if n == 0 {
			if strings.Join(rec, ",") != csvHeader {
				t.Fatalf("header %v", rec)
			}
		} else {
			id, err := strconv.ParseInt(rec[0], 10, 64)
			if err != nil || id <= lastID {
				t.Fatalf("row %d: id %q after %d", n, rec[0], lastID)
			}
			lastID = id
		}
		n++
		if n%25_000 == 0 {
			peak = max(peak, heap()-base)
		}
	}
	if n != rows+1 {
		t.Errorf("%d rows, want %d and a header", n-1, rows)
	}
	if body.n < 4*heapLimit {
		t.Fatalf("only %d bytes exported: too few to tell streaming from buffering", body.n)
	}
	if peak > heapLimit {
		t.Errorf("the heap grew by %d bytes while %d bytes streamed; want under %d", peak, body.n, heapLimit)
	}
	t.Logf("%d rows, %d bytes; the heap grew by at most %d bytes", n-1, body.n, peak)
}
