package http

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/staff"
)

// loginPageData is what admin/login.html shows.
type loginPageData struct {
	Email  string
	Next   string
	Error  string
	Notice string
}

// GET /admin/login
func (s *Server) loginPage(c *gin.Context) {
	next := safeNext(c.Query("next"))
	if _, err := s.staffAuth.SessionMember(c.Request.Context(), sessionSecret(c)); err == nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	s.render(c, http.StatusOK, "admin/login", Page{Title: "Staff login",
		Data: loginPageData{Next: next, Notice: notice(c)}})
}

// POST /admin/login
func (s *Server) login(c *gin.Context) {
	ctx := c.Request.Context()
	d := loginPageData{Email: c.PostForm("email"), Next: safeNext(c.PostForm("next"))}
	sess, err := s.staffAuth.Login(ctx, d.Email, c.PostForm("password"), c.ClientIP())
	var throttled *staff.ThrottledError
	switch {
	case errors.As(err, &throttled):
		minutes := int(math.Ceil(throttled.RetryAfter.Minutes()))
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(throttled.RetryAfter.Seconds()))))
		d.Error = fmt.Sprintf("Too many failed logins. For your account's safety, please wait %d minute%s and try again.",
			minutes, plural(minutes))
		s.render(c, http.StatusTooManyRequests, "admin/login", Page{Title: "Staff login", Data: d})
	case errors.Is(err, staff.ErrBadCredentials):
		d.Error = "That email and password do not match an active staff account."
		s.render(c, http.StatusUnauthorized, "admin/login", Page{Title: "Staff login", Data: d})
	case err != nil:
		s.fail(c, err)
	default:
		// A browser that had a session gets a new one, never the old one back.
		if err := s.staffAuth.Logout(ctx, sessionSecret(c)); err != nil {
			s.fail(c, err)
			return
		}
		s.setSessionCookie(c, sess)
		c.Redirect(http.StatusSeeOther, d.Next)
	}
}

// POST /admin/logout
func (s *Server) logout(c *gin.Context) {
	if err := s.staffAuth.Logout(c.Request.Context(), sessionSecret(c)); err != nil {
		s.fail(c, err)
		return
	}
	s.clearSessionCookie(c)
	redirectWithNotice(c, loginPath, "logged_out")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
