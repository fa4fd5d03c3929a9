package desk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/staff"
)

// Staff set the image a shared release or campaign shows, in the forms and
// through the API; each change is audit-logged, refused when it is no
// image address, and the public pages' card tags show it at once.
func TestShareImage(t *testing.T) {
	e := start(t)
	w := e.world()
	api := e.api(e.token(e.member(staff.RoleCampaigner)))
	page := "/releases/" + w.Release.Slug
	public := e.browser()
	if strings.Contains(public.Get(page).Body, "og:image") {
		t.Fatal("a card image although none is set")
	}

	// The campaign's image, from the API: the release shows it.
	const campaignImage = "https://images.example.org/campaign.jpg"
	res := api.SendJSON(http.MethodPatch, fmt.Sprintf("/api/v1/admin/campaigns/%d", w.Campaign.ID), map[string]any{"image_url": campaignImage})
	if res.Status != http.StatusOK || res.JSON(t)["image_url"] != campaignImage {
		t.Fatalf("set the campaign's image: %d %s", res.Status, res.Body)
	}
	for _, path := range []string{page, "/campaigns/" + w.Campaign.Slug} {
		body := public.Get(path).Body
		for _, want := range []string{`<meta property="og:image" content="` + campaignImage + `">`,
			`<meta name="twitter:card" content="summary_large_image">`, `<meta name="twitter:image" content="` + campaignImage + `">`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %s", path, want)
			}
		}
	}

	// The release's own, from the form, wins on its page.
	c, _ := e.signedIn(staff.RoleCampaigner)
	const releaseImage = "https://images.example.org/release.png?size=large&v=2"
	res = c.submit(fmt.Sprintf("/admin/releases/%d", w.Release.ID), url.Values{
		"campaign_id": {fmt.Sprint(w.Campaign.ID)}, "petition_id": {fmt.Sprint(w.Petition.ID)}, "slug": {w.Release.Slug},
		"title": {w.Release.Title}, "body": {w.Release.Body}, "image_url": {releaseImage}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save the release form: %d\n%s", res.Status, res.Body)
	}
	if edit := c.Get(fmt.Sprintf("/admin/releases/%d/edit", w.Release.ID)); !strings.Contains(edit.Body,
		`id="image_url" name="image_url" type="text" inputmode="url" maxlength="2000" value="https://images.example.org/release.png?size=large&amp;v=2"`) {
		t.Errorf("the release form does not show the image it saved:\n%s", edit.Body)
	}
	if body := public.Get(page).Body; !strings.Contains(body, `<meta property="og:image" content="https://images.example.org/release.png?size=large&amp;v=2">`) {
		t.Errorf("the release page does not show its own image")
	}

	var after string
	err := e.db.SQL().QueryRowContext(context.Background(),
		`SELECT after->>'image_url' FROM audit_log WHERE entity = 'release' AND entity_id = $1 AND action = $2 ORDER BY id DESC LIMIT 1`,
		w.Release.ID, staff.ActionReleaseUpdate).Scan(&after)
	if err != nil || after != releaseImage {
		t.Errorf("audit of the release's image: %q, %v", after, err)
	}

	// What is no image address is refused, in the API and in the form.
	for _, bad := range []string{"javascript:alert(1)", "/relative.png", "https://", "https://user:pw@example.org/x.png",
		"https://example.org/a b.png", "https://example.org/" + strings.Repeat("a", 2000)} {
		res := api.SendJSON(http.MethodPatch, fmt.Sprintf("/api/v1/admin/releases/%d", w.Release.ID), map[string]any{"image_url": bad})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"image_url"`) {
			t.Errorf("image %.40q: %d %s", bad, res.Status, res.Body)
		}
	}
	res = c.submit(fmt.Sprintf("/admin/campaigns/%d", w.Campaign.ID), url.Values{"slug": {w.Campaign.Slug},
		"title": {w.Campaign.Title}, "status": {"active"}, "currency": {"GBP"}, "image_url": {"ftp://example.org/x.png"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="image_url-error"`) {
		t.Errorf("the campaign form takes an ftp image: %d", res.Status)
	}
}
