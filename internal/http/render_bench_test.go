package http

import (
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/petition"
)

// benchServer is a server with no stores: enough to render and decode.
func benchServer(b *testing.B) *Server {
	b.Helper()
	s, err := New(Deps{Config: config.Config{BaseURL: "http://localhost:8080"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// demoReleasePage is the demo release page's data, built in memory.
func demoReleasePage(b *testing.B, s *Server) Page {
	b.Helper()
	rel, camp, p := demo.Release(), demo.Campaign(), demo.Petition()
	p.ID, p.SignatureCount = 1, 12345
	body, err := s.markdown.Render(rel.Body)
	if err != nil {
		b.Fatal(err)
	}
	v := releaseView{Release: rel, Campaign: camp, Petition: &p, BodyHTML: body}
	d := releasePageData{releaseView: v, Form: signForm{Country: "GB"}, Open: true, Countries: s.countries,
		Consent: petition.Consent{Version: "2026-11-v1", Wording: "Keep me updated by email about this campaign."}}
	return Page{Title: rel.Title, Description: rel.Summary, CSRFToken: s.pageCache.placeholder, Data: d}
}

// BenchmarkRenderReleasePage executes the release page template, which a
// cache miss costs (at most every pageTTL per release).
func BenchmarkRenderReleasePage(b *testing.B) {
	s := benchServer(b)
	page := demoReleasePage(b, s)
	var size int
	for b.Loop() {
		out, err := s.renderBytes("release", page)
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
	s := benchServer(b)
	out, err := s.renderBytes("release", demoReleasePage(b, s))
	if err != nil {
		b.Fatal(err)
	}
	p := s.pageCache.store("demo", 200, out, time.Now())
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		c := gin.CreateTestContextOnly(httptest.NewRecorder(), s.engine)
		c.Request = httptest.NewRequest("GET", "/releases/demo", nil)
		s.writeCachedPage(c, p)
	}
}
