package finance

import (
	"net/url"
	"testing"
	"time"
)

func TestPresetRanges(t *testing.T) {
	tests := []struct {
		now  string
		want [4][2]string // this week, last month, this tax year, last tax year
	}{
		{"2026-11-30T22:00:00Z", [4][2]string{{"2026-11-30", "2026-12-06"}, {"2026-10-01", "2026-10-31"},
			{"2026-04-06", "2027-04-05"}, {"2025-04-06", "2026-04-05"}}},
		{"2026-12-06T09:00:00Z", [4][2]string{{"2026-11-30", "2026-12-06"}, {"2026-11-01", "2026-11-30"},
			{"2026-04-06", "2027-04-05"}, {"2025-04-06", "2026-04-05"}}},
		{"2027-03-01T00:00:00Z", [4][2]string{{"2027-03-01", "2027-03-07"}, {"2027-02-01", "2027-02-28"},
			{"2026-04-06", "2027-04-05"}, {"2025-04-06", "2026-04-05"}}},
		{"2027-04-05T23:59:59Z", [4][2]string{{"2027-04-05", "2027-04-11"}, {"2027-03-01", "2027-03-31"},
			{"2026-04-06", "2027-04-05"}, {"2025-04-06", "2026-04-05"}}},
		{"2027-04-06T00:00:00Z", [4][2]string{{"2027-04-05", "2027-04-11"}, {"2027-03-01", "2027-03-31"},
			{"2027-04-06", "2028-04-05"}, {"2026-04-06", "2027-04-05"}}},
		{"2028-01-15T12:00:00Z", [4][2]string{{"2028-01-10", "2028-01-16"}, {"2027-12-01", "2027-12-31"},
			{"2027-04-06", "2028-04-05"}, {"2026-04-06", "2027-04-05"}}},
	}
	for _, tt := range tests {
		now, err := time.Parse(time.RFC3339, tt.now)
		if err != nil {
			t.Fatal(err)
		}
		got := presetRanges(now)
		for i, want := range tt.want {
			if got[i].From != want[0] || got[i].To != want[1] {
				t.Errorf("%s, %s: %s to %s, want %s to %s", tt.now, got[i].Label, got[i].From, got[i].To, want[0], want[1])
			}
		}
	}
}

func TestPresetsKeepTheFilter(t *testing.T) {
	q := url.Values{"status": {"paid"}, "date": {"paid"}, "page": {"3"}, "notice": {"reviewed"}, "from": {"2026-11-30"}, "to": {"2026-12-06"}}
	p := presetsFor(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), q)
	if want := "/admin/donations?date=paid&from=2026-11-30&status=paid&to=2026-12-06"; p[0].URL != want || !p[0].Current {
		t.Errorf("this week: %q (current %v), want %q, current", p[0].URL, p[0].Current, want)
	}
	if p[1].Current {
		t.Error("last month marked current")
	}
}

func TestStripeURL(t *testing.T) {
	tests := []struct {
		id   string
		live bool
		want string
	}{
		{"pi_123", false, "https://dashboard.stripe.com/test/payments/pi_123"},
		{"pi_123", true, "https://dashboard.stripe.com/payments/pi_123"},
		{"ch_9", true, "https://dashboard.stripe.com/payments/ch_9"},
		{"po_1", false, "https://dashboard.stripe.com/test/payouts/po_1"},
		{"cs_test_1", false, ""},
		{"", true, ""},
		{"pi_a/../b", true, "https://dashboard.stripe.com/payments/pi_a%2F..%2Fb"},
	}
	for _, tt := range tests {
		if got := stripeURL(tt.id, tt.live); got != tt.want {
			t.Errorf("stripeURL(%q, %v) = %q, want %q", tt.id, tt.live, got, tt.want)
		}
	}
	for key, live := range map[string]bool{"sk_test_abc": false, "rk_test_abc": false, "sk_live_abc": true, "rk_live_x": true, "": true} {
		if liveMode(key) != live {
			t.Errorf("liveMode(%q) = %v", key, !live)
		}
	}
}
