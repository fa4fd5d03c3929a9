package site

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// POST /campaigns/:slug/petitions/:petition/sign
//
// The sign form of an open petition that no published release carries, on
// its campaign's page. Success: 303 back to the campaign page, which thanks
// the supporter at the petition. Invalid input: 422, the page again with
// the form's messages and typed values. A petition of another campaign is
// 404.
func (s *Site) campaignSign(c *gin.Context) {
	ctx := c.Request.Context()
	if err := kit.ReadForm(c); err != nil {
		s.Fail(c, err)
		return
	}
	d, err := s.loadCampaign(ctx, c.Param("slug"), "")
	if err != nil {
		s.Fail(c, err)
		return
	}
	i := slices.IndexFunc(d.Petitions, func(p campaignPetition) bool { return p.Slug == c.Param("petition") })
	if i < 0 {
		s.Fail(c, petition.ErrNotFound)
		return
	}
	p := &d.Petitions[i]
	back := "/campaigns/" + url.PathEscape(d.Campaign.Slug) + "?signed=" + url.QueryEscape(p.Slug) +
		"#petition-" + strconv.FormatInt(p.ID, 10)
	if strings.TrimSpace(c.PostForm(honeypotField)) != "" {
		// Looks like success to the bot; nothing is stored.
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	if !s.Limit(c, s.SignLimit, signLimitMessage) {
		return
	}
	form, in := readSignForm(c)
	_, err = s.Signing.Sign(ctx, petition.SignRequest{PetitionID: p.ID, Input: in, ClientAddr: c.ClientIP()})
	fields, invalid := kit.FieldErrors(err)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, back)
	case invalid:
		form.Errors = fields
		p.SignURL = ""
		p.Form = &signFieldsView{Prefix: p.FormPrefix(), Form: form, Countries: s.countries, Consent: d.Consent}
		p.ErrorSummary = signSummary(fields, p.FormPrefix())
		s.renderCampaign(c, http.StatusUnprocessableEntity, d)
	case errors.Is(err, petition.ErrClosed):
		p.Open, p.Form = false, nil
		p.Notice = "This petition has closed and no longer takes signatures. Thank you for your support."
		s.renderCampaign(c, http.StatusConflict, d)
	default:
		s.Fail(c, err)
	}
}
