package http

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/gin-gonic/gin"
)

// csrf is a double-submit token: a random value in an HttpOnly cookie that
// every form must echo in a hidden field. Another site can make a browser
// send the cookie but cannot read it to fill in the field.
type csrf struct {
	secure bool
}

const (
	csrfCookie = "advocacy_csrf"
	csrfField  = "csrf_token"
)

func newCSRF(secure bool) *csrf { return &csrf{secure: secure} }

// token returns the request's token, setting the cookie when it has none.
func (x *csrf) token(c *gin.Context) string {
	if v, err := c.Cookie(csrfCookie); err == nil && len(v) == 43 {
		return v
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true,
		Secure: x.secure, SameSite: http.SameSiteLaxMode, MaxAge: 7 * 24 * 3600})
	// Later calls in this request see the new cookie.
	c.Request.AddCookie(&http.Cookie{Name: csrfCookie, Value: v})
	return v
}

// valid reports whether the posted field matches the cookie, in constant time.
func (x *csrf) valid(c *gin.Context) bool {
	cookie, err := c.Cookie(csrfCookie)
	if err != nil || cookie == "" {
		return false
	}
	field := c.PostForm(csrfField)
	return subtle.ConstantTimeCompare([]byte(cookie), []byte(field)) == 1
}

var errCSRF = newAPIError(http.StatusForbidden, CodeForbidden,
	"Your form expired or was sent from another site. Please reload the page and try again.")
