package kit

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
	// LoginPath is the staff login page.
	LoginPath = "/admin/login"
)

var (
	errUnauthorized = NewError(http.StatusUnauthorized, CodeUnauthorized,
		"Sign in: send an API token as \"Authorization: Bearer <token>\".")
	errWrongRole = NewError(http.StatusForbidden, CodeForbidden,
		"Your account's role does not allow this. Ask an admin if you need it.")
)

// Guard checks who staff are. It holds the staff sign-in.
type Guard struct {
	k    *Kit
	auth *staff.Auth
}

// NewGuard returns the guard of the staff areas.
func (k *Kit) NewGuard(auth *staff.Auth) *Guard { return &Guard{k: k, auth: auth} }

// Auth is the staff sign-in the guard checks against.
func (g *Guard) Auth() *staff.Auth { return g.auth }

// Require lets the request through only for a signed-in staff member
// whose role is one of roles; this is the one place roles are checked.
// Under /api/ it reads a bearer token and answers 401 unauthorized without
// a valid one; elsewhere it reads the session cookie and sends anonymous
// visitors to the login page. A member with another role gets 403 forbidden.
func (g *Guard) Require(roles ...staff.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		api := strings.HasPrefix(c.Request.URL.Path, "/api/")
		var m staff.Member
		var err error
		if api {
			m, err = g.auth.TokenMember(c.Request.Context(), bearerToken(c))
		} else {
			m, err = g.auth.SessionMember(c.Request.Context(), SessionSecret(c))
		}
		// Answers that depend on who asks are never cached.
		c.Header("Cache-Control", "no-store")
		switch {
		case errors.Is(err, staff.ErrUnauthenticated) && api:
			c.Header("WWW-Authenticate", `Bearer realm="advocacy"`)
			g.k.APIError(c, errUnauthorized)
			return
		case errors.Is(err, staff.ErrUnauthenticated):
			g.k.ClearSessionCookie(c)
			c.Redirect(http.StatusSeeOther, LoginPath+"?next="+url.QueryEscape(nextAfterLogin(c)))
			c.Abort()
			return
		case err != nil:
			g.k.Fail(c, err)
			return
		}
		c.Set(staffKey, m)
		if !m.Has(roles...) {
			g.k.Fail(c, errWrongRole)
			return
		}
		c.Next()
	}
}

// CurrentStaff returns the member Require let through. It must only be
// called behind Require.
func CurrentStaff(c *gin.Context) staff.Member {
	m, _ := StaffFrom(c)
	return m
}

// StaffFrom returns the signed-in member, if Require found one.
func StaffFrom(c *gin.Context) (staff.Member, bool) {
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

// SessionSecret is the session cookie's value, or "".
func SessionSecret(c *gin.Context) string {
	v, err := c.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return v
}

// SetSessionCookie gives the browser its session: HttpOnly, SameSite=Lax,
// Secure when the site is served over https, and only sent under /admin.
func (k *Kit) SetSessionCookie(c *gin.Context, sess staff.Session) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: sess.Secret, Path: sessionPath,
		Expires: sess.ExpiresAt, MaxAge: int(time.Until(sess.ExpiresAt).Seconds()),
		HttpOnly: true, Secure: k.Config.SecureCookies(), SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie ends the browser's session cookie, if it has one.
func (k *Kit) ClearSessionCookie(c *gin.Context) {
	if _, err := c.Cookie(sessionCookie); err != nil {
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: sessionPath, MaxAge: -1,
		HttpOnly: true, Secure: k.Config.SecureCookies(), SameSite: http.SameSiteLaxMode})
}

// nextAfterLogin is where to return after signing in: the page asked for,
// when it was a GET.
func nextAfterLogin(c *gin.Context) string {
	if c.Request.Method == http.MethodGet {
		return c.Request.URL.RequestURI()
	}
	return "/admin"
}

// SafeNext accepts only paths on this site under /admin, so the login form
// cannot be used to send someone elsewhere.
func SafeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		(u.Path != "/admin" && !strings.HasPrefix(u.Path, "/admin/")) || u.Path == LoginPath {
		return "/admin"
	}
	return u.RequestURI()
}

// MaxStaffBodyBytes caps what staff send: a release body is long, but not
// this long.
const MaxStaffBodyBytes = 1 << 20

// Actor is who the audit log names for this request's changes.
func Actor(c *gin.Context) staff.Actor { return CurrentStaff(c).Actor() }
