package postgres

import (
	"context"
	"fmt"

	"github.com/advocacy/advocacy/internal/petition"
)

// PetitionStore implements petition.Store.
type PetitionStore struct{ db *DB }

// Petitions returns the petition store.
func (db *DB) Petitions() *PetitionStore { return &PetitionStore{db: db} }

var _ petition.Store = (*PetitionStore)(nil)

const petitionColumns = "petitions.*, petition_counts.signature_count, petition_counts.pending_count, petition_counts.confirmed_count"
const petitionJoin = "JOIN petition_counts ON petition_counts.petition_id = petitions.id"

// PetitionByID returns petition.ErrNotFound if no petition has that id.
func (s *PetitionStore) PetitionByID(ctx context.Context, id int64) (petition.Petition, error) {
	var row petitionRow
	err := s.db.gorm.WithContext(ctx).Select(petitionColumns).Joins(petitionJoin).
		Where("petitions.id = ?", id).Take(&row).Error
	if err != nil {
		return petition.Petition{}, fmt.Errorf("petition %d: %w", id, notFound(err, petition.ErrNotFound))
	}
	return row.domain(), nil
}

// PetitionBySlug returns petition.ErrNotFound if no petition has that slug.
func (s *PetitionStore) PetitionBySlug(ctx context.Context, slug string) (petition.Petition, error) {
	var row petitionRow
	err := s.db.gorm.WithContext(ctx).Select(petitionColumns).Joins(petitionJoin).
		Where("petitions.slug = ?", slug).Take(&row).Error
	if err != nil {
		return petition.Petition{}, fmt.Errorf("petition %q: %w", slug, notFound(err, petition.ErrNotFound))
	}
	return row.domain(), nil
}

// PetitionsByCampaign returns the campaign's petitions, oldest first.
func (s *PetitionStore) PetitionsByCampaign(ctx context.Context, campaignID int64) ([]petition.Petition, error) {
	var rows []petitionRow
	err := s.db.gorm.WithContext(ctx).Select(petitionColumns).Joins(petitionJoin).
		Where("petitions.campaign_id = ?", campaignID).Order("petitions.id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("petitions of campaign %d: %w", campaignID, translate(err))
	}
	out := make([]petition.Petition, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// PetitionForRelease returns the petition a release page carries: the one the
// release names, or else the campaign's newest open petition, or else its
// newest petition. Returns petition.ErrNotFound if the campaign has none.
func (s *PetitionStore) PetitionForRelease(ctx context.Context, campaignID int64, petitionID *int64) (petition.Petition, error) {
	if petitionID != nil {
		p, err := s.PetitionByID(ctx, *petitionID)
		// A petition of another campaign is never shown: fall back as if none were named.
		if err != nil || p.CampaignID == campaignID {
			return p, err
		}
	}
	var row petitionRow
	err := s.db.gorm.WithContext(ctx).Select(petitionColumns).Joins(petitionJoin).
		Where("petitions.campaign_id = ?", campaignID).
		// Open means taking signatures now, as Petition.OpenAt has it: a
		// petition past its closing date is not preferred to an open one.
		Order("(petitions.status = 'open' AND (petitions.closes_at IS NULL OR petitions.closes_at > now())) DESC, petitions.id DESC").
		Take(&row).Error
	if err != nil {
		return petition.Petition{}, fmt.Errorf("petition of campaign %d: %w", campaignID, notFound(err, petition.ErrNotFound))
	}
	return row.domain(), nil
}

// SignatureCounts returns the counts of the given petitions, keyed by id.
// Each is one primary-key lookup: the cost does not grow with the count.
func (s *PetitionStore) SignatureCounts(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		PetitionID     int64
		SignatureCount int64
	}
	err := s.db.gorm.WithContext(ctx).Table("petition_counts").
		Select("petition_id, signature_count").Where("petition_id IN ?", ids).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("signature counts: %w", translate(err))
	}
	for _, r := range rows {
		out[r.PetitionID] = r.SignatureCount
	}
	return out, nil
}

// CurrentConsent returns the newest consent wording.
func (s *PetitionStore) CurrentConsent(ctx context.Context) (petition.Consent, error) {
	var c petition.Consent
	err := s.db.gorm.WithContext(ctx).Table("consent_wordings").Select("version, wording").
		Order("created_at DESC, version DESC").Limit(1).Scan(&c).Error
	if err != nil {
		return petition.Consent{}, fmt.Errorf("current consent: %w", translate(err))
	}
	if c.Version == "" {
		return petition.Consent{}, fmt.Errorf("current consent: no wording in consent_wordings")
	}
	return c, nil
}
