package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// The supporter's pages, tried as a supporter would on a phone (390 px) and
// on a laptop (1280 px), with JavaScript and without.

// screen is a viewport a supporter's device has.
type screen struct {
	name          string
	width, height int64
	mobile        bool
}

var screens = []screen{
	{"phone", 390, 844, true},
	{"laptop", 1280, 900, false},
}

// open sets the tab to s, with scripts on or off, and opens path.
func (s screen) open(t *testing.T, ctx context.Context, scripts bool, address string) {
	t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
	if s.mobile {
		opts = []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile}
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled,
		emulation.SetScriptExecutionDisabledParams{Value: !scripts}); err != nil {
		t.Fatalf("switch scripts off: %v", err)
	}
	// An element focused by the page (autofocus) counts as focused even
	// though the headless tab is in the background.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled,
		emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("emulate focus: %v", err)
	}
	do(t, ctx, "open "+address, chromedp.EmulateViewport(s.width, s.height, opts...), chromedp.Navigate(address))
}

// jsModes are the two ways a page must work.
var jsModes = []struct {
	name    string
	scripts bool
}{{"js", true}, {"nojs", false}}

// startDonationsApp is startApp with donations on. Rendering and refusing
// the donation form never reaches Stripe.
func startDonationsApp(t *testing.T) *app {
	t.Helper()
	_, db := pkgDB.Fresh(t)
	set, err := db.Seed(context.Background(), postgres.SeedSet{
		Campaign: demo.Campaign(), Petition: demo.Petition(), Release: demo.Release()})
	if err != nil {
		t.Fatal(err)
	}
	srv := apptest.Start(t, db, apptest.Options{Config: func(c *config.Config) {
		c.LogLevel = slog.LevelWarn
		c.StripeSecretKey = "sk_test_supporter_pages"
	}})
	return &app{url: srv.URL, db: db, demo: set, server: srv}
}

// evaluate runs expression, which returns an object, and decodes it into
// out.
func evaluate(t *testing.T, ctx context.Context, what, expression string, out any) {
	t.Helper()
	raw := run(t, ctx, what, chromedp.Evaluate[[]byte](expression))
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s: decode %s: %v", what, raw, err)
	}
}

// inViewJS defines within(selector): whether the element is wholly inside
// the first screen (the viewport, unscrolled) and shown.
const inViewJS = `const within = (sel) => {
	const el = document.querySelector(sel);
	if (!el) return false;
	const r = el.getBoundingClientRect();
	return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 &&
		r.bottom <= window.innerHeight && r.right <= document.documentElement.clientWidth;
};`

// waitFocus waits until the element with id has the focus. A page moves
// it there itself (autofocus) as it renders, a moment after it loads.
func waitFocus(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.activeElement !== null && document.activeElement.id === %q`, id),
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(0)))
	if err != nil {
		active := run(t, ctx, "read the focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
		t.Fatalf("#%s never got the focus (it is on %q): %v", id, active, err)
	}
}

// screenshot keeps a picture of the page when ADVOCACY_SCREENSHOT_DIR is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("ADVOCACY_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	png := run(t, ctx, "take a screenshot", chromedp.FullScreenshot(100))
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)
}

// The first screen of a release shows the petition's ask, its count and
// progress, and a way to sign; the button takes the supporter to the form;
// the author's words all follow.
func TestReleaseFirstScreenOffersTheSign(t *testing.T) {
	a := startApp(t)
	for _, s := range screens {
		t.Run(s.name, func(t *testing.T) {
			ctx := browser(t)
			log := watchConsole(ctx)
			s.open(t, ctx, true, a.url+"/releases/"+demo.ReleaseSlug)
			var first struct {
				Ask, Count, Progress, Sign, Wide bool
				AskText                          string
			}
			evaluate(t, ctx, "measure the first screen", `(() => {`+inViewJS+`
				return { Ask: within(".cta .cta-ask"), Count: within(".cta .js-count"), Progress: within(".cta .js-progress"),
					Sign: within('.cta a.button[href="#petition"]'),
					Wide: document.documentElement.scrollWidth > document.documentElement.clientWidth,
					AskText: document.querySelector(".cta .cta-ask").textContent };
			})()`, &first)
			if !first.Ask || !first.Count || !first.Progress || !first.Sign {
				t.Errorf("the first screen lacks some of the ask %v, the count %v, the progress %v, the sign button %v",
					first.Ask, first.Count, first.Progress, first.Sign)
			}
			if !strings.Contains(first.AskText, demo.Petition().Ask) {
				t.Errorf("the first screen asks %q, want the petition's ask %q", first.AskText, demo.Petition().Ask)
			}
			if first.Wide {
				t.Error("the page is wider than the screen")
			}
			body := run(t, ctx, "read the release", chromedp.Text(chromedp.CSS("article.release .body")))
			if !strings.Contains(body, "Signing is a promise; ratifying is keeping it.") {
				t.Errorf("the author's words are not all on the page:\n%s", body)
			}
			screenshot(t, ctx, "release-first-screen-"+s.name)

			do(t, ctx, "press Sign the petition", chromedp.Click(chromedp.CSS(".cta a.button")))
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => {`+inViewJS+` return within("#full_name"); })()`,
				chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0)))
			if err != nil {
				t.Fatalf("the form's first field never came into view: %v", err)
			}
			for _, p := range log.problems(t, ctx, "first-screen-"+s.name) {
				t.Errorf("browser console: %s", p)
			}
		})
	}
}

// A failed sign lands on its error summary, focused, titled "Error: ", its
// lines linking to the fields, which turn red; then the corrected form
// signs. With scripts and without, on both screens.
func TestFailedSignLandsOnTheErrors(t *testing.T) {
	a := startApp(t)
	for _, s := range screens {
		for _, m := range jsModes {
			t.Run(s.name+"/"+m.name, func(t *testing.T) {
				ctx := browser(t)
				s.open(t, ctx, m.scripts, a.url+"/releases/"+demo.ReleaseSlug)
				do(t, ctx, "fill the form wrongly", chromedp.SendKeys(chromedp.ID("email"), "not-an-email"))
				res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.sign button[type="submit"]`)))
				if err != nil {
					t.Fatalf("submit: %v", err)
				}
				if res.Status != http.StatusUnprocessableEntity {
					t.Fatalf("the refused form answered %d, want 422", res.Status)
				}
				waitFocus(t, ctx, "sign-errors")
				var page struct {
					Title, Active                          string
					SummaryInView                          bool
					Links                                  []string
					NameBorder, EmailBorder, PostcodeColor string
				}
				evaluate(t, ctx, "read the refused form", `(() => {`+inViewJS+`
					const border = (id) => getComputedStyle(document.getElementById(id)).borderTopColor;
					return { Title: document.title, Active: document.activeElement ? document.activeElement.id : "",
						SummaryInView: within("#sign-errors h3"),
						Links: [...document.querySelectorAll("#sign-errors a")].map(a => a.getAttribute("href")),
						NameBorder: border("full_name"), EmailBorder: border("email"), PostcodeColor: border("postcode") };
				})()`, &page)
				if !strings.HasPrefix(page.Title, "Error: ") {
					t.Errorf("title %q does not start with Error: ", page.Title)
				}
				if page.Active != "sign-errors" || !page.SummaryInView {
					t.Errorf("focus is on %q (summary in view: %v), want the error summary in view and focused", page.Active, page.SummaryInView)
				}
				if strings.Join(page.Links, " ") != "#full_name #email" {
					t.Errorf("the summary links to %v, want #full_name and #email", page.Links)
				}
				const red, ink = "rgb(176, 0, 32)", "rgb(17, 17, 17)"
				if page.NameBorder != red || page.EmailBorder != red || page.PostcodeColor != ink {
					t.Errorf("borders: name %s, email %s, postcode %s; want the invalid two %s and the valid one %s",
						page.NameBorder, page.EmailBorder, page.PostcodeColor, red, ink)
				}
				screenshot(t, ctx, "sign-errors-"+s.name+"-"+m.name)
				// Proof of the mode: app.js shows the copy-link button.
				if copyShown := run(t, ctx, "look for Copy link", chromedp.Evaluate[bool](`!document.querySelector(".js-copy").hidden`)); copyShown != m.scripts {
					t.Fatalf("scripts on: %v, but app.js ran: %v", m.scripts, copyShown)
				}

				do(t, ctx, "follow the summary's link", chromedp.Click(chromedp.CSS(`#sign-errors a[href="#email"]`)))
				_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.activeElement && document.activeElement.id === "email"`,
					chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0)))
				if err != nil {
					t.Fatalf("the summary's link never focused the email field: %v", err)
				}
				email := fmt.Sprintf("fixed-%s-%s@example.org", s.name, m.name)
				do(t, ctx, "correct the form",
					chromedp.SetValue(chromedp.ID("email"), email),
					chromedp.SendKeys(chromedp.ID("full_name"), "Ada Lovelace"))
				if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.sign button[type="submit"]`))); err != nil {
					t.Fatalf("submit again: %v", err)
				}
				if got := run(t, ctx, "read the thanks", chromedp.Text(chromedp.CSS(".thanks h1"))); got != "Thank you for signing" {
					t.Errorf("after correcting the form: %q", got)
				}
			})
		}
	}
}

// Every share link carries its channel as the source; the page it shares
// keeps it in the sign form, and the signature records it. The release
// page carries its card tags; the thanks page's buttons are big.
func TestShareLinksCarryTheirSource(t *testing.T) {
	a := startApp(t)
	release := a.url + "/releases/" + demo.ReleaseSlug
	for _, s := range screens {
		t.Run(s.name, func(t *testing.T) {
			ctx := browser(t)
			log := watchConsole(ctx)
			s.open(t, ctx, true, release)
			var page struct {
				Shared                map[string]string
				OGTitle, OGURL, Card  string
				CopyShown             bool
				NativeShown, HasShare bool
			}
			evaluate(t, ctx, "read the share links", `(() => {
				const shared = {};
				for (const a of document.querySelectorAll(".share-box .share a")) {
					const u = new URL(a.href);
					const ch = a.dataset.channel;
					let addr = "";
					if (ch === "facebook") addr = u.searchParams.get("u");
					else if (ch === "x") addr = u.searchParams.get("url");
					else if (ch === "email") addr = new URLSearchParams(a.href.split("?")[1]).get("body").split(/\s+/).pop();
					else addr = u.searchParams.get("text").split(" ").pop();
					shared[ch] = addr;
				}
				const meta = (sel) => (document.querySelector(sel) || {}).content || "";
				return { Shared: shared, OGTitle: meta('meta[property="og:title"]'), OGURL: meta('meta[property="og:url"]'),
					Card: meta('meta[name="twitter:card"]'),
					CopyShown: !document.querySelector(".share-box .js-copy").hidden,
					NativeShown: !document.querySelector(".share-box .js-native").hidden, HasShare: typeof navigator.share === "function" };
			})()`, &page)
			for _, ch := range []string{"whatsapp", "facebook", "x", "bluesky", "email"} {
				if want := release + "?source=share-" + ch; page.Shared[ch] != want {
					t.Errorf("the %s link shares %q, want %q", ch, page.Shared[ch], want)
				}
			}
			if page.OGTitle != demo.Release().Title || page.OGURL != release || page.Card == "" {
				t.Errorf("card tags: og:title %q, og:url %q, twitter:card %q", page.OGTitle, page.OGURL, page.Card)
			}
			if !page.CopyShown {
				t.Error("the copy-link button is hidden although the page can copy")
			}
			if page.NativeShown != page.HasShare {
				t.Errorf("the share-sheet button shown: %v, but navigator.share exists: %v", page.NativeShown, page.HasShare)
			}

			// A friend opens the WhatsApp link's address and signs.
			s.open(t, ctx, true, page.Shared["whatsapp"])
			email := "friend-" + s.name + "@example.org"
			do(t, ctx, "sign as the friend",
				chromedp.SendKeys(chromedp.ID("full_name"), "A Friend"),
				chromedp.SendKeys(chromedp.ID("email"), email))
			if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.sign button[type="submit"]`))); err != nil {
				t.Fatalf("sign: %v", err)
			}
			var code string
			err := a.db.SQL().QueryRowContext(ctx, `SELECT source_code FROM signatures WHERE petition_id = $1 AND email = $2`,
				a.demo.Petition.ID, email).Scan(&code)
			if err != nil || code != "share-whatsapp" {
				t.Errorf("the friend's signature has source %q (%v), want share-whatsapp", code, err)
			}

			// The thanks page: big buttons, each sharing with its channel.
			var thanks struct {
				Heights []float64
				Sources []string
			}
			evaluate(t, ctx, "measure the thanks page's share buttons", `(() => {
				const links = [...document.querySelectorAll(".share-big .share a")];
				return { Heights: links.map(a => a.getBoundingClientRect().height),
					Sources: links.map(a => decodeURIComponent(a.href).match(/source=(share-[a-z]+)/)[1]) };
			})()`, &thanks)
			if len(thanks.Heights) != 5 {
				t.Fatalf("%d share links on the thanks page, want 5", len(thanks.Heights))
			}
			for i, h := range thanks.Heights {
				if h < 44 {
					t.Errorf("share button %s is %.0f px tall, want at least 44", thanks.Sources[i], h)
				}
			}
			screenshot(t, ctx, "thanks-share-"+s.name)
			for _, p := range log.problems(t, ctx, "share-"+s.name) {
				t.Errorf("browser console: %s", p)
			}
		})
	}
}

// The copy-link button puts the release's address, with its source, on the
// clipboard.
func TestCopyLink(t *testing.T) {
	a := startApp(t)
	ctx := browser(t)
	screens[0].open(t, ctx, true, a.url+"/releases/"+demo.ReleaseSlug)
	// Records what is written instead of asking the system clipboard, which
	// a headless browser without permission refuses.
	do(t, ctx, "watch the clipboard", chromedp.Evaluate[chromedp.Void](
		`navigator.clipboard.writeText = (text) => { window.copied = text; return Promise.resolve(); }`))
	do(t, ctx, "press Copy link", chromedp.Click(chromedp.CSS(".share-box .share-copy")))
	status, err := chromedp.Run(ctx, chromedp.Poll[string](`document.querySelector(".share-box .share-status").textContent || null`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0)))
	if err != nil {
		t.Fatalf("no word after copying: %v", err)
	}
	copied := run(t, ctx, "read what was copied", chromedp.Evaluate[string](`window.copied`))
	if want := a.url + "/releases/" + demo.ReleaseSlug + "?source=share-copy"; copied != want || status != "Link copied." {
		t.Errorf("copied %q and said %q; want %q and Link copied.", copied, status, want)
	}
}

// The campaign page links each open petition to a sign form.
func TestCampaignPageLeadsToTheSignForm(t *testing.T) {
	a := startApp(t)
	for _, s := range screens {
		t.Run(s.name, func(t *testing.T) {
			ctx := browser(t)
			s.open(t, ctx, false, a.url+"/campaigns/"+demo.Campaign().Slug)
			if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(".petition-card a.button"))); err != nil {
				t.Fatalf("follow Sign this petition: %v", err)
			}
			loc, err := url.Parse(run(t, ctx, "read the address", chromedp.Location()))
			if err != nil {
				t.Fatal(err)
			}
			if loc.Path != "/releases/"+demo.ReleaseSlug || loc.Fragment != "petition" {
				t.Errorf("Sign this petition leads to %s, want the release's #petition", loc)
			}
			_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => {`+inViewJS+` return within("#petition-title"); })()`,
				chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0)))
			if err != nil {
				t.Fatalf("the petition never came into view: %v", err)
			}
		})
	}
}

// The Gift Aid fields show only once Gift Aid is ticked, with scripts and
// without; a refused donation lands on its errors, its fields red.
func TestGiftAidReveal(t *testing.T) {
	a := startDonationsApp(t)
	for _, s := range screens {
		for _, m := range jsModes {
			t.Run(s.name+"/"+m.name, func(t *testing.T) {
				ctx := browser(t)
				s.open(t, ctx, m.scripts, a.url+"/releases/"+demo.ReleaseSlug)
				shown := func() bool {
					return run(t, ctx, "look for the Gift Aid name", chromedp.Evaluate[bool](
						`document.getElementById("gift_aid_first_name").getClientRects().length > 0`))
				}
				if shown() {
					t.Error("the Gift Aid fields show before Gift Aid is ticked")
				}
				do(t, ctx, "tick Gift Aid", chromedp.Click(chromedp.ID("gift_aid")))
				if !shown() {
					t.Fatal("the Gift Aid fields stay hidden once Gift Aid is ticked")
				}
				screenshot(t, ctx, "gift-aid-"+s.name+"-"+m.name)

				res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#donate-form button[type="submit"]`)))
				if err != nil {
					t.Fatalf("submit: %v", err)
				}
				if res.Status != http.StatusUnprocessableEntity {
					t.Fatalf("the refused donation answered %d, want 422", res.Status)
				}
				waitFocus(t, ctx, "donate-errors")
				var page struct {
					Title, Active string
					InView        bool
					Links         []string
					NameBorder    string
					Shown         bool
				}
				evaluate(t, ctx, "read the refused donation", `(() => {`+inViewJS+`
					return { Title: document.title, Active: document.activeElement ? document.activeElement.id : "",
						InView: within("#donate-errors h3"),
						Links: [...document.querySelectorAll("#donate-errors a")].map(a => a.getAttribute("href")),
						NameBorder: getComputedStyle(document.getElementById("gift_aid_first_name")).borderTopColor,
						Shown: document.getElementById("gift_aid_first_name").getClientRects().length > 0 };
				})()`, &page)
				if !strings.HasPrefix(page.Title, "Error: ") || page.Active != "donate-errors" || !page.InView {
					t.Errorf("title %q, focus on %q, summary in view %v; want Error: …, the summary focused and in view",
						page.Title, page.Active, page.InView)
				}
				if len(page.Links) == 0 || page.Links[0] != "#gift_aid_first_name" {
					t.Errorf("the summary links to %v, want #gift_aid_first_name first", page.Links)
				}
				if !page.Shown || page.NameBorder != "rgb(176, 0, 32)" {
					t.Errorf("the Gift Aid name shown %v with border %s, want shown and red", page.Shown, page.NameBorder)
				}
			})
		}
	}
}

// A petition that reaches its goal asks for the next step, and the page
// moves on without a reload.
func TestReachedGoalMovesOn(t *testing.T) {
	a := startApp(t)
	apptest.Exec(t, a.db, `UPDATE petitions SET goal = 1 WHERE id = $1`, a.demo.Petition.ID)
	ctx := browser(t)
	screens[0].open(t, ctx, true, a.url+"/releases/"+demo.ReleaseSlug)
	if got := run(t, ctx, "read the goal", chromedp.Text(chromedp.CSS(".cta .js-goal"))); got != "of a goal of 1" {
		t.Errorf("before: %q", got)
	}
	a.signViaAPI(t, "goal-reached@example.org")
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.querySelector(".cta .js-goal").textContent.includes("we passed our goal of 1! Help us reach 2") &&
		 document.querySelector(".cta .js-progress").max === 2`,
		chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(0)))
	if err != nil {
		t.Fatalf("the page never asked for the next step: %v", err)
	}
}

// A petition no release carries is signed on the campaign page, in a form
// of its own that lands on its errors like the release's.
func TestCampaignPageOwnSignForm(t *testing.T) {
	a := startApp(t)
	var second int64
	err := a.db.SQL().QueryRowContext(context.Background(), `
		INSERT INTO petitions (campaign_id, slug, title, ask, goal) VALUES ($1, 'fund-shelters', 'Fund shelters', 'Fund shelters for survivors.', 500)
		RETURNING id`, a.demo.Campaign.ID).Scan(&second)
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("p%d-", second)
	for _, s := range screens {
		for _, m := range jsModes {
			t.Run(s.name+"/"+m.name, func(t *testing.T) {
				ctx := browser(t)
				s.open(t, ctx, m.scripts, a.url+"/campaigns/"+demo.Campaign().Slug)
				submit := chromedp.CSS("#" + prefix + `sign button[type="submit"]`)
				res, err := chromedp.RunResponse(ctx, chromedp.Click(submit))
				if err != nil {
					t.Fatalf("submit the empty form: %v", err)
				}
				if res.Status != http.StatusUnprocessableEntity {
					t.Fatalf("the empty form answered %d, want 422", res.Status)
				}
				waitFocus(t, ctx, prefix+"errors")
				var page struct {
					Title, Active string
					InView        bool
				}
				evaluate(t, ctx, "read the refused form", `(() => {`+inViewJS+`
					return { Title: document.title, Active: document.activeElement ? document.activeElement.id : "",
						InView: within("#`+prefix+`errors h4") };
				})()`, &page)
				if !strings.HasPrefix(page.Title, "Error: ") || page.Active != prefix+"errors" || !page.InView {
					t.Errorf("title %q, focus on %q, summary in view %v", page.Title, page.Active, page.InView)
				}
				email := fmt.Sprintf("campaign-%s-%s@example.org", s.name, m.name)
				do(t, ctx, "fill the form",
					chromedp.SendKeys(chromedp.ID(prefix+"full_name"), "Mary Seacole"),
					chromedp.SendKeys(chromedp.ID(prefix+"email"), email))
				if _, err := chromedp.RunResponse(ctx, chromedp.Click(submit)); err != nil {
					t.Fatalf("sign: %v", err)
				}
				_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => {`+inViewJS+` return within("#petition-`+fmt.Sprint(second)+` .notice"); })()`,
					chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0)))
				if err != nil {
					t.Fatalf("the thanks at the petition never came into view: %v", err)
				}
				var n int
				if err := a.db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM signatures WHERE petition_id = $1 AND email = $2`,
					second, email).Scan(&n); err != nil || n != 1 {
					t.Errorf("%d signatures stored (%v), want 1", n, err)
				}
			})
		}
	}
}
