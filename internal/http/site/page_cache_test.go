package site

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// csrfCookie is the cookie that carries a visitor's form token.
const csrfCookie = "advocacy_csrf"

func TestCachedPageCarriesEachVisitorsOwnToken(t *testing.T) {
	s := newTestSite(t, nil)
	ph := s.pages.placeholder
	page := []byte(`<form><input name="csrf_token" value="` + ph + `"></form><p>again: ` + ph + `</p>`)
	p := s.pages.store("a-release", http.StatusOK, page, time.Now(), 0)
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()

	serve := func(cookie string) (*httptest.ResponseRecorder, string) {
		rec := httptest.NewRecorder()
		c := gin.CreateTestContextOnly(rec, engine)
		c.Request = httptest.NewRequest(http.MethodGet, "/releases/a-release", nil)
		if cookie != "" {
			c.Request.AddCookie(&http.Cookie{Name: csrfCookie, Value: cookie})
		}
		s.writeCachedPage(c, p)
		return rec, rec.Body.String()
	}
	tokenIn := func(body string) string {
		const field = `value="`
		i := strings.Index(body, field)
		return body[i+len(field) : i+len(field)+43]
	}
	cookieOf := func(rec *httptest.ResponseRecorder) string {
		for _, c := range rec.Result().Cookies() {
			if c.Name == csrfCookie {
				return c.Value
			}
		}
		return ""
	}

	recA, bodyA := serve("")
	recB, bodyB := serve("")
	for _, tc := range []struct {
		rec  *httptest.ResponseRecorder
		body string
	}{{recA, bodyA}, {recB, bodyB}} {
		token := tokenIn(tc.body)
		if strings.Contains(tc.body, ph) {
			t.Errorf("the placeholder reached a visitor: %s", tc.body)
		}
		if cookieOf(tc.rec) != token || strings.Count(tc.body, token) != 2 {
			t.Errorf("cookie %q, page token %q (in %s)", cookieOf(tc.rec), token, tc.body)
		}
		if got, want := tc.rec.Header().Get("Content-Length"), strconv.Itoa(len(tc.body)); got != want {
			t.Errorf("Content-Length %s, body %s bytes", got, want)
		}
		if tc.rec.Code != http.StatusOK || tc.rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("status %d, Cache-Control %q", tc.rec.Code, tc.rec.Header().Get("Cache-Control"))
		}
	}
	if tokenIn(bodyA) == tokenIn(bodyB) {
		t.Error("two new visitors got the same token")
	}

	returning := strings.Repeat("k", 43)
	rec, body := serve(returning)
	if tokenIn(body) != returning || cookieOf(rec) != "" {
		t.Errorf("a returning visitor got token %q and a new cookie %q; want their own token and no cookie",
			tokenIn(body), cookieOf(rec))
	}
}

func TestPageCacheRendersOneAtATimeAndNeverServesAPagePastItsLimit(t *testing.T) {
	t0 := time.Now()
	cases := []struct {
		name       string
		stored     bool
		rendering  bool // another request is rendering it
		age        time.Duration
		wantCached bool
	}{
		{"nothing stored", false, false, 0, false},
		{"fresh", true, false, pageTTL - time.Millisecond, true},
		{"expired, nobody rendering", true, false, pageTTL, false},
		{"expired, being rendered", true, true, pageTTL, true},
		{"too old even while being rendered", true, true, pageStaleMax, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pc := newPageCache(func() uint64 { return 0 })
			if tc.stored {
				pc.store("r", http.StatusOK, []byte("page"), t0, 0)
			}
			if tc.rendering {
				if pc.lookup("r", t0.Add(pageStaleMax+time.Hour)) != nil {
					t.Fatal("setup: expected to be asked to render")
				}
			}
			got := pc.lookup("r", t0.Add(tc.age))
			if (got != nil) != tc.wantCached {
				t.Fatalf("served from cache: %v, want %v", got != nil, tc.wantCached)
			}
			if got == nil {
				// This request now renders: the next one in the same state
				// is served the old page rather than rendering too, when
				// there is one young enough.
				again := pc.lookup("r", t0.Add(tc.age))
				if wantOld := tc.stored && tc.age < pageStaleMax; (again != nil) != wantOld {
					t.Errorf("second lookup served %v, want %v", again != nil, wantOld)
				}
				// A render given up must not leave the next requests on an
				// expired page: the next one renders.
				pc.abandon("r")
				if pc.lookup("r", t0.Add(max(tc.age, pageTTL))) != nil {
					t.Error("after an abandoned render, an expired page was served instead of a new render")
				}
			}
		})
	}
}

// Staff changes move the Version on; a page of an older version must not
// reach a visitor after that, however fresh it is.
func TestPageCacheServesNoPageRenderedBeforeAStaffChange(t *testing.T) {
	var version atomic.Uint64
	pc := newPageCache(version.Load)
	t0 := time.Now()
	body := func(p *cachedPage) string { return string(p.parts[0]) }

	if pc.lookup("r", t0) != nil {
		t.Fatal("setup: expected to be asked to render")
	}
	pc.store("r", http.StatusOK, []byte("before"), t0, version.Load())
	if got := pc.lookup("r", t0); got == nil || body(got) != "before" {
		t.Fatal("setup: a page of the current version is not served")
	}

	version.Add(1) // staff change something
	if got := pc.lookup("r", t0); got != nil {
		t.Fatalf("a fresh page of an older version was served: %q", body(got))
	}
	if got := pc.lookup("r", t0); got != nil {
		t.Fatalf("a page of an older version was served while another request renders: %q", body(got))
	}

	// A render begun before a change is served once, to the request that
	// made it, and not kept.
	begun := version.Load()
	version.Add(1)
	if p := pc.store("r", http.StatusOK, []byte("during"), t0, begun); body(p) != "during" {
		t.Errorf("the render was not handed back to serve: %q", body(p))
	}
	if got := pc.lookup("r", t0); got != nil {
		t.Fatalf("a render begun before the change was kept: %q", body(got))
	}

	// A render within one version is kept again.
	pc.store("r", http.StatusOK, []byte("after"), t0, version.Load())
	if got := pc.lookup("r", t0); got == nil || body(got) != "after" {
		t.Error("a page rendered after the change is not served")
	}
}
