package site

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// confirmPageData is what confirm.html shows. State is one of "confirm"
// (the button), "already", "expired" or "unknown".
type confirmPageData struct {
	State    string
	Petition petition.Petition
	// Token is the link's token, for the button's form.
	Token string
	// Back is where to read the release and sign again: the release the
	// signature came from, or the campaign.
	Back string
}

// GET /confirm/:token shows the petition and the button that confirms the
// signature. It changes nothing: mail scanners open links.
func (s *Site) confirmPage(c *gin.Context) {
	token := c.Param("token")
	conf, err := s.Confirmations.Check(c.Request.Context(), token)
	s.renderConfirmation(c, token, conf, err)
}

// POST /confirm/:token counts the signature and sends its owner to the
// thanks page, whose count includes them. The token is the form's
// authority, as unguessable as a form token and bound to this one action,
// and kit.CrossOrigin refuses a post another site starts, so the form needs
// no cookie: the link works in whichever browser the email opens it.
func (s *Site) confirmForm(c *gin.Context) {
	token := c.Param("token")
	conf, err := s.Confirmations.Confirm(c.Request.Context(), token)
	switch {
	case err != nil, conf.AlreadyConfirmed: // pressed again: "already confirmed"
		s.renderConfirmation(c, token, conf, err)
	case conf.ReleaseSlug == "": // no published release to thank them on
		c.Redirect(http.StatusSeeOther, confirmBack(conf.Confirmable))
	default:
		c.Redirect(http.StatusSeeOther, "/releases/"+url.PathEscape(conf.ReleaseSlug)+"/thanks?confirmed=1")
	}
}

// renderConfirmation answers a confirmation link: the button while the
// signature awaits it, "already confirmed" afterwards, a friendly 404 for
// a link we did not make and a 410 with a way to sign again for an expired
// one.
func (s *Site) renderConfirmation(c *gin.Context, token string, conf petition.Confirmation, err error) {
	if err != nil && kit.WantsJSON(c) {
		s.APIError(c, err)
		return
	}
	d := confirmPageData{Petition: conf.Petition, Token: token, Back: confirmBack(conf.Confirmable)}
	status, title := http.StatusOK, "Confirm your signature"
	switch {
	case errors.Is(err, petition.ErrBadToken):
		status, title, d.State = http.StatusNotFound, "We can't find that link", "unknown"
	case errors.Is(err, petition.ErrTokenExpired):
		status, title, d.State = http.StatusGone, "This link has expired", "expired"
	case err != nil:
		s.Fail(c, err)
		return
	case conf.AlreadyConfirmed:
		title, d.State = "Your signature is confirmed", "already"
	default:
		d.State = "confirm"
	}
	if status != http.StatusOK {
		s.NoteError(c, status, err)
	}
	c.Header("Cache-Control", "no-store")
	// The token must not leak to other sites through links on the page.
	c.Header("Referrer-Policy", "no-referrer")
	s.Render(c, status, "confirm", kit.Page{Title: title, Data: d})
}

// confirmBack is where a signer goes from a confirmation page.
func confirmBack(t petition.Confirmable) string {
	switch {
	case t.ReleaseSlug != "":
		return "/releases/" + url.PathEscape(t.ReleaseSlug)
	case t.CampaignSlug != "":
		return "/campaigns/" + url.PathEscape(t.CampaignSlug)
	default:
		return "/"
	}
}
