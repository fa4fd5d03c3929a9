package petition

import (
	"math"
	"sort"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Stats is a petition's dashboard: totals and how signatures break down by
// day, hour, source and country. Every figure comes from data kept with the
// count (petition_counts and signature_tallies), so reading them costs the
// same at ten signatures and at ten million.
type Stats struct {
	Petition Petition // with its count
	Total    int64
	Today    int64 // since midnight UTC
	// PerDay holds the UTC days with signatures, oldest first.
	PerDay []DayCount
	// PerHour holds the last 48 UTC hours, oldest first, including hours
	// without signatures.
	PerHour    []HourCount
	PerSource  []SourceCount  // most signatures first
	PerCountry []CountryCount // most signatures first
	// LastHour is how many signatures were counted in the hour before now,
	// and Recent how many in the RateWindow before now. Both are read from
	// the newest signatures (a range of an index), so they cost what the
	// last hour brought, not what the petition holds.
	LastHour int64
	Recent   int64
	// OptedIn is how many counted signers consented to updates and have
	// not withdrawn it (the consent tally).
	OptedIn int64
}

// RateWindow is the span over which RatePerMinute averages: long enough to
// smooth one batch, short enough to be "now".
const RateWindow = 5 * time.Minute

// RatePerMinute is the signing rate now: signatures per minute over the
// last RateWindow.
func (s Stats) RatePerMinute() float64 {
	return float64(s.Recent) / RateWindow.Minutes()
}

// YesterdayBy returns how many signatures yesterday (UTC) had by the time
// of day of now, to set beside Today. Yesterday's whole hours come from
// PerHour; the hour now is in is counted pro rata of its minutes, as the
// tallies keep hours, not minutes.
func (s Stats) YesterdayBy(now time.Time) int64 {
	now = now.UTC()
	hourNow := now.Truncate(time.Hour)
	start := hourNow.Add(-24 * time.Hour).Truncate(24 * time.Hour) // yesterday, midnight
	same := hourNow.Add(-24 * time.Hour)                           // yesterday, this hour
	var whole, partial int64
	for _, h := range s.PerHour {
		switch {
		case !h.Hour.Before(start) && h.Hour.Before(same):
			whole += h.Count
		case h.Hour.Equal(same):
			partial = h.Count
		}
	}
	share := now.Sub(hourNow).Seconds() / time.Hour.Seconds()
	return whole + int64(math.Round(float64(partial)*share))
}

// GoalPercent is the count as a percentage of the goal, rounded down to
// one decimal (so a goal is never shown reached before it is) and not
// capped: a petition past its goal shows how far past. Zero without a goal.
func (s Stats) GoalPercent() float64 {
	if s.Petition.Goal <= 0 {
		return 0
	}
	return float64(s.Total*1000/s.Petition.Goal) / 10
}

// DayCount is the number of signatures on one UTC day.
type DayCount struct {
	Day   time.Time // midnight UTC
	Count int64
}

// HourCount is the number of signatures in one UTC hour.
type HourCount struct {
	Hour  time.Time // the start of the hour, UTC
	Count int64
}

// SourceCount is the number of signatures from one source: a release, a
// source code, or neither ("direct").
type SourceCount struct {
	Key          string // as tallied: "release:<id>", "code:<code>" or "direct"
	ReleaseID    *int64
	ReleaseSlug  string
	ReleaseTitle string
	Code         string
	Count        int64
}

// CountryCount is the number of signatures from one country.
type CountryCount struct {
	Country string // ISO 3166-1 alpha-2
	Name    string
	Count   int64
}

// StatsHours is how many hours PerHour covers.
const StatsHours = 48

// HourWindow returns the start of the oldest and of the newest hour that
// PerHour covers at now.
func HourWindow(now time.Time) (first, last time.Time) {
	last = now.UTC().Truncate(time.Hour)
	return last.Add(-(StatsHours - 1) * time.Hour), last
}

// FillHours turns sparse hourly counts into the StatsHours hours ending with
// now's, oldest first, with zeros where nobody signed.
func FillHours(sparse map[time.Time]int64, now time.Time) []HourCount {
	first, _ := HourWindow(now)
	out := make([]HourCount, StatsHours)
	for i := range out {
		h := first.Add(time.Duration(i) * time.Hour)
		out[i] = HourCount{Hour: h, Count: sparse[h]}
	}
	return out
}

// DaySeries returns the last n UTC days up to now's, oldest first, with
// zeros for days without signatures.
func (s Stats) DaySeries(now time.Time, n int) []DayCount {
	byDay := make(map[time.Time]int64, len(s.PerDay))
	for _, d := range s.PerDay {
		byDay[d.Day] = d.Count
	}
	today := now.UTC().Truncate(24 * time.Hour)
	out := make([]DayCount, n)
	for i := range out {
		d := today.AddDate(0, 0, i-n+1)
		out[i] = DayCount{Day: d, Count: byDay[d]}
	}
	return out
}

// SortByCount orders source and country breakdowns, most signatures first
// and then by key, so the order is stable.
func (s *Stats) SortByCount() {
	sort.Slice(s.PerSource, func(i, j int) bool {
		a, b := s.PerSource[i], s.PerSource[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Key < b.Key
	})
	sort.Slice(s.PerCountry, func(i, j int) bool {
		a, b := s.PerCountry[i], s.PerCountry[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Country < b.Country
	})
}

// ExportRow is one signature as the CSV export writes it, with the slug of
// the release it was signed from.
type ExportRow struct {
	Signature
	SourceReleaseSlug string
}

// CountryName returns the English name of an ISO 3166-1 alpha-2 code, or the
// code itself when it names no country.
func CountryName(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if name := display.English.Regions().Name(r); name != "" {
		return name
	}
	return code
}
