package e2estaff

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/markdown"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// The widths every desk page is tried at: a laptop and a phone.
var widths = []int64{1280, 390}

// longTitle is a petition title longer than any select shows whole.
const longTitle = "Require every company selling in the UK to check its whole supply chain for forced labour, every year"

// deskWorld is what the layout tests look at: a campaign, one petition and
// one published release per width (each width closes and unpublishes its
// own), and an admin with a long address, who sees the whole staff menu.
type deskWorld struct {
	srv       *apptest.Server
	db        *postgres.DB
	admin     staff.Member
	petitions map[int64]petition.Petition
	releases  map[int64]campaign.Release
}

func newDeskWorld(t *testing.T) deskWorld {
	t.Helper()
	srv, db, auth := serve(t)
	ctx := context.Background()
	who := staff.CommandLine()
	w := deskWorld{srv: srv, db: db, petitions: map[int64]petition.Petition{}, releases: map[int64]campaign.Release{}}
	camp, err := db.Desk().CreateCampaign(ctx, who, campaign.Campaign{Slug: "supply-chains",
		Title: "End forced labour in supply chains", Target: "UK Government", Status: campaign.StatusActive, Currency: "GBP"})
	if err != nil {
		t.Fatal(err)
	}
	signer := db.NewSigner(postgres.SignerOptions{})
	t.Cleanup(func() { signer.Close() })
	for _, width := range widths {
		p, err := db.Desk().CreatePetition(ctx, who, petition.Petition{CampaignID: camp.ID, Slug: fmt.Sprintf("check-%d", width),
			Title: fmt.Sprintf("%s (%d)", longTitle, width), Ask: "Pass the law.", Goal: 1000, Status: petition.StatusOpen})
		if err != nil {
			t.Fatal(err)
		}
		// Five of a thousand: half a percent.
		for i := range 5 {
			if _, err := signer.Sign(ctx, petition.Signature{PetitionID: p.ID, FullName: "Supporter", Country: "GB",
				Email: fmt.Sprintf("early-%d@example.org", i), ConsentVersion: "2026-11-v1"}); err != nil {
				t.Fatal(err)
			}
		}
		w.petitions[width] = p
		// Through the desk the server uses, which renders the body as it saves.
		desk := staff.RenderBodies(db.Desk(), app.RenderBody(markdown.New()))
		r, err := desk.CreateRelease(ctx, who, campaign.Release{CampaignID: camp.ID, PetitionID: &p.ID,
			Slug: fmt.Sprintf("launch-%d", width), Title: "We launch today", Body: "The **first** words."})
		if err != nil {
			t.Fatal(err)
		}
		if r, err = desk.PublishRelease(ctx, who, r.ID); err != nil {
			t.Fatal(err)
		}
		w.releases[width] = r
	}
	if w.admin, err = auth.CreateMember(ctx, who, "campaigns-and-communications-lead@example.org", staff.RoleAdmin, password); err != nil {
		t.Fatal(err)
	}
	return w
}

// login signs the browser in as m from the login form, which carries the
// staff styles: its password box is as wide as the form, not 155 px.
func login(t *testing.T, b context.Context, base string, m staff.Member) {
	t.Helper()
	if _, err := chromedp.RunResponse(b, chromedp.Navigate(base+"/admin/login")); err != nil {
		t.Fatal(err)
	}
	styled := evaluate[bool](t, b, `[...document.styleSheets].some(s => (s.href || "").endsWith("/static/admin.css"))`)
	box := evaluate[float64](t, b, `document.querySelector("#password").getBoundingClientRect().width`)
	form := evaluate[float64](t, b, `document.querySelector("form.stack").getBoundingClientRect().width`)
	if !styled || box < form-1 {
		t.Errorf("login page: staff styles %v, password box %.0f px in a form %.0f px wide", styled, box, form)
	}
	fits(t, b, "the login page")
	err := chromedp.Do(b, chromedp.SendKeys(chromedp.CSS(`#email`), m.Email), chromedp.SendKeys(chromedp.CSS(`#password`), password))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(b, chromedp.Submit(chromedp.CSS(`#password`))); err != nil {
		t.Fatal(err)
	}
}

// fits fails the test if the page is wider than the viewport: what does not
// fit must scroll inside its own box.
func fits(t *testing.T, b context.Context, what string) {
	t.Helper()
	doc := evaluate[float64](t, b, `document.documentElement.scrollWidth`)
	view := evaluate[float64](t, b, `window.innerWidth`)
	if doc > view {
		wide := evaluate[string](t, b, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
			.slice(0, 5).map(e => e.tagName + "." + e.className).join(", ")`)
		t.Errorf("%s is %.0f px wide in a %.0f px window (too wide: %s)", what, doc, view, wide)
	}
}

// headerReadable checks that the signed-in address shows whole, inside the
// dark header, in a colour that reads on it (WCAG's 4.5:1 for text).
func headerReadable(t *testing.T, b context.Context, what string) {
	t.Helper()
	const check = `(() => {
		const who = document.querySelector("header.site .who"), header = document.querySelector("header.site");
		if (!who) return {inside: false, ratio: 0, text: "(no signed-in address)", width: 0};
		const w = who.getBoundingClientRect(), h = header.getBoundingClientRect();
		const rgb = s => s.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
		const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
			return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
		const fg = lum(rgb(getComputedStyle(who).color)), bg = lum(rgb(getComputedStyle(header).backgroundColor));
		const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
		const inside = w.left >= 0 && w.right <= window.innerWidth + 0.5 && w.left >= h.left && w.right <= h.right + 0.5 &&
			w.top >= h.top && w.bottom <= h.bottom + 0.5;
		return {inside, ratio, text: who.textContent, width: w.width};
	})()`
	got := evaluate[struct {
		Inside bool
		Ratio  float64
		Text   string
		Width  float64
	}](t, b, check)
	if !got.Inside || got.Ratio < 4.5 || got.Width == 0 {
		t.Errorf("%s: the signed-in address %q is inside the header: %v, contrast %.2f:1", what, got.Text, got.Inside, got.Ratio)
	}
}

// open navigates and checks what every desk page must: loaded, no wider
// than the screen, the header readable.
func open(t *testing.T, b context.Context, url, what string) {
	t.Helper()
	res, err := chromedp.RunResponse(b, chromedp.Navigate(url))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if res.Status != 200 {
		t.Fatalf("%s: status %d", what, res.Status)
	}
	fits(t, b, what)
	headerReadable(t, b, what)
}

// Every desk page at a laptop's width and a phone's: nothing wider than the
// screen, the staff header readable, chart text at least 12 px.
func TestDeskPagesFitLaptopAndPhone(t *testing.T) {
	w := newDeskWorld(t)
	for _, width := range widths {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			b, console := browser(t)
			if err := chromedp.Do(b, chromedp.EmulateViewport(width, 860)); err != nil {
				t.Fatal(err)
			}
			login(t, b, w.srv.URL, w.admin)
			p, r := w.petitions[width], w.releases[width]
			for _, page := range []string{"/admin", "/admin/petitions", fmt.Sprintf("/admin/petitions/%d", p.ID),
				fmt.Sprintf("/admin/petitions/%d/edit", p.ID), fmt.Sprintf("/admin/petitions/%d/close", p.ID),
				"/admin/releases", "/admin/releases/new", fmt.Sprintf("/admin/releases/%d/edit", r.ID),
				fmt.Sprintf("/admin/releases/%d/unpublish", r.ID), "/admin/campaigns", "/admin/staff", "/admin/audit",
				"/admin/webhooks"} {
				open(t, b, w.srv.URL+page, page)
			}
			open(t, b, fmt.Sprintf("%s/admin/petitions/%d", w.srv.URL, p.ID), "the dashboard")
			smallest := evaluate[float64](t, b, `Math.min(...[...document.querySelectorAll("svg.chart-svg text")].map(e =>
				parseFloat(e.getAttribute("font-size")) * e.ownerSVGElement.getScreenCTM().a))`)
			if smallest < 11.95 {
				t.Errorf("the smallest chart text is %.1f px, want at least 12", smallest)
			}
			if strings.Contains(console.String(), "Content Security Policy") {
				t.Errorf("the pages broke their own Content-Security-Policy:\n%s", console)
			}
		})
	}
}

// The dashboard shows the percent of the goal with its decimal, and its
// figures move without a reload when people sign.
func TestDashboardFiguresRefresh(t *testing.T) {
	w := newDeskWorld(t)
	signer := w.db.NewSigner(postgres.SignerOptions{})
	defer signer.Close()
	for _, width := range widths {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			b, console := browser(t)
			if err := chromedp.Do(b, chromedp.EmulateViewport(width, 860)); err != nil {
				t.Fatal(err)
			}
			login(t, b, w.srv.URL, w.admin)
			p := w.petitions[width]
			open(t, b, fmt.Sprintf("%s/admin/petitions/%d", w.srv.URL, p.ID), "the dashboard")
			figure := func(name string) string {
				t.Helper()
				return text(t, b, fmt.Sprintf(`#figures [data-stat=%q]`, name))
			}
			if total, share, hour, rate := figure("total"), figure("goal_percent"), figure("last_hour"), figure("rate_per_minute"); total != "5" || share != "0.5%" || hour != "5" || rate != "1.0" {
				t.Errorf("on load: total %q, goal %q, last hour %q, rate %q; want 5, 0.5%%, 5, 1.0", total, share, hour, rate)
			}
			if against := figure("against"); against != "5 more than" {
				t.Errorf("today against yesterday: %q", against)
			}
			for i := range 3 {
				if _, err := signer.Sign(t.Context(), petition.Signature{PetitionID: p.ID, FullName: "Supporter", Country: "FR",
					Email: fmt.Sprintf("later-%d@example.org", i), ConsentVersion: "2026-11-v1"}); err != nil {
					t.Fatal(err)
				}
			}
			// The page reads its figures again when it comes back into view
			// (and every few seconds while in view): tell it it did, and
			// wait for the new count.
			err := chromedp.Do(b,
				chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event("visibilitychange"))`),
				chromedp.Poll[chromedp.Void](`document.querySelector('#figures [data-stat="total"]').textContent === "8"`))
			if err != nil {
				t.Fatalf("the total never became 8: %v\nconsole:\n%s", err, console)
			}
			if share, hour, bar := figure("goal_percent"), figure("last_hour"), evaluate[float64](t, b, `document.querySelector("#goal-progress").value`); share != "0.8%" || hour != "8" || bar != 8 {
				t.Errorf("after refreshing: goal %q, last hour %q, progress %v; want 0.8%%, 8, 8", share, hour, bar)
			}
		})
	}
}

// noScript turns the page's scripts off, as a browser without JavaScript
// (the test's own evaluations still run).
func noScript(t *testing.T, b context.Context) {
	t.Helper()
	if _, err := chromedp.Call(b, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
}

// Closing a petition and unpublishing a release ask first, with the pages'
// scripts off: cancelling changes nothing, confirming does it.
func TestCloseAndUnpublishAskFirst(t *testing.T) {
	w := newDeskWorld(t)
	ctx := context.Background()
	for _, width := range widths {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			b, console := browser(t)
			if err := chromedp.Do(b, chromedp.EmulateViewport(width, 860)); err != nil {
				t.Fatal(err)
			}
			login(t, b, w.srv.URL, w.admin)
			noScript(t, b)
			p, r := w.petitions[width], w.releases[width]
			petitionStatus := func() string {
				t.Helper()
				got, err := w.db.Petitions().PetitionByID(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got.Status
			}
			releaseStatus := func() string {
				t.Helper()
				got, err := w.db.Desk().ReleaseByID(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got.Status
			}
			for _, tt := range []struct {
				name, page, button, question string
				status                       func() string
				before, after                string
			}{
				{"close", fmt.Sprintf("/admin/petitions/%d", p.ID), "#close-petition", "Close the petition?", petitionStatus,
					petition.StatusOpen, petition.StatusClosed},
				{"unpublish", fmt.Sprintf("/admin/releases/%d/edit", r.ID), "#unpublish", "Unpublish the release?", releaseStatus,
					campaign.ReleasePublished, campaign.ReleaseDraft},
			} {
				step := func(what string, a chromedp.Action[chromedp.Void]) {
					t.Helper()
					res, err := chromedp.RunResponse(b, a)
					if err != nil || res.Status != 200 {
						t.Fatalf("%s, %s: %v (status %v)\nconsole:\n%s", tt.name, what, err, res, console)
					}
				}
				open(t, b, w.srv.URL+tt.page, tt.name)
				step("ask", chromedp.Click(chromedp.CSS(tt.button)))
				if q := text(t, b, "h1"); q != tt.question {
					t.Errorf("%s: the question is %q", tt.name, q)
				}
				fits(t, b, tt.name+"'s question")
				headerReadable(t, b, tt.name+"'s question")
				if got := tt.status(); got != tt.before {
					t.Fatalf("%s: asking made it %q", tt.name, got)
				}
				step("cancel", chromedp.Click(chromedp.CSS("#cancel")))
				if loc := evaluate[string](t, b, `location.pathname`); loc != tt.page || tt.status() != tt.before {
					t.Fatalf("%s: cancelling went to %s and left it %q", tt.name, loc, tt.status())
				}
				step("ask again", chromedp.Click(chromedp.CSS(tt.button)))
				step("confirm", chromedp.Click(chromedp.CSS("#confirm")))
				if got := tt.status(); got != tt.after {
					t.Errorf("%s: confirmed, it is %q, want %q", tt.name, got, tt.after)
				}
				if notice := text(t, b, ".notice"); notice == "" {
					t.Errorf("%s: no notice after the change", tt.name)
				}
			}
		})
	}
}

// The release editor: whole petition titles, a Markdown box that wraps a
// line once, and the preview beside it on a wide screen (below it on a
// phone), refreshed in place by "Save and refresh the preview".
func TestReleaseEditorLayout(t *testing.T) {
	w := newDeskWorld(t)
	for _, width := range widths {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			b, console := browser(t)
			if err := chromedp.Do(b, chromedp.EmulateViewport(width, 860)); err != nil {
				t.Fatal(err)
			}
			login(t, b, w.srv.URL, w.admin)
			r := w.releases[width]
			open(t, b, fmt.Sprintf("%s/admin/releases/%d/edit", w.srv.URL, r.ID), "the release editor")
			cut := evaluate[[]string](t, b, `[...document.querySelectorAll(".choice-list label")]
				.filter(l => l.scrollWidth > l.clientWidth + 1 || l.getBoundingClientRect().right > window.innerWidth)
				.map(l => l.textContent.trim())`)
			shown := evaluate[string](t, b, `document.querySelector(".choice-list").textContent`)
			if len(cut) > 0 || !strings.Contains(strings.Join(strings.Fields(shown), " "), longTitle) {
				t.Errorf("petition titles cut: %q; the list reads %q", cut, shown)
			}
			box := evaluate[struct {
				Mono    bool
				Wrap    string
				Columns float64
			}](t, b, `(() => {
				const ta = document.querySelector("#body"), cs = getComputedStyle(ta);
				const ctx = document.createElement("canvas").getContext("2d");
				ctx.font = cs.fontSize + " " + cs.fontFamily;
				const inner = ta.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
				return {mono: /mono/i.test(cs.fontFamily), wrap: ta.getAttribute("wrap"), columns: inner / ctx.measureText("m").width};
			})()`)
			if !box.Mono || box.Wrap != "soft" {
				t.Errorf("the Markdown box: monospace %v, wrap %q", box.Mono, box.Wrap)
			}
			if width >= 1280 && box.Columns < 80 {
				t.Errorf("the Markdown box holds %.0f columns, want 80 so a wrapped line wraps once", box.Columns)
			}
			beside := evaluate[bool](t, b, `(() => {
				const ta = document.querySelector("#body").getBoundingClientRect(), pane = document.querySelector(".preview-pane").getBoundingClientRect();
				return pane.left >= ta.right && pane.top < ta.bottom;
			})()`)
			if beside != (width >= 1280) {
				t.Errorf("preview beside the editor: %v at %d px", beside, width)
			}
			if got := text(t, b, "#preview-body"); got != "The first words." {
				t.Errorf("the preview shows %q", got)
			}
			// Without the script, "Save and refresh the preview" is not offered
			// (saving and the full preview page do without it); with it, it is.
			noScript(t, b)
			open(t, b, fmt.Sprintf("%s/admin/releases/%d/edit", w.srv.URL, r.ID), "the release editor without its script")
			if shown := evaluate[bool](t, b, `document.querySelector("#save-preview").getClientRects().length > 0`); shown {
				t.Error("without the script, the editor offers a button that needs it")
			}
			if _, err := chromedp.Call(b, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
				t.Fatal(err)
			}
			open(t, b, fmt.Sprintf("%s/admin/releases/%d/edit", w.srv.URL, r.ID), "the release editor")
			if shown := evaluate[bool](t, b, `document.querySelector("#save-preview").getClientRects().length > 0`); !shown {
				t.Error("with the script, the editor does not offer to save and refresh the preview")
			}
			err := chromedp.Do(b,
				chromedp.SetValue(chromedp.CSS("#body"), "New *words*, saved in place."),
				chromedp.Click(chromedp.CSS("#save-preview")),
				chromedp.Poll[chromedp.Void](`document.querySelector("#preview-body em") !== null`))
			if err != nil {
				t.Fatalf("save and refresh the preview: %v\nconsole:\n%s", err, console)
			}
			if got := text(t, b, "#preview-body"); got != "New words, saved in place." {
				t.Errorf("the refreshed preview shows %q", got)
			}
			saved, err := w.db.Desk().ReleaseByID(context.Background(), r.ID)
			if err != nil || saved.Body != "New *words*, saved in place." {
				t.Errorf("the body saved: %q (%v)", saved.Body, err)
			}
		})
	}
}
