package kit

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Browser forms carry a double-submit token: a random value in an HttpOnly
// cookie that every form must echo in a hidden field. Another site can make
// a browser send the cookie but cannot read it to fill in the field.
const (
	csrfCookie = "advocacy_csrf"
	// CSRFField is the hidden form field that carries the token.
	CSRFField = "csrf_token"
)

// CSRFToken returns the request's form token, setting its cookie when it
// has none.
func (k *Kit) CSRFToken(c *gin.Context) string {
	if v, err := c.Cookie(csrfCookie); err == nil && len(v) == 43 {
		return v
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true,
		Secure: k.Config.SecureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: 7 * 24 * 3600})
	// Later calls in this request see the new cookie.
	c.Request.AddCookie(&http.Cookie{Name: csrfCookie, Value: v})
	return v
}

// CSRFValid reports whether the posted field matches the cookie, in
// constant time.
func CSRFValid(c *gin.Context) bool {
	cookie, err := c.Cookie(csrfCookie)
	if err != nil || cookie == "" {
		return false
	}
	field := c.PostForm(CSRFField)
	return subtle.ConstantTimeCompare([]byte(cookie), []byte(field)) == 1
}

// ErrCSRF refuses a form whose token does not match its cookie.
var ErrCSRF = NewError(http.StatusForbidden, CodeForbidden,
	"Your form expired or was sent from another site. Please reload the page and try again.")

// ParseForm reads a form body: 413 past the body limit, 400 when it is
// malformed or holds a NUL byte or bytes that are not UTF-8.
func ParseForm(c *gin.Context) error {
	err := c.Request.ParseForm()
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		if !readableValues(c.Request.PostForm) {
			return errUnreadable
		}
		return nil
	case errors.As(err, &tooLarge):
		return NewError(http.StatusRequestEntityTooLarge, CodeTooLarge,
			"The request body is larger than "+sizeText(tooLarge.Limit)+".")
	default:
		return NewError(http.StatusBadRequest, CodeBadRequest, "The form could not be read. Please try again.")
	}
}

// ReadForm reads a browser's form post (see ParseForm) and refuses it
// with ErrCSRF unless its token matches its cookie.
func ReadForm(c *gin.Context) error {
	if err := ParseForm(c); err != nil {
		return err
	}
	if !CSRFValid(c) {
		return ErrCSRF
	}
	return nil
}

// RequireCSRF is ReadForm as middleware, for routes that need nothing
// before it.
func (k *Kit) RequireCSRF() gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := ReadForm(c); err != nil {
			k.Fail(c, err)
			return
		}
		c.Next()
	}
}
