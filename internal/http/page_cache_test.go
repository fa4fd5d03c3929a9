package http

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestCachedPageCarriesEachVisitorsOwnToken(t *testing.T) {
	s := &Server{csrf: newCSRF(false), pageCache: newPageCache()}
	ph := s.pageCache.placeholder
	page := []byte(`<form><input name="csrf_token" value="` + ph + `"></form><p>again: ` + ph + `</p>`)
	p := s.pageCache.store("a-release", http.StatusOK, page, time.Now())
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
			pc := newPageCache()
			if tc.stored {
				pc.store("r", http.StatusOK, []byte("page"), t0)
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
