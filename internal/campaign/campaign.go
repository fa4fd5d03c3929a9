// Package campaign holds campaigns and the press releases published for them.
package campaign

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a campaign or release does not exist, or is a
// draft where only published releases may be seen.
var ErrNotFound = errors.New("not found")

// Campaign statuses.
const (
	StatusActive = "active"
	StatusWon    = "won"
	StatusClosed = "closed"
)

// Release statuses.
const (
	ReleaseDraft     = "draft"
	ReleasePublished = "published"
)

// Campaign is a cause with an ask and a target, such as ratifying a convention.
type Campaign struct {
	ID       int64
	Slug     string
	Title    string
	Summary  string
	Target   string
	Status   string
	Currency string // ISO 4217, the currency donations to it are taken in
	// ImageURL is the image its page shows when shared (an absolute
	// http(s) address), or "".
	ImageURL  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Release is a press release. Body is Markdown, kept exactly as the author
// wrote it.
type Release struct {
	ID         int64
	CampaignID int64
	PetitionID *int64 // the petition its page carries; nil means the campaign's newest open one
	Slug       string
	Title      string
	Summary    string
	Body       string
	// BodyHTML is Body rendered to sanitised HTML when the release was
	// saved, so pages never render it; "" for a release saved before that.
	BodyHTML string
	// ImageURL is the image its page shows when shared (an absolute
	// http(s) address), or "" for its campaign's.
	ImageURL    string
	Status      string
	PublishedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Published reports whether the public may see the release.
func (r Release) Published() bool { return r.Status == ReleasePublished && r.PublishedAt != nil }

// Store reads campaigns and releases.
type Store interface {
	// CampaignBySlug returns ErrNotFound if no campaign has that slug.
	CampaignBySlug(ctx context.Context, slug string) (Campaign, error)
	// CampaignByID returns ErrNotFound if no campaign has that id.
	CampaignByID(ctx context.Context, id int64) (Campaign, error)
	// PublishedReleases returns up to limit published releases, newest first.
	PublishedReleases(ctx context.Context, limit int) ([]Release, error)
	// PublishedReleaseBySlug returns ErrNotFound for an unknown or draft release.
	PublishedReleaseBySlug(ctx context.Context, slug string) (Release, error)
	// ReleasesByCampaign returns the campaign's published releases, newest first.
	ReleasesByCampaign(ctx context.Context, campaignID int64) ([]Release, error)
}
