package campaign_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/valid"
)

func TestImageURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"https://images.example.org/a.jpg", true},
		{"  http://images.example.org/a.jpg?w=1200  ", true},
		{"javascript:alert(1)", false},
		{"data:image/png;base64,AAAA", false},
		{"/static/a.png", false},
		{"https://", false},
		{"https://user:secret@example.org/a.png", false},
		{"https://example.org/a b.png", false},
		{"https://example.org/\x00.png", false},
		{"https://example.org/" + strings.Repeat("a", campaign.MaxImageURLLen), false},
	}
	for _, tt := range tests {
		c := campaign.Campaign{Slug: "c", Title: "C", Status: campaign.StatusActive, Currency: "GBP", ImageURL: tt.url}.Normalise()
		r := campaign.Release{CampaignID: 1, Slug: "r", Title: "R", ImageURL: tt.url}.Normalise()
		for what, err := range map[string]error{"campaign": c.Validate(), "release": r.Validate()} {
			var fields valid.Errors
			refused := errors.As(err, &fields) && fields["image_url"] != ""
			if refused == tt.ok || (tt.ok && err != nil) {
				t.Errorf("%s image %.40q: %v, want ok %v", what, tt.url, err, tt.ok)
			}
		}
	}
}
