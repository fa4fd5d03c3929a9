package postgres

import (
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
)

// The models mirror the tables in migrations/; the SQL files are the schema's
// source of truth.

type campaignRow struct {
	ID        int64 `gorm:"primaryKey"`
	Slug      string
	Title     string
	Summary   string
	Target    string
	Status    string
	Currency  string
	ImageURL  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (campaignRow) TableName() string { return "campaigns" }

func (r campaignRow) domain() campaign.Campaign {
	return campaign.Campaign{ID: r.ID, Slug: r.Slug, Title: r.Title, Summary: r.Summary, Target: r.Target,
		Status: r.Status, Currency: r.Currency, ImageURL: r.ImageURL, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type releaseRow struct {
	ID          int64 `gorm:"primaryKey"`
	CampaignID  int64
	PetitionID  *int64
	Slug        string
	Title       string
	Summary     string
	Body        string
	BodyHTML    *string // NULL: saved before bodies were rendered on save
	ImageURL    string
	Status      string
	PublishedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (releaseRow) TableName() string { return "releases" }

// bodyHTML is how a release's rendered body is stored: NULL when it has
// none.
func bodyHTML(r campaign.Release) *string {
	if r.BodyHTML == "" {
		return nil
	}
	return &r.BodyHTML
}

func (r releaseRow) domain() campaign.Release {
	rel := campaign.Release{ID: r.ID, CampaignID: r.CampaignID, PetitionID: r.PetitionID, Slug: r.Slug,
		Title: r.Title, Summary: r.Summary, Body: r.Body, ImageURL: r.ImageURL, Status: r.Status,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.BodyHTML != nil {
		rel.BodyHTML = *r.BodyHTML
	}
	if r.PublishedAt != nil {
		t := r.PublishedAt.UTC()
		rel.PublishedAt = &t
	}
	return rel
}

// petitionRow is a petition joined with its count.
type petitionRow struct {
	ID             int64 `gorm:"primaryKey"`
	CampaignID     int64
	Slug           string
	Title          string
	Ask            string
	Target         string
	Goal           int64
	Status         string
	ClosesAt       *time.Time
	Verification   string `gorm:"default:none"`
	SignatureCount int64  `gorm:"->"`
	PendingCount   int64  `gorm:"->"`
	ConfirmedCount int64  `gorm:"->"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (petitionRow) TableName() string { return "petitions" }

func (r petitionRow) domain() petition.Petition {
	p := petition.Petition{ID: r.ID, CampaignID: r.CampaignID, Slug: r.Slug, Title: r.Title, Ask: r.Ask,
		Target: r.Target, Goal: r.Goal, Status: r.Status, Verification: r.Verification,
		SignatureCount: r.SignatureCount, PendingCount: r.PendingCount, ConfirmedCount: r.ConfirmedCount,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.ClosesAt != nil {
		t := r.ClosesAt.UTC()
		p.ClosesAt = &t
	}
	return p
}
