package benchsuite

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/advocacy/advocacy/internal/tooling/loadgen"
)

// statsRequests is how many times each petition's statistics are read.
const statsRequests = 200

// rssSampleInterval paces the server's memory samples during the export.
const rssSampleInterval = 50 * time.Millisecond

// exportCopySQL selects the columns of the CSV export, from the same join
// the export pages through, for psql's \copy to write in the same run.
const exportCopySQL = `SELECT s.id AS signature_id, s.created_at AS signed_at, s.full_name, s.email, s.postcode, s.country,
CASE WHEN s.consent_updates THEN 'yes' ELSE 'no' END AS consent_updates, s.consent_version,
COALESCE(r.slug, '') AS source_release, s.source_code
FROM signatures s LEFT JOIN releases r ON r.id = s.source_release_id
WHERE s.petition_id = %d ORDER BY s.id`

// streamClient has no overall time limit: an export takes as long as its
// rows; the context bounds it.
var streamClient = &http.Client{}

// token returns a campaigner's API token, made with the advocacy binary on
// first use, as a campaigner on the staff would.
func (r *runner) token(ctx context.Context) (string, error) {
	if r.staffToken != "" {
		return r.staffToken, nil
	}
	email := "bench-campaigner-" + r.stamp + "@example.org"
	pw := []string{"ADVOCACY_PASSWORD=bench " + r.stamp + " correct horse battery staple"}
	if _, err := runCommandWith(ctx, r.env, pw, "staff", "add", "--email", email, "--role", "campaigner"); err != nil {
		return "", err
	}
	out, err := runCommand(ctx, r.env, "staff", "token", "--email", email, "--name", "benchmark")
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	r.staffToken = strings.TrimSpace(lines[len(lines)-1])
	if r.staffToken == "" {
		return "", fmt.Errorf("advocacy staff token printed no token: %s", out)
	}
	return r.staffToken, nil
}

// staffGet sends an authenticated GET and writes the body to w.
func staffGet(ctx context.Context, client *http.Client, u, token string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, body)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// statsAtScale times GET /api/v1/admin/petitions/:id/stats on the small and
// the large petition, one request at a time.
func (r *runner) statsAtScale(ctx context.Context, a *server, small, large Dataset) (Row, error) {
	token, err := r.token(ctx)
	if err != nil {
		return Row{}, err
	}
	sums := map[int64]loadgen.Summary{}
	var body bytes.Buffer
	for _, d := range []Dataset{small, large} {
		u := a.base + "/api/v1/admin/petitions/" + strconv.FormatInt(d.PetitionID, 10) + "/stats"
		var hist loadgen.Histogram
		for range statsRequests {
			body.Reset()
			start := time.Now()
			if err := staffGet(ctx, plainClient, u, token, &body); err != nil {
				return Row{}, err
			}
			hist.Record(time.Since(start))
		}
		if !bytes.Contains(body.Bytes(), []byte(strconv.FormatInt(d.Signatures, 10))) {
			return Row{}, fmt.Errorf("stats of petition %d do not mention its %d signatures: %.300s", d.PetitionID, d.Signatures, body.Bytes())
		}
		sums[d.Signatures] = hist.Summary()
	}
	r.report.Details["stats_read_api"] = sums
	s, l := sums[small.Signatures], sums[large.Signatures]
	return sameCostRow("4 count at scale", fmt.Sprintf("GET /api/v1/admin/petitions/:id/stats at 10 vs %s (%d requests each, one at a time)",
		thousands(large.Signatures), statsRequests),
		fmt.Sprintf("p50 %.2f vs %.2f ms; p99 %.2f vs %.2f ms", s.P50Ms, l.P50Ms, s.P99Ms, l.P99Ms), s.P50Ms, l.P50Ms), nil
}

// rowCounter counts the bytes and lines written to it.
type rowCounter struct {
	bytes, lines int64
}

func (c *rowCounter) Write(p []byte) (int, error) {
	c.bytes += int64(len(p))
	c.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// rows is the lines less the header. Generated signatures hold no line
// breaks, so every other line is one row.
func (c *rowCounter) rows() int64 { return c.lines - 1 }

// exportRun is one timed CSV of the petition.
type exportRun struct {
	Rows    int64         `json:"rows"`
	Bytes   int64         `json:"bytes"`
	Took    time.Duration `json:"took_ns"`
	PerSec  float64       `json:"rows_per_second"`
	RSSFrom int64         `json:"rss_before_bytes,omitempty"`
	RSSPeak int64         `json:"rss_peak_bytes,omitempty"`
}

func (e *exportRun) finish(c rowCounter, took time.Duration) {
	e.Rows, e.Bytes, e.Took = c.rows(), c.bytes, took
	e.PerSec = float64(e.Rows) / took.Seconds()
}

// stepExport is measurement 5: the signatures CSV of ExportSignatures rows
// streamed through the server, against psql's \copy of the same columns in
// the same run, and the server's resident memory meanwhile.
func (r *runner) stepExport(ctx context.Context) error {
	step := "5 export"
	a, err := r.serverA(ctx)
	if err != nil {
		return err
	}
	token, err := r.token(ctx)
	if err != nil {
		return err
	}
	r.logf("   generating %d signatures", r.opts.ExportSignatures)
	d, err := GenerateDataset(ctx, r.db, DatasetSpec{CampaignSlug: "bench-export", PetitionSlug: "bench-export",
		Signatures: r.opts.ExportSignatures, Progress: r.opts.Log})
	if err != nil {
		return err
	}

	// Through the server, sampling its memory.
	var srv exportRun
	before, memErr := a.memory()
	srv.RSSFrom, srv.RSSPeak = before.RSS, before.RSS
	done := make(chan struct{})
	var wg sync.WaitGroup
	if memErr == nil {
		wg.Go(func() {
			tick := time.NewTicker(rssSampleInterval)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
				}
				if m, err := a.memory(); err == nil {
					srv.RSSPeak = max(srv.RSSPeak, m.RSS)
				}
			}
		})
	}
	r.logf("   exporting %d rows through the server", d.Signatures)
	var hc rowCounter
	start := time.Now()
	err = staffGet(ctx, streamClient, a.base+"/api/v1/admin/petitions/"+strconv.FormatInt(d.PetitionID, 10)+"/signatures.csv", token, &hc)
	took := time.Since(start)
	close(done)
	wg.Wait()
	if err != nil {
		return err
	}
	srv.finish(hc, took)
	if m, err := a.memory(); memErr == nil && err == nil {
		srv.RSSPeak = max(srv.RSSPeak, m.RSS)
	}
	r.report.Details["export_http"] = srv
	r.report.add(countRow(step, fmt.Sprintf("GET …/signatures.csv, %s rows", thousands(d.Signatures)), srv, d.Signatures))

	// psql's \copy of the same columns, as the baseline.
	psql, err := exec.LookPath("psql")
	if err != nil {
		r.report.add(Row{Step: step, Measure: "psql \\copy of the same columns", Result: "psql not found",
			Target: fmt.Sprintf("within %d× of \\copy", targetExportRatio), Verdict: VerdictSkipped})
	} else {
		r.logf("   the same rows with psql \\copy")
		var pc rowCounter
		cmd := exec.CommandContext(ctx, psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", r.dbURL,
			"-c", `\copy (`+strings.ReplaceAll(fmt.Sprintf(exportCopySQL, d.PetitionID), "\n", " ")+`) TO STDOUT WITH CSV HEADER`)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &pc, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("psql \\copy: %v: %s", err, stderr.Bytes())
		}
		var cp exportRun
		cp.finish(pc, time.Since(start))
		r.report.Details["export_copy"] = cp
		r.report.add(countRow(step, "psql \\copy of the same columns (baseline)", cp, d.Signatures))
		ratio := cp.PerSec / srv.PerSec
		row := Row{Step: step, Measure: "export against \\copy", Result: fmt.Sprintf("%.2f× slower", ratio),
			Target: fmt.Sprintf("within %d×", targetExportRatio), Verdict: VerdictOK}
		if ratio > targetExportRatio {
			row.Verdict = VerdictMissed
		}
		r.report.add(row)
	}

	mem := Row{Step: step, Measure: fmt.Sprintf("server RSS growth during the export (sampled every %v)", rssSampleInterval),
		Target: fmt.Sprintf("< %d MB", targetExportGrowth>>20), Verdict: VerdictOK}
	if memErr != nil {
		mem.Result, mem.Verdict = "not measured: "+memErr.Error(), VerdictSkipped
	} else {
		growth := srv.RSSPeak - srv.RSSFrom
		mem.Result = fmt.Sprintf("%.1f MB (%.1f → peak %.1f MB)", mb(growth), mb(srv.RSSFrom), mb(srv.RSSPeak))
		if growth >= targetExportGrowth {
			mem.Verdict = VerdictMissed
		}
	}
	r.report.add(mem)
	return nil
}

// countRow reports an export's rate, failing it when it lost or added rows.
func countRow(step, measure string, e exportRun, want int64) Row {
	row := Row{Step: step, Measure: measure, Verdict: VerdictInfo,
		Result: fmt.Sprintf("%s rows/s (%s rows, %.1f MB in %.2f s)", thousands(int64(e.PerSec)), thousands(e.Rows),
			mb(e.Bytes), e.Took.Seconds())}
	if e.Rows != want {
		row.Result += fmt.Sprintf("; %d rows, but %d generated", e.Rows, want)
		row.Verdict = VerdictFailed
	}
	return row
}
