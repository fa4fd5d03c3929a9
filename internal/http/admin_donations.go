package http

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/valid"
)

// The finance pages under /admin: the same data as the finance API, for
// finance and admin staff in a browser. Donor personal data appears only
// here and in the finance API.

// selectOption is one choice of a filter.
type selectOption struct {
	Value    string
	Label    string
	Selected bool
}

// totalsRow is one currency's totals, formatted.
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

// GET /admin/donations?status=&campaign=&release=&from=&to=&before=
func (s *Server) donationsPage(c *gin.Context) {
	ctx := c.Request.Context()
	d := donationsPageData{From: c.Query("from"), To: c.Query("to"), GiftAidFrom: c.Query("from"), GiftAidTo: c.Query("to")}
	status := http.StatusOK
	f, err := s.financeFilter(c)
	if fields, ok := fieldErrors(err); ok {
		d.Errors, status = fields, http.StatusUnprocessableEntity
	} else if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.financeOptions(c, f, &d); err != nil {
		s.fail(c, err)
		return
	}
	if d.Errors == nil {
		page, err := s.Donations.List(ctx, f)
		if err != nil {
			s.fail(c, err)
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
	s.render(c, status, "admin/donations", Page{Title: "Donations", Data: d})
}

// financeOptions fills the filter form's choices, marking those f selects.
func (s *Server) financeOptions(c *gin.Context, f donation.Filter, d *donationsPageData) error {
	ctx := c.Request.Context()
	chosen := map[donation.Status]bool{}
	for _, st := range f.Statuses {
		chosen[st] = true
	}
	for _, st := range donation.Statuses {
		d.Statuses = append(d.Statuses, selectOption{Value: string(st), Label: string(st), Selected: chosen[st]})
	}
	campaigns, err := s.Desk.AllCampaigns(ctx)
	if err != nil {
		return err
	}
	for _, camp := range campaigns {
		d.Campaigns = append(d.Campaigns, selectOption{Value: strconv.FormatInt(camp.ID, 10), Label: camp.Title,
			Selected: camp.ID == f.CampaignID})
	}
	releases, err := s.Desk.AllReleases(ctx)
	if err != nil {
		return err
	}
	for _, rel := range releases {
		d.Releases = append(d.Releases, selectOption{Value: strconv.FormatInt(rel.ID, 10), Label: rel.Title,
			Selected: rel.ID == f.ReleaseID})
	}
	return nil
}

// eventRow is a Stripe event as the pages show it, its payload indented.
type eventRow struct {
	donation.StoredEvent
	PayloadText string
}

func toEventRows(events []donation.StoredEvent) []eventRow {
	out := make([]eventRow, len(events))
	for i, e := range events {
		var b bytes.Buffer
		if json.Indent(&b, e.Payload, "", "  ") != nil {
			b.Reset()
			b.Write(e.Payload)
		}
		out[i] = eventRow{StoredEvent: e, PayloadText: b.String()}
	}
	return out
}

// donationPageData is what admin/donation.html shows.
type donationPageData struct {
	Entry   donation.Entry
	Events  []eventRow
	Notice  string
	Note    string // the review note as typed, when it was refused
	Errors  valid.Errors
	History string // the audit log of this donation
}

// donationView loads donation :id for its page.
func (s *Server) donationView(c *gin.Context) (donationPageData, error) {
	id, err := donationParam(c)
	if err != nil {
		return donationPageData{}, err
	}
	e, events, err := s.Donations.Get(c.Request.Context(), id)
	if err != nil {
		return donationPageData{}, err
	}
	return donationPageData{Entry: e, Events: toEventRows(events), Note: e.ReviewNote,
		History: "/admin/audit?" + url.Values{"entity": {"donation"}, "entity_id": {strconv.FormatInt(id, 10)}}.Encode()}, nil
}

// GET /admin/donations/:id
func (s *Server) donationPage(c *gin.Context) {
	d, err := s.donationView(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Notice = notice(c)
	s.render(c, http.StatusOK, "admin/donation", Page{Title: "Donation " + strconv.FormatInt(d.Entry.ID, 10), Data: d})
}

// POST /admin/donations/:id/review records the signed-in member's review,
// with the note; the store writes the audit log with it.
func (s *Server) reviewDonationForm(c *gin.Context) {
	d, err := s.donationView(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	note := c.PostForm("note")
	if _, err := s.Donations.MarkReviewed(c.Request.Context(), d.Entry.ID, actor(c), note); err != nil {
		if fields, ok := fieldErrors(err); ok {
			d.Note, d.Errors = note, fields
			s.render(c, http.StatusUnprocessableEntity, "admin/donation",
				Page{Title: "Donation " + strconv.FormatInt(d.Entry.ID, 10), Data: d})
			return
		}
		s.fail(c, err)
		return
	}
	redirectWithNotice(c, "/admin/donations/"+strconv.FormatInt(d.Entry.ID, 10), "reviewed")
}

// unmatchedPageSize is how many unmatched events the page lists.
const unmatchedPageSize = 200

// GET /admin/stripe-events/unmatched
func (s *Server) unmatchedEventsPage(c *gin.Context) {
	events, err := s.Donations.UnmatchedEvents(c.Request.Context(), unmatchedPageSize)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin/unmatched", Page{Title: "Unmatched Stripe events", Data: toEventRows(events)})
}
