package finance

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

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

// listRow is one donation of the list, with its links to Stripe.
type listRow struct {
	donation.Entry
	PaymentURL string // the payment intent's dashboard page, "" without one
	ChargeURL  string
}

// pageLink is one numbered page of the list.
type pageLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool // an ellipsis before this page
}

// donationsPageData is what admin/donations.html shows.
type donationsPageData struct {
	Notice          string
	Statuses        []selectOption
	Campaigns       []selectOption
	Releases        []selectOption
	DateFields      []selectOption
	ReviewedOptions []selectOption
	From, To        string // as typed
	Presets         []datePreset
	ByPaid          bool // the dates are payment dates: the list shows those
	ActiveFilters   int  // how many filters narrow the list
	FiltersOpen     bool // the filter form starts open
	Errors          valid.Errors
	Totals          []totalsRow
	Donations       []listRow
	// Paging: Total donations match, shown PageNumber of Pages.
	Total             int64
	PageNumber, Pages int
	FirstRow, LastRow int64
	PrevURL, NextURL  string
	PageLinks         []pageLink
	Back              string       // the list's query, for the bulk review to return to
	ReviewErrors      valid.Errors // a refused bulk review
	ReviewNote        string       // its note as typed
	CSVURL            string       // the donations export with this filter
	GiftAidFrom       string       // the Gift Aid claim form's range: the filter's dates when given
	GiftAidTo         string
}

// GET donations?status=&campaign=&release=&date=&from=&to=&reviewed=&limit=&before=&page=
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
	d := donationsPageData{Errors: fields, Notice: kit.Notice(c)}
	status := http.StatusOK
	if fields != nil {
		status = http.StatusUnprocessableEntity
	}
	f.donationsPage(c, status, filter, d)
}

// donationsPage renders the list page for filter with status, or the form
// alone when the filter was refused (d.Errors).
func (f *Finance) donationsPage(c *gin.Context, status int, filter donation.Filter, d donationsPageData) {
	q := c.Request.URL.Query()
	d.From, d.To, d.GiftAidFrom, d.GiftAidTo = q.Get("from"), q.Get("to"), q.Get("from"), q.Get("to")
	d.Presets = presetsFor(time.Now().UTC(), q)
	for _, k := range []string{"status", "campaign", "release", "from", "to", "reviewed"} {
		if q.Get(k) != "" {
			d.ActiveFilters++
		}
	}
	d.FiltersOpen = d.Errors != nil
	d.ByPaid = filter.DateField == donation.DatePaid
	if err := f.options(c, filter, &d); err != nil {
		f.Fail(c, err)
		return
	}
	if d.Errors == nil {
		page, err := f.store.List(c.Request.Context(), filter)
		if err != nil {
			f.Fail(c, err)
			return
		}
		live := liveMode(f.Config.StripeSecretKey)
		for _, e := range page.Entries {
			d.Donations = append(d.Donations, listRow{Entry: e,
				PaymentURL: stripeURL(e.PaymentIntentID, live), ChargeURL: stripeURL(e.ChargeID, live)})
		}
		for _, t := range page.Totals {
			d.Totals = append(d.Totals, totalsRow{Currency: t.Currency, Count: t.Count, PaidCount: t.PaidCount,
				Gross: donation.Format(t.Gross, t.Currency, false), Refunded: donation.Format(t.Refunded, t.Currency, false),
				Disputed: donation.Format(t.Disputed, t.Currency, false), Net: donation.Format(t.Net, t.Currency, false)})
		}
		base := cloneQuery(q)
		base.Del("limit")
		d.CSVURL = "/admin/donations.csv"
		if len(base) > 0 {
			d.CSVURL += "?" + base.Encode()
		}
		d.paging(c.Request.URL.Query(), filter, page)
	}
	d.Back = cloneQuery(q).Encode()
	f.Render(c, status, "admin/donations", kit.Page{Title: "Donations", Data: d})
}

// paging fills the page numbers, the links to the pages around this one,
// and which rows of the whole filter this page shows. A page reached by
// "before" (the API's cursor) links on by cursor.
func (d *donationsPageData) paging(q url.Values, filter donation.Filter, page donation.Page) {
	size := pageSize(filter)
	d.Total = page.Total
	d.Pages = max(1, int((page.Total+int64(size)-1)/int64(size)))
	link := func(n int) string {
		v := cloneQuery(q)
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/admin/donations"
		}
		return "/admin/donations?" + v.Encode()
	}
	if filter.BeforeID != 0 {
		if page.NextBeforeID != 0 {
			v := cloneQuery(q)
			v.Set("before", strconv.FormatInt(page.NextBeforeID, 10))
			d.NextURL = "/admin/donations?" + v.Encode()
		}
		return
	}
	d.PageNumber = filter.Offset/size + 1
	if len(d.Donations) > 0 {
		d.FirstRow = int64(filter.Offset) + 1
		d.LastRow = int64(filter.Offset + len(d.Donations))
	}
	if d.PageNumber > 1 {
		d.PrevURL = link(min(d.PageNumber-1, d.Pages))
	}
	if d.PageNumber < d.Pages {
		d.NextURL = link(d.PageNumber + 1)
	}
	last := 0
	for n := 1; n <= d.Pages; n++ {
		if n != 1 && n != d.Pages && (n < d.PageNumber-2 || n > d.PageNumber+2) {
			continue
		}
		d.PageLinks = append(d.PageLinks, pageLink{Number: n, URL: link(n), Current: n == d.PageNumber, Gap: last != 0 && n != last+1})
		last = n
	}
}
