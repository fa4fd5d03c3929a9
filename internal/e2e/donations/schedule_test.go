package donations_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/donation"
)

// declaredInBulk stores n paid donations of £5 with a Gift Aid declaration
// given field by field, paid at paidAt, straight into the database: as many
// as a claim of several parts needs, faster than n checkouts.
func (a *app) declaredInBulk(t *testing.T, n int, paidAt time.Time) {
	t.Helper()
	_, err := a.db.SQL().ExecContext(t.Context(), `INSERT INTO donations (campaign_id, amount, currency, status, checkout_nonce,
		paid_at, gift_aid_declared_at, gift_aid_full_name, gift_aid_home_address, gift_aid_postcode, gift_aid_taxpayer,
		gift_aid_wording_version, gift_aid_first_name, gift_aid_last_name, gift_aid_house)
		SELECT $1, 500, 'GBP', 'paid', 'bulk-nonce-' || lpad(i::text, 8, '0'), $2, $2, 'Bulk Donor', '9 Bulk Road, Hull', 'HU1 1AA', true,
			$3, 'Bulk', 'Donor', '9'
		FROM generate_series(1, $4) AS i`, a.demo.Campaign.ID, paidAt, donation.GiftAidWordingVersion, n)
	if err != nil {
		t.Fatal(err)
	}
}

func TestGiftAidSchedule(t *testing.T) {
	a := newApp(t, appOptions{})
	b := a.api(t, a.finance.Token)
	paidOn := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)

	double := a.giveDeclared(t, "25.50", "Jane Smith-Jones", "Flat 2, 10 Mill Lane, Leeds")
	a.pay(t, double, "pi_sched_double", paidOn)
	legacy := a.giveWithGiftAid(t, "12", "Old Style")
	a.pay(t, legacy, "pi_sched_legacy", paidOn.Add(time.Hour))
	// A declaration from before the fields were asked for: one free-text
	// name and address.
	if _, err := a.db.SQL().ExecContext(t.Context(), `UPDATE donations SET gift_aid_first_name = '', gift_aid_last_name = '',
		gift_aid_house = '', gift_aid_full_name = 'Dr Ada Lovelace-King', gift_aid_home_address = '12B Ockham Park, Surrey'
		WHERE id = $1`, legacy.ID); err != nil {
		t.Fatal(err)
	}
	refunded := a.giveWithGiftAid(t, "40", "Rob Refund")
	a.pay(t, refunded, "pi_sched_refunded", paidOn)
	a.refund(t, refunded, "pi_sched_refunded", 4000)
	outside := a.giveWithGiftAid(t, "30", "Late Payer")
	a.pay(t, outside, "pi_sched_outside", paidOn.AddDate(0, 1, 0))

	t.Run("rows as HMRC's schedule takes them", func(t *testing.T) {
		res := b.Get("/api/v1/admin/giftaid/schedule.csv?from=2026-10-01&to=2026-10-31")
		rows := readCSV(t, res)
		want := [][]string{
			donation.ScheduleHeader,
			{"", "Jane", "Smith Jones", "1", "LS1 1UB", "", "", "10/10/26", "25.50"},
			{"Dr", "Ada", "Lovelace King", "12B", "LS1 1UB", "", "", "10/10/26", "12.00"},
		}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("schedule\n got %q\nwant %q", rows, want)
		}
		if res.Header.Get("X-Schedule-Part") != "1" || res.Header.Get("X-Schedule-Parts") != "1" ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "giftaid-schedule-2026-10-01-2026-10-31-part-1-of-1.csv") {
			t.Errorf("headers %v", res.Header)
		}
		if got, want := a.lastExportAudit(t), "giftaid.export "+a.finance.Email+" "; got != want {
			t.Errorf("audit of the export: %q, want %q", got, want)
		}
		// The export of old beside it is unchanged.
		if old := readCSV(t, b.Get("/api/v1/admin/giftaid.csv?from=2026-10-01&to=2026-10-31")); len(old) != 3 ||
			fmt.Sprint(old[0]) != fmt.Sprint(donation.GiftAidCSVHeader) || old[2][2] != "Dr Ada Lovelace-King" {
			t.Errorf("giftaid.csv %q", old)
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		for _, q := range []string{"?from=soon", "?to=31/10/2026", "?from=2026-10-10&to=2026-10-01", "?part=0", "?part=x", "?part=2"} {
			res := b.Get("/api/v1/admin/giftaid/schedule.csv" + q)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"code":"invalid"`) {
				t.Errorf("%s: %d %s", q, res.Status, res.Body)
			}
		}
		if res := b.Get("/api/v1/admin/giftaid/schedule.csv?part=2"); !strings.Contains(res.Body, "This claim has 1 part") {
			t.Errorf("a part beyond the last does not say how many there are: %s", res.Body)
		}
	})
	t.Run("parts of at most 1,000 donations", func(t *testing.T) {
		bulkDay := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		a.declaredInBulk(t, 2001, bulkDay)
		res := b.Get("/api/v1/admin/giftaid/schedule?from=2026-11-01&to=2026-11-30")
		var plan struct {
			Rows        int64 `json:"rows"`
			RowsPerPart int   `json:"rows_per_part"`
			Parts       []struct {
				Part int    `json:"part"`
				Rows int64  `json:"rows"`
				URL  string `json:"url"`
			} `json:"parts"`
		}
		if err := json.Unmarshal([]byte(res.Body), &plan); err != nil || res.Status != http.StatusOK {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		// 2,001 in bulk and the late payer's £30 of 10 November.
		if plan.Rows != 2002 || plan.RowsPerPart != 1000 || len(plan.Parts) != 3 ||
			plan.Parts[0].Rows != 1000 || plan.Parts[1].Rows != 1000 || plan.Parts[2].Rows != 2 {
			t.Fatalf("plan %+v", plan)
		}
		seen := 0
		for i, p := range plan.Parts {
			res := b.Get(p.URL)
			rows := readCSV(t, res)
			if int64(len(rows)-1) != p.Rows || res.Header.Get("X-Schedule-Parts") != "3" || res.Header.Get("X-Schedule-Part") != fmt.Sprint(i+1) {
				t.Errorf("part %d: %d rows, headers %v", p.Part, len(rows)-1, res.Header)
			}
			seen += len(rows) - 1
			if i == 0 && rows[1][8] != "30.00" {
				t.Errorf("part 1 does not start with the oldest payment: %q", rows[1])
			}
		}
		if seen != 2002 {
			t.Errorf("the parts hold %d donations, want 2002", seen)
		}
		if res := b.Get("/api/v1/admin/giftaid/schedule?from=2027-01-01"); !strings.Contains(res.Body, `"rows":0`) {
			t.Errorf("an empty claim: %s", res.Body)
		}
	})
	t.Run("the page", func(t *testing.T) {
		s := a.staffBrowser(t, a.finance.Member)
		body := s.page("/admin/giftaid/schedule", http.StatusOK)
		if !strings.Contains(body, `action="/admin/giftaid/schedule"`) || strings.Contains(body, "Part 1") {
			t.Error("the page without a period should ask for one")
		}
		body = s.page("/admin/giftaid/schedule?from=2026-11-01&to=2026-11-30", http.StatusOK)
		for _, want := range []string{"2,002 donations in 3 files", `href="/admin/giftaid/schedule.csv?from=2026-11-01&amp;part=3&amp;to=2026-11-30"`,
			"Part 3 (2 donations)"} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		s.page("/admin/giftaid/schedule?from=never", http.StatusUnprocessableEntity)
	})
}
