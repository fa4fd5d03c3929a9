package http

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/staff"
)

// Staff sign in two ways: browsers with a session cookie on the pages under
// /admin, integrations with "Authorization: Bearer <token>" on the API under
// /api/v1/admin. Each area accepts only its own way, so a page can never be
// driven by a token and the API can never be driven by a cookie another site
// makes the browser send.
const (
	sessionCookie = "advocacy_session"
	sessionPath   = "/admin"
	staffKey      = "staff.member"
	loginPath     = "/admin/login"
)

var (
	errUnauthorized = newAPIError(http.StatusUnauthorized, CodeUnauthorized,
		"Sign in: send an API token as \"Authorization: Bearer <token>\".")
	errWrongRole = newAPIError(http.StatusForbidden, CodeForbidden,
		"Your account's role does not allow this. Ask an admin if you need it.")
)

// requireRole lets the request through only for a signed-in staff member
// whose role is one of roles; this is the one place roles are checked.
// Under /api/ it reads a bearer token and answers 401 unauthorized without
// a valid one; elsewhere it reads the session cookie and sends anonymous
// visitors to the login page. A member with another role gets 403 forbidden.
func (s *Server) requireRole(roles ...staff.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		api := strings.HasPrefix(c.Request.URL.Path, "/api/")
		var m staff.Member
		var err error
		if api {
			m, err = s.staffAuth.TokenMember(c.Request.Context(), bearerToken(c))
		} else {
			m, err = s.staffAuth.SessionMember(c.Request.Context(), sessionSecret(c))
		}
		// Answers that depend on who asks are never cached.
		c.Header("Cache-Control", "no-store")
		switch {
		case errors.Is(err, staff.ErrUnauthenticated) && api:
			c.Header("WWW-Authenticate", `Bearer realm="advocacy"`)
			s.apiError(c, errUnauthorized)
			return
		case errors.Is(err, staff.ErrUnauthenticated):
			s.clearSessionCookie(c)
			c.Redirect(http.StatusSeeOther, loginPath+"?next="+url.QueryEscape(nextAfterLogin(c)))
			c.Abort()
			return
		case err != nil:
			s.fail(c, err)
			return
		}
		c.Set(staffKey, m)
		if !m.Has(roles...) {
			s.fail(c, errWrongRole)
			return
		}
		c.Next()
	}
}

// currentStaff returns the member requireRole let through. It must only be
// called behind requireRole.
func currentStaff(c *gin.Context) staff.Member {
	m, _ := staffFrom(c)
	return m
}

// staffFrom returns the signed-in member, if requireRole found one.
func staffFrom(c *gin.Context) (staff.Member, bool) {
	v, ok := c.Get(staffKey)
	if !ok {
		return staff.Member{}, false
	}
	m, ok := v.(staff.Member)
	return m, ok
}

// bearerToken returns the token of "Authorization: Bearer <token>", or "".
func bearerToken(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

func sessionSecret(c *gin.Context) string {
	v, err := c.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return v
}

// setSessionCookie gives the browser its session: HttpOnly, SameSite=Lax,
// Secure when the site is served over https, and only sent under /admin.
func (s *Server) setSessionCookie(c *gin.Context, sess staff.Session) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: sess.Secret, Path: sessionPath,
		Expires: sess.ExpiresAt, MaxAge: int(time.Until(sess.ExpiresAt).Seconds()),
		HttpOnly: true, Secure: s.Config.SecureCookies(), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(c *gin.Context) {
	if _, err := c.Cookie(sessionCookie); err != nil {
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: sessionPath, MaxAge: -1,
		HttpOnly: true, Secure: s.Config.SecureCookies(), SameSite: http.SameSiteLaxMode})
}

// nextAfterLogin is where to return after signing in: the page asked for,
// when it was a GET.
func nextAfterLogin(c *gin.Context) string {
	if c.Request.Method == http.MethodGet {
		return c.Request.URL.RequestURI()
	}
	return "/admin"
}

// safeNext accepts only paths on this site under /admin, so the login form
// cannot be used to send someone elsewhere.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		(u.Path != "/admin" && !strings.HasPrefix(u.Path, "/admin/")) || u.Path == loginPath {
		return "/admin"
	}
	return u.RequestURI()
}

// requireCSRF refuses a form post whose token does not match its cookie.
func (s *Server) requireCSRF() gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := c.Request.ParseForm(); err != nil {
			s.fail(c, errStaffTooLarge)
			return
		}
		if !s.csrf.valid(c) {
			s.fail(c, errCSRF)
			return
		}
		c.Next()
	}
}

// maxStaffBodyBytes caps what staff send: a release body is long, but not
// this long.
const maxStaffBodyBytes = 1 << 20

var errStaffTooLarge = newAPIError(http.StatusRequestEntityTooLarge, CodeTooLarge, "The request body is larger than 1 MiB.")

// limitStaffBody refuses bodies over maxStaffBodyBytes with 413.
func (s *Server) limitStaffBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > maxStaffBodyBytes {
			s.fail(c, errStaffTooLarge)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxStaffBodyBytes)
		c.Next()
	}
}
