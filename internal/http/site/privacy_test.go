package site_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// Whether an address has signed must not show in the answer to signing with
// it: a repeat gets the same status, redirect, headers and cookies (the
// supporter cookie included, with a value of the same length) as a new
// signature.
func TestARepeatSignatureLooksLikeANewOne(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	f := apptest.Seed(t, db, nil)
	// Donations on: the supporter cookie is set only then.
	e := serve(t, db, func(c *config.Config) { c.StripeSecretKey = "sk_test_privacy" })
	page := "/releases/" + f.Release.Slug
	signAs := func(email string) apptest.Response {
		c := e.server.Client(t) // a fresh browser each time
		return c.PostForm(page+"/sign", apptest.SignForm(c.FormToken(page), email))
	}
	fresh := signAs("first@example.org")
	repeat := signAs("first@example.org")
	apptest.AssertStored(t, db, f.Petition.ID, 1)

	if fresh.Status != http.StatusSeeOther || repeat.Status != fresh.Status ||
		repeat.Header.Get("Location") != fresh.Header.Get("Location") || repeat.Body != fresh.Body {
		t.Fatalf("new: %d %q; repeat: %d %q", fresh.Status, fresh.Header.Get("Location"), repeat.Status, repeat.Header.Get("Location"))
	}
	if a, b := headerNames(fresh.Header), headerNames(repeat.Header); !slices.Equal(a, b) {
		t.Errorf("headers differ: new %v, repeat %v", a, b)
	}
	newCookies, repeatCookies := cookieShapes(fresh.Header), cookieShapes(repeat.Header)
	if !slices.Equal(newCookies, repeatCookies) || !slices.ContainsFunc(newCookies, func(s string) bool {
		return strings.HasPrefix(s, "advocacy_supporter=")
	}) {
		t.Errorf("cookies differ: new %v, repeat %v (want the supporter cookie in both, alike)", newCookies, repeatCookies)
	}
}

func headerNames(h http.Header) []string {
	var names []string
	for name := range h {
		if name != "Date" && name != "X-Request-Id" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// cookieShapes are a response's cookies as name=<length of value> plus
// their attributes: what a client can compare without the random values.
func cookieShapes(h http.Header) []string {
	var out []string
	for _, c := range (&http.Response{Header: h}).Cookies() {
		out = append(out, c.Name+"="+strings.Repeat("x", len(c.Value))+
			fmt.Sprintf(";path=%s;httponly=%v;maxage=%d", c.Path, c.HttpOnly, c.MaxAge))
	}
	slices.Sort(out)
	return out
}
