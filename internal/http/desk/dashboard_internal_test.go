package desk

import "testing"

func TestDashboardWordsTodayAgainstYesterday(t *testing.T) {
	tests := []struct {
		today, yesterday int64
		want             string
	}{
		{12, 0, "12 more than"},
		{0, 3, "3 fewer than"},
		{7, 7, "the same as"},
		{12_500, 500, "12,000 more than"},
	}
	for _, tc := range tests {
		if got := against(tc.today, tc.yesterday); got != tc.want {
			t.Errorf("against(%d, %d) = %q, want %q", tc.today, tc.yesterday, got, tc.want)
		}
	}
}

func TestDashboardShowsOneDecimal(t *testing.T) {
	for v, want := range map[float64]string{0: "0.0", 0.5: "0.5", 12.3: "12.3", 100: "100.0", 0.2: "0.2"} {
		if got := oneDecimal(v); got != want {
			t.Errorf("oneDecimal(%v) = %q, want %q", v, got, want)
		}
	}
}
