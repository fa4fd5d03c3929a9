package finance

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/valid"
)

// donationPageData is what admin/donation.html shows.
type donationPageData struct {
	Entry   donation.Entry
	Events  []eventRow
	Notice  string
	Note    string // the review note as typed, when it was refused
	Errors  valid.Errors
	History string // the audit log of this donation
	// The payment's and the charge's pages in Stripe's dashboard.
	PaymentURL, ChargeURL string
}

// donationView loads donation id and its events for its page.
func (f *Finance) donationView(c *gin.Context, id int64) (donationPageData, error) {
	e, events, err := f.store.Get(c.Request.Context(), id)
	if err != nil {
		return donationPageData{}, err
	}
	live := liveMode(f.Config.StripeSecretKey)
	return donationPageData{Entry: e, Events: toEventRows(events), Note: e.ReviewNote,
		History:    "/admin/audit?" + url.Values{"entity": {"donation"}, "entity_id": {strconv.FormatInt(id, 10)}}.Encode(),
		PaymentURL: stripeURL(e.PaymentIntentID, live), ChargeURL: stripeURL(e.ChargeID, live)}, nil
}

// renderDonation shows the donation page with status.
func (f *Finance) renderDonation(c *gin.Context, status int, d donationPageData) {
	f.Render(c, status, "admin/donation", kit.Page{Title: "Donation " + strconv.FormatInt(d.Entry.ID, 10), Data: d})
}

// GET donations/:id: the donation and its Stripe events.
func (f *Finance) donation(c *gin.Context) {
	id, err := kit.IDParam(c, donation.ErrNotFound)
	if err != nil {
		f.Fail(c, err)
		return
	}
	if fromAPI(c) {
		e, events, err := f.store.Get(c.Request.Context(), id)
		if err != nil {
			f.Fail(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"donation": toDonationJSON(e), "events": toEventsJSON(events)})
		return
	}
	d, err := f.donationView(c, id)
	if err != nil {
		f.Fail(c, err)
		return
	}
	d.Notice = kit.Notice(c)
	f.renderDonation(c, http.StatusOK, d)
}

// reviewRequest is the API's body of POST donations/:id/review.
type reviewRequest struct {
	Note *string `json:"note"`
}

// reviewNote reads the review's note: the API posts JSON {"note": …}, the
// page a form field (which RequireCSRF has already read).
func reviewNote(c *gin.Context) (string, error) {
	if !fromAPI(c) {
		return c.PostForm("note"), nil
	}
	var req reviewRequest
	if err := kit.DecodeJSON(c, &req); err != nil {
		return "", err
	}
	return kit.Deref(req.Note), nil
}

// POST donations/:id/review marks the donation reviewed by the caller, with
// the posted note; the store writes the audit log in the same transaction.
// The API answers the donation; the page goes back to it with a notice, or
// shows the refused note.
func (f *Finance) review(c *gin.Context) {
	note, err := reviewNote(c)
	if err != nil {
		f.Fail(c, err)
		return
	}
	id, err := kit.IDParam(c, donation.ErrNotFound)
	if err != nil {
		f.Fail(c, err)
		return
	}
	e, err := f.Donations.Review(c.Request.Context(), kit.Actor(c), id, note)
	fields, invalid := kit.FieldErrors(err)
	switch {
	case invalid && !fromAPI(c):
		f.refusedReview(c, id, note, fields)
	case err != nil:
		f.Fail(c, err)
	case fromAPI(c):
		c.JSON(http.StatusOK, toDonationJSON(e))
	default:
		kit.RedirectWithNotice(c, "/admin/donations/"+strconv.FormatInt(id, 10), "reviewed")
	}
}

// refusedReview shows the donation page again with the note as typed and
// why it was refused.
func (f *Finance) refusedReview(c *gin.Context, id int64, note string, fields valid.Errors) {
	d, err := f.donationView(c, id)
	if err != nil {
		f.Fail(c, err)
		return
	}
	d.Note, d.Errors = note, fields
	f.renderDonation(c, http.StatusUnprocessableEntity, d)
}
