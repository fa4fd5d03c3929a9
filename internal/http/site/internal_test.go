package site

import (
	"context"
	"log/slog"
	"testing"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/http/kit"
)

// newTestSite is a site with no stores: enough to render pages and serve
// them from the page cache. version is its Deps.Version (nil: always 0).
func newTestSite(tb testing.TB, version func() uint64) *Site {
	tb.Helper()
	k, err := kit.New(config.Config{BaseURL: "http://localhost:8080"}, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(k, Deps{Version: version, EmbedKey: func(context.Context) ([]byte, error) { return make([]byte, 32), nil }})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
