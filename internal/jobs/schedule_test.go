package jobs

import (
	"testing"
	"time"
)

// Retention runs once a day at its hour, whenever the scheduler starts.
func TestDailyAt(t *testing.T) {
	h := dailyAt(RetentionHour)
	for _, tc := range []struct{ now, want string }{
		{"2026-11-30T01:59:59Z", "2026-11-30T03:00:00Z"},
		{"2026-11-30T03:00:00Z", "2026-12-01T03:00:00Z"},
		{"2026-11-30T22:00:00Z", "2026-12-01T03:00:00Z"},
		{"2026-12-31T04:00:00+02:00", "2026-12-31T03:00:00Z"}, // 02:00 UTC
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		if got := h.Next(now).Format(time.RFC3339); got != tc.want {
			t.Errorf("Next(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
}
