package postgres

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/advocacy/advocacy/internal/campaign"
)

// CampaignStore implements campaign.Store.
type CampaignStore struct{ db *DB }

// Campaigns returns the campaign and release store.
func (db *DB) Campaigns() *CampaignStore { return &CampaignStore{db: db} }

var _ campaign.Store = (*CampaignStore)(nil)

func notFound(err error, sentinel error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sentinel
	}
	return translate(err)
}

// CampaignBySlug returns campaign.ErrNotFound if no campaign has that slug.
func (s *CampaignStore) CampaignBySlug(ctx context.Context, slug string) (campaign.Campaign, error) {
	var row campaignRow
	if err := s.db.gorm.WithContext(ctx).Where("slug = ?", slug).Take(&row).Error; err != nil {
		return campaign.Campaign{}, fmt.Errorf("campaign %q: %w", slug, notFound(err, campaign.ErrNotFound))
	}
	return row.domain(), nil
}

// CampaignByID returns campaign.ErrNotFound if no campaign has that id.
func (s *CampaignStore) CampaignByID(ctx context.Context, id int64) (campaign.Campaign, error) {
	var row campaignRow
	if err := s.db.gorm.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return campaign.Campaign{}, fmt.Errorf("campaign %d: %w", id, notFound(err, campaign.ErrNotFound))
	}
	return row.domain(), nil
}

// PublishedReleases returns up to limit published releases, newest first.
func (s *CampaignStore) PublishedReleases(ctx context.Context, limit int) ([]campaign.Release, error) {
	var rows []releaseRow
	err := s.db.gorm.WithContext(ctx).
		Where("status = ?", campaign.ReleasePublished).
		Order("published_at DESC, id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("published releases: %w", translate(err))
	}
	return releaseDomains(rows), nil
}

// PublishedReleaseBySlug returns campaign.ErrNotFound for an unknown or draft release.
func (s *CampaignStore) PublishedReleaseBySlug(ctx context.Context, slug string) (campaign.Release, error) {
	var row releaseRow
	err := s.db.gorm.WithContext(ctx).
		Where("slug = ? AND status = ?", slug, campaign.ReleasePublished).Take(&row).Error
	if err != nil {
		return campaign.Release{}, fmt.Errorf("release %q: %w", slug, notFound(err, campaign.ErrNotFound))
	}
	return row.domain(), nil
}

// ReleasesByCampaign returns the campaign's published releases, newest first.
func (s *CampaignStore) ReleasesByCampaign(ctx context.Context, campaignID int64) ([]campaign.Release, error) {
	var rows []releaseRow
	err := s.db.gorm.WithContext(ctx).
		Where("campaign_id = ? AND status = ?", campaignID, campaign.ReleasePublished).
		Order("published_at DESC, id DESC").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("releases of campaign %d: %w", campaignID, translate(err))
	}
	return releaseDomains(rows), nil
}

func releaseDomains(rows []releaseRow) []campaign.Release {
	out := make([]campaign.Release, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out
}
