package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// DeskStore implements staff.Desk: what staff create, edit, publish and
// close, each change with its audit entry in the same transaction.
type DeskStore struct{ db *DB }

// Desk returns the campaigner's desk store.
func (db *DB) Desk() *DeskStore { return &DeskStore{db: db} }

var _ staff.Desk = (*DeskStore)(nil)

// slugTaken turns a unique violation into a field error the form can show.
func slugTaken(err error, what string) error {
	if isUniqueViolation(err) {
		return valid.Errors{"slug": "Another " + what + " already uses this slug."}
	}
	return err
}

// AllCampaigns returns every campaign, newest first.
func (s *DeskStore) AllCampaigns(ctx context.Context) ([]campaign.Campaign, error) {
	var rows []campaignRow
	if err := s.db.gorm.WithContext(ctx).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("campaigns: %w", translate(err))
	}
	out := make([]campaign.Campaign, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// CreateCampaign validates and stores a campaign.
func (s *DeskStore) CreateCampaign(ctx context.Context, actor staff.Actor, c campaign.Campaign) (campaign.Campaign, error) {
	c = c.Normalise()
	if err := c.Validate(); err != nil {
		return campaign.Campaign{}, err
	}
	row := campaignRow{Slug: c.Slug, Title: c.Title, Summary: c.Summary, Target: c.Target, Status: c.Status,
		Currency: c.Currency, ImageURL: c.ImageURL}
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return slugTaken(err, "campaign")
		}
		return writeAudit(tx, actor, staff.ActionCampaignCreate, "campaign", row.ID, nil, snapCampaign(row.domain()))
	})
	if err != nil {
		return campaign.Campaign{}, fmt.Errorf("create campaign: %w", translate(err))
	}
	return row.domain(), nil
}

// UpdateCampaign validates and saves a campaign's fields.
func (s *DeskStore) UpdateCampaign(ctx context.Context, actor staff.Actor, c campaign.Campaign) (campaign.Campaign, error) {
	c = c.Normalise()
	if err := c.Validate(); err != nil {
		return campaign.Campaign{}, err
	}
	var after campaignRow
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before campaignRow
		if err := tx.Raw(`SELECT * FROM campaigns WHERE id = ? FOR UPDATE`, c.ID).Scan(&before).Error; err != nil {
			return err
		}
		if before.ID == 0 {
			return campaign.ErrNotFound
		}
		err := tx.Raw(`UPDATE campaigns SET slug = ?, title = ?, summary = ?, target = ?, status = ?, currency = ?,
				image_url = ?, updated_at = now() WHERE id = ? RETURNING *`,
			c.Slug, c.Title, c.Summary, c.Target, c.Status, c.Currency, c.ImageURL, c.ID).Scan(&after).Error
		if err != nil {
			return slugTaken(err, "campaign")
		}
		return auditIfChanged(tx, actor, staff.ActionCampaignUpdate, "campaign", c.ID,
			snapCampaign(before.domain()), snapCampaign(after.domain()))
	})
	if err != nil {
		return campaign.Campaign{}, fmt.Errorf("update campaign %d: %w", c.ID, translate(err))
	}
	return after.domain(), nil
}

// AllReleases returns every release, drafts included, newest first.
func (s *DeskStore) AllReleases(ctx context.Context) ([]campaign.Release, error) {
	var rows []releaseRow
	if err := s.db.gorm.WithContext(ctx).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("releases: %w", translate(err))
	}
	return releaseDomains(rows), nil
}

// ReleaseByID returns the release whatever its status.
func (s *DeskStore) ReleaseByID(ctx context.Context, id int64) (campaign.Release, error) {
	var row releaseRow
	if err := s.db.gorm.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return campaign.Release{}, fmt.Errorf("release %d: %w", id, notFound(err, campaign.ErrNotFound))
	}
	return row.domain(), nil
}

// checkReleaseLinks refuses a release whose campaign does not exist or whose
// petition belongs to another campaign.
func checkReleaseLinks(tx *gorm.DB, r campaign.Release) error {
	var n int64
	if err := tx.Table("campaigns").Where("id = ?", r.CampaignID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return valid.Errors{"campaign_id": "Choose an existing campaign."}
	}
	if r.PetitionID == nil {
		return nil
	}
	var campaignID int64
	if err := tx.Raw(`SELECT campaign_id FROM petitions WHERE id = ?`, *r.PetitionID).Scan(&campaignID).Error; err != nil {
		return err
	}
	if campaignID != r.CampaignID {
		return valid.Errors{"petition_id": "Choose one of this campaign's petitions."}
	}
	return nil
}

// CreateRelease validates and stores a draft release.
func (s *DeskStore) CreateRelease(ctx context.Context, actor staff.Actor, r campaign.Release) (campaign.Release, error) {
	r = r.Normalise()
	if err := r.Validate(); err != nil {
		return campaign.Release{}, err
	}
	row := releaseRow{CampaignID: r.CampaignID, PetitionID: r.PetitionID, Slug: r.Slug, Title: r.Title,
		Summary: r.Summary, Body: r.Body, BodyHTML: bodyHTML(r), ImageURL: r.ImageURL, Status: campaign.ReleaseDraft}
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkReleaseLinks(tx, r); err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return slugTaken(err, "release")
		}
		return writeAudit(tx, actor, staff.ActionReleaseCreate, "release", row.ID, nil, snapRelease(row.domain()))
	})
	if err != nil {
		return campaign.Release{}, fmt.Errorf("create release: %w", translate(err))
	}
	return row.domain(), nil
}

func lockRelease(tx *gorm.DB, id int64) (releaseRow, error) {
	var row releaseRow
	err := tx.Raw(`SELECT * FROM releases WHERE id = ? FOR UPDATE`, id).Scan(&row).Error
	if err == nil && row.ID == 0 {
		err = campaign.ErrNotFound
	}
	return row, err
}

// UpdateRelease saves a release's words and links; its status is kept.
func (s *DeskStore) UpdateRelease(ctx context.Context, actor staff.Actor, r campaign.Release) (campaign.Release, error) {
	r = r.Normalise()
	if err := r.Validate(); err != nil {
		return campaign.Release{}, err
	}
	var after releaseRow
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := lockRelease(tx, r.ID)
		if err != nil {
			return err
		}
		if err := checkReleaseLinks(tx, r); err != nil {
			return err
		}
		err = tx.Raw(`UPDATE releases SET campaign_id = ?, petition_id = ?, slug = ?, title = ?, summary = ?, body = ?,
				body_html = ?, image_url = ?, updated_at = now() WHERE id = ? RETURNING *`,
			r.CampaignID, r.PetitionID, r.Slug, r.Title, r.Summary, r.Body, bodyHTML(r), r.ImageURL, r.ID).Scan(&after).Error
		if err != nil {
			return slugTaken(err, "release")
		}
		return auditIfChanged(tx, actor, staff.ActionReleaseUpdate, "release", r.ID,
			snapRelease(before.domain()), snapRelease(after.domain()))
	})
	if err != nil {
		return campaign.Release{}, fmt.Errorf("update release %d: %w", r.ID, translate(err))
	}
	return after.domain(), nil
}

// auditIfChanged writes an entry only when the snapshots differ. They are
// compared as JSON, so that pointer fields compare by value.
func auditIfChanged(tx *gorm.DB, actor staff.Actor, action, entity string, id int64, before, after any) error {
	b, err := json.Marshal(before)
	if err != nil {
		return err
	}
	a, err := json.Marshal(after)
	if err != nil {
		return err
	}
	if bytes.Equal(a, b) {
		return nil
	}
	return writeAudit(tx, actor, action, entity, id, before, after)
}

// setReleaseStatus publishes or unpublishes a release.
func (s *DeskStore) setReleaseStatus(ctx context.Context, actor staff.Actor, id int64, status, action string) (campaign.Release, error) {
	var after releaseRow
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := lockRelease(tx, id)
		if err != nil {
			return err
		}
		// published_at is set on the first publication and kept after, so
		// a release unpublished for a correction keeps its date.
		err = tx.Raw(`UPDATE releases SET status = ?,
				published_at = CASE WHEN ? = 'published' THEN COALESCE(published_at, now()) ELSE published_at END,
				updated_at = CASE WHEN status = ? THEN updated_at ELSE now() END
			WHERE id = ? RETURNING *`, status, status, status, id).Scan(&after).Error
		if err != nil {
			return err
		}
		return auditIfChanged(tx, actor, action, "release", id, snapRelease(before.domain()), snapRelease(after.domain()))
	})
	if err != nil {
		return campaign.Release{}, fmt.Errorf("%s %d: %w", action, id, translate(err))
	}
	return after.domain(), nil
}

// PublishRelease makes a release public.
func (s *DeskStore) PublishRelease(ctx context.Context, actor staff.Actor, id int64) (campaign.Release, error) {
	return s.setReleaseStatus(ctx, actor, id, campaign.ReleasePublished, staff.ActionReleasePublish)
}

// UnpublishRelease takes a release back to draft.
func (s *DeskStore) UnpublishRelease(ctx context.Context, actor staff.Actor, id int64) (campaign.Release, error) {
	return s.setReleaseStatus(ctx, actor, id, campaign.ReleaseDraft, staff.ActionReleaseUnpublish)
}

// AllPetitions returns every petition with its count, newest first.
func (s *DeskStore) AllPetitions(ctx context.Context) ([]petition.Petition, error) {
	var rows []petitionRow
	err := s.db.gorm.WithContext(ctx).Select(petitionColumns).Joins(petitionJoin).Order("petitions.id DESC").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("petitions: %w", translate(err))
	}
	out := make([]petition.Petition, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func campaignMissing(err error) error {
	if isForeignKeyViolation(err) {
		return valid.Errors{"campaign_id": "Choose an existing campaign."}
	}
	return err
}

// CreatePetition validates and stores a petition; its count starts at zero.
func (s *DeskStore) CreatePetition(ctx context.Context, actor staff.Actor, p petition.Petition) (petition.Petition, error) {
	p = p.Normalise()
	if err := p.Validate(); err != nil {
		return petition.Petition{}, err
	}
	row := petitionRow{CampaignID: p.CampaignID, Slug: p.Slug, Title: p.Title, Ask: p.Ask, Target: p.Target,
		Goal: p.Goal, Status: p.Status, ClosesAt: p.ClosesAt, Verification: p.Verification}
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return campaignMissing(slugTaken(err, "petition"))
		}
		return writeAudit(tx, actor, staff.ActionPetitionCreate, "petition", row.ID, nil, snapPetition(row.domain()))
	})
	if err != nil {
		return petition.Petition{}, fmt.Errorf("create petition: %w", translate(err))
	}
	return row.domain(), nil
}

func lockPetition(tx *gorm.DB, id int64) (petitionRow, error) {
	var row petitionRow
	err := tx.Raw(`SELECT * FROM petitions WHERE id = ? FOR UPDATE`, id).Scan(&row).Error
	if err == nil && row.ID == 0 {
		err = petition.ErrNotFound
	}
	return row, err
}

// withCount fills in the petition's count inside tx.
func withCount(tx *gorm.DB, row *petitionRow) error {
	return tx.Raw(`SELECT signature_count, pending_count, confirmed_count FROM petition_counts WHERE petition_id = ?`, row.ID).
		Row().Scan(&row.SignatureCount, &row.PendingCount, &row.ConfirmedCount)
}

// UpdatePetition validates and saves a petition's fields.
func (s *DeskStore) UpdatePetition(ctx context.Context, actor staff.Actor, p petition.Petition) (petition.Petition, error) {
	p = p.Normalise()
	if err := p.Validate(); err != nil {
		return petition.Petition{}, err
	}
	var after petitionRow
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := lockPetition(tx, p.ID)
		if err != nil {
			return err
		}
		err = tx.Raw(`UPDATE petitions SET campaign_id = ?, slug = ?, title = ?, ask = ?, target = ?, goal = ?,
				status = ?, closes_at = ?, verification = ?, updated_at = now() WHERE id = ? RETURNING *`,
			p.CampaignID, p.Slug, p.Title, p.Ask, p.Target, p.Goal, p.Status, p.ClosesAt, p.Verification, p.ID).Scan(&after).Error
		if err != nil {
			return campaignMissing(slugTaken(err, "petition"))
		}
		if err := withCount(tx, &after); err != nil {
			return err
		}
		if err := enqueuePetitionClosed(tx, before, after); err != nil {
			return err
		}
		return auditIfChanged(tx, actor, staff.ActionPetitionUpdate, "petition", p.ID,
			snapPetition(before.domain()), snapPetition(after.domain()))
	})
	if err != nil {
		return petition.Petition{}, fmt.Errorf("update petition %d: %w", p.ID, translate(err))
	}
	return after.domain(), nil
}

// ClosePetition stops the petition taking signatures. The signer checks the
// status inside each batch's transaction, so no signature commits after this
// one does.
func (s *DeskStore) ClosePetition(ctx context.Context, actor staff.Actor, id int64) (petition.Petition, error) {
	return s.setPetitionStatus(ctx, actor, id, `status = 'closed'`, staff.ActionPetitionClose)
}

// ReopenPetition lets a closed petition take signatures again. A closing
// time already past is cleared, or the petition would stay closed.
func (s *DeskStore) ReopenPetition(ctx context.Context, actor staff.Actor, id int64) (petition.Petition, error) {
	return s.setPetitionStatus(ctx, actor, id,
		`status = 'open', closes_at = CASE WHEN closes_at <= now() THEN NULL ELSE closes_at END`, staff.ActionPetitionReopen)
}

func (s *DeskStore) setPetitionStatus(ctx context.Context, actor staff.Actor, id int64, set, action string) (petition.Petition, error) {
	var after petitionRow
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := lockPetition(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Raw(`UPDATE petitions SET `+set+` WHERE id = ? RETURNING *`, id).Scan(&after).Error; err != nil {
			return err
		}
		b, a := snapPetition(before.domain()), snapPetition(after.domain())
		if b.Status != a.Status || !equalTimes(b.ClosesAt, a.ClosesAt) {
			if err := tx.Exec(`UPDATE petitions SET updated_at = now() WHERE id = ?`, id).Error; err != nil {
				return err
			}
		}
		if err := withCount(tx, &after); err != nil {
			return err
		}
		if err := enqueuePetitionClosed(tx, before, after); err != nil {
			return err
		}
		return auditIfChanged(tx, actor, action, "petition", id, b, a)
	})
	if err != nil {
		return petition.Petition{}, fmt.Errorf("%s %d: %w", action, id, translate(err))
	}
	return after.domain(), nil
}

func equalTimes(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// isUniqueViolation reports a duplicate key, whether gorm translated it or
// (as with Raw(…).Scan) left the driver's error.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.Is(err, gorm.ErrDuplicatedKey) || errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// isForeignKeyViolation reports a reference to a row that does not exist.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.Is(err, gorm.ErrForeignKeyViolated) || errors.As(err, &pgErr) && pgErr.Code == "23503"
}

// RenderReleaseBodies renders, with render, the body of every release saved
// before bodies were rendered on save, and keeps the HTML. A body render
// refuses is left as it is (pages then show it as plain text). It returns
// how many it rendered.
func (db *DB) RenderReleaseBodies(ctx context.Context, render func(body string) (string, error)) (int, error) {
	var rows []releaseRow
	if err := db.gorm.WithContext(ctx).Where("body_html IS NULL").Order("id").Find(&rows).Error; err != nil {
		return 0, fmt.Errorf("releases without HTML: %w", translate(err))
	}
	n := 0
	for _, r := range rows {
		out, err := render(r.Body)
		if err != nil {
			continue
		}
		// Only if the body is still the one rendered: staff may save meanwhile.
		res := db.gorm.WithContext(ctx).Exec(`UPDATE releases SET body_html = ? WHERE id = ? AND body = ? AND body_html IS NULL`,
			out, r.ID, r.Body)
		if res.Error != nil {
			return n, fmt.Errorf("render release %d: %w", r.ID, translate(res.Error))
		}
		n += int(res.RowsAffected)
	}
	return n, nil
}
