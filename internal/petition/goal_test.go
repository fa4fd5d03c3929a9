package petition_test

import (
	"testing"

	"github.com/advocacy/advocacy/internal/petition"
)

func TestCurrentGoalSteps(t *testing.T) {
	tests := []struct {
		name            string
		goal, count     int64
		wantGoal        int64
		wantReached     bool
		wantProgressPct int
	}{
		{"short of the goal", 10_000, 9_999, 10_000, false, 99},
		{"goal reached exactly", 10_000, 10_000, 20_000, true, 50},
		{"past the goal", 10_000, 12_345, 20_000, true, 61},
		{"odd goal reached", 15_000, 15_000, 20_000, true, 75},
		{"next step after 20,000", 10_000, 20_000, 50_000, true, 40},
		{"then 100,000", 10_000, 50_001, 100_000, true, 50},
		{"no goal", 0, 42, 0, false, 0},
		{"nobody yet", 100, 0, 100, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := petition.Petition{Goal: tt.goal, SignatureCount: tt.count}
			if got := p.GoalReached(); got != tt.wantReached {
				t.Errorf("GoalReached() = %v, want %v", got, tt.wantReached)
			}
			if got := p.CurrentGoal(); got != tt.wantGoal {
				t.Errorf("CurrentGoal() = %d, want %d", got, tt.wantGoal)
			}
			if got := p.CurrentProgress(); got != tt.wantProgressPct {
				t.Errorf("CurrentProgress() = %d, want %d", got, tt.wantProgressPct)
			}
		})
	}
}

func TestNextGoalStepNeverOverflows(t *testing.T) {
	for _, count := range []int64{0, 1, 9, 99_999, 1 << 62} {
		if step := petition.NextGoalStep(count); step <= 0 || (step <= count && count < 1_000_000_000_000_000_000) {
			t.Errorf("NextGoalStep(%d) = %d", count, step)
		}
	}
}
