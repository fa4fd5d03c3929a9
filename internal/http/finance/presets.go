package finance

import (
	"net/url"
	"time"
)

// datePreset is a date range the list offers in one click.
type datePreset struct {
	Label    string
	From, To string // dates, to inclusive
	URL      string // the list with the current filter over this range
	Current  bool   // the filter is this range already
}

// presetRanges are the ranges finance reconciles by, as of now (UTC):
// this week (Monday to Sunday), last month, and this and last UK tax year
// (6 April to 5 April).
func presetRanges(now time.Time) []datePreset {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	firstOfMonth := day.AddDate(0, 0, 1-day.Day())
	taxYear := day.Year()
	if day.Before(time.Date(taxYear, time.April, 6, 0, 0, 0, 0, time.UTC)) {
		taxYear--
	}
	taxStart := time.Date(taxYear, time.April, 6, 0, 0, 0, 0, time.UTC)
	ranges := []struct {
		label    string
		from, to time.Time
	}{
		{"This week", monday, monday.AddDate(0, 0, 6)},
		{"Last month", firstOfMonth.AddDate(0, -1, 0), firstOfMonth.AddDate(0, 0, -1)},
		{"This tax year", taxStart, taxStart.AddDate(1, 0, -1)},
		{"Last tax year", taxStart.AddDate(-1, 0, 0), taxStart.AddDate(0, 0, -1)},
	}
	out := make([]datePreset, len(ranges))
	for i, r := range ranges {
		out[i] = datePreset{Label: r.label, From: r.from.Format(time.DateOnly), To: r.to.Format(time.DateOnly)}
	}
	return out
}

// presetsFor fills each preset's link from the list's query q, keeping its
// other filters and starting again at the first page.
func presetsFor(now time.Time, q url.Values) []datePreset {
	presets := presetRanges(now)
	for i, p := range presets {
		v := cloneQuery(q)
		v.Set("from", p.From)
		v.Set("to", p.To)
		presets[i].URL = "/admin/donations?" + v.Encode()
		presets[i].Current = q.Get("from") == p.From && q.Get("to") == p.To
	}
	return presets
}

// cloneQuery copies q without its paging and notice.
func cloneQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		switch k {
		case "page", "before", "notice":
			continue
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}
