package newsroom_test

import (
	"errors"
	"html/template"
	"strings"
	"sync"
	"testing"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/markdown"
	"github.com/advocacy/advocacy/internal/newsroom"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/storecache"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
	"github.com/advocacy/advocacy/internal/valid"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "newsroom", &pkgDB) }

// world is a newsroom over the real stores, wired as the server wires it:
// bodies rendered on save, caches in front.
type world struct {
	db     *postgres.DB
	stores *storecache.Stores
	desk   staff.Desk
	news   *newsroom.Service
}

func newWorld(t *testing.T) world {
	t.Helper()
	_, db := pkgDB.Fresh(t)
	md := markdown.New()
	signer := db.NewSigner(postgres.SignerOptions{})
	t.Cleanup(signer.Close)
	stores := storecache.New(db.Campaigns(), db.Petitions(), signer, staff.RenderBodies(db.Desk(), app.RenderBody(md)), storecache.Options{})
	return world{db: db, stores: stores, desk: stores.Desk(),
		news: newsroom.New(stores.Campaigns(), stores.Petitions(), stores.Version, md.Render)}
}

// A change staff make shows in the next view at once, though views are
// cached: the desk's write moves the stores' version.
func TestViewFollowsStaffChanges(t *testing.T) {
	w := newWorld(t)
	f := apptest.Seed(t, w.db, nil)
	v, err := w.news.Release(t.Context(), f.Release.Slug)
	if err != nil || v.Release.Title != f.Release.Title || v.Campaign.ID != f.Campaign.ID || v.Petition.ID != f.Petition.ID {
		t.Fatalf("view %+v, %v", v, err)
	}
	rel := v.Release
	rel.Title = "A new title"
	if _, err := w.desk.UpdateRelease(t.Context(), staff.CommandLine(), rel); err != nil {
		t.Fatal(err)
	}
	if v, err = w.news.Release(t.Context(), f.Release.Slug); err != nil || v.Release.Title != "A new title" {
		t.Errorf("after the edit: title %q, %v", v.Release.Title, err)
	}
	if _, err := w.desk.UnpublishRelease(t.Context(), staff.CommandLine(), rel.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.news.Release(t.Context(), f.Release.Slug); !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("after unpublishing: err = %v, want ErrNotFound", err)
	}
}

// A body is rendered once, when it is saved; views show the stored HTML.
func TestBodyIsRenderedOnSave(t *testing.T) {
	w := newWorld(t)
	f := apptest.Seed(t, w.db, nil)
	rel := f.Release
	rel.Body = "Women's rights's words, **exactly** as typed."
	if _, err := w.desk.UpdateRelease(t.Context(), staff.CommandLine(), rel); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := w.db.SQL().QueryRowContext(t.Context(), "SELECT body_html FROM releases WHERE id = $1", rel.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != "<p>Women&#39;s rights&#39;s words, <strong>exactly</strong> as typed.</p>\n" {
		t.Errorf("stored HTML %q", stored)
	}
	// Views read the stored HTML, not the body: a body changed behind the
	// desk's back (as no code does) would not show until saved again.
	apptest.Exec(t, w.db, "UPDATE releases SET body = 'changed' WHERE id = $1", rel.ID)
	fresh := newsroom.New(w.stores.Campaigns(), w.stores.Petitions(), w.stores.Version, failingRender(t))
	if v, err := fresh.Release(t.Context(), rel.Slug); err != nil || string(v.BodyHTML) != stored {
		t.Errorf("view body %q, %v; want the stored HTML", v.BodyHTML, err)
	}

	rel.Body = strings.Repeat("[a](", 1000)
	if _, err := w.desk.UpdateRelease(t.Context(), staff.CommandLine(), rel); !hasField(err, "body") {
		t.Errorf("a pathological body: err = %v, want a field error on body", err)
	}
}

// failingRender fails the test if a view renders a body.
func failingRender(t *testing.T) newsroom.Renderer {
	return func(string) (template.HTML, error) {
		t.Error("a view rendered a body that was rendered when it was saved")
		return "", nil
	}
}

// Releases saved before bodies were rendered on save are rendered when
// shown, and by RenderReleaseBodies once; one too complex to render is
// shown as escaped text and left for staff to simplify.
func TestBodiesSavedBeforeRenderingOnSave(t *testing.T) {
	w := newWorld(t)
	plain := apptest.Seed(t, w.db, func(s *postgres.SeedSet) { s.Release.Body = "Some *emphasis* <script>x</script>" })
	bad := apptest.Seed(t, w.db, func(s *postgres.SeedSet) { s.Release.Body = strings.Repeat(">", 5000) + " <b>x</b>" })
	v, err := w.news.Release(t.Context(), plain.Release.Slug)
	if err != nil || string(v.BodyHTML) != "<p>Some <em>emphasis</em> x</p>\n" {
		t.Errorf("unsaved body shown as %q, %v", v.BodyHTML, err)
	}
	v, err = w.news.Release(t.Context(), bad.Release.Slug)
	if err != nil || !strings.HasPrefix(string(v.BodyHTML), "<p>&gt;&gt;&gt;") || strings.Contains(string(v.BodyHTML), "<b>") {
		t.Errorf("pathological body shown as %.80q…, %v; want escaped text", v.BodyHTML, err)
	}
	n, err := w.db.RenderReleaseBodies(t.Context(), app.RenderBody(markdown.New()))
	if err != nil || n != 1 {
		t.Errorf("RenderReleaseBodies rendered %d, %v; want the one it can", n, err)
	}
	var missing int
	if err := w.db.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM releases WHERE body_html IS NULL").Scan(&missing); err != nil {
		t.Fatal(err)
	}
	if missing != 1 {
		t.Errorf("%d releases without HTML, want only the pathological one", missing)
	}
}

// Many readers of a release no view holds yet all get it whole.
func TestConcurrentReadersShareOneView(t *testing.T) {
	w := newWorld(t)
	f := apptest.Seed(t, w.db, nil)
	var wg sync.WaitGroup
	views := make([]newsroom.View, 64)
	errs := make([]error, len(views))
	for i := range views {
		wg.Go(func() { views[i], errs[i] = w.news.Release(t.Context(), f.Release.Slug) })
	}
	wg.Wait()
	for i, v := range views {
		if errs[i] != nil || v.Release.ID != f.Release.ID || v.Petition == nil || v.BodyHTML == "" {
			t.Fatalf("reader %d: %+v, %v", i, v, errs[i])
		}
	}
}

func hasField(err error, field string) bool {
	var fields valid.Errors
	return errors.As(err, &fields) && fields[field] != ""
}
