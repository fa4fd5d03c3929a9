package http

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// The finance side: donations with donor personal data, for staff with the
// admin or finance role only. registerFinance mounts the same handlers twice,
// as the contract's table says: under /api/v1/admin for bearer tokens, and as
// pages under /admin for browser sessions.

// registerFinance adds the finance routes to the staff page group and the
// staff API group. who must be requireRole(admin, finance); form checks the
// CSRF token of page posts.
//
//	GET  donations                  list with filters and totals per currency
//	GET  donations.csv              the same filters, streamed as CSV
//	GET  donations/:id              one donation with its Stripe events
//	POST donations/:id/review       marks it reviewed by the caller, with a note
//	GET  giftaid.csv?from=&to=      the Gift Aid claim: paid, unrefunded, declared
//	GET  stripe-events/unmatched    events that match no donation
func (s *Server) registerFinance(pages, api *gin.RouterGroup, who, form gin.HandlerFunc) {
	api.GET("/donations", who, s.financeList)
	api.GET("/donations.csv", who, s.financeCSV)
	api.GET("/donations/:id", who, s.financeDonation)
	api.POST("/donations/:id/review", who, s.financeReview)
	api.GET("/giftaid.csv", who, s.financeGiftAidCSV)
	api.GET("/stripe-events/unmatched", who, s.financeUnmatched)

	pages.GET("/donations", who, s.donationsPage)
	pages.GET("/donations.csv", who, s.financeCSV)
	pages.GET("/donations/:id", who, s.donationPage)
	pages.POST("/donations/:id/review", who, form, s.reviewDonationForm)
	pages.GET("/giftaid.csv", who, s.financeGiftAidCSV)
	pages.GET("/stripe-events/unmatched", who, s.unmatchedEventsPage)
}

// donationJSON is a donation as finance sees it, personal data included.
type donationJSON struct {
	ID              int64           `json:"id"`
	Status          donation.Status `json:"status"`
	AwaitingPayment bool            `json:"awaiting_payment"`
	Amount          int64           `json:"amount"`
	Currency        string          `json:"currency"`
	AmountDisplay   string          `json:"amount_display"`
	AmountRefunded  int64           `json:"amount_refunded"`
	AmountDisputed  int64           `json:"amount_disputed"`
	Net             int64           `json:"net"`
	Campaign        financeRef      `json:"campaign"`
	Release         *financeRef     `json:"release"`
	SignatureID     *int64          `json:"signature_id"`
	Donor           donorJSON       `json:"donor"`
	GiftAid         *giftAidJSON    `json:"gift_aid"`
	Stripe          stripeIDsJSON   `json:"stripe"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	PaidAt          *time.Time      `json:"paid_at"`
	ReviewedAt      *time.Time      `json:"reviewed_at"`
	ReviewedBy      *reviewerJSON   `json:"reviewed_by"`
	ReviewNote      string          `json:"review_note"`
}

type financeRef struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

type donorJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type giftAidJSON struct {
	FullName       string    `json:"full_name"`
	HomeAddress    string    `json:"home_address"`
	Postcode       string    `json:"postcode"`
	DeclaredAt     time.Time `json:"declared_at"`
	WordingVersion string    `json:"wording_version"`
}

type stripeIDsJSON struct {
	CheckoutSessionID string `json:"checkout_session_id"`
	PaymentIntentID   string `json:"payment_intent_id"`
	ChargeID          string `json:"charge_id"`
}

type reviewerJSON struct {
	ID    *int64 `json:"id"`
	Email string `json:"email"`
}

type totalsJSON struct {
	Currency  string `json:"currency"`
	Count     int64  `json:"count"`
	PaidCount int64  `json:"paid_count"`
	Gross     int64  `json:"gross"`
	Refunded  int64  `json:"refunded"`
	Disputed  int64  `json:"disputed"`
	Net       int64  `json:"net"`
}

type eventJSON struct {
	ID          int64           `json:"id"`
	EventID     string          `json:"event_id"`
	Type        string          `json:"type"`
	Created     time.Time       `json:"created"`
	ReceivedAt  time.Time       `json:"received_at"`
	ProcessedAt *time.Time      `json:"processed_at"`
	DonationID  *int64          `json:"donation_id"`
	Payload     json.RawMessage `json:"payload"`
}

func toDonationJSON(e donation.Entry) donationJSON {
	d := e.Donation
	out := donationJSON{ID: d.ID, Status: d.Status, AwaitingPayment: d.Awaiting(), Amount: d.Amount, Currency: d.Currency,
		AmountDisplay: donation.Format(d.Amount, d.Currency, false), AmountRefunded: d.AmountRefunded,
		AmountDisputed: d.AmountDisputed, Net: d.Net(),
		Campaign:    financeRef{ID: d.CampaignID, Slug: e.CampaignSlug, Title: e.CampaignTitle},
		SignatureID: d.SignatureID, Donor: donorJSON{Name: d.DonorName, Email: d.DonorEmail},
		Stripe:    stripeIDsJSON{CheckoutSessionID: d.CheckoutSessionID, PaymentIntentID: d.PaymentIntentID, ChargeID: d.ChargeID},
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, PaidAt: d.PaidAt, ReviewedAt: d.ReviewedAt, ReviewNote: d.ReviewNote}
	if d.ReleaseID != nil {
		out.Release = &financeRef{ID: *d.ReleaseID, Slug: e.ReleaseSlug, Title: e.ReleaseTitle}
	}
	if g := d.GiftAid; g != nil {
		out.GiftAid = &giftAidJSON{FullName: g.FullName, HomeAddress: g.HomeAddress, Postcode: g.Postcode,
			DeclaredAt: g.DeclaredAt, WordingVersion: g.WordingVersion}
	}
	if d.ReviewedAt != nil {
		out.ReviewedBy = &reviewerJSON{ID: d.ReviewedBy, Email: d.ReviewedByEmail}
	}
	return out
}

func toEventsJSON(events []donation.StoredEvent) []eventJSON {
	out := make([]eventJSON, len(events))
	for i, e := range events {
		out[i] = eventJSON{ID: e.ID, EventID: e.EventID, Type: e.Type, Created: e.Created, ReceivedAt: e.ReceivedAt,
			ProcessedAt: e.ProcessedAt, DonationID: e.DonationID, Payload: e.Payload}
	}
	return out
}

// financeFilter reads the query: status (comma-separated or repeated),
// campaign and release (id or slug), from and to (a date, whose whole day
// is included, or an RFC 3339 time, exclusive for to), limit, before.
func (s *Server) financeFilter(c *gin.Context) (donation.Filter, error) {
	ctx := c.Request.Context()
	var f donation.Filter
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
			f.Statuses = append(f.Statuses, donation.Status(st))
		}
	}
	if v := c.Query("campaign"); v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			f.CampaignID = id
		} else if camp, err := s.Campaigns.CampaignBySlug(ctx, v); err == nil {
			f.CampaignID = camp.ID
		} else if isNotFound(err) {
			errs.Add("campaign", "No campaign has that id or slug.")
		} else {
			return f, err
		}
	}
	if v := c.Query("release"); v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			f.ReleaseID = id
		} else if rel, err := s.Campaigns.PublishedReleaseBySlug(ctx, v); err == nil {
			f.ReleaseID = rel.ID
		} else if isNotFound(err) {
			errs.Add("release", "No published release has that slug; use its id.")
		} else {
			return f, err
		}
	}
	var ok bool
	if f.From, ok = parseDay(c.Query("from"), false); !ok {
		errs.Add("from", "Use a date like 2026-11-01, or an RFC 3339 time.")
	}
	if f.To, ok = parseDay(c.Query("to"), true); !ok {
		errs.Add("to", "Use a date like 2026-11-30 (the whole day is included), or an RFC 3339 time.")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		errs.Add("to", "The end of the range must come after its start.")
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			errs.Add("limit", "Use a whole number from 1 to 500.")
		}
		f.Limit = n
	}
	if v := c.Query("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			errs.Add("before", "Use the next_before value of the previous page.")
		}
		f.BeforeID = n
	}
	return f, errs.Err()
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

// GET /api/v1/admin/donations
func (s *Server) financeList(c *gin.Context) {
	f, err := s.financeFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.Donations.List(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := struct {
		Donations  []donationJSON `json:"donations"`
		Totals     []totalsJSON   `json:"totals"`
		NextBefore *int64         `json:"next_before"`
	}{Donations: make([]donationJSON, len(page.Entries)), Totals: make([]totalsJSON, len(page.Totals))}
	for i, e := range page.Entries {
		out.Donations[i] = toDonationJSON(e)
	}
	for i, t := range page.Totals {
		out.Totals[i] = totalsJSON(t)
	}
	if page.NextBeforeID != 0 {
		out.NextBefore = &page.NextBeforeID
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

// donationParam reads :id; a malformed id is a 404 like an unknown one.
func donationParam(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, donation.ErrNotFound
	}
	return id, nil
}

// GET /api/v1/admin/donations/:id: the donation and its Stripe events.
func (s *Server) financeDonation(c *gin.Context) {
	id, err := donationParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	e, events, err := s.Donations.Get(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"donation": toDonationJSON(e), "events": toEventsJSON(events)})
}

// reviewRequest is the body of POST /api/v1/admin/donations/:id/review.
type reviewRequest struct {
	Note *string `json:"note"`
}

// POST /api/v1/admin/donations/:id/review marks the donation reviewed by
// the caller, with the posted note. The store writes the audit log in the
// same transaction.
func (s *Server) financeReview(c *gin.Context) {
	var req reviewRequest
	if err := decodeStaffJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	id, err := donationParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	note := ""
	if req.Note != nil {
		note = *req.Note
	}
	e, err := s.Donations.MarkReviewed(c.Request.Context(), id, actor(c), note)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toDonationJSON(e))
}

// GET /api/v1/admin/stripe-events/unmatched
func (s *Server) financeUnmatched(c *gin.Context) {
	events, err := s.Donations.UnmatchedEvents(c.Request.Context(), unmatchedPageSize)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"events": toEventsJSON(events)})
}

// GET /api/v1/admin/donations.csv and GET /admin/donations.csv
func (s *Server) financeCSV(c *gin.Context) {
	f, err := s.financeFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Donations.RecordExport(c.Request.Context(), actor(c), staff.ActionDonationsExport, queryMap(c)); err != nil {
		s.fail(c, err)
		return
	}
	out := newCSVStream(c, "donations-"+time.Now().UTC().Format("20060102-150405")+".csv", donation.CSVHeader)
	err = s.Donations.EachDonation(c.Request.Context(), f, func(e donation.Entry) error {
		return out.write(e.CSVRecord()...)
	})
	s.finishCSV(out, err)
}

// GET /api/v1/admin/giftaid.csv?from=&to= and GET /admin/giftaid.csv
func (s *Server) financeGiftAidCSV(c *gin.Context) {
	errs := valid.Errors{}
	from, ok := parseDay(c.Query("from"), false)
	if !ok {
		errs.Add("from", "Use a date like 2026-04-06, or an RFC 3339 time.")
	}
	to, ok := parseDay(c.Query("to"), true)
	if !ok {
		errs.Add("to", "Use a date like 2027-04-05 (the whole day is included), or an RFC 3339 time.")
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		errs.Add("to", "The end of the range must come after its start.")
	}
	if err := errs.Err(); err != nil {
		s.fail(c, err)
		return
	}
	name := "giftaid"
	for _, v := range []string{c.Query("from"), c.Query("to")} {
		if _, err := time.Parse(time.DateOnly, v); err == nil {
			name += "-" + v
		}
	}
	if err := s.Donations.RecordExport(c.Request.Context(), actor(c), staff.ActionGiftAidExport, queryMap(c)); err != nil {
		s.fail(c, err)
		return
	}
	out := newCSVStream(c, name+".csv", donation.GiftAidCSVHeader)
	err := s.Donations.EachGiftAidClaim(c.Request.Context(), from, to, func(e donation.Entry) error {
		return out.write(e.GiftAidRecord()...)
	})
	s.finishCSV(out, err)
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
