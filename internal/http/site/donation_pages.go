package site

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
)

// donationThanksData is what donations/thanks.html shows. It holds no
// personal data: anyone with the link sees only the amount and its state.
type donationThanksData struct {
	Status        donation.Status
	Awaiting      bool // checkout finished; the payment is still settling
	Amount        string
	Refunded      string
	GiftAid       bool
	CampaignSlug  string
	CampaignTitle string
	ReleaseSlug   string
	ReleaseTitle  string
}

// maxSessionIDLen bounds the session_id a thank-you link may carry.
const maxSessionIDLen = 255

// GET /donations/thanks?session_id=…
func (s *Site) donationThanks(c *gin.Context) {
	if !s.Donations.Enabled() {
		s.Fail(c, donation.ErrDisabled)
		return
	}
	sid := c.Query("session_id")
	if sid == "" || len(sid) > maxSessionIDLen {
		s.Fail(c, donation.ErrNotFound)
		return
	}
	e, err := s.Donations.Store().BySessionID(c.Request.Context(), sid)
	if err != nil {
		s.Fail(c, err)
		return
	}
	d := donationThanksData{Status: e.Status, Awaiting: e.Awaiting(), Amount: donation.Format(e.Amount, e.Currency, false),
		Refunded: donation.Format(e.AmountRefunded, e.Currency, false), GiftAid: e.GiftAid != nil,
		CampaignSlug: e.CampaignSlug, CampaignTitle: e.CampaignTitle, ReleaseSlug: e.ReleaseSlug, ReleaseTitle: e.ReleaseTitle}
	title := "Thank you"
	if e.Status != donation.StatusPaid {
		title = "Your donation"
	}
	c.Header("Referrer-Policy", "no-referrer") // the session id stays here
	s.Render(c, http.StatusOK, "donations/thanks", kit.Page{Title: title, Data: d})
}

// donationCancelledData is what donations/cancelled.html shows.
type donationCancelledData struct {
	ReleaseSlug  string
	ReleaseTitle string
}

// GET /donations/cancelled?release=…
func (s *Site) donationCancelled(c *gin.Context) {
	if !s.Donations.Enabled() {
		s.Fail(c, donation.ErrDisabled)
		return
	}
	var d donationCancelledData
	if slug := c.Query("release"); slug != "" && len(slug) <= 100 {
		if v, err := s.Newsroom.Release(c.Request.Context(), slug); err == nil {
			d.ReleaseSlug, d.ReleaseTitle = v.Release.Slug, v.Release.Title
		}
	}
	s.Render(c, http.StatusOK, "donations/cancelled", kit.Page{Title: "Donation cancelled", Data: d})
}
