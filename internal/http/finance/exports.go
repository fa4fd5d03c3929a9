package finance

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// Both exports carry donors' personal data, so each is noted in the audit
// log, with what it selected, before a row is sent.

// GET donations.csv: the list's filter, every matching donation.
func (f *Finance) donationsCSV(c *gin.Context) {
	filter, err := f.filter(c)
	if err != nil {
		f.Fail(c, err)
		return
	}
	if err := f.store.RecordExport(c.Request.Context(), kit.Actor(c), staff.ActionDonationsExport, queryMap(c)); err != nil {
		f.Fail(c, err)
		return
	}
	out := kit.NewCSVStream(c, "donations-"+time.Now().UTC().Format("20060102-150405")+".csv", donation.CSVHeader)
	err = f.store.EachDonation(c.Request.Context(), filter, func(e donation.Entry) error {
		return out.Write(e.CSVRecord()...)
	})
	f.FinishCSV(out, err)
}

// claimRange reads a Gift Aid claim's from and to: a date (to includes the
// whole day) or an RFC 3339 time; either may be left out.
func claimRange(c *gin.Context, errs valid.Errors) (from, to time.Time) {
	from, ok := parseDay(c.Query("from"), false)
	if !ok {
		errs.Add("from", "Use a date like 2026-04-06, or an RFC 3339 time.")
	}
	to, ok = parseDay(c.Query("to"), true)
	if !ok {
		errs.Add("to", "Use a date like 2027-04-05 (the whole day is included), or an RFC 3339 time.")
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		errs.Add("to", "The end of the range must come after its start.")
	}
	return from, to
}

// claimFileName names a claim's file after its dates, when they are dates.
func claimFileName(c *gin.Context, name string) string {
	for _, v := range []string{c.Query("from"), c.Query("to")} {
		if _, err := time.Parse(time.DateOnly, v); err == nil {
			name += "-" + v
		}
	}
	return name
}

// GET giftaid.csv?from=&to=: the Gift Aid claim for payments taken in the
// range.
func (f *Finance) giftAidCSV(c *gin.Context) {
	errs := valid.Errors{}
	from, to := claimRange(c, errs)
	if err := errs.Err(); err != nil {
		f.Fail(c, err)
		return
	}
	if err := f.store.RecordExport(c.Request.Context(), kit.Actor(c), staff.ActionGiftAidExport, queryMap(c)); err != nil {
		f.Fail(c, err)
		return
	}
	out := kit.NewCSVStream(c, claimFileName(c, "giftaid")+".csv", donation.GiftAidCSVHeader)
	err := f.store.EachGiftAidClaim(c.Request.Context(), from, to, func(e donation.Entry) error {
		return out.Write(e.GiftAidRecord()...)
	})
	f.FinishCSV(out, err)
}

// queryMap is the request's query parameters, first value each, for the
// audit log's record of what an export selected.
func queryMap(c *gin.Context) map[string]string {
	out := map[string]string{}
	for k, v := range c.Request.URL.Query() {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}
