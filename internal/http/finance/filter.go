package finance

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/valid"
)

// filter reads the query: status (comma-separated or repeated), campaign
// and release (id or slug), from and to (a date, whose whole day is
// included, or an RFC 3339 time, exclusive for to), limit, before. With a
// valid.Errors it still returns what it could read, for the page's form.
func (f *Finance) filter(c *gin.Context) (donation.Filter, error) {
	var out donation.Filter
	errs := valid.Errors{}
	for _, raw := range c.QueryArray("status") {
		for _, st := range strings.Split(raw, ",") {
			st = strings.TrimSpace(st)
			if st == "" {
				continue
			}
			if !donation.Status(st).Valid() {
				errs.Add("status", "Use one or more of pending, paid, failed, expired, refunded, partially_refunded, disputed.")
				continue
			}
			out.Statuses = append(out.Statuses, donation.Status(st))
		}
	}
	if v := c.Query("campaign"); v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			out.CampaignID = id
		} else if camp, err := f.Campaigns.CampaignBySlug(c.Request.Context(), v); err == nil {
			out.CampaignID = camp.ID
		} else if errors.Is(err, campaign.ErrNotFound) {
			errs.Add("campaign", "No campaign has that id or slug.")
		} else {
			return out, err
		}
	}
	if v := c.Query("release"); v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			out.ReleaseID = id
		} else if rel, err := f.Campaigns.PublishedReleaseBySlug(c.Request.Context(), v); err == nil {
			out.ReleaseID = rel.ID
		} else if errors.Is(err, campaign.ErrNotFound) {
			errs.Add("release", "No published release has that slug; use its id.")
		} else {
			return out, err
		}
	}
	switch v := donation.DateField(c.Query("date")); v {
	case "", donation.DateCreated, donation.DatePaid:
		out.DateField = v
	default:
		errs.Add("date", "Use created (the date the donation was made) or paid (the date the payment was taken).")
	}
	switch v := donation.Reviewed(c.Query("reviewed")); v {
	case donation.ReviewedAny, donation.ReviewedYes, donation.ReviewedNo:
		out.Reviewed = v
	default:
		errs.Add("reviewed", "Use yes (reviewed), no (not reviewed yet), or leave it out for both.")
	}
	var ok bool
	if out.From, ok = parseDay(c.Query("from"), false); !ok {
		errs.Add("from", "Use a date like 2026-11-01, or an RFC 3339 time.")
	}
	if out.To, ok = parseDay(c.Query("to"), true); !ok {
		errs.Add("to", "Use a date like 2026-11-30 (the whole day is included), or an RFC 3339 time.")
	}
	if !out.From.IsZero() && !out.To.IsZero() && !out.From.Before(out.To) {
		errs.Add("to", "The end of the range must come after its start.")
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			errs.Add("limit", "Use a whole number from 1 to 500.")
		}
		out.Limit = n
	}
	if v := c.Query("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			errs.Add("before", "Use the next_before value of the previous page.")
		}
		out.BeforeID = n
	}
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 1 || n > maxPageNumber:
			errs.Add("page", "Use a page number from 1.")
		case out.BeforeID != 0:
			errs.Add("page", "Use either page or before, not both.")
		default:
			out.Offset = (n - 1) * pageSize(out)
		}
	}
	return out, errs.Err()
}

// maxPageNumber bounds page, so that an offset never overflows.
const maxPageNumber = 1_000_000

// defaultPageSize is the rows per page when the query gives no limit.
const defaultPageSize = 100

// pageSize is the rows per page the filter asks for, or the default.
func pageSize(f donation.Filter) int {
	if f.Limit > 0 {
		return f.Limit
	}
	return defaultPageSize
}

// parseDay reads "" (open), a date (UTC midnight; with end, the midnight
// after, so the day is included), or an RFC 3339 time.
func parseDay(v string, end bool) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// selectOption is one choice of a filter on the page.
type selectOption struct {
	Value    string
	Label    string
	Selected bool
}

// options fills the filter form's choices, marking those filter selects.
func (f *Finance) options(c *gin.Context, filter donation.Filter, d *donationsPageData) error {
	ctx := c.Request.Context()
	chosen := map[donation.Status]bool{}
	for _, st := range filter.Statuses {
		chosen[st] = true
	}
	for _, st := range donation.Statuses {
		d.Statuses = append(d.Statuses, selectOption{Value: string(st), Label: st.Label(), Selected: chosen[st]})
	}
	d.DateFields = []selectOption{
		{Value: string(donation.DateCreated), Label: "Date made (created)", Selected: filter.DateField != donation.DatePaid},
		{Value: string(donation.DatePaid), Label: "Date paid (as the Gift Aid claim)", Selected: filter.DateField == donation.DatePaid},
	}
	d.ReviewedOptions = []selectOption{
		{Value: "", Label: "Reviewed or not", Selected: filter.Reviewed == donation.ReviewedAny},
		{Value: string(donation.ReviewedNo), Label: "Not reviewed", Selected: filter.Reviewed == donation.ReviewedNo},
		{Value: string(donation.ReviewedYes), Label: "Reviewed", Selected: filter.Reviewed == donation.ReviewedYes},
	}
	campaigns, err := f.Desk.AllCampaigns(ctx)
	if err != nil {
		return err
	}
	for _, camp := range campaigns {
		d.Campaigns = append(d.Campaigns, selectOption{Value: strconv.FormatInt(camp.ID, 10), Label: camp.Title,
			Selected: camp.ID == filter.CampaignID})
	}
	releases, err := f.Desk.AllReleases(ctx)
	if err != nil {
		return err
	}
	for _, rel := range releases {
		d.Releases = append(d.Releases, selectOption{Value: strconv.FormatInt(rel.ID, 10), Label: rel.Title,
			Selected: rel.ID == filter.ReleaseID})
	}
	return nil
}
