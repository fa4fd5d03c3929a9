package finance

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/valid"
)

// totalsRow is one currency's totals, formatted for the page.
type totalsRow struct {
	Currency  string
	Count     int64
	PaidCount int64
	Gross     string
	Refunded  string
	Disputed  string
	Net       string
}

// donationsPageData is what admin/donations.html shows.
type donationsPageData struct {
	Statuses  []selectOption
	Campaigns []selectOption
	Releases  []selectOption
	From, To  string // as typed
	Errors    valid.Errors
	Totals    []totalsRow
	Donations []donation.Entry
	NextURL   string // the next (older) page, "" at the end
	CSVURL    string // the donations export with this filter
	// The Gift Aid claim form's range: the filter's dates when given.
	GiftAidFrom, GiftAidTo string
}

// GET donations?status=&campaign=&release=&from=&to=&limit=&before=
//
// The API refuses a bad filter; the page shows it refused, with the form,
// as a 422.
func (f *Finance) list(c *gin.Context) {
	filter, err := f.filter(c)
	fields, invalid := kit.FieldErrors(err)
	if err != nil && (!invalid || fromAPI(c)) {
		f.Fail(c, err)
		return
	}
	if fromAPI(c) {
		page, err := f.store.List(c.Request.Context(), filter)
		if err != nil {
			f.Fail(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, toListJSON(page))
		return
	}
	f.donationsPage(c, filter, fields)
}

// donationsPage renders the list page for filter, or the form alone with
// fields when the filter was refused.
func (f *Finance) donationsPage(c *gin.Context, filter donation.Filter, fields valid.Errors) {
	d := donationsPageData{From: c.Query("from"), To: c.Query("to"), GiftAidFrom: c.Query("from"),
		GiftAidTo: c.Query("to"), Errors: fields}
	status := http.StatusOK
	if fields != nil {
		status = http.StatusUnprocessableEntity
	}
	if err := f.options(c, filter, &d); err != nil {
		f.Fail(c, err)
		return
	}
	if fields == nil {
		page, err := f.store.List(c.Request.Context(), filter)
		if err != nil {
			f.Fail(c, err)
			return
		}
		d.Donations = page.Entries
		for _, t := range page.Totals {
			d.Totals = append(d.Totals, totalsRow{Currency: t.Currency, Count: t.Count, PaidCount: t.PaidCount,
				Gross: donation.Format(t.Gross, t.Currency, false), Refunded: donation.Format(t.Refunded, t.Currency, false),
				Disputed: donation.Format(t.Disputed, t.Currency, false), Net: donation.Format(t.Net, t.Currency, false)})
		}
		q := c.Request.URL.Query()
		q.Del("before")
		q.Del("limit")
		d.CSVURL = "/admin/donations.csv"
		if len(q) > 0 {
			d.CSVURL += "?" + q.Encode()
		}
		if page.NextBeforeID != 0 {
			q.Set("before", strconv.FormatInt(page.NextBeforeID, 10))
			d.NextURL = "/admin/donations?" + q.Encode()
		}
	}
	f.Render(c, status, "admin/donations", kit.Page{Title: "Donations", Data: d})
}
