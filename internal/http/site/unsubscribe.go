package site

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// unsubscribePageData is what unsubscribe.html shows. State is one of
// "ask" (the button), "done" (withdrawn by this request), "already" or
// "unknown".
type unsubscribePageData struct {
	State        string
	Unsubscribed petition.Unsubscription
	// Token is the link's token, for the button's form.
	Token string
}

// GET /unsubscribe/:token shows the button that withdraws consent to
// updates. It changes nothing: mail scanners open links.
func (s *Site) unsubscribePage(c *gin.Context) {
	token := c.Param("token")
	un, err := s.Unsubscribes.Check(c.Request.Context(), token)
	state := "ask"
	if un.Already {
		state = "already"
	}
	s.renderUnsubscribe(c, token, un, state, err)
}

// POST /unsubscribe/:token withdraws consent to updates: from the button on
// the page, and from a mail provider's one-click unsubscribe (RFC 8058:
// List-Unsubscribe=One-Click in a form body, posted by the provider's
// servers, without cookies and without a browser's headers). The token is
// the request's authority, as unguessable as a form token and bound to this
// one action, so the post needs no cookie; and since the worst another site
// could do with a token it somehow held is what the token's owner may
// always do, kit.CrossOrigin lets this route through even with a foreign
// Origin, which a provider may send. A second post says it is done already.
func (s *Site) unsubscribeForm(c *gin.Context) {
	token := c.Param("token")
	un, err := s.Unsubscribes.Withdraw(c.Request.Context(), token)
	state := "done"
	if un.Already {
		state = "already"
	}
	s.renderUnsubscribe(c, token, un, state, err)
}

// renderUnsubscribe answers an unsubscribe link: the page in state, or a
// friendly 404 for a link we did not make for unsubscribing.
func (s *Site) renderUnsubscribe(c *gin.Context, token string, un petition.Unsubscription, state string, err error) {
	d := unsubscribePageData{State: state, Unsubscribed: un, Token: token}
	status, title := http.StatusOK, "Unsubscribe"
	switch {
	case errors.Is(err, petition.ErrBadToken):
		status, title, d.State = http.StatusNotFound, "We can't find that link", "unknown"
		s.NoteError(c, status, err)
	case err != nil:
		s.Fail(c, err)
		return
	case state == "done", state == "already":
		title = "You are unsubscribed"
	}
	c.Header("Cache-Control", "no-store")
	// The token must not leak to other sites through links on the page.
	c.Header("Referrer-Policy", "no-referrer")
	s.Render(c, status, "unsubscribe", kit.Page{Title: title, Data: d})
}
