package http

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/valid"
)

// registerDonations adds the public donation routes and the Stripe webhook.
// Without a gateway (no STRIPE_SECRET_KEY) the donate routes answer 503
// donations_disabled; the webhook keeps recording events for as long as a
// signing secret is configured, so refunds of earlier donations still land.
func (s *Server) registerDonations(r *gin.Engine) error {
	supporters, err := newSupporterCookies(s.Config.StripeSecretKey, s.Config.SecureCookies())
	if err != nil {
		return err
	}
	s.supporters = supporters
	// Each attempt costs a Stripe API call and a row, so attempts are capped
	// per address like signatures are, at the same rate.
	s.donateLimit = newRateLimiter(s.Config.SignRatePerMinute)

	r.POST("/releases/:slug/donate", s.limitBody(), s.donate)
	r.GET("/donations/thanks", s.donationThanks)
	r.GET("/donations/cancelled", s.donationCancelled)
	r.POST("/webhooks/stripe", s.stripeWebhook)
	return nil
}

// donationsEnabled reports whether donations can be taken: a Stripe key, a
// gateway and a store.
func (s *Server) donationsEnabled() bool {
	return s.Config.DonationsEnabled() && s.Gateway != nil && s.Donations != nil
}

// Preset amounts offered as buttons, in major units of the campaign's
// currency; the second is chosen by default.
var donatePresets = []int64{5, 10, 25, 50}

// donatePreset is one amount button.
type donatePreset struct {
	Value   string // the form value, e.g. "10"
	Label   string // e.g. "£10"
	Checked bool
}

// donateView is the donation form's state: the campaign's currency, what
// was chosen or typed, and what was wrong.
type donateView struct {
	ReleaseSlug      string
	CampaignTitle    string
	CSRFToken        string
	Currency         string
	Prefix           string
	Presets          []donatePreset
	OtherChecked     bool
	Other            string // the custom amount as typed
	MinLabel         string
	MaxLabel         string
	GiftAidOffered   bool // only for sterling
	GiftAid          bool
	GiftAidName      string
	GiftAidAddress   string
	GiftAidPostcode  string
	GiftAidConfirmed bool
	GiftAidWording   string
	Errors           valid.Errors
}

// donateInput is what the form posted.
type donateInput struct {
	Amount           string // a preset's value or "other"
	Other            string
	GiftAid          bool
	GiftAidName      string
	GiftAidAddress   string
	GiftAidPostcode  string
	GiftAidConfirmed bool
}

// amount is the amount the donor chose: what they typed, when they typed
// anything (even with a preset still selected, since typing is the later,
// deliberate act), else the preset.
func (in donateInput) amount() string {
	if in.Other != "" || in.Amount == "other" {
		return in.Other
	}
	return in.Amount
}

func readDonateInput(c *gin.Context) donateInput {
	return donateInput{Amount: c.PostForm("amount"), Other: c.PostForm("amount_other"),
		GiftAid: c.PostForm("gift_aid") == "yes", GiftAidName: c.PostForm("gift_aid_name"),
		GiftAidAddress: c.PostForm("gift_aid_address"), GiftAidPostcode: c.PostForm("gift_aid_postcode"),
		GiftAidConfirmed: c.PostForm("gift_aid_confirm") == "yes"}
}

// donateForm builds the form for release view v, nil when donations are off
// or the campaign's currency is not one donations can be taken in.
func (s *Server) donateForm(csrfToken string, v releaseView, in donateInput, errs valid.Errors) *donateView {
	if !s.donationsEnabled() || !donation.SupportedCurrency(v.Campaign.Currency) {
		return nil
	}
	cur := v.Campaign.Currency
	minimum, maximum := donation.Limits(cur)
	d := &donateView{ReleaseSlug: v.Release.Slug, CampaignTitle: v.Campaign.Title, CSRFToken: csrfToken,
		Currency: cur, Prefix: donation.Prefix(cur), Other: in.Other,
		MinLabel: donation.Format(minimum, cur, true), MaxLabel: donation.Format(maximum, cur, true),
		GiftAidOffered: cur == donation.GiftAidCurrency, GiftAid: in.GiftAid, GiftAidName: in.GiftAidName,
		GiftAidAddress: in.GiftAidAddress, GiftAidPostcode: in.GiftAidPostcode, GiftAidConfirmed: in.GiftAidConfirmed,
		GiftAidWording: donation.GiftAidWording, Errors: errs}
	if in.Amount == "" && in.Other == "" {
		in.Amount = strconv.FormatInt(donatePresets[1], 10)
	}
	for _, major := range donatePresets {
		value := strconv.FormatInt(major, 10)
		minor, _ := donation.ParseAmount(value, cur)
		d.Presets = append(d.Presets, donatePreset{Value: value, Label: donation.Format(minor, cur, true),
			Checked: in.Amount == value && in.Other == ""})
	}
	d.OtherChecked = in.Amount == "other" || in.Other != ""
	return d
}

// donatePageData is what donations/form.html shows: the form alone, again,
// with what needs fixing.
type donatePageData struct {
	releaseView
	Donate *donateView
}

// POST /releases/:slug/donate
func (s *Server) donate(c *gin.Context) {
	if !s.donationsEnabled() {
		s.fail(c, donation.ErrDisabled)
		return
	}
	ctx := c.Request.Context()
	v, err := s.releaseView(ctx, c.Param("slug"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		s.fail(c, errTooLarge)
		return
	}
	if !s.csrf.valid(c) {
		s.fail(c, errCSRF)
		return
	}
	if ok, wait := s.donateLimit.allow(c.ClientIP()); !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.fail(c, newAPIError(http.StatusTooManyRequests, CodeRateLimited,
			"Too many donation attempts from your connection. Please wait a moment and try again."))
		return
	}
	in := readDonateInput(c)
	amount, gift, err := donation.DonateInput{Amount: in.amount(), Currency: v.Campaign.Currency,
		GiftAid: in.GiftAid, GiftAidName: in.GiftAidName, GiftAidAddress: in.GiftAidAddress,
		GiftAidPostcode: in.GiftAidPostcode, GiftAidConfirmed: in.GiftAidConfirmed}.Validate(time.Now())
	var fields valid.Errors
	if errors.As(err, &fields) {
		if wantsJSON(c) {
			s.apiError(c, err)
			return
		}
		data := donatePageData{releaseView: v, Donate: s.donateForm(s.csrf.token(c), v, in, fields)}
		s.render(c, http.StatusUnprocessableEntity, "donations/form", Page{Title: "Donate: " + v.Campaign.Title, Data: data})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}

	d, err := s.Donations.CreatePending(ctx, donation.NewDonation{CampaignID: v.Campaign.ID, ReleaseID: &v.Release.ID,
		Amount: amount, Currency: v.Campaign.Currency, GiftAid: gift, Supporter: s.supporter(c)})
	if err != nil {
		s.fail(c, err)
		return
	}
	req := donation.CheckoutRequest{DonationID: d.ID, DonationNonce: d.CheckoutNonce, Amount: d.Amount, Currency: d.Currency,
		Description:    "Donation: " + v.Campaign.Title,
		SuccessURL:     s.Config.BaseURL + "/donations/thanks?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:      s.Config.BaseURL + "/donations/cancelled?release=" + url.QueryEscape(v.Release.Slug),
		IdempotencyKey: d.IdempotencyKey()}
	if d.SignatureID != nil {
		req.CustomerEmail = d.DonorEmail // proven by the supporter cookie
	}
	sessionID, checkoutURL, err := s.Gateway.CreateCheckout(ctx, req)
	if err != nil {
		// Record it even if the donor has gone, so it does not wait as pending.
		if ferr := s.Donations.CheckoutFailed(context.WithoutCancel(ctx), d.ID); ferr != nil {
			s.Logger.ErrorContext(ctx, "record failed checkout", "donation_id", d.ID, "err", ferr)
		}
		s.fail(c, err)
		return
	}
	if err := s.Donations.AttachCheckoutSession(ctx, d.ID, sessionID); err != nil {
		// The session's events still find the donation through its
		// metadata; the donor should not be stopped from giving.
		s.Logger.ErrorContext(ctx, "attach checkout session", "donation_id", d.ID, "err", err)
	}
	c.Redirect(http.StatusSeeOther, checkoutURL)
}

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
func (s *Server) donationThanks(c *gin.Context) {
	if !s.donationsEnabled() {
		s.fail(c, donation.ErrDisabled)
		return
	}
	sid := c.Query("session_id")
	if sid == "" || len(sid) > maxSessionIDLen {
		s.fail(c, donation.ErrNotFound)
		return
	}
	e, err := s.Donations.BySessionID(c.Request.Context(), sid)
	if err != nil {
		s.fail(c, err)
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
	s.render(c, http.StatusOK, "donations/thanks", Page{Title: title, Data: d})
}

// donationCancelledData is what donations/cancelled.html shows.
type donationCancelledData struct {
	ReleaseSlug  string
	ReleaseTitle string
}

// GET /donations/cancelled?release=…
func (s *Server) donationCancelled(c *gin.Context) {
	if !s.donationsEnabled() {
		s.fail(c, donation.ErrDisabled)
		return
	}
	var d donationCancelledData
	if slug := c.Query("release"); slug != "" && len(slug) <= 100 {
		if v, err := s.releaseView(c.Request.Context(), slug); err == nil {
			d.ReleaseSlug, d.ReleaseTitle = v.Release.Slug, v.Release.Title
		}
	}
	s.render(c, http.StatusOK, "donations/cancelled", Page{Title: "Donation cancelled", Data: d})
}
