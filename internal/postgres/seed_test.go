package postgres_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/markdown"
	"github.com/advocacy/advocacy/internal/postgres"
)

func demoSet() postgres.SeedSet {
	return postgres.SeedSet{Campaign: demo.Campaign(), Petition: demo.Petition(), Release: demo.Release()}
}

// rowCounts counts every row a seed could have written.
func rowCounts(t *testing.T, db *postgres.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"campaigns", "petitions", "releases", "petition_counts", "signatures", "signature_tallies", "consent_wordings"} {
		out[table] = queryInt(t, db, "SELECT count(*) FROM "+table)
	}
	return out
}

func TestSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	_, db := pkg.Fresh(t)

	first, err := db.Seed(ctx, demoSet())
	if err != nil {
		t.Fatal(err)
	}
	after := rowCounts(t, db)
	want := map[string]int64{"campaigns": 1, "petitions": 1, "releases": 1, "petition_counts": 1,
		"signatures": 0, "signature_tallies": 0, "consent_wordings": 1}
	for table, n := range want {
		if after[table] != n {
			t.Errorf("after one seed, %s has %d rows, want %d", table, after[table], n)
		}
	}
	if first.Campaign.Slug != demo.CampaignSlug || first.Petition.Slug != demo.PetitionSlug || first.Release.Slug != demo.ReleaseSlug {
		t.Errorf("seeded slugs %q %q %q", first.Campaign.Slug, first.Petition.Slug, first.Release.Slug)
	}
	if first.Petition.CampaignID != first.Campaign.ID || first.Release.CampaignID != first.Campaign.ID ||
		first.Release.PetitionID == nil || *first.Release.PetitionID != first.Petition.ID {
		t.Errorf("seeded rows are not linked: %+v", first)
	}
	if !first.Release.Published() || !first.Release.PublishedAt.Equal(demo.ReleasePublishedAt) {
		t.Errorf("seeded release: status %q, published %v; want published at %v", first.Release.Status, first.Release.PublishedAt, demo.ReleasePublishedAt)
	}

	// Staff edit the seeded campaign; seeding again must keep their edit.
	exec(t, db, `UPDATE campaigns SET title = 'Edited by staff' WHERE id = $1`, first.Campaign.ID)
	first.Campaign.Title = "Edited by staff"

	second, err := db.Seed(ctx, demoSet())
	if err != nil {
		t.Fatal(err)
	}
	if again := rowCounts(t, db); len(again) != len(after) {
		t.Fatalf("row counts %v", again)
	} else {
		for table, n := range after {
			if again[table] != n {
				t.Errorf("seeding again changed %s from %d to %d rows", table, n, again[table])
			}
		}
	}
	if second.Campaign != first.Campaign {
		t.Errorf("second seed campaign\n got %+v\nwant %+v", second.Campaign, first.Campaign)
	}
	if second.Petition != first.Petition {
		t.Errorf("second seed petition\n got %+v\nwant %+v", second.Petition, first.Petition)
	}
	if second.Release.ID != first.Release.ID || second.Release.Body != first.Release.Body || !second.Release.PublishedAt.Equal(*first.Release.PublishedAt) {
		t.Errorf("second seed release\n got %+v\nwant %+v", second.Release, first.Release)
	}

	// The seeded release is what the public sees.
	rel, err := db.Campaigns().PublishedReleaseBySlug(ctx, demo.ReleaseSlug)
	if err != nil || rel.Body != demo.Release().Body {
		t.Errorf("PublishedReleaseBySlug(demo) = %v; body kept exactly: %v", err, rel.Body == demo.Release().Body)
	}
}

// seedPhrase is what a non-idempotent text transform once made of a release.
const seedPhrase = "Women's rights's rightss rights's rights"

// A release body survives being stored, read back and rendered: every
// character as written, nothing curled and nothing doubled, however often
// it is saved or shown.
func TestReleaseBodySurvivesStoreAndRender(t *testing.T) {
	ctx := context.Background()
	body := "Amnesty welcomes the Government’s renewed commitment to clamp down on trafficking: this " +
		"vicious trade in " + seedPhrase + " will not be tolerated.\n\n" +
		`> "Quotes" -- and 'apostrophes' -- stay as typed... & so do brackets in text: 5 < 6 > 4.` + "\n\n" +
		"Tabs\tand trailing spaces   \nand NBSP\u00a0and emoji 🕊️ survive.\n"

	set := postgres.SeedSet{
		Campaign: campaign.Campaign{Slug: unique("body"), Title: "Body campaign", Status: campaign.StatusActive, Currency: "GBP"},
		Petition: demo.Petition(),
		Release:  campaign.Release{Slug: unique("body"), Title: "Body release", Body: body, Status: campaign.ReleasePublished},
	}
	set.Petition.Slug = unique("body")
	for range 3 { // saving again must not touch the words
		if _, err := shared.Seed(ctx, set); err != nil {
			t.Fatal(err)
		}
	}
	rel, err := shared.Campaigns().PublishedReleaseBySlug(ctx, set.Release.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Body != body {
		t.Fatalf("stored body changed:\n got %q\nwant %q", rel.Body, body)
	}

	r := markdown.New()
	out, err := r.Render(rel.Body)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := r.Render(rel.Body)
		if err != nil || again != out {
			t.Fatalf("rendering again gave different HTML:\n%q\n%q", out, again)
		}
	}
	text := textOf(string(out))
	if n := strings.Count(text, seedPhrase); n != 1 {
		t.Errorf("seed phrase appears %d times in the page, want once:\n%s", n, text)
	}
	for _, want := range []string{
		"Government’s renewed commitment",
		`"Quotes" -- and 'apostrophes' -- stay as typed... & so do`,
		"brackets in text: 5 < 6 > 4.",
		"NBSP\u00a0and emoji 🕊️ survive.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("page text lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, "rights") != strings.Count(body, "rights") {
		t.Errorf(`"rights" appears %d times on the page, %d in the body`, strings.Count(text, "rights"), strings.Count(body, "rights"))
	}
}

// textOf returns the text a reader sees in h.
func textOf(h string) string {
	z := html.NewTokenizer(strings.NewReader(h))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		}
	}
}
