package staff_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// lastAudit returns the newest audit entries of an entity.
func lastAudit(t *testing.T, db *postgres.DB, entity string, id int64) []staff.AuditEntry {
	t.Helper()
	entries, err := db.Staff().Audit(context.Background(), staff.AuditFilter{Entity: entity, EntityID: id})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func field(t *testing.T, raw json.RawMessage, name string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("snapshot %s: %v", raw, err)
	}
	return m[name]
}

func TestDeskChangesAreAudited(t *testing.T) {
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{})
	who := addMember(t, auth, staff.RoleCampaigner)
	desk := db.Desk()
	fx := newFixture(t, db, who.Actor())

	rel, err := desk.CreateRelease(ctx, who.Actor(), campaign.Release{CampaignID: fx.Campaign.ID, PetitionID: &fx.Petition.ID,
		Slug: unique("release"), Title: "Draft title", Body: "Women's rights's words, as typed."})
	if err != nil {
		t.Fatal(err)
	}
	if rel.Status != campaign.ReleaseDraft || rel.PublishedAt != nil {
		t.Errorf("a new release is %q (published %v), want a draft", rel.Status, rel.PublishedAt)
	}
	rel.Title = "Final title"
	if rel, err = desk.UpdateRelease(ctx, who.Actor(), rel); err != nil {
		t.Fatal(err)
	}
	if rel, err = desk.PublishRelease(ctx, who.Actor(), rel.ID); err != nil {
		t.Fatal(err)
	}
	if !rel.Published() {
		t.Fatalf("published release: %+v", rel)
	}
	firstPublished := *rel.PublishedAt
	// Publishing again, or saving without a change, writes nothing.
	if _, err := desk.PublishRelease(ctx, who.Actor(), rel.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.UpdateRelease(ctx, who.Actor(), rel); err != nil {
		t.Fatal(err)
	}
	if rel, err = desk.UnpublishRelease(ctx, who.Actor(), rel.ID); err != nil {
		t.Fatal(err)
	}
	if rel.Published() || rel.PublishedAt == nil || !rel.PublishedAt.Equal(firstPublished) {
		t.Errorf("unpublished release %+v: want a draft that keeps its first publication date", rel)
	}

	entries := lastAudit(t, db, "release", rel.ID)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
		if e.ActorID == nil || *e.ActorID != who.ID || e.ActorEmail != who.Email {
			t.Errorf("%s: actor %v %q, want %d %q", e.Action, e.ActorID, e.ActorEmail, who.ID, who.Email)
		}
	}
	want := []string{staff.ActionReleaseUnpublish, staff.ActionReleasePublish, staff.ActionReleaseUpdate, staff.ActionReleaseCreate}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Fatalf("audit actions %v, want %v (newest first)", actions, want)
	}
	update := entries[2]
	if field(t, update.Before, "title") != "Draft title" || field(t, update.After, "title") != "Final title" {
		t.Errorf("update before %s after %s", update.Before, update.After)
	}
	if entries[3].Before != nil || field(t, entries[3].After, "body") != "Women's rights's words, as typed." {
		t.Errorf("create before %s after %s", entries[3].Before, entries[3].After)
	}
	if field(t, entries[1].Before, "status") != "draft" || field(t, entries[1].After, "status") != "published" {
		t.Errorf("publish before %s after %s", entries[1].Before, entries[1].After)
	}

	// Closing a petition is audited and refuses signatures in the signer's
	// own transaction.
	closed, err := desk.ClosePetition(ctx, who.Actor(), fx.Petition.ID)
	if err != nil || closed.Status != petition.StatusClosed {
		t.Fatalf("close: %+v, %v", closed, err)
	}
	pe := lastAudit(t, db, "petition", fx.Petition.ID)
	if len(pe) != 2 || pe[0].Action != staff.ActionPetitionClose || field(t, pe[0].After, "status") != "closed" {
		t.Fatalf("petition audit %+v", pe)
	}
	signer := db.NewSigner(postgres.SignerOptions{})
	defer signer.Close()
	_, err = signer.Sign(ctx, petition.Signature{PetitionID: fx.Petition.ID, FullName: "Ada", Email: "ada@example.org",
		Country: "GB", ConsentVersion: "2026-11-v1"})
	if !errors.Is(err, petition.ErrClosed) {
		t.Errorf("signing a closed petition: %v, want ErrClosed", err)
	}
	reopened, err := desk.ReopenPetition(ctx, who.Actor(), fx.Petition.ID)
	if err != nil || reopened.Status != petition.StatusOpen {
		t.Errorf("reopen: %+v, %v", reopened, err)
	}
}

// A refused change leaves no audit entry: the entry commits with the change
// or not at all.
func TestRefusedChangeLeavesNoAudit(t *testing.T) {
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{})
	who := addMember(t, auth, staff.RoleCampaigner)
	desk := db.Desk()
	fx := newFixture(t, db, who.Actor())
	other := newFixture(t, db, who.Actor())

	before := len(lastAudit(t, db, "campaign", fx.Campaign.ID))
	c := fx.Campaign
	c.Slug = other.Campaign.Slug
	c.Title = "Changed"
	_, err := desk.UpdateCampaign(ctx, who.Actor(), c)
	if fields, ok := asFields(err); !ok || fields["slug"] == "" {
		t.Fatalf("taking another campaign's slug: %v, want a field error on slug", err)
	}
	if after := len(lastAudit(t, db, "campaign", fx.Campaign.ID)); after != before {
		t.Errorf("audit entries %d → %d after a refused change", before, after)
	}
	got, err := db.Campaigns().CampaignByID(ctx, fx.Campaign.ID)
	if err != nil || got.Title != fx.Campaign.Title {
		t.Errorf("campaign after a refused change: %+v, %v", got, err)
	}

	// A release may only carry a petition of its own campaign.
	_, err = desk.CreateRelease(ctx, who.Actor(), campaign.Release{CampaignID: fx.Campaign.ID,
		PetitionID: &other.Petition.ID, Slug: unique("release"), Title: "Wrong petition"})
	if fields, ok := asFields(err); !ok || fields["petition_id"] == "" {
		t.Errorf("a release with another campaign's petition: %v", err)
	}
	_, err = desk.UpdatePetition(ctx, who.Actor(), petition.Petition{ID: 1 << 40, CampaignID: fx.Campaign.ID,
		Slug: unique("p"), Title: "t", Ask: "a", Goal: 1, Status: petition.StatusOpen})
	if !errors.Is(err, petition.ErrNotFound) {
		t.Errorf("updating an unknown petition: %v", err)
	}
}

func asFields(err error) (valid.Errors, bool) {
	var fields valid.Errors
	return fields, errors.As(err, &fields)
}

func TestStatsComeFromTallies(t *testing.T) {
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{})
	who := addMember(t, auth, staff.RoleCampaigner)
	desk := db.Desk()
	fx := newFixture(t, db, who.Actor())
	rel, err := desk.CreateRelease(ctx, who.Actor(), campaign.Release{CampaignID: fx.Campaign.ID, Slug: unique("release"), Title: "R"})
	if err != nil {
		t.Fatal(err)
	}
	signer := db.NewSigner(postgres.SignerOptions{})
	defer signer.Close()
	sign := func(email, country string, release *int64, code string) {
		t.Helper()
		_, err := signer.Sign(ctx, petition.Signature{PetitionID: fx.Petition.ID, FullName: "Supporter", Email: email,
			Country: country, ConsentVersion: "2026-11-v1", SourceReleaseID: release, SourceCode: code})
		if err != nil {
			t.Fatal(err)
		}
	}
	sign("a@example.org", "GB", &rel.ID, "")
	sign("b@example.org", "GB", &rel.ID, "")
	sign("c@example.org", "FR", nil, "newsletter")
	sign("d@example.org", "IE", nil, "")
	sign("a@example.org", "GB", &rel.ID, "") // a repeat counts once

	now := time.Now().UTC()
	st, err := desk.PetitionStats(ctx, fx.Petition.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != 4 || st.Today != 4 || st.Petition.SignatureCount != 4 {
		t.Errorf("total %d today %d count %d, want 4", st.Total, st.Today, st.Petition.SignatureCount)
	}
	if len(st.PerDay) != 1 || st.PerDay[0].Count != 4 || !st.PerDay[0].Day.Equal(now.Truncate(24*time.Hour)) {
		t.Errorf("per day %+v", st.PerDay)
	}
	if len(st.PerHour) != petition.StatsHours || st.PerHour[len(st.PerHour)-1].Count != 4 {
		t.Errorf("per hour: %d hours, last %+v", len(st.PerHour), st.PerHour[len(st.PerHour)-1])
	}
	if len(st.PerSource) != 3 || st.PerSource[0].ReleaseSlug != rel.Slug || st.PerSource[0].Count != 2 {
		t.Errorf("per source %+v", st.PerSource)
	}
	codes := map[string]int64{}
	for _, s := range st.PerSource {
		codes[s.Key] = s.Count
	}
	if codes["code:newsletter"] != 1 || codes["direct"] != 1 {
		t.Errorf("per source %+v", st.PerSource)
	}
	if len(st.PerCountry) != 3 || st.PerCountry[0].Country != "GB" || st.PerCountry[0].Count != 2 ||
		st.PerCountry[0].Name != "United Kingdom" {
		t.Errorf("per country %+v", st.PerCountry)
	}
	if _, err := desk.PetitionStats(ctx, 1<<40, now); !errors.Is(err, petition.ErrNotFound) {
		t.Errorf("stats of an unknown petition: %v", err)
	}
}

func TestExportPagesEverySignatureInOrder(t *testing.T) {
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{})
	who := addMember(t, auth, staff.RoleCampaigner)
	fx := newFixture(t, db, who.Actor())
	exec(t, db, `INSERT INTO signatures (petition_id, full_name, email, country, consent_updates, consent_version)
		SELECT $1, 'Supporter ' || g, 'export' || g || '@example.org', 'GB', g % 2 = 0, '2026-11-v1'
		FROM generate_series(1, 2500) g`, fx.Petition.ID)

	var pages, rows int
	var last int64
	err := db.Desk().ExportSignatures(ctx, who.Actor(), fx.Petition.ID, 1000, func(page []petition.ExportRow) error {
		pages++
		if len(page) > 1000 {
			t.Errorf("a page of %d rows", len(page))
		}
		for _, r := range page {
			if r.ID <= last || r.PetitionID != fx.Petition.ID {
				t.Fatalf("row %+v after id %d", r, last)
			}
			last = r.ID
			rows++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows != 2500 || pages != 3 {
		t.Errorf("%d rows in %d pages, want 2500 in 3", rows, pages)
	}
	if e := lastAudit(t, db, "petition", fx.Petition.ID); e[0].Action != staff.ActionSignaturesExport {
		t.Errorf("newest petition audit entry is %q, want the export", e[0].Action)
	}
	err = db.Desk().ExportSignatures(ctx, who.Actor(), 1<<40, 10, func([]petition.ExportRow) error { return nil })
	if !errors.Is(err, petition.ErrNotFound) {
		t.Errorf("export of an unknown petition: %v", err)
	}
}
