package desk_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// A signer who unsubscribed shows in the export as such: consent "no", and
// when they withdrew it.
func TestExportShowsWithdrawnConsent(t *testing.T) {
	e := start(t)
	w := e.world()
	public := e.server.Client(t)
	for _, email := range []string{"stays@example.org", "leaves@example.org"} {
		if res := public.PostJSON(apptest.SignaturesPath(w.Petition.ID), apptest.SignBody(email)); res.Status != http.StatusCreated {
			t.Fatalf("sign: %d %s", res.Status, res.Body)
		}
	}
	var leaves int64
	if err := e.db.SQL().QueryRowContext(t.Context(), `SELECT id FROM signatures WHERE email = 'leaves@example.org'`).Scan(&leaves); err != nil {
		t.Fatal(err)
	}
	tokens := petition.NewTokensFor(petition.PurposeUnsubscribe, func(ctx context.Context) ([]byte, error) {
		return e.db.ServerKey(ctx, app.UnsubscribeKey)
	})
	tok, err := tokens.Issue(t.Context(), leaves, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().UTC().Add(-time.Minute)
	if res := public.Do("POST", "/unsubscribe/"+tok, strings.NewReader("List-Unsubscribe=One-Click"),
		"Content-Type", "application/x-www-form-urlencoded"); res.Status != http.StatusOK {
		t.Fatalf("unsubscribe: %d %s", res.Status, res.Body)
	}

	res := e.api(e.token(e.member(staff.RoleCampaigner))).Get(fmt.Sprintf("/api/v1/admin/petitions/%d/signatures.csv", w.Petition.ID))
	records, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil || res.Status != http.StatusOK || len(records) != 3 || strings.Join(records[0], ",") != csvHeader {
		t.Fatalf("export: %d %v\n%s", res.Status, err, res.Body)
	}
	for _, r := range records[1:] {
		email, consent, withdrawn := r[3], r[6], r[12]
		switch email {
		case "stays@example.org":
			if consent != "yes" || withdrawn != "" {
				t.Errorf("a subscribed signer: consent %q, withdrawn %q", consent, withdrawn)
			}
		case "leaves@example.org":
			at, err := time.Parse(time.RFC3339, withdrawn)
			if consent != "no" || err != nil || at.Before(before.Truncate(time.Second)) {
				t.Errorf("an unsubscribed signer: consent %q, withdrawn %q", consent, withdrawn)
			}
		default:
			t.Errorf("unexpected row %q", r)
		}
	}
}
