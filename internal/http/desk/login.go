package desk

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/staff"
)

// loginPageData is what admin/login.html shows.
type loginPageData struct {
	Email  string
	Next   string
	Error  string
	Notice string
}

// loginPage serves GET /admin/login; a browser already signed in goes on
// to where it was going.
func (d *Desk) loginPage(c *gin.Context) {
	next := kit.SafeNext(c.Query("next"))
	if _, err := d.auth().SessionMember(c.Request.Context(), kit.SessionSecret(c)); err == nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	d.Render(c, http.StatusOK, "admin/login", kit.Page{Title: "Staff login",
		Data: loginPageData{Next: next, Notice: kit.Notice(c)}})
}

// loginForm serves POST /admin/login.
func (d *Desk) loginForm(c *gin.Context) {
	ctx := c.Request.Context()
	data := loginPageData{Email: c.PostForm("email"), Next: kit.SafeNext(c.PostForm("next"))}
	sess, err := d.auth().Login(ctx, data.Email, c.PostForm("password"), c.ClientIP())
	var throttled *staff.ThrottledError
	switch {
	case errors.As(err, &throttled):
		minutes := int(math.Ceil(throttled.RetryAfter.Minutes()))
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(throttled.RetryAfter.Seconds()))))
		data.Error = fmt.Sprintf("Too many failed logins. For your account's safety, please wait %d minute%s and try again.",
			minutes, plural(minutes))
		d.Render(c, http.StatusTooManyRequests, "admin/login", kit.Page{Title: "Staff login", Data: data})
	case errors.Is(err, staff.ErrBadCredentials):
		data.Error = "That email and password do not match an active staff account."
		d.Render(c, http.StatusUnauthorized, "admin/login", kit.Page{Title: "Staff login", Data: data})
	case err != nil:
		d.Fail(c, err)
	default:
		// A browser that had a session gets a new one, never the old one back.
		if err := d.auth().Logout(ctx, kit.SessionSecret(c)); err != nil {
			d.Fail(c, err)
			return
		}
		d.SetSessionCookie(c, sess)
		c.Redirect(http.StatusSeeOther, data.Next)
	}
}

// logoutForm serves POST /admin/logout: the session ends on the server, so
// a copy of the cookie stops working too.
func (d *Desk) logoutForm(c *gin.Context) {
	if err := d.auth().Logout(c.Request.Context(), kit.SessionSecret(c)); err != nil {
		d.Fail(c, err)
		return
	}
	d.ClearSessionCookie(c)
	kit.RedirectWithNotice(c, kit.LoginPath, "logged_out")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
