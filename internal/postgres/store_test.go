package postgres_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
)

func TestCampaignBySlugAndID(t *testing.T) {
	ctx := context.Background()
	store := shared.Campaigns()
	slug := unique("store-campaign")
	id := newCampaign(t, shared, slug)

	bySlug, err := store.CampaignBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	byID, err := store.CampaignByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if bySlug != byID {
		t.Errorf("by slug %+v\nby id   %+v", bySlug, byID)
	}
	want := campaign.Campaign{ID: id, Slug: slug, Title: "Campaign " + slug, Summary: "Summary", Target: "UK Government",
		Status: campaign.StatusActive, Currency: "GBP", CreatedAt: byID.CreatedAt, UpdatedAt: byID.UpdatedAt}
	if byID != want {
		t.Errorf("CampaignByID\n got %+v\nwant %+v", byID, want)
	}
	if byID.CreatedAt.Location() != time.UTC || time.Since(byID.CreatedAt) > time.Hour || byID.CreatedAt.IsZero() {
		t.Errorf("CreatedAt = %v, want a recent UTC time", byID.CreatedAt)
	}

	if _, err := store.CampaignBySlug(ctx, unique("absent")); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("unknown slug: err = %v, want campaign.ErrNotFound", err)
	}
	if _, err := store.CampaignByID(ctx, -1); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("unknown id: err = %v, want campaign.ErrNotFound", err)
	}
}

func TestPublishedReleases(t *testing.T) {
	ctx := context.Background()
	store := shared.Campaigns()
	c1 := newCampaign(t, shared, unique("releases-a"))
	c2 := newCampaign(t, shared, unique("releases-b"))
	// After every release in the shared database, so that these are the
	// newest whatever other tests have added.
	var latest time.Time
	if err := shared.SQL().QueryRowContext(ctx, `SELECT coalesce(max(published_at), now()) FROM releases`).Scan(&latest); err != nil {
		t.Fatal(err)
	}
	base := latest.Add(24 * time.Hour).UTC().Truncate(time.Second)
	oldest := newRelease(t, shared, c1, nil, unique("oldest"), "old", ptr(base))
	newest := newRelease(t, shared, c2, nil, unique("newest"), "new", ptr(base.Add(48*time.Hour)))
	middle := newRelease(t, shared, c1, nil, unique("middle"), "mid", ptr(base.Add(24*time.Hour)))
	tieLow := newRelease(t, shared, c1, nil, unique("tie-low"), "tie", ptr(base.Add(12*time.Hour)))
	tieHigh := newRelease(t, shared, c1, nil, unique("tie-high"), "tie", ptr(base.Add(12*time.Hour)))
	draftSlug := unique("draft")
	draft := newRelease(t, shared, c1, nil, draftSlug, "draft", nil)
	// A draft with a date is still a draft.
	datedDraft := insertID(t, shared, `INSERT INTO releases (campaign_id, slug, title, status, published_at)
		VALUES ($1, $2, 'Dated draft', 'draft', $3)`, c1, unique("dated-draft"), base.Add(72*time.Hour))

	ids := func(rs []campaign.Release) []int64 {
		out := make([]int64, len(rs))
		for i, r := range rs {
			out[i] = r.ID
		}
		return out
	}

	got, err := store.PublishedReleases(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	// Newest first; equal dates by id, newest row first.
	if want := []int64{newest, middle, tieHigh, tieLow, oldest}; !slices.Equal(ids(got), want) {
		t.Errorf("PublishedReleases(5) = %v, want %v (draft %d, dated draft %d excluded)", ids(got), want, draft, datedDraft)
	}
	for _, r := range got {
		if !r.Published() || r.PublishedAt.Location() != time.UTC {
			t.Errorf("release %d: status %q, published_at %v", r.ID, r.Status, r.PublishedAt)
		}
	}
	if got, err := store.PublishedReleases(ctx, 2); err != nil || !slices.Equal(ids(got), []int64{newest, middle}) {
		t.Errorf("PublishedReleases(2) = %v, %v; want [%d %d]", ids(got), err, newest, middle)
	}

	byCampaign, err := store.ReleasesByCampaign(ctx, c1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{middle, tieHigh, tieLow, oldest}; !slices.Equal(ids(byCampaign), want) {
		t.Errorf("ReleasesByCampaign = %v, want %v", ids(byCampaign), want)
	}
	if none, err := store.ReleasesByCampaign(ctx, -1); err != nil || len(none) != 0 {
		t.Errorf("ReleasesByCampaign(unknown) = %v, %v; want none", none, err)
	}

	if _, err := store.PublishedReleaseBySlug(ctx, draftSlug); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("draft: err = %v, want campaign.ErrNotFound", err)
	}
	if _, err := store.PublishedReleaseBySlug(ctx, unique("unknown")); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("unknown slug: err = %v, want campaign.ErrNotFound", err)
	}
	one, err := store.PublishedReleaseBySlug(ctx, got[0].Slug)
	if err != nil || one.ID != newest || one.CampaignID != c2 || one.Body != "new" {
		t.Errorf("PublishedReleaseBySlug = %+v, %v; want release %d", one, err, newest)
	}
}

func TestPetitionForRelease(t *testing.T) {
	ctx := context.Background()
	store := shared.Petitions()
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(24 * time.Hour)

	type pet struct {
		status   string
		closesAt *time.Time
	}
	const none = -1
	tests := []struct {
		name      string
		petitions []pet // created in this order, so later ones are newer
		named     int   // index of the petition the release names, or none
		want      int   // index of the petition carried, or none for ErrNotFound
	}{
		{"no petitions", nil, none, none},
		{"one open", []pet{{"open", nil}}, none, 0},
		{"newest open wins", []pet{{"open", nil}, {"open", &future}}, none, 1},
		{"open beats newer closed", []pet{{"open", nil}, {"closed", nil}}, none, 0},
		{"open beats newer past its closing date", []pet{{"open", nil}, {"open", &past}}, none, 0},
		{"all closed: newest", []pet{{"closed", nil}, {"closed", nil}}, none, 1},
		{"all past closing: newest", []pet{{"open", &past}, {"closed", nil}}, none, 1},
		{"named petition, even closed", []pet{{"closed", nil}, {"open", nil}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCampaign(t, shared, unique("pfr"))
			var ids []int64
			for _, p := range tt.petitions {
				ids = append(ids, newPetition(t, shared, c, unique("pfr"), p.status, p.closesAt))
			}
			var named *int64
			if tt.named != none {
				named = &ids[tt.named]
			}
			got, err := store.PetitionForRelease(ctx, c, named)
			if tt.want == none {
				if !errors.Is(err, petition.ErrNotFound) {
					t.Fatalf("PetitionForRelease = %+v, %v; want petition.ErrNotFound", got, err)
				}
				return
			}
			if err != nil || got.ID != ids[tt.want] {
				t.Fatalf("PetitionForRelease = petition %d, %v; want %d (created %v)", got.ID, err, ids[tt.want], ids)
			}
		})
	}

	if _, err := store.PetitionForRelease(ctx, newCampaign(t, shared, unique("pfr")), ptr(int64(-5))); !errors.Is(err, petition.ErrNotFound) {
		t.Errorf("unknown named petition: err = %v, want petition.ErrNotFound", err)
	}
}

func TestPetitionReads(t *testing.T) {
	ctx := context.Background()
	store := shared.Petitions()
	c := newCampaign(t, shared, unique("reads"))
	closes := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	slug1, slug2 := unique("reads-one"), unique("reads-two")
	p1 := newPetition(t, shared, c, slug1, "open", &closes)
	p2 := newPetition(t, shared, c, slug2, "closed", nil)
	exec(t, shared, `UPDATE petition_counts SET signature_count = 42 WHERE petition_id = $1`, p1)

	got, err := store.PetitionByID(ctx, p1)
	if err != nil {
		t.Fatal(err)
	}
	want := petition.Petition{ID: p1, CampaignID: c, Slug: slug1, Title: "Petition " + slug1, Ask: "Please act.",
		Goal: 1000, Status: "open", ClosesAt: &closes, Verification: petition.VerifyNone, SignatureCount: 42, CreatedAt: got.CreatedAt, UpdatedAt: got.UpdatedAt}
	if got.ClosesAt == nil || !got.ClosesAt.Equal(closes) || got.ClosesAt.Location() != time.UTC {
		t.Errorf("ClosesAt = %v, want %v in UTC", got.ClosesAt, closes)
	}
	got.ClosesAt, want.ClosesAt = nil, nil
	if got != want {
		t.Errorf("PetitionByID\n got %+v\nwant %+v", got, want)
	}
	if _, err := store.PetitionByID(ctx, -1); !errors.Is(err, petition.ErrNotFound) {
		t.Errorf("unknown petition: err = %v, want petition.ErrNotFound", err)
	}
	bySlug, err := store.PetitionBySlug(ctx, slug1)
	if err != nil || bySlug.ID != p1 || bySlug.SignatureCount != 42 {
		t.Errorf("PetitionBySlug(%q) = %+v, %v; want petition %d with its count, 42", slug1, bySlug, err, p1)
	}
	if _, err := store.PetitionBySlug(ctx, "no-such-petition"); !errors.Is(err, petition.ErrNotFound) {
		t.Errorf("unknown slug: err = %v, want petition.ErrNotFound", err)
	}

	list, err := store.PetitionsByCampaign(ctx, c)
	if err != nil || len(list) != 2 || list[0].ID != p1 || list[1].ID != p2 || list[0].SignatureCount != 42 || list[1].SignatureCount != 0 {
		t.Errorf("PetitionsByCampaign = %+v, %v; want [%d (42), %d (0)]", list, err, p1, p2)
	}

	counts, err := store.SignatureCounts(ctx, []int64{p1, p2, -7})
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 2 || counts[p1] != 42 || counts[p2] != 0 {
		t.Errorf("SignatureCounts = %v, want {%d:42 %d:0} and no entry for an unknown id", counts, p1, p2)
	}
	if empty, err := store.SignatureCounts(ctx, nil); err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("SignatureCounts(nil) = %v, %v; want an empty map", empty, err)
	}
}

func TestCurrentConsent(t *testing.T) {
	ctx := context.Background()
	_, db := pkg.Fresh(t)
	store := db.Petitions()
	c, err := store.CurrentConsent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != consentVersion || c.Wording == "" {
		t.Errorf("CurrentConsent = %+v, want the migration's wording %s", c, consentVersion)
	}
	exec(t, db, `INSERT INTO consent_wordings (version, wording, created_at) VALUES ('2027-01-v2', 'Newer words.', now() + interval '1 day')`)
	if c, err := store.CurrentConsent(ctx); err != nil || c.Version != "2027-01-v2" || c.Wording != "Newer words." {
		t.Errorf("after a newer wording: CurrentConsent = %+v, %v", c, err)
	}
	exec(t, db, `DELETE FROM consent_wordings`)
	if c, err := store.CurrentConsent(ctx); err == nil {
		t.Errorf("no wording at all: CurrentConsent = %+v, want an error", c)
	}
}
