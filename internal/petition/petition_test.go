package petition_test

import (
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
)

func TestOpenAt(t *testing.T) {
	now := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		status   string
		closesAt *time.Time
		want     bool
	}{
		{"open, no closing date", petition.StatusOpen, nil, true},
		{"open, closes later", petition.StatusOpen, ptr(now.Add(time.Second)), true},
		{"open, closes now", petition.StatusOpen, ptr(now), false},
		{"open, closed earlier", petition.StatusOpen, ptr(now.Add(-time.Hour)), false},
		{"closed", petition.StatusClosed, nil, false},
		{"closed, closes later", petition.StatusClosed, ptr(now.Add(time.Hour)), false},
	}
	for _, tt := range tests {
		p := petition.Petition{Status: tt.status, ClosesAt: tt.closesAt}
		if got := p.OpenAt(now); got != tt.want {
			t.Errorf("%s: OpenAt = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestProgress(t *testing.T) {
	tests := []struct {
		count, goal int64
		want        int
	}{
		{0, 100, 0},
		{1, 100, 1},
		{99, 100, 99},
		{100, 100, 100},
		{250, 100, 100},
		{1, 3, 33},
		{5, 0, 0},
		{5, -1, 0},
		{9_999_999, 10_000_000, 99},
	}
	for _, tt := range tests {
		p := petition.Petition{SignatureCount: tt.count, Goal: tt.goal}
		if got := p.Progress(); got != tt.want {
			t.Errorf("Progress(%d of %d) = %d, want %d", tt.count, tt.goal, got, tt.want)
		}
	}
}
