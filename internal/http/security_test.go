package http_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := apptest.Seed(t, e.db, nil)
	token := e.FormToken("/releases/" + f.Release.Slug)
	responses := map[string]apptest.Response{
		"newsroom":        e.Get("/"),
		"release":         e.Get("/releases/" + f.Release.Slug),
		"not found page":  e.Get("/no-such-page"),
		"static file":     e.Get("/static/app.css"),
		"API":             e.Get(fmt.Sprintf("/api/v1/petitions/%d", f.Petition.ID)),
		"API error":       e.Get("/api/v1/petitions/abc"),
		"form post":       e.PostForm("/releases/"+f.Release.Slug+"/sign", apptest.SignForm(token, "headers@example.org")),
		"refused post":    e.PostForm("/releases/"+f.Release.Slug+"/sign", url.Values{}),
		"signature (API)": e.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody("headers-api@example.org")),
	}
	for name, res := range responses {
		t.Run(name, func(t *testing.T) {
			csp := res.Header.Get("Content-Security-Policy")
			for _, directive := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, directive) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, directive)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("Content-Security-Policy %q allows inline or eval'd script", csp)
			}
			for header, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"X-Frame-Options":        "DENY",
				"Referrer-Policy":        "strict-origin-when-cross-origin",
			} {
				if got := res.Header.Get(header); got != want {
					t.Errorf("%s %q, want %q", header, got, want)
				}
			}
		})
	}
}

// TestNoScriptInjection puts a script into every text staff and supporters
// write and checks that no page carries it as markup.
func TestNoScriptInjection(t *testing.T) {
	t.Parallel()
	e := start(t)
	script := func(where string) string { return fmt.Sprintf(`<script>alert("%s")</script>`, where) }
	f := apptest.Seed(t, e.db, func(s *postgres.SeedSet) {
		s.Campaign.Title = "Campaign " + script("campaign title")
		s.Campaign.Summary = script("campaign summary")
		s.Campaign.Target = script("campaign target")
		s.Petition.Title = "Petition " + script("petition title")
		s.Petition.Ask = script("petition ask")
		s.Petition.Target = script("petition target")
		s.Release.Title = "Release " + script("release title")
		s.Release.Summary = `"><img src=x onerror=alert("summary")>` + script("release summary")
		s.Release.Body = "Hello " + script("release body") + "\n\n" +
			`<img src=x onerror=alert("img")>` + "\n\n" +
			`[a link](javascript:alert("link"))` + "\n\n" +
			`<a href="#" onclick="alert('click')">click</a>` + "\n\n" +
			`<iframe src="https://attacker.example"></iframe>`
	})
	base := "/releases/" + f.Release.Slug
	token := e.FormToken("/releases/" + f.Release.Slug)
	typed := url.Values{"csrf_token": {token}, "full_name": {script("signer name")},
		"email": {`"><script>alert("email")</script>`}, "postcode": {`"><svg onload=alert(1)>`}, "country": {`"><script>`}}

	pages := map[string]apptest.Response{
		"newsroom":     e.Get("/"),
		"release":      e.Get(base),
		"thanks":       e.Get(base + "/thanks"),
		"campaign":     e.Get("/campaigns/" + f.Campaign.Slug),
		"invalid form": e.PostForm(base+"/sign", typed),
	}
	for name, res := range pages {
		t.Run(name, func(t *testing.T) {
			if res.Status >= 500 || res.Status == http.StatusNotFound {
				t.Fatalf("status %d\n%s", res.Status, res.Body)
			}
			for _, bad := range activeMarkup(t, res.Body) {
				t.Errorf("the page carries %s\n%s", bad, res.Body)
			}
		})
	}
	// The words are there, as text.
	apptest.AssertPage(t, pages["release"], http.StatusOK, "Release &lt;script&gt;alert(&#34;release title&#34;)&lt;/script&gt;",
		"&lt;script&gt;alert(&#34;petition ask&#34;)&lt;/script&gt;", "Campaign &lt;script&gt;")
	apptest.AssertPage(t, pages["invalid form"], http.StatusUnprocessableEntity, "&lt;script&gt;alert(&#34;signer name&#34;)")
	apptest.AssertStored(t, e.db, f.Petition.ID, 0)
}

// activeMarkup lists what in page could run script or load another site:
// script elements other than the site's own app.js, embedding elements,
// event handler attributes and javascript: URLs.
func activeMarkup(t *testing.T, page string) []string {
	t.Helper()
	var found []string
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatalf("tokenize page: %v", z.Err())
			}
			return found
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script":
				if len(tok.Attr) != 2 || attr(tok, "src") != "/static/app.js" {
					found = append(found, tok.String())
				}
			case "iframe", "img", "svg", "object", "embed", "frame", "base", "math":
				found = append(found, tok.String())
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:text/html") {
					found = append(found, tok.String())
				}
			}
		}
	}
}

func attr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestCSRFCookieIsSecureOverHTTPS(t *testing.T) {
	t.Parallel()
	for base, secure := range map[string]bool{"https://action.example.org": true, "http://localhost:8080": false} {
		e := start(t, func(c *config.Config) { c.BaseURL = base })
		f := apptest.Seed(t, e.db, nil)
		cookie := e.Get("/releases/" + f.Release.Slug).Header.Get("Set-Cookie")
		if got := strings.Contains(cookie, "; Secure"); got != secure {
			t.Errorf("BASE_URL %s: cookie %q, Secure %t, want %t", base, cookie, got, secure)
		}
	}
}
