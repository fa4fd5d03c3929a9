package finance

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// HMRC's Charities Online schedule: the claim for a period as rows to paste
// into HMRC's spreadsheet, in parts of at most donation.ScheduleRowsPerPart
// donations. GET giftaid/schedule says how many parts a period takes;
// GET giftaid/schedule.csv?part=N is one of them.

// schedulePartJSON is one file of a claim.
type schedulePartJSON struct {
	Part int    `json:"part"`
	Rows int64  `json:"rows"`
	URL  string `json:"url"`
}

// scheduleJSON is the API's answer to GET giftaid/schedule.
type scheduleJSON struct {
	Rows        int64              `json:"rows"`
	RowsPerPart int                `json:"rows_per_part"`
	Parts       []schedulePartJSON `json:"parts"`
}

// scheduleParts lists the parts of a claim of rows donations, each with
// its download under base (the API's or the pages').
func scheduleParts(c *gin.Context, base string, rows int64) []schedulePartJSON {
	n := donation.ScheduleParts(rows)
	out := make([]schedulePartJSON, n)
	for i := range out {
		q := url.Values{}
		for _, k := range []string{"from", "to"} {
			if v := c.Query(k); v != "" {
				q.Set(k, v)
			}
		}
		q.Set("part", strconv.Itoa(i+1))
		out[i] = schedulePartJSON{Part: i + 1, URL: base + "/giftaid/schedule.csv?" + q.Encode(),
			Rows: min(int64(donation.ScheduleRowsPerPart), rows-int64(i*donation.ScheduleRowsPerPart))}
	}
	return out
}

// schedulePageData is what admin/giftaid_schedule.html shows.
type schedulePageData struct {
	From, To string
	Errors   valid.Errors
	Counted  bool // a range was asked for and counted
	scheduleJSON
}

// GET giftaid/schedule?from=&to=: how many donations the claim holds and
// the files it takes. The page is also the form that asks for the period.
func (f *Finance) schedule(c *gin.Context) {
	errs := valid.Errors{}
	from, to := claimRange(c, errs)
	d := schedulePageData{From: c.Query("from"), To: c.Query("to"), Errors: errs}
	if err := errs.Err(); err != nil {
		if fromAPI(c) {
			f.Fail(c, err)
		} else {
			f.Render(c, http.StatusUnprocessableEntity, "admin/giftaid_schedule", kit.Page{Title: "Gift Aid schedule", Data: d})
		}
		return
	}
	d.Errors = nil
	asked := fromAPI(c) || c.Request.URL.RawQuery != ""
	if asked {
		rows, err := f.store.CountGiftAidClaim(c.Request.Context(), from, to)
		if err != nil {
			f.Fail(c, err)
			return
		}
		base := "/admin"
		if fromAPI(c) {
			base = "/api/v1/admin"
		}
		d.Counted = true
		d.scheduleJSON = scheduleJSON{Rows: rows, RowsPerPart: donation.ScheduleRowsPerPart, Parts: scheduleParts(c, base, rows)}
	}
	if fromAPI(c) {
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, d.scheduleJSON)
		return
	}
	f.Render(c, http.StatusOK, "admin/giftaid_schedule", kit.Page{Title: "Gift Aid schedule", Data: d})
}

// GET giftaid/schedule.csv?from=&to=&part=: part N (from 1; the first
// without it) of the claim as HMRC's schedule rows. The response says which
// part it is and how many there are (X-Schedule-Part, X-Schedule-Parts);
// asking for a part beyond the last is refused, naming how many there are.
func (f *Finance) scheduleCSV(c *gin.Context) {
	errs := valid.Errors{}
	from, to := claimRange(c, errs)
	part := 1
	if v := c.Query("part"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageNumber {
			errs.Add("part", "Use a part number from 1.")
		}
		part = n
	}
	if err := errs.Err(); err != nil {
		f.Fail(c, err)
		return
	}
	ctx := c.Request.Context()
	rows, err := f.store.CountGiftAidClaim(ctx, from, to)
	if err != nil {
		f.Fail(c, err)
		return
	}
	parts := donation.ScheduleParts(rows)
	if part > parts {
		f.Fail(c, valid.Errors{"part": "This claim has " + strconv.Itoa(parts) + " part(s) of up to " +
			strconv.Itoa(donation.ScheduleRowsPerPart) + " donations."})
		return
	}
	if err := f.store.RecordExport(ctx, kit.Actor(c), staff.ActionGiftAidExport, queryMap(c)); err != nil {
		f.Fail(c, err)
		return
	}
	c.Header("X-Schedule-Part", strconv.Itoa(part))
	c.Header("X-Schedule-Parts", strconv.Itoa(parts))
	name := claimFileName(c, "giftaid-schedule") + "-part-" + strconv.Itoa(part) + "-of-" + strconv.Itoa(parts) + ".csv"
	out := kit.NewCSVStream(c, name, donation.ScheduleHeader)
	err = f.store.EachGiftAidClaimPart(ctx, from, to, part, func(e donation.Entry) error {
		return out.Write(e.ScheduleRecord()...)
	})
	f.FinishCSV(out, err)
}
