package storecache_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/storecache"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "storecache", &pkgDB) }

func newStores(t *testing.T) (*postgres.DB, *storecache.Stores) {
	t.Helper()
	_, db := pkgDB.Fresh(t)
	signer := db.NewSigner(postgres.SignerOptions{})
	t.Cleanup(signer.Close)
	return db, storecache.New(db.Campaigns(), db.Petitions(), signer, db.Desk(), storecache.Options{})
}

// What the caches hold is read again at once after a change staff make
// through the desk wrapper, and Version moves with every such change.
func TestDeskWritesInvalidate(t *testing.T) {
	db, s := newStores(t)
	f := apptest.Seed(t, db, nil)
	ctx, who := t.Context(), staff.CommandLine()
	petitions, campaigns := s.Petitions(), s.Campaigns()

	if p, err := petitions.PetitionByID(ctx, f.Petition.ID); err != nil || p.Status != petition.StatusOpen {
		t.Fatalf("petition %+v, %v", p, err)
	}
	if _, err := campaigns.PublishedReleaseBySlug(ctx, f.Release.Slug); err != nil {
		t.Fatal(err)
	}
	before := s.Version()
	if _, err := s.Desk().ClosePetition(ctx, who, f.Petition.ID); err != nil {
		t.Fatal(err)
	}
	if s.Version() == before {
		t.Error("closing a petition did not move Version")
	}
	if p, err := petitions.PetitionByID(ctx, f.Petition.ID); err != nil || p.Status != petition.StatusClosed {
		t.Errorf("after closing: status %q, %v; want closed at once", p.Status, err)
	}
	// By slug too; and a slug that names nothing is remembered, then
	// forgotten when staff give a petition that slug.
	if p, err := petitions.PetitionBySlug(ctx, f.Petition.Slug); err != nil || p.ID != f.Petition.ID || p.Status != petition.StatusClosed {
		t.Errorf("by slug after closing: %+v, %v; want petition %d, closed", p, err, f.Petition.ID)
	}
	renamed := f.Petition.Slug + "-renamed"
	if _, err := petitions.PetitionBySlug(ctx, renamed); !errors.Is(err, petition.ErrNotFound) {
		t.Errorf("unknown slug: %v, want ErrNotFound", err)
	}
	edit, err := petitions.PetitionByID(ctx, f.Petition.ID)
	if err != nil {
		t.Fatal(err)
	}
	edit.Slug = renamed
	if _, err := s.Desk().UpdatePetition(ctx, who, edit); err != nil {
		t.Fatal(err)
	}
	if p, err := petitions.PetitionBySlug(ctx, renamed); err != nil || p.ID != f.Petition.ID {
		t.Errorf("after renaming: %+v, %v; want petition %d at once", p, err, f.Petition.ID)
	}
	if _, err := petitions.PetitionBySlug(ctx, f.Petition.Slug); !errors.Is(err, petition.ErrNotFound) {
		t.Errorf("the old slug after renaming: %v, want ErrNotFound at once", err)
	}
	if _, err := s.Desk().UnpublishRelease(ctx, who, f.Release.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := campaigns.PublishedReleaseBySlug(ctx, f.Release.Slug); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("after unpublishing: %v, want ErrNotFound at once", err)
	}
	// A slug not found is remembered too, and forgotten when staff publish.
	if _, err := s.Desk().PublishRelease(ctx, who, f.Release.ID); err != nil {
		t.Fatal(err)
	}
	if id, found, err := campaigns.PublishedReleaseID(ctx, f.Release.Slug); err != nil || !found || id != f.Release.ID {
		t.Errorf("after publishing again: %d, %v, %v", id, found, err)
	}
	// A failed change changes nothing, Version included.
	v := s.Version()
	if _, err := s.Desk().ClosePetition(ctx, who, f.Petition.ID+1000); err == nil {
		t.Fatal("closing an unknown petition succeeded")
	}
	if s.Version() != v {
		t.Error("a failed change moved Version")
	}
}

// A signer's answer writes its count through: every count read on this
// instance afterwards includes it, and counts never go back.
func TestSignerWritesCountsThrough(t *testing.T) {
	db, s := newStores(t)
	f := apptest.Seed(t, db, nil)
	ctx := t.Context()
	petitions := s.Petitions()
	if counts, err := petitions.SignatureCounts(ctx, []int64{f.Petition.ID}); err != nil || counts[f.Petition.ID] != 0 {
		t.Fatalf("counts %v, %v", counts, err)
	}
	var wg sync.WaitGroup
	results := make([]petition.SignResult, 40)
	for i := range results {
		wg.Go(func() {
			res, err := s.Signer().Sign(ctx, petition.Signature{PetitionID: f.Petition.ID, FullName: "Signer",
				Email: fmt.Sprintf("s%d@example.org", i%20), Country: "GB", ConsentVersion: "2026-11-v1"})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	// Twenty addresses, each twice: twenty signatures.
	counts, err := petitions.SignatureCounts(ctx, []int64{f.Petition.ID})
	if err != nil || counts[f.Petition.ID] != 20 {
		t.Errorf("count after signing %v, %v; want 20 at once (written through)", counts, err)
	}
	p, err := petitions.PetitionByID(ctx, f.Petition.ID)
	if err != nil || p.SignatureCount != 20 {
		t.Errorf("petition count %d, %v; want 20", p.SignatureCount, err)
	}
	apptest.AssertStored(t, db, f.Petition.ID, 20)
}
