package donations_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// reviewAudits counts the audit rows of reviews of donation id.
func (a *app) reviewAudits(t *testing.T, id int64) int {
	t.Helper()
	var n int
	err := a.db.SQL().QueryRowContext(t.Context(), `SELECT count(*) FROM audit_log
		WHERE action = 'donation.review' AND entity = 'donation' AND entity_id = $1`, id).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func ids(l listing) []int64 {
	var out []int64
	for _, d := range l.Donations {
		out = append(out, d.ID)
	}
	return out
}

func TestBulkReviewAPI(t *testing.T) {
	a := newApp(t, appOptions{})
	b := a.api(t, a.finance.Token)
	first, second, third := a.give(t, "10"), a.give(t, "20"), a.give(t, "30")
	post := func(body string) apptest.Response {
		return b.Do(http.MethodPost, "/api/v1/admin/donations/review", strings.NewReader(body), "Content-Type", "application/json")
	}

	refused := []struct {
		name, body string
		status     int
		field      string
	}{
		{"no ids", `{"note":"x"}`, http.StatusUnprocessableEntity, "ids"},
		{"an empty list", `{"ids":[]}`, http.StatusUnprocessableEntity, "ids"},
		{"null ids", `{"ids":null}`, http.StatusUnprocessableEntity, "ids"},
		{"an id below 1", fmt.Sprintf(`{"ids":[%d,0]}`, first.ID), http.StatusUnprocessableEntity, "ids"},
		{"a negative id", `{"ids":[-4]}`, http.StatusUnprocessableEntity, "ids"},
		{"an unknown id", fmt.Sprintf(`{"ids":[%d,999999]}`, first.ID), http.StatusUnprocessableEntity, "ids"},
		{"too many", `{"ids":[` + strings.TrimSuffix(seq(501), ",") + `]}`, http.StatusUnprocessableEntity, "ids"},
		{"a long note", fmt.Sprintf(`{"ids":[%d],"note":"%s"}`, first.ID, strings.Repeat("x", 2001)), http.StatusUnprocessableEntity, "note"},
		{"ids of the wrong type", `{"ids":["1"]}`, http.StatusBadRequest, ""},
		{"a fractional id", `{"ids":[1.5]}`, http.StatusBadRequest, ""},
		{"malformed", `{"ids":[1`, http.StatusBadRequest, ""},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			res := post(tt.body)
			if res.Status != tt.status || (tt.field != "" && !strings.Contains(res.Body, `"`+tt.field+`":`)) {
				t.Errorf("%d, want %d naming %q: %.300s", res.Status, tt.status, tt.field, res.Body)
			}
		})
	}
	if n := a.reviewAudits(t, first.ID); n != 0 {
		t.Fatalf("a refused bulk review left %d audit rows", n)
	}
	if got := ids(a.list(t, "?reviewed=yes")); len(got) != 0 {
		t.Fatalf("a refused bulk review marked %v reviewed", got)
	}

	res := post(fmt.Sprintf(`{"ids":[%d,%d,%d],"note":"Matched to the bank deposit of 30 November."}`, third.ID, first.ID, third.ID))
	var out struct {
		ReviewedIDs []int64 `json:"reviewed_ids"`
	}
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil || res.Status != http.StatusOK {
		t.Fatalf("review: %d %s", res.Status, res.Body)
	}
	if fmt.Sprint(out.ReviewedIDs) != fmt.Sprint([]int64{first.ID, third.ID}) {
		t.Errorf("reviewed %v, want %v", out.ReviewedIDs, []int64{first.ID, third.ID})
	}
	for _, g := range []given{first, third} {
		e, _, err := a.store.Get(t.Context(), g.ID)
		if err != nil || e.ReviewedAt == nil || e.ReviewedByEmail != a.finance.Email || e.ReviewNote != "Matched to the bank deposit of 30 November." {
			t.Errorf("donation %d after the review: %+v %v", g.ID, e.Donation, err)
		}
		if n := a.reviewAudits(t, g.ID); n != 1 {
			t.Errorf("donation %d has %d review audit rows, want 1", g.ID, n)
		}
	}
	if n := a.reviewAudits(t, second.ID); n != 0 {
		t.Errorf("the donation not named was audited %d times", n)
	}
	t.Run("the review filter", func(t *testing.T) {
		for _, tt := range []struct {
			query string
			want  []int64
		}{
			{"?reviewed=no", []int64{second.ID}},
			{"?reviewed=yes", []int64{third.ID, first.ID}},
			{"", []int64{third.ID, second.ID, first.ID}},
		} {
			if got := ids(a.list(t, tt.query)); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%q: %v, want %v", tt.query, got, tt.want)
			}
		}
		if res := b.Get("/api/v1/admin/donations?reviewed=maybe"); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("reviewed=maybe: %d", res.Status)
		}
	})
}

// seq is "1,2,…,n,".
func seq(n int) string {
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "%d,", i)
	}
	return sb.String()
}

func TestBulkReviewPage(t *testing.T) {
	a := newApp(t, appOptions{})
	first, second := a.give(t, "10"), a.give(t, "20")
	b := a.staffBrowser(t, a.finance.Member)
	back := "status=pending&reviewed=no"
	list := b.page("/admin/donations?"+back, http.StatusOK)
	if !strings.Contains(list, `action="/admin/donations/review"`) || !strings.Contains(list, fmt.Sprintf(`name="ids" value="%d"`, first.ID)) ||
		!strings.Contains(list, `name="back" value="reviewed=no&amp;status=pending"`) {
		t.Fatal("the list has no bulk review form with a box for each donation")
	}
	token := b.FormToken("/admin/donations")

	if res := b.post("/admin/donations/review", url.Values{"ids": {fmt.Sprint(first.ID)}, "back": {back}}); res.Status != http.StatusForbidden {
		t.Errorf("without a CSRF token: %d", res.Status)
	}
	res := b.post("/admin/donations/review", url.Values{"back": {back}, "note": {"kept"}, "csrf_token": {token}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Choose at least one donation") ||
		!strings.Contains(res.Body, `value="kept"`) || !strings.Contains(res.Body, `value="pending" checked`) {
		t.Errorf("nothing ticked: %d, want the list again with why and the filter kept", res.Status)
	}
	res = b.post("/admin/donations/review", url.Values{"ids": {"x"}, "back": {"https://evil.example/"}, "csrf_token": {token}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Errorf("a box that is not an id: %d", res.Status)
	}
	if a.reviewAudits(t, first.ID)+a.reviewAudits(t, second.ID) != 0 {
		t.Fatal("a refused review was recorded")
	}

	res = b.post("/admin/donations/review", url.Values{"ids": {fmt.Sprint(first.ID), fmt.Sprint(second.ID)}, "note": {"Weekly check."},
		"back": {back + "&page=3"}, "csrf_token": {token}})
	if want := "/admin/donations?notice=reviewed&reviewed=no&status=pending"; res.Status != http.StatusSeeOther || res.Header.Get("Location") != want {
		t.Fatalf("review: %d to %q, want 303 to %q", res.Status, res.Header.Get("Location"), want)
	}
	body := b.page(res.Header.Get("Location"), http.StatusOK)
	if !strings.Contains(body, "Review recorded.") || rowOf(t, body, first.ID) != "" || rowOf(t, body, second.ID) != "" {
		t.Error("after the review the not-reviewed list still shows the donations, or no notice")
	}
	if a.reviewAudits(t, first.ID) != 1 || a.reviewAudits(t, second.ID) != 1 {
		t.Error("not one audit row per donation")
	}
	if res := b.post("/admin/donations/review", url.Values{"ids": {fmt.Sprint(first.ID)}, "back": {"%zz"}, "csrf_token": {token}}); res.Status != http.StatusSeeOther ||
		res.Header.Get("Location") != "/admin/donations?notice=reviewed" {
		t.Errorf("an unreadable back: %d %q", res.Status, res.Header.Get("Location"))
	}
}

func TestListByPaymentDateAndPages(t *testing.T) {
	a := newApp(t, appOptions{})
	b := a.api(t, a.finance.Token)
	var gifts []given
	for i := range 5 {
		gifts = append(gifts, a.give(t, fmt.Sprint(10+i)))
	}
	// Made today; paid on 1, 2 and 3 October 2026; two never paid.
	for i, day := range []int{1, 2, 3} {
		a.pay(t, gifts[i], fmt.Sprintf("pi_paged_%d", i), time.Date(2026, 10, day, 12, 0, 0, 0, time.UTC))
	}
	t.Run("date", func(t *testing.T) {
		today := time.Now().UTC().Format(time.DateOnly)
		for _, tt := range []struct {
			query string
			want  []int64
		}{
			{"?date=paid&from=2026-10-02&to=2026-10-03", []int64{gifts[2].ID, gifts[1].ID}},
			{"?date=paid&to=2026-10-01", []int64{gifts[0].ID}},
			{"?date=created&from=2026-10-02&to=2026-10-03", nil},
			{"?date=created&from=" + today, []int64{gifts[4].ID, gifts[3].ID, gifts[2].ID, gifts[1].ID, gifts[0].ID}},
			{"?from=2026-10-02&to=2026-10-03", nil},
		} {
			if got := ids(a.list(t, tt.query)); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s: %v, want %v", tt.query, got, tt.want)
			}
		}
		if res := b.Get("/api/v1/admin/donations?date=refunded"); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"date":`) {
			t.Errorf("date=refunded: %d %s", res.Status, res.Body)
		}
		// By payment date the page shows when each was paid.
		body := a.staffBrowser(t, a.finance.Member).page("/admin/donations?date=paid&from=2026-10-02", http.StatusOK)
		if r := rowOf(t, body, gifts[1].ID); !strings.Contains(body, `<th scope="col">Paid</th>`) || !strings.Contains(r, "2 Oct 2026 12:00") {
			t.Errorf("the list by payment date does not show the payment's date: %s", r)
		}
	})
	t.Run("pages", func(t *testing.T) {
		for _, tt := range []struct {
			query string
			want  []int64
		}{
			{"?limit=2", []int64{gifts[4].ID, gifts[3].ID}},
			{"?limit=2&page=1", []int64{gifts[4].ID, gifts[3].ID}},
			{"?limit=2&page=2", []int64{gifts[2].ID, gifts[1].ID}},
			{"?limit=2&page=3", []int64{gifts[0].ID}},
			{"?limit=2&page=4", nil},
		} {
			l := a.list(t, tt.query)
			if got := ids(l); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s: %v, want %v", tt.query, got, tt.want)
			}
			if l.Total != 5 {
				t.Errorf("%s: total %d, want 5", tt.query, l.Total)
			}
		}
		for _, q := range []string{"?page=0", "?page=x", "?page=-1", "?page=2&before=3", "?page=99999999999"} {
			if res := b.Get("/api/v1/admin/donations" + q); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"page":`) {
				t.Errorf("%s: %d %s", q, res.Status, res.Body)
			}
		}
		s := a.staffBrowser(t, a.finance.Member)
		body := s.page("/admin/donations?limit=2&page=2", http.StatusOK)
		for _, want := range []string{"3–4 of 5", "Page 2 of 3", `<span aria-current="page">2</span>`,
			`href="/admin/donations?limit=2" rel="prev"`, `href="/admin/donations?limit=2&amp;page=3" rel="next"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page 2 lacks %q", want)
			}
		}
	})
}
