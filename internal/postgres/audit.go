package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
)

// writeAudit records a change in the audit log. Call it inside the
// transaction that makes the change, so that both commit or neither does.
// before and after are snapshots (nil for none); they are stored as JSON.
func writeAudit(tx *gorm.DB, actor staff.Actor, action, entity string, entityID int64, before, after any) error {
	var actorID, id *int64
	if actor.ID != 0 {
		actorID = &actor.ID
	}
	if entityID != 0 {
		id = &entityID
	}
	b, err := snapshotJSON(before)
	if err != nil {
		return err
	}
	a, err := snapshotJSON(after)
	if err != nil {
		return err
	}
	err = tx.Exec(`INSERT INTO audit_log (actor_id, actor_email, action, entity, entity_id, before, after)
		VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)`, actorID, actor.Email, action, entity, id, b, a).Error
	if err != nil {
		return fmt.Errorf("write audit %s: %w", action, err)
	}
	return nil
}

func snapshotJSON(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit snapshot: %w", err)
	}
	s := string(b)
	return &s, nil
}

// The snapshots name fields as the schema does. They never hold secrets:
// no password hashes, no token hashes.

type campaignSnapshot struct {
	ID       int64  `json:"id"`
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Summary  string `json:"summary"`
	Target   string `json:"target"`
	Status   string `json:"status"`
	Currency string `json:"currency"`
	ImageURL string `json:"image_url"`
}

func snapCampaign(c campaign.Campaign) campaignSnapshot {
	return campaignSnapshot{ID: c.ID, Slug: c.Slug, Title: c.Title, Summary: c.Summary, Target: c.Target,
		Status: c.Status, Currency: c.Currency, ImageURL: c.ImageURL}
}

type releaseSnapshot struct {
	ID          int64      `json:"id"`
	CampaignID  int64      `json:"campaign_id"`
	PetitionID  *int64     `json:"petition_id"`
	Slug        string     `json:"slug"`
	Title       string     `json:"title"`
	Summary     string     `json:"summary"`
	Body        string     `json:"body"`
	ImageURL    string     `json:"image_url"`
	Status      string     `json:"status"`
	PublishedAt *time.Time `json:"published_at"`
}

func snapRelease(r campaign.Release) releaseSnapshot {
	return releaseSnapshot{ID: r.ID, CampaignID: r.CampaignID, PetitionID: r.PetitionID, Slug: r.Slug,
		Title: r.Title, Summary: r.Summary, Body: r.Body, ImageURL: r.ImageURL, Status: r.Status,
		PublishedAt: r.PublishedAt}
}

type petitionSnapshot struct {
	ID         int64      `json:"id"`
	CampaignID int64      `json:"campaign_id"`
	Slug       string     `json:"slug"`
	Title      string     `json:"title"`
	Ask        string     `json:"ask"`
	Target     string     `json:"target"`
	Goal       int64      `json:"goal"`
	Status     string     `json:"status"`
	ClosesAt   *time.Time `json:"closes_at"`
	// Verification is in the log only from its first change on: older
	// entries have no such field.
	Verification string `json:"verification,omitempty"`
}

func snapPetition(p petition.Petition) petitionSnapshot {
	return petitionSnapshot{ID: p.ID, CampaignID: p.CampaignID, Slug: p.Slug, Title: p.Title, Ask: p.Ask,
		Target: p.Target, Goal: p.Goal, Status: p.Status, ClosesAt: p.ClosesAt, Verification: p.Verification}
}

type memberSnapshot struct {
	ID       int64  `json:"id"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
}

func snapMember(m staff.Member) memberSnapshot {
	return memberSnapshot{ID: m.ID, Email: m.Email, Role: string(m.Role), Disabled: !m.Active()}
}

type tokenSnapshot struct {
	ID       int64  `json:"id"`
	MemberID int64  `json:"staff_id"`
	Name     string `json:"name"`
	Revoked  bool   `json:"revoked"`
}

func snapToken(t staff.Token) tokenSnapshot {
	return tokenSnapshot{ID: t.ID, MemberID: t.MemberID, Name: t.Name, Revoked: !t.Active()}
}

type auditRow struct {
	ID         int64
	ActorID    *int64
	ActorEmail string
	Action     string
	Entity     string
	EntityID   *int64
	Before     *string
	After      *string
	CreatedAt  time.Time
}

// Audit returns audit entries matching f, newest first.
func (s *StaffStore) Audit(ctx context.Context, f staff.AuditFilter) ([]staff.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	q := s.db.gorm.WithContext(ctx).Table("audit_log").
		Select("id, actor_id, actor_email, action, entity, entity_id, before::text AS before, after::text AS after, created_at")
	if f.Entity != "" {
		q = q.Where("entity = ?", f.Entity)
	}
	if f.EntityID != 0 {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.BeforeID != 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var rows []auditRow
	if err := q.Order("id DESC").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("audit log: %w", translate(err))
	}
	out := make([]staff.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = staff.AuditEntry{ID: r.ID, ActorID: r.ActorID, ActorEmail: r.ActorEmail, Action: r.Action,
			Entity: r.Entity, EntityID: r.EntityID, CreatedAt: r.CreatedAt.UTC()}
		if r.Before != nil {
			out[i].Before = json.RawMessage(*r.Before)
		}
		if r.After != nil {
			out[i].After = json.RawMessage(*r.After)
		}
	}
	return out, nil
}
