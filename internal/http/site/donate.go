package site

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/newsroom"
	"github.com/advocacy/advocacy/internal/valid"
)

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
	GiftAidTitle     string
	GiftAidFirstName string
	GiftAidLastName  string
	GiftAidHouse     string
	GiftAidAddress   string
	GiftAidPostcode  string
	GiftAidConfirmed bool
	GiftAidWording   string
	Errors           valid.Errors
	// ErrorSummary lists Errors, each linking to its field.
	ErrorSummary []errorLink
}

// donateFields are the donation form's fields in the order it shows them.
var donateFields = []string{"amount", "gift_aid", "gift_aid_title", "gift_aid_first_name", "gift_aid_last_name",
	"gift_aid_house", "gift_aid_address", "gift_aid_postcode", "gift_aid_confirm"}

// donateInput is what the form posted.
type donateInput struct {
	Amount           string // a preset's value or "other"
	Other            string
	GiftAid          bool
	GiftAidTitle     string
	GiftAidFirstName string
	GiftAidLastName  string
	GiftAidHouse     string
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
		GiftAid: c.PostForm("gift_aid") == "yes", GiftAidTitle: c.PostForm("gift_aid_title"),
		GiftAidFirstName: c.PostForm("gift_aid_first_name"), GiftAidLastName: c.PostForm("gift_aid_last_name"),
		GiftAidHouse:   c.PostForm("gift_aid_house"),
		GiftAidAddress: c.PostForm("gift_aid_address"), GiftAidPostcode: c.PostForm("gift_aid_postcode"),
		GiftAidConfirmed: c.PostForm("gift_aid_confirm") == "yes"}
}

// donateForm builds the form for release view v, nil when donations are off
// or the campaign's currency is not one donations can be taken in.
func (s *Site) donateForm(csrfToken string, v newsroom.View, in donateInput, errs valid.Errors) *donateView {
	if !s.Donations.Enabled() || !donation.SupportedCurrency(v.Campaign.Currency) {
		return nil
	}
	cur := v.Campaign.Currency
	minimum, maximum := donation.Limits(cur)
	d := &donateView{ReleaseSlug: v.Release.Slug, CampaignTitle: v.Campaign.Title, CSRFToken: csrfToken,
		Currency: cur, Prefix: donation.Prefix(cur), Other: in.Other,
		MinLabel: donation.Format(minimum, cur, true), MaxLabel: donation.Format(maximum, cur, true),
		GiftAidOffered: cur == donation.GiftAidCurrency, GiftAid: in.GiftAid, GiftAidTitle: in.GiftAidTitle,
		GiftAidFirstName: in.GiftAidFirstName, GiftAidLastName: in.GiftAidLastName, GiftAidHouse: in.GiftAidHouse,
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
	// The amount's message links to the first amount; without Gift Aid on
	// offer, its message links to the form.
	anchors := map[string]string{"amount": "amount-" + d.Presets[0].Value}
	if !d.GiftAidOffered {
		anchors["gift_aid"] = "donate-form"
	}
	d.ErrorSummary = errorSummary(errs, donateFields, anchors)
	return d
}

// donatePageData is what donations/form.html shows: the form alone, again,
// with what needs fixing.
type donatePageData struct {
	newsroom.View
	Donate *donateView
}

// donateLimitMessage is what a visitor who tries to donate too often is
// told.
const donateLimitMessage = "Too many donation attempts from your connection. Please wait a moment and try again."

// POST /releases/:slug/donate
func (s *Site) donate(c *gin.Context) {
	if !s.Donations.Enabled() {
		s.Fail(c, donation.ErrDisabled)
		return
	}
	ctx := c.Request.Context()
	v, err := s.Newsroom.Release(ctx, c.Param("slug"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	if err := kit.ReadForm(c); err != nil {
		s.Fail(c, err)
		return
	}
	if !s.Limit(c, s.donateLimit, donateLimitMessage) {
		return
	}
	in := readDonateInput(c)
	checkoutURL, err := s.Donations.Donate(ctx, donation.DonateRequest{
		CampaignID: v.Campaign.ID, CampaignTitle: v.Campaign.Title, Currency: v.Campaign.Currency,
		ReleaseID: v.Release.ID, ReleaseSlug: v.Release.Slug, Supporter: s.supporter(c),
		Input: donation.DonateInput{Amount: in.amount(), GiftAid: in.GiftAid, GiftAidTitle: in.GiftAidTitle,
			GiftAidFirstName: in.GiftAidFirstName, GiftAidLastName: in.GiftAidLastName, GiftAidHouse: in.GiftAidHouse,
			GiftAidAddress: in.GiftAidAddress, GiftAidPostcode: in.GiftAidPostcode, GiftAidConfirmed: in.GiftAidConfirmed}})
	if fields, ok := kit.FieldErrors(err); ok && !kit.WantsJSON(c) {
		data := donatePageData{View: v, Donate: s.donateForm(s.CSRFToken(c), v, in, fields)}
		s.Render(c, http.StatusUnprocessableEntity, "donations/form", kit.Page{Title: errorTitlePrefix + "Donate: " + v.Campaign.Title, Data: data})
		return
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, checkoutURL)
}
