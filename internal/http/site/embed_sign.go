package site

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// Why an embedded form's post is refused.
var (
	errEmbedCrossSite = kit.NewError(http.StatusForbidden, kit.CodeForbidden,
		"This form was sent from another site. Please sign with the form as it is shown on the page.")
	errEmbedToken = kit.NewError(http.StatusForbidden, kit.CodeForbidden,
		"This form could not be checked: it was changed, or it does not come from our form. Please reload it and try again.")
	errEmbedExpired = kit.NewError(http.StatusForbidden, kit.CodeForbidden,
		"This form has expired. Please reload it and try again.")
	errEmbedUnlisted = kit.NewError(http.StatusForbidden, kit.CodeForbidden,
		"This site may no longer show our form. Please sign on our own site.")
)

// POST /embed/petitions/:slug/sign
func (s *Site) embedSign(c *gin.Context) {
	ctx := c.Request.Context()
	p, err := s.Petitions.PetitionBySlug(ctx, c.Param("slug"))
	if err != nil {
		s.embedFail(c, err, "")
		return
	}
	if err := kit.ParseForm(c); err != nil {
		s.embedFail(c, err, "")
		return
	}
	if !s.fromOwnOrigin(c) {
		s.embedFail(c, errEmbedCrossSite, "")
		return
	}
	tokens, err := s.embedTokens(ctx)
	if err != nil {
		s.embedFail(c, err, "")
		return
	}
	origin, err := tokens.check(c.PostForm(embedTokenField), p.ID, time.Now())
	switch {
	case errors.Is(err, errEmbedTokenExpired) && s.embed.origins[origin]:
		s.embedFail(c, errEmbedExpired, origin)
		return
	case err != nil:
		s.embedFail(c, errEmbedToken, "")
		return
	case !s.embed.origins[origin]:
		s.embedFail(c, errEmbedUnlisted, "")
		return
	}
	// The rest of the exchange is in origin's frame, whatever the query says.
	c.Set(embedOriginKey, origin)
	c.Header("Content-Security-Policy", embedCSP(origin))
	thanks := embedPath(p.Slug, "/thanks", origin)
	if strings.TrimSpace(c.PostForm(honeypotField)) != "" {
		// Looks like success to the bot; nothing is stored.
		c.Redirect(http.StatusSeeOther, thanks)
		return
	}
	if ok, wait := s.SignLimit.Allow(c.ClientIP()); !ok {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.embedFail(c, kit.NewError(http.StatusTooManyRequests, kit.CodeRateLimited, signLimitMessage), origin)
		return
	}
	source, _ := embedSource(origin) // checked for every listed origin by New
	consent := c.PostForm("consent_updates") == "yes"
	form := signForm{FullName: c.PostForm("full_name"), Email: c.PostForm("email"),
		Postcode: c.PostForm("postcode"), Country: c.PostForm("country"), ConsentUpdates: consent}
	in := petition.SignInput{FullName: form.FullName, Email: form.Email, Postcode: form.Postcode,
		Country: form.Country, ConsentUpdates: &consent, Source: source}
	_, err = s.Signing.Sign(ctx, petition.SignRequest{PetitionID: p.ID, Input: in, ClientAddr: c.ClientIP()})
	fields, invalid := kit.FieldErrors(err)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, thanks)
	case invalid:
		form.Errors = fields
		s.renderEmbed(c, http.StatusUnprocessableEntity, p, form, "")
	case errors.Is(err, petition.ErrClosed):
		p.Status = petition.StatusClosed // the page says so, without the form
		s.renderEmbed(c, http.StatusConflict, p, form, "")
	default:
		s.embedFail(c, err, origin)
	}
}

// fromOwnOrigin reports whether the browser says the post comes from a page
// on our own origin, as the frame's form is: by its Origin header, or,
// without one, by Sec-Fetch-Site. A post that shows neither is refused.
func (s *Site) fromOwnOrigin(c *gin.Context) bool {
	if o := c.GetHeader("Origin"); o != "" {
		return strings.ToLower(o) == s.embed.ownOrigin
	}
	return c.GetHeader("Sec-Fetch-Site") == "same-origin"
}
