package petition_test

import (
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
)

func TestYesterdayByTheSameTimeOfDay(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)
	yesterday := func(hour int) time.Time { return time.Date(2026, 11, 29, hour, 0, 0, 0, time.UTC) }
	hours := map[time.Time]int64{
		time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC): 1000, // the day before yesterday: not counted
		yesterday(0):  10,
		yesterday(8):  20,
		yesterday(9):  40, // the hour now is in: a quarter of it
		yesterday(10): 500,
		time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC): 7, // today: not yesterday
	}
	st := petition.Stats{PerHour: petition.FillHours(hours, now)}
	tests := []struct {
		name string
		now  time.Time
		want int64
	}{
		{"a quarter into the hour", now, 10 + 20 + 10},
		{"on the hour", time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), 10 + 20},
		{"just before the next hour", time.Date(2026, 11, 30, 9, 59, 59, 0, time.UTC), 10 + 20 + 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := st.YesterdayBy(tc.now); got != tc.want {
				t.Errorf("YesterdayBy(%s) = %d, want %d", tc.now.Format(time.TimeOnly), got, tc.want)
			}
		})
	}
	// Half an hour after midnight, the same time yesterday is half an hour
	// into yesterday: half of its first hour, rounded.
	midnight := time.Date(2026, 11, 30, 0, 30, 0, 0, time.UTC)
	late := petition.Stats{PerHour: petition.FillHours(map[time.Time]int64{yesterday(0): 3, yesterday(23): 8}, midnight)}
	if got := late.YesterdayBy(midnight); got != 2 {
		t.Errorf("YesterdayBy(00:30) = %d, want 2 (half of 3, rounded)", got)
	}
}

func TestGoalPercentHasOneDecimalAndNeverRoundsUpToTheGoal(t *testing.T) {
	tests := []struct {
		total, goal int64
		want        float64
	}{
		{0, 10000, 0},
		{50, 10000, 0.5},
		{49, 10000, 0.4},
		{9999, 10000, 99.9},
		{10000, 10000, 100},
		{12345, 10000, 123.4},
		{5, 0, 0},
	}
	for _, tc := range tests {
		st := petition.Stats{Total: tc.total, Petition: petition.Petition{Goal: tc.goal}}
		if got := st.GoalPercent(); got != tc.want {
			t.Errorf("%d of %d: GoalPercent() = %v, want %v", tc.total, tc.goal, got, tc.want)
		}
	}
}

func TestRatePerMinuteAveragesTheWindow(t *testing.T) {
	st := petition.Stats{Recent: 12}
	if got, want := st.RatePerMinute(), 12/petition.RateWindow.Minutes(); got != want {
		t.Errorf("RatePerMinute() = %v, want %v", got, want)
	}
}
