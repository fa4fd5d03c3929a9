package desk

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// dashboardDays is how many days the per-day chart shows.
const dashboardDays = 30

// dashboardData is what admin/petition.html shows.
type dashboardData struct {
	Stats      petition.Stats
	Campaign   campaign.Campaign
	Open       bool
	Progress   int
	Daily      barChart
	Hourly     barChart
	Sources    []shareRow
	Countries  []shareRow
	Notice     string
	ExportPath string
	// Donations sums the campaign's donations per source release, without
	// donors, when this server keeps donations (DonationsKept).
	Donations     []releaseDonationRow
	DonationsKept bool
	// ConfirmShare is the share of signers asked to confirm who did, as a
	// percentage; empty while nobody has been asked.
	ConfirmShare string
	// GoalShare is the count as a share of the goal, with one decimal
	// ("0.5%"); Rate the signatures per minute now ("1.2").
	GoalShare string
	Rate      string
	// Yesterday is how many had signed yesterday by this time of day, and
	// Against says how today compares ("12 more than", "the same as").
	Yesterday int64
	Against   string
	// RateMinutes is the span Rate averages over.
	RateMinutes int
	// AsOf is when the figures were read; StatsPath is where the page's
	// script reads them again.
	AsOf      time.Time
	StatsPath string
}

// oneDecimal writes v with one decimal place, as the dashboard shows its
// shares and rates.
func oneDecimal(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// against says how today's count compares with yesterday's by this time.
func against(today, yesterday int64) string {
	switch {
	case today > yesterday:
		return kit.FormatCount(today-yesterday) + " more than"
	case today < yesterday:
		return kit.FormatCount(yesterday-today) + " fewer than"
	default:
		return "the same as"
	}
}

// releaseDonationRow is what one release raised in one currency.
type releaseDonationRow struct {
	Label     string
	Link      string // optional
	PaidCount int64
	Gross     string
	Refunded  string
	Net       string
}

// shareRow is one line of a breakdown table.
type shareRow struct {
	Label string
	Link  string // optional
	Count int64
	Share string
}

// dashboardPage serves GET /admin/petitions/:id: the petition's figures,
// charted and tabled.
func (d *Desk) dashboardPage(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := kit.IDParam(c, petition.ErrNotFound)
	if err != nil {
		d.Fail(c, err)
		return
	}
	now := time.Now().UTC()
	st, err := d.Desk.PetitionStats(ctx, id, now)
	if err != nil {
		d.Fail(c, err)
		return
	}
	camp, err := d.Campaigns.CampaignByID(ctx, st.Petition.CampaignID)
	if err != nil {
		d.Fail(c, err)
		return
	}
	data := dashboardData{Stats: st, Campaign: camp, Open: st.Petition.OpenAt(now), Progress: st.Petition.Progress(),
		Notice: kit.Notice(c), ExportPath: petitionPath(id) + "/signatures.csv", StatsPath: petitionPath(id) + "/stats",
		GoalShare: oneDecimal(st.GoalPercent()) + "%", Rate: oneDecimal(st.RatePerMinute()), Yesterday: st.YesterdayBy(now),
		RateMinutes: int(petition.RateWindow.Minutes()), AsOf: now}
	data.Against = against(st.Today, data.Yesterday)
	if rate, ok := st.Petition.ConfirmRate(); ok {
		data.ConfirmShare = fmt.Sprintf("%.0f%%", rate*100)
	}
	data.Daily, data.Hourly = dailyChart(st, now), hourlyChart(st)
	for _, src := range st.PerSource {
		row := shareRow{Count: src.Count, Share: percent(src.Count, st.Total)}
		switch {
		case src.ReleaseID != nil && src.ReleaseTitle != "":
			row.Label, row.Link = src.ReleaseTitle, releasePath(*src.ReleaseID)+"/edit"
		case src.ReleaseID != nil:
			row.Label = "A release since deleted"
		case src.Code != "":
			row.Label = "Source code “" + src.Code + "”"
		default:
			row.Label = "Direct (no release or source code)"
		}
		data.Sources = append(data.Sources, row)
	}
	for _, cc := range st.PerCountry {
		data.Countries = append(data.Countries, shareRow{Label: cc.Name, Count: cc.Count, Share: percent(cc.Count, st.Total)})
	}
	if d.Donations != nil {
		totals, err := d.Donations.TotalsByRelease(ctx, camp.ID)
		if err != nil {
			d.Fail(c, err)
			return
		}
		data.DonationsKept = true
		for _, t := range totals {
			row := releaseDonationRow{Label: "Given without a release", PaidCount: t.PaidCount,
				Gross: donation.Format(t.Gross, t.Currency, false), Refunded: donation.Format(t.Refunded, t.Currency, false),
				Net: donation.Format(t.Net, t.Currency, false)}
			if t.ReleaseID != nil {
				row.Label, row.Link = t.ReleaseTitle, releasePath(*t.ReleaseID)+"/edit"
			}
			data.Donations = append(data.Donations, row)
		}
	}
	d.Render(c, http.StatusOK, "admin/petition", kit.Page{Title: "Dashboard: " + st.Petition.Title, Data: data})
}

// dailyChart charts the last dashboardDays days, labelling every seventh
// counting back from today.
func dailyChart(st petition.Stats, now time.Time) barChart {
	days := st.DaySeries(now, dashboardDays)
	points := make([]chartPoint, len(days))
	for i, day := range days {
		points[i] = chartPoint{Label: day.Day.Format("Mon 2 Jan 2006"), Value: day.Count}
		if (len(days)-1-i)%7 == 0 {
			points[i].Short = day.Day.Format("2 Jan")
		}
	}
	return newBarChart("per-day", "Signatures per day, last 30 days (UTC)", "Day", points)
}

// hourlyChart charts the last 48 hours, labelling every sixth hour and
// each midnight with its date.
func hourlyChart(st petition.Stats) barChart {
	points := make([]chartPoint, len(st.PerHour))
	for i, h := range st.PerHour {
		points[i] = chartPoint{Label: h.Hour.Format("2 Jan 15:00") + "–" + h.Hour.Add(time.Hour).Format("15:00"), Value: h.Count}
		if h.Hour.Hour()%6 == 0 {
			points[i].Short = h.Hour.Format("15:00")
			if h.Hour.Hour() == 0 {
				points[i].Short = h.Hour.Format("2 Jan")
			}
		}
	}
	return newBarChart("per-hour", "Signatures per hour, last 48 hours (UTC)", "Hour", points)
}

// statsJSON is the body of GET /api/v1/admin/petitions/:id/stats.
type statsJSON struct {
	Petition petitionJSON `json:"petition"`
	Total    int64        `json:"total"`
	Today    int64        `json:"today"`
	// Pending is how many signatures await their owner's confirmation.
	Pending int64 `json:"pending"`
	// ConfirmRate is the share (0 to 1) of signers asked to confirm who
	// did; null while nobody has been asked.
	ConfirmRate     *float64 `json:"confirm_rate"`
	Goal            int64    `json:"goal"`
	ProgressPercent int      `json:"progress_percent"`
	// GoalPercent is the count as a percentage of the goal, rounded down to
	// one decimal and not capped at 100.
	GoalPercent float64 `json:"goal_percent"`
	// LastHour counts the signatures of the hour before now, RatePerMinute
	// averages those of the last few minutes, and YesterdaySameTime is how
	// many yesterday (UTC) had by this time of day, to set beside Today.
	LastHour          int64   `json:"last_hour"`
	RatePerMinute     float64 `json:"rate_per_minute"`
	RateWindowMinutes int     `json:"rate_window_minutes"`
	YesterdaySameTime int64   `json:"yesterday_same_time"`
	// OptedIn is how many counted signers consented to updates and have
	// not withdrawn it.
	OptedIn    int64         `json:"opted_in"`
	PerDay     []dayJSON     `json:"per_day"`
	PerHour    []hourJSON    `json:"per_hour"`
	PerSource  []sourceJSON  `json:"per_source"`
	PerCountry []countryJSON `json:"per_country"`
}

type dayJSON struct {
	Date  string `json:"date"` // YYYY-MM-DD, UTC
	Count int64  `json:"count"`
}

type hourJSON struct {
	Hour  time.Time `json:"hour"` // the start of the hour, UTC
	Count int64     `json:"count"`
}

type sourceJSON struct {
	Source  string             `json:"source"` // "release:<id>", "code:<code>" or "direct"
	Release *sourceReleaseJSON `json:"release"`
	Code    *string            `json:"code"`
	Count   int64              `json:"count"`
}

type sourceReleaseJSON struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

type countryJSON struct {
	Country string `json:"country"`
	Name    string `json:"name"`
	Count   int64  `json:"count"`
}

// statsAPI serves GET /api/v1/admin/petitions/:id/stats, and GET
// /admin/petitions/:id/stats for the dashboard's script (signed in by its
// session): the dashboard's figures, without the charts.
func (d *Desk) statsAPI(c *gin.Context) {
	id, err := kit.IDParam(c, petition.ErrNotFound)
	if err != nil {
		d.APIError(c, err)
		return
	}
	now := time.Now().UTC()
	st, err := d.Desk.PetitionStats(c.Request.Context(), id, now)
	if err != nil {
		d.APIError(c, err)
		return
	}
	out := statsJSON{Petition: toPetitionJSON(st.Petition), Total: st.Total, Today: st.Today,
		Pending: st.Petition.PendingCount, GoalPercent: st.GoalPercent(), LastHour: st.LastHour,
		RatePerMinute: st.RatePerMinute(), RateWindowMinutes: int(petition.RateWindow.Minutes()),
		YesterdaySameTime: st.YesterdayBy(now), OptedIn: st.OptedIn,
		Goal: st.Petition.Goal, ProgressPercent: st.Petition.Progress(),
		PerDay: make([]dayJSON, 0, len(st.PerDay)), PerHour: make([]hourJSON, 0, len(st.PerHour)),
		PerSource: make([]sourceJSON, 0, len(st.PerSource)), PerCountry: make([]countryJSON, 0, len(st.PerCountry))}
	if rate, ok := st.Petition.ConfirmRate(); ok {
		out.ConfirmRate = &rate
	}
	for _, day := range st.PerDay {
		out.PerDay = append(out.PerDay, dayJSON{Date: day.Day.Format("2006-01-02"), Count: day.Count})
	}
	for _, h := range st.PerHour {
		out.PerHour = append(out.PerHour, hourJSON{Hour: h.Hour, Count: h.Count})
	}
	for _, src := range st.PerSource {
		j := sourceJSON{Source: src.Key, Count: src.Count}
		if src.ReleaseID != nil {
			j.Release = &sourceReleaseJSON{ID: *src.ReleaseID, Slug: src.ReleaseSlug, Title: src.ReleaseTitle}
		}
		if src.Code != "" {
			code := src.Code
			j.Code = &code
		}
		out.PerSource = append(out.PerSource, j)
	}
	for _, cc := range st.PerCountry {
		out.PerCountry = append(out.PerCountry, countryJSON{Country: cc.Country, Name: cc.Name, Count: cc.Count})
	}
	c.JSON(http.StatusOK, out)
}
