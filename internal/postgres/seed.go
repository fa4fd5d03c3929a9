package postgres

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
)

// SeedSet is a campaign with its petition and release, as loaded by
// `advocacy seed demo`.
type SeedSet struct {
	Campaign campaign.Campaign
	Petition petition.Petition
	Release  campaign.Release
}

// Seed creates the set's campaign, petition and release where no row with the
// same slug exists yet. It never overwrites: running it again changes nothing,
// and staff edits to seeded rows survive. It returns the stored rows.
func (db *DB) Seed(ctx context.Context, set SeedSet) (SeedSet, error) {
	var out SeedSet
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c := set.Campaign
		cr := campaignRow{Slug: c.Slug, Title: c.Title, Summary: c.Summary, Target: c.Target,
			Status: c.Status, Currency: c.Currency}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&cr).Error; err != nil {
			return err
		}
		if err := tx.Where("slug = ?", c.Slug).Take(&cr).Error; err != nil {
			return err
		}

		p := set.Petition
		pr := petitionRow{CampaignID: cr.ID, Slug: p.Slug, Title: p.Title, Ask: p.Ask, Target: p.Target,
			Goal: p.Goal, Status: p.Status, ClosesAt: p.ClosesAt}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&pr).Error; err != nil {
			return err
		}
		if err := tx.Select(petitionColumns).Joins(petitionJoin).Where("petitions.slug = ?", p.Slug).Take(&pr).Error; err != nil {
			return err
		}

		r := set.Release
		published := r.PublishedAt
		if published == nil {
			now := time.Now().UTC()
			published = &now
		}
		rr := releaseRow{CampaignID: cr.ID, PetitionID: &pr.ID, Slug: r.Slug, Title: r.Title, Summary: r.Summary,
			Body: r.Body, BodyHTML: bodyHTML(r), Status: r.Status, PublishedAt: published}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rr).Error; err != nil {
			return err
		}
		if err := tx.Where("slug = ?", r.Slug).Take(&rr).Error; err != nil {
			return err
		}
		out = SeedSet{Campaign: cr.domain(), Petition: pr.domain(), Release: rr.domain()}
		return nil
	})
	if err != nil {
		return SeedSet{}, fmt.Errorf("seed %q: %w", set.Campaign.Slug, translate(err))
	}
	return out, nil
}
