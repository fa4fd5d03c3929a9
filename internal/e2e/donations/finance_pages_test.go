package donations_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/stripetest"
)

// Only admin and finance staff reach the finance routes: anonymous callers
// are asked to sign in (401 on the API, the login page for browsers), and
// a campaigner is refused with 403.
func TestFinanceRoutesByRole(t *testing.T) {
	a := newApp(t, appOptions{})
	g := a.giveWithGiftAid(t, "15", "Gina Giver")
	a.pay(t, g, "pi_roles", time.Now())
	id := fmt.Sprint(g.ID)

	accounts := map[string]account{
		"campaigner": a.account(t, staff.RoleCampaigner),
		"finance":    a.finance,
		"admin":      a.account(t, staff.RoleAdmin),
	}

	apiRoutes := []struct{ method, path string }{
		{http.MethodGet, "/api/v1/admin/donations"},
		{http.MethodGet, "/api/v1/admin/donations?status=paid&from=2026-01-01&reviewed=no&date=paid&page=1"},
		{http.MethodGet, "/api/v1/admin/donations.csv"},
		{http.MethodGet, "/api/v1/admin/donations/" + id},
		{http.MethodPost, "/api/v1/admin/donations/" + id + "/review"},
		{http.MethodPost, "/api/v1/admin/donations/review"},
		{http.MethodGet, "/api/v1/admin/giftaid.csv?from=2026-01-01&to=2030-12-31"},
		{http.MethodGet, "/api/v1/admin/giftaid/schedule?from=2026-01-01&to=2030-12-31"},
		{http.MethodGet, "/api/v1/admin/giftaid/schedule.csv?from=2026-01-01&to=2030-12-31"},
		{http.MethodGet, "/api/v1/admin/payouts"},
		{http.MethodGet, "/api/v1/admin/stripe-events/unmatched"},
	}
	for _, r := range apiRoutes {
		for _, who := range []string{"anonymous", "campaigner", "finance", "admin"} {
			t.Run("API "+who+" "+r.method+" "+r.path, func(t *testing.T) {
				b := a.api(t, accounts[who].Token)
				var body *strings.Reader
				if r.method == http.MethodPost {
					body = strings.NewReader(`{"ids":[` + id + `],"note":"Checked by ` + who + `."}`)
				} else {
					body = strings.NewReader("")
				}
				res := b.Do(r.method, r.path, body, "Content-Type", "application/json")
				want, code := http.StatusOK, ""
				switch who {
				case "anonymous":
					want, code = http.StatusUnauthorized, "unauthorized"
				case "campaigner":
					want, code = http.StatusForbidden, "forbidden"
				}
				if res.Status != want || (code != "" && !strings.Contains(res.Body, `"code":"`+code+`"`)) {
					t.Errorf("%d, want %d %s: %.300s", res.Status, want, code, res.Body)
				}
				if who != "finance" && who != "admin" && strings.Contains(res.Body, "Gina Giver") {
					t.Errorf("the donor's name reached a %s", who)
				}
			})
		}
	}

	pageRoutes := []string{
		"/admin/donations",
		"/admin/donations?status=paid",
		"/admin/giftaid/schedule?from=2026-01-01",
		"/admin/giftaid/schedule.csv",
		"/admin/payouts",
		"/admin/donations/" + id,
		"/admin/donations.csv",
		"/admin/giftaid.csv?from=2026-01-01",
		"/admin/stripe-events/unmatched",
	}
	browsers := map[string]*browser{"anonymous": a.browser(t)}
	for who, acc := range accounts {
		browsers[who] = a.staffBrowser(t, acc.Member)
	}
	for _, path := range pageRoutes {
		for _, who := range []string{"anonymous", "campaigner", "finance", "admin"} {
			t.Run("page "+who+" "+path, func(t *testing.T) {
				res := browsers[who].Get(path)
				switch who {
				case "anonymous":
					if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login?next=") {
						t.Errorf("%d to %q, want 303 to the login page", res.Status, res.Header.Get("Location"))
					}
				case "campaigner":
					if res.Status != http.StatusForbidden {
						t.Errorf("%d, want 403", res.Status)
					}
				default:
					if res.Status != http.StatusOK {
						t.Errorf("%d, want 200: %.300s", res.Status, res.Body)
					}
				}
				if who != "finance" && who != "admin" && strings.Contains(res.Body, "Gina Giver") {
					t.Errorf("the donor's name reached a %s", who)
				}
			})
		}
	}
	t.Run("page review post", func(t *testing.T) {
		path := "/admin/donations/" + id + "/review"
		if res := browsers["anonymous"].post(path, url.Values{"note": {"x"}}); res.Status != http.StatusSeeOther ||
			!strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("anonymous: %d %q", res.Status, res.Header.Get("Location"))
		}
		c := browsers["campaigner"]
		if res := c.post(path, url.Values{"note": {"x"}, "csrf_token": {c.FormToken("/admin")}}); res.Status != http.StatusForbidden {
			t.Errorf("campaigner: %d", res.Status)
		}
		for _, who := range []string{"finance", "admin"} {
			b := browsers[who]
			res := b.post(path, url.Values{"note": {"Seen by " + who}, "csrf_token": {b.FormToken("/admin/donations/" + id)}})
			if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/admin/donations/"+id+"?notice=reviewed" {
				t.Errorf("%s: %d %q", who, res.Status, res.Header.Get("Location"))
			}
			want := fmt.Sprintf("donation.review %d %s donation %d", accounts[who].ID, accounts[who].Email, g.ID)
			if got := a.lastReviewAudit(t); got != want {
				t.Errorf("audit log: %s, want %s", got, want)
			}
		}
	})
	t.Run("page bulk review post", func(t *testing.T) {
		path := "/admin/donations/review"
		if res := browsers["anonymous"].post(path, url.Values{"ids": {id}}); res.Status != http.StatusSeeOther ||
			!strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("anonymous: %d %q", res.Status, res.Header.Get("Location"))
		}
		c := browsers["campaigner"]
		if res := c.post(path, url.Values{"ids": {id}, "csrf_token": {c.FormToken("/admin")}}); res.Status != http.StatusForbidden {
			t.Errorf("campaigner: %d", res.Status)
		}
	})
	t.Run("the campaigner's desk shows no donor", func(t *testing.T) {
		c := browsers["campaigner"]
		home := c.Get("/admin")
		if home.Status != http.StatusOK || strings.Contains(home.Body, `href="/admin/donations"`) {
			t.Errorf("desk: %d, links to donations: %v", home.Status, strings.Contains(home.Body, `href="/admin/donations"`))
		}
		for _, path := range []string{"/admin", fmt.Sprintf("/admin/petitions/%d", a.demo.Petition.ID),
			fmt.Sprintf("/admin/releases/%d/preview", a.demo.Release.ID)} {
			res := c.Get(path)
			if res.Status != http.StatusOK {
				t.Errorf("%s: %d", path, res.Status)
			}
			for _, secret := range []string{"Gina Giver", "donor@example.org", "Dee Donor", "pi_roles"} {
				if strings.Contains(res.Body, secret) {
					t.Errorf("%s shows %q to a campaigner", path, secret)
				}
			}
		}
		// What each release raised is the campaigner's to see, as sums.
		dash := c.Get(fmt.Sprintf("/admin/petitions/%d", a.demo.Petition.ID)).Body
		table := regexp.MustCompile(`(?s)<table class="list breakdown" id="donations-by-release"[^>]*>.*?</table>`).FindString(dash)
		want := `<td class="num">1</td><td class="num">£15.00</td><td class="num">£0.00</td><td class="num">£15.00</td>`
		if !strings.Contains(table, html.EscapeString(a.demo.Release.Title)) || !strings.Contains(table, want) {
			t.Errorf("donations by release on the dashboard: %s", table)
		}
		// The campaigner's own API token does not open the finance API, and
		// its session cookie opens no API at all.
		if res := c.Get("/api/v1/admin/donations"); res.Status != http.StatusUnauthorized {
			t.Errorf("a session cookie on the API: %d", res.Status)
		}
	})
}

var (
	inlineStyle  = regexp.MustCompile(`(?i)\sstyle=`)
	inlineScript = regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>[^<]`)
	csrfOnPage   = regexp.MustCompile(`name="csrf_token" value="[^"]+"`)
)

// page loads path as b and checks it is a whole admin page that the
// Content-Security-Policy lets render: no inline styles or scripts.
func (b *browser) page(path string, want int) string {
	b.t.Helper()
	res := b.Get(path)
	if res.Status != want {
		b.t.Fatalf("GET %s: %d, want %d: %.500s", path, res.Status, want, res.Body)
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(res.Body, `class="admin-nav"`) {
		b.t.Errorf("GET %s: not an admin page (%s)", path, res.Header.Get("Content-Type"))
	}
	if inlineStyle.MatchString(res.Body) || inlineScript.MatchString(res.Body) {
		b.t.Errorf("GET %s: inline style or script, which the CSP forbids", path)
	}
	return res.Body
}

// rowOf returns the HTML of the table row with id="donation-<id>".
func rowOf(t *testing.T, body string, id int64) string {
	t.Helper()
	start := strings.Index(body, fmt.Sprintf(`<tr id="donation-%d">`, id))
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</tr>")
	return body[start : start+end]
}

func TestFinancePages(t *testing.T) {
	a := newApp(t, appOptions{})
	kept := a.giveWithGiftAid(t, "30", "Jane Doe")
	refunded := a.giveWithGiftAid(t, "40", "Rob Refund")
	plain := a.give(t, "20")
	unpaid := a.give(t, "50")
	paidOn := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	a.pay(t, kept, "pi_page_kept", paidOn)
	a.pay(t, refunded, "pi_page_refunded", paidOn)
	a.refund(t, refunded, "pi_page_refunded", 1500)
	a.pay(t, plain, "pi_page_plain", paidOn)
	stray := stripetest.Event(eventID("stray"), "charge.refunded", time.Now(), stripetest.Charge("ch_stray", "pi_stray", 1000, 1000, nil))
	if res := a.webhook(t, stray, signed(stray)); res.Status != http.StatusOK {
		t.Fatalf("stray event: %d", res.Status)
	}
	b := a.staffBrowser(t, a.finance.Member)

	t.Run("list with totals", func(t *testing.T) {
		body := b.page("/admin/donations", http.StatusOK)
		// By hand: £30 + £40 + £20 paid = £90 gross; £15 refunded; £75 net.
		totals := regexp.MustCompile(`(?s)<tr data-currency="GBP">.*?</tr>`).FindString(body)
		for _, want := range []string{`<td class="num">4</td><td class="num">3</td>`, `gross">£90.00<`, `refunded">£15.00<`, `net">£75.00<`} {
			if !strings.Contains(totals, want) {
				t.Errorf("GBP totals row lacks %q: %s", want, totals)
			}
		}
		r := rowOf(t, body, refunded.ID)
		// One line a donation: the status in words, the donor's name, and
		// the payment linked to Stripe's dashboard in test mode (the key is
		// a test key).
		for _, want := range []string{`<span class="badge badge-partially_refunded">Partially refunded</span>`, "£40.00", "−£15.00",
			html.EscapeString(a.demo.Campaign.Title), html.EscapeString(a.demo.Release.Title), ">Rob Refund<", "<td>Yes</td>",
			`href="https://dashboard.stripe.com/test/payments/pi_page_refunded"`, "not yet"} {
			if !strings.Contains(r, want) {
				t.Errorf("the refunded donation's row lacks %q: %s", want, r)
			}
		}
		if r := rowOf(t, body, unpaid.ID); !strings.Contains(r, ">Pending<") || !strings.Contains(r, ">No<") {
			t.Errorf("the unpaid donation's row: %s", r)
		}
		for _, link := range []string{`href="/admin/donations.csv"`, `action="/admin/giftaid.csv"`, `href="/admin/stripe-events/unmatched"`} {
			if !strings.Contains(body, link) {
				t.Errorf("no %s on the list", link)
			}
		}
	})
	t.Run("filters", func(t *testing.T) {
		body := b.page("/admin/donations?status=paid&status=pending&campaign="+fmt.Sprint(a.demo.Campaign.ID), http.StatusOK)
		for _, g := range []given{kept, plain, unpaid} {
			if rowOf(t, body, g.ID) == "" {
				t.Errorf("donation %d missing", g.ID)
			}
		}
		if rowOf(t, body, refunded.ID) != "" {
			t.Errorf("the refunded donation passed a paid/pending filter")
		}
		if !strings.Contains(body, `value="paid" checked`) || !strings.Contains(body, fmt.Sprintf(`value="%d" selected`, a.demo.Campaign.ID)) {
			t.Errorf("the form does not keep the filter")
		}
		totals := regexp.MustCompile(`(?s)<tr data-currency="GBP">.*?</tr>`).FindString(body)
		if !strings.Contains(totals, `gross">£50.00<`) || !strings.Contains(totals, `net">£50.00<`) {
			t.Errorf("filtered totals: %s", totals)
		}
		if !strings.Contains(body, `href="/admin/donations.csv?campaign=`) {
			t.Errorf("the export link does not carry the filter")
		}
		body = b.page("/admin/donations?status=lost&from=yesterday", http.StatusUnprocessableEntity)
		if !strings.Contains(body, "error-summary") || rowOf(t, body, kept.ID) != "" {
			t.Errorf("a bad filter shows no error, or shows rows")
		}
	})
	t.Run("exports from the pages", func(t *testing.T) {
		rows := readCSV(t, b.Get("/admin/donations.csv?status=partially_refunded"))
		if len(rows) != 2 || rows[1][0] != fmt.Sprint(refunded.ID) {
			t.Errorf("donations CSV %q", rows)
		}
		rows = readCSV(t, b.Get("/admin/giftaid.csv?from=2026-10-01&to=2026-10-31"))
		if len(rows) != 2 || rows[1][0] != fmt.Sprint(kept.ID) || rows[1][2] != "Jane Doe" {
			t.Errorf("Gift Aid claim %q", rows)
		}
	})
	t.Run("one donation with its events", func(t *testing.T) {
		body := b.page(fmt.Sprintf("/admin/donations/%d", refunded.ID), http.StatusOK)
		for _, want := range []string{"Partially refunded", "<code>checkout.session.completed</code>", "<code>charge.refunded</code>",
			"&#34;amount_refunded&#34;: 1500", "Rob Refund, 1 High Street, Leeds, LS1 1UB", "pi_page_refunded", "not yet"} {
			if !strings.Contains(body, want) {
				t.Errorf("the donation page lacks %q", want)
			}
		}
		if !csrfOnPage.MatchString(body) || !strings.Contains(body, fmt.Sprintf(`action="/admin/donations/%d/review"`, refunded.ID)) {
			t.Error("no review form with a CSRF token")
		}
		for _, p := range []string{"/admin/donations/999999", "/admin/donations/abc"} {
			if res := b.Get(p); res.Status != http.StatusNotFound {
				t.Errorf("%s: %d", p, res.Status)
			}
		}
	})
	t.Run("review", func(t *testing.T) {
		path := fmt.Sprintf("/admin/donations/%d", kept.ID)
		// Without the token the review is refused and nothing is recorded.
		res := b.post(path+"/review", url.Values{"note": {"Forged."}})
		if res.Status != http.StatusForbidden {
			t.Errorf("without a CSRF token: %d", res.Status)
		}
		if e, _, _ := a.store.Get(t.Context(), kept.ID); e.ReviewedAt != nil {
			t.Error("a review without a CSRF token was recorded")
		}
		res = b.post(path+"/review", url.Values{"note": {strings.Repeat("x", 2001)}, "csrf_token": {b.FormToken(path)}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="note-error"`) {
			t.Errorf("a long note: %d", res.Status)
		}
		res = b.post(path+"/review", url.Values{"note": {"Matched to <the> bank statement."}, "csrf_token": {b.FormToken(path)}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != path+"?notice=reviewed" {
			t.Fatalf("review: %d %q", res.Status, res.Header.Get("Location"))
		}
		body := b.page(path+"?notice=reviewed", http.StatusOK)
		for _, want := range []string{"Review recorded.", "by " + a.finance.Email, "Matched to &lt;the&gt; bank statement."} {
			if !strings.Contains(body, want) {
				t.Errorf("after the review, the page lacks %q", want)
			}
		}
		if want := fmt.Sprintf("donation.review %d %s donation %d", a.finance.ID, a.finance.Email, kept.ID); a.lastReviewAudit(t) != want {
			t.Errorf("audit log: %s, want %s", a.lastReviewAudit(t), want)
		}
		list := b.page("/admin/donations", http.StatusOK)
		if r := rowOf(t, list, kept.ID); !strings.Contains(r, "by "+a.finance.Email) {
			t.Errorf("the list does not show the review: %s", r)
		}
	})
	t.Run("unmatched events", func(t *testing.T) {
		body := b.page("/admin/stripe-events/unmatched", http.StatusOK)
		if !strings.Contains(body, "pi_stray") || !strings.Contains(body, "<code>charge.refunded</code>") {
			t.Errorf("the stray event is not listed")
		}
	})
}
