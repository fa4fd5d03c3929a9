package site

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/markdown"
	"github.com/advocacy/advocacy/internal/newsroom"
	"github.com/advocacy/advocacy/internal/petition"
)

// demoReleasePage is the demo release page's data, built in memory.
func demoReleasePage(b *testing.B, s *Site) kit.Page {
	b.Helper()
	rel, camp, p := demo.Release(), demo.Campaign(), demo.Petition()
	p.ID, p.SignatureCount = 1, 12345
	body, err := markdown.New().Render(rel.Body)
	if err != nil {
		b.Fatal(err)
	}
	v := newsroom.View{Release: rel, Campaign: camp, Petition: &p, BodyHTML: body}
	d := releasePageData{View: v, Form: signForm{Country: "GB"}, Open: true, Countries: s.countries,
		Consent: petition.Consent{Version: "2026-11-v1", Wording: "Keep me updated by email about this campaign."}}
	return kit.Page{Title: rel.Title, Description: rel.Summary, CSRFToken: s.pages.placeholder, Data: d}
}

// BenchmarkRenderReleasePage executes the release page template, which a
// cache miss costs (at most every pageTTL per release).
func BenchmarkRenderReleasePage(b *testing.B) {
	s := newTestSite(b, nil)
	page := demoReleasePage(b, s)
	var size int
	for b.Loop() {
		out, err := s.RenderBytes("release", page)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.SetBytes(int64(size))
}

// BenchmarkServeCachedReleasePage writes a cached release page with a new
// visitor's CSRF token, which is what nearly every view costs.
func BenchmarkServeCachedReleasePage(b *testing.B) {
	s := newTestSite(b, nil)
	out, err := s.RenderBytes("release", demoReleasePage(b, s))
	if err != nil {
		b.Fatal(err)
	}
	p := s.pages.store("demo", 200, out, time.Now(), 0)
	b.SetBytes(int64(len(out)))
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	for b.Loop() {
		c := gin.CreateTestContextOnly(httptest.NewRecorder(), engine)
		c.Request = httptest.NewRequest("GET", "/releases/demo", nil)
		s.writeCachedPage(c, p)
	}
}

// BenchmarkRenderEmbedPage executes the embedded form's template with a
// fresh token, which every view of the embed costs (it is not cached: each
// view gets its own token).
func BenchmarkRenderEmbedPage(b *testing.B) {
	s := newTestSite(b, nil)
	p := demo.Petition()
	p.ID, p.SignatureCount = 1, 12345
	tokens := embedTokens{key: make([]byte, 32)}
	d := embedPageData{embedFrame: embedFrame{Origin: "https://partner.example.org"}, Petition: p, Open: true,
		Form: signForm{Country: "GB"}, Countries: s.countries, SignURL: embedPath(p.Slug, "/sign", "https://partner.example.org"),
		Consent: petition.Consent{Version: "2026-11-v1", Wording: "Keep me updated by email about this campaign."}}
	var size int
	for b.Loop() {
		d.Token = tokens.issue(p.ID, d.Origin, time.Now())
		out, err := s.RenderBytes("embed", kit.Page{Title: p.Title, CSRFToken: embedNoCSRF, Data: d})
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.SetBytes(int64(size))
}
