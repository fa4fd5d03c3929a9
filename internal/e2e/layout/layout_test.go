package layout_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/tooling/testbrowser"
)

// page is one page of the site, as a browser reaches it.
type page struct {
	name  string
	path  string // the address to open
	staff bool   // opened in the tab signed in as an admin
	// status is the status the page answers with; 0 is 200.
	status int
	// reach, if set, reaches the page from the one at path by an action
	// that loads it (a form sent with mistakes), after path is open.
	reach chromedp.Action[chromedp.Void]
}

// pages are every page of the site: the supporter's, and the staff desk's
// and finance's.
func (s *site) pages() []page {
	release := "/releases/" + demo.ReleaseSlug
	failSign := chromedp.Click(chromedp.CSS(`form.sign button[type="submit"]`))
	// Gift Aid chosen, but none of its details given.
	failDonate := chromedp.Steps(
		chromedp.Click(chromedp.ID("gift_aid")),
		chromedp.Click(chromedp.CSS(`#donate-form button[type="submit"]`)),
	)
	id := func(format string, id int64) string { return fmt.Sprintf(format, id) }
	return []page{
		{name: "newsroom", path: "/"},
		{name: "release", path: release},
		{name: "failed-sign", path: release, reach: failSign, status: http.StatusUnprocessableEntity},
		{name: "thanks", path: release + "/thanks"},
		{name: "thanks-check-inbox", path: "/releases/" + verifySlug + "/thanks"},
		{name: "campaign", path: "/campaigns/" + demo.CampaignSlug},
		{name: "confirm", path: s.confirmPath},
		{name: "unsubscribe", path: s.unsubscribePath},
		{name: "privacy", path: "/privacy"},
		{name: "donate-form", path: release, reach: failDonate, status: http.StatusUnprocessableEntity},
		{name: "donate-thanks", path: "/donations/thanks?session_id=" + s.sessionID},
		{name: "donate-cancelled", path: "/donations/cancelled?release=" + demo.ReleaseSlug},
		{name: "embed-form", path: "/embed/petitions/" + s.demo.Petition.Slug},
		{name: "embed-thanks", path: "/embed/petitions/" + s.demo.Petition.Slug + "/thanks"},
		{name: "not-found", path: "/no-such-page", status: http.StatusNotFound},
		{name: "staff-login", path: "/admin/login"},

		{name: "staff-home", path: "/admin", staff: true},
		{name: "campaigns", path: "/admin/campaigns", staff: true},
		{name: "campaign-form", path: id("/admin/campaigns/%d/edit", s.demo.Campaign.ID), staff: true},
		{name: "campaign-new", path: "/admin/campaigns/new", staff: true},
		{name: "releases", path: "/admin/releases", staff: true},
		{name: "release-editor", path: id("/admin/releases/%d/edit", s.demo.Release.ID), staff: true},
		{name: "release-new", path: "/admin/releases/new", staff: true},
		{name: "release-preview", path: id("/admin/releases/%d/preview", s.demo.Release.ID), staff: true},
		{name: "petitions", path: "/admin/petitions", staff: true},
		{name: "petition-form", path: id("/admin/petitions/%d/edit", s.demo.Petition.ID), staff: true},
		{name: "petition-new", path: "/admin/petitions/new", staff: true},
		{name: "dashboard", path: id("/admin/petitions/%d", s.demo.Petition.ID), staff: true},
		{name: "donations", path: "/admin/donations", staff: true},
		{name: "donation", path: id("/admin/donations/%d", s.donationID), staff: true},
		{name: "unmatched", path: "/admin/stripe-events/unmatched", staff: true},
		{name: "audit", path: "/admin/audit", staff: true},
		{name: "staff-accounts", path: "/admin/staff", staff: true},
		{name: "staff-member", path: id("/admin/staff/%d", s.admin.ID), staff: true},
		{name: "webhooks", path: "/admin/webhooks", staff: true},
		{name: "webhook", path: id("/admin/webhooks/%d", s.webhookID), staff: true},
		{name: "privacy-requests", path: "/admin/privacy", staff: true},
		{name: "trust-rules", path: "/admin/trust", staff: true},
		{name: "trust-review", path: id("/admin/petitions/%d/trust", s.demo.Petition.ID), staff: true},
		{name: "close-petition", path: id("/admin/petitions/%d/close", s.demo.Petition.ID), staff: true},
		{name: "unpublish-release", path: id("/admin/releases/%d/unpublish", s.demo.Release.ID), staff: true},
		{name: "payouts", path: "/admin/payouts", staff: true},
		{name: "giftaid-schedule", path: "/admin/giftaid/schedule", staff: true},
	}
}

// page returns the page of s.pages() named name.
func (s *site) page(t *testing.T, name string) page {
	t.Helper()
	pages := s.pages()
	i := slices.IndexFunc(pages, func(p page) bool { return p.name == name })
	if i < 0 {
		t.Fatalf("no page named %q", name)
	}
	return pages[i]
}

// viewports are the screens every page is opened on.
var viewports = []testbrowser.Viewport{testbrowser.Desktop, testbrowser.Phone}

// tabs are the two tabs the test opens pages in: a supporter's and a
// signed-in admin's.
type tabs struct{ public, staff context.Context }

func (s *site) tabs(t *testing.T) tabs {
	t.Helper()
	b := browser(t)
	tt := tabs{public: tab(t, b), staff: tab(t, b)}
	s.signIn(t, tt.staff, s.admin)
	return tt
}

// open opens p at v in its tab and checks its status.
func (s *site) open(t *testing.T, tt tabs, p page, v testbrowser.Viewport) context.Context {
	t.Helper()
	ctx := tt.public
	if p.staff {
		ctx = tt.staff
	}
	res, err := testbrowser.Open(ctx, v, s.url+p.path)
	if err != nil {
		t.Fatal(err)
	}
	if p.reach != nil {
		if res.Status != http.StatusOK {
			t.Fatalf("%s: status %d before the action", p.path, res.Status)
		}
		if res, err = chromedp.RunResponse(ctx, p.reach); err != nil {
			t.Fatalf("%s: reach the page: %v", p.name, err)
		}
	}
	want := p.status
	if want == 0 {
		want = http.StatusOK
	}
	if int(res.Status) != want {
		t.Fatalf("%s answered %d, want %d", res.URL, res.Status, want)
	}
	return ctx
}

// findings keeps what failed, for the summary at the end.
type findings struct {
	mu    sync.Mutex
	lines []string
}

func (f *findings) add(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, fmt.Sprintf(format, args...))
}

// TestLayout opens every page at 1280 and 390 px. Each check is a subtest
// of its own, named check/page/width, so that a failure names its page and
// screen and one check can be run alone (-run 'TestLayout/axe/release/390').
// The end of the run logs every failure in one list.
func TestLayout(t *testing.T) {
	s := newSite(t)
	tt := s.tabs(t)
	var found findings
	t.Cleanup(func() {
		if len(found.lines) > 0 {
			t.Logf("%d layout failure(s):\n  %s", len(found.lines), strings.Join(found.lines, "\n  "))
		}
	})

	for _, p := range s.pages() {
		for _, v := range viewports {
			t.Run(p.name+"/"+v.Name, func(t *testing.T) {
				ctx := s.open(t, tt, p, v)
				t.Run("overflow", func(t *testing.T) {
					o, err := chromedp.Run(ctx, testbrowser.CheckOverflow())
					if err != nil {
						t.Fatal(err)
					}
					if o.Wide() {
						found.add("%s %s overflow: %s", p.name, v.Name, o)
						t.Errorf("%s at %s: %s", p.path, v, o)
					}
				})
				t.Run("axe", func(t *testing.T) {
					vs, err := chromedp.Run(ctx, testbrowser.Axe())
					if err != nil {
						t.Fatal(err)
					}
					for _, viol := range vs {
						found.add("%s %s axe: %s", p.name, v.Name, viol)
					}
					if len(vs) > 0 {
						t.Errorf("%s at %s breaks %d axe-core rule(s) (WCAG 2.2 AA, axe %s):\n%s",
							p.path, v, len(vs), testbrowser.AxeVersion, testbrowser.FormatViolations(vs))
					}
				})
			})
		}
	}

	// A supporter arriving on a phone sees the count and a way to sign
	// before scrolling: the release's whole point.
	t.Run("release-first-screen/390", func(t *testing.T) {
		ctx := s.open(t, tt, s.page(t, "release"), testbrowser.Phone)
		for _, check := range []struct{ what, selector string }{
			{"the count", ".js-count"},
			{"a way to sign", signSelector},
		} {
			box, err := chromedp.Run(ctx, testbrowser.FirstScreen(check.selector))
			if err != nil {
				t.Fatal(err)
			}
			if !box.OnFirstScreen() {
				found.add("release 390 first screen: %s is not on it: %s", check.what, box)
				t.Errorf("%s is not on the first screen of the release at 390×844: %s", check.what, box)
			}
		}
	})

	// After a failed sign the page opens at the error summary, focused, so
	// a screen reader reads it and the supporter sees it.
	for _, v := range viewports {
		t.Run("failed-sign-focus/"+v.Name, func(t *testing.T) {
			ctx := s.open(t, tt, s.page(t, "failed-sign"), v)
			focused, err := chromedp.Run(ctx, chromedp.Evaluate[bool](summaryFocused))
			if err != nil {
				t.Fatal(err)
			}
			if !focused {
				active, err := chromedp.Run(ctx, testbrowser.ActiveElement())
				if err != nil {
					t.Fatal(err)
				}
				found.add("failed-sign %s focus: %q has the focus, not the error summary", v.Name, active)
				t.Errorf("after a failed sign at %s the focus is on %q, not the error summary", v, active)
			}
		})
	}
}

// signSelector matches a way to sign: the sign form's button, or a link to
// the sign form (a panel near the top, or a bar that stays in view).
const signSelector = `form.sign button[type="submit"], a[href="#petition"], a[href="#sign"], a[href$="#sign-form"]`

// summaryFocused is true when the focused element is, or sits in, the
// error summary (an element whose class names an error summary) and is on
// the screen.
const summaryFocused = `(() => {
  const a = document.activeElement;
  const summary = a && a.closest('[class*="error-summary"]');
  if (!summary) return false;
  const r = summary.getBoundingClientRect();
  return r.height > 0 && r.bottom > 0 && r.top < innerHeight;
})()`

// TestScreenshots writes the README's screenshots when -screenshots names
// a directory (make screenshots); without it the test is skipped.
func TestScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("no -screenshots directory")
	}
	s := newSite(t)
	tt := s.tabs(t)
	shots := []struct {
		file string
		page page
		v    testbrowser.Viewport
	}{
		{"release-phone.png", page{name: "release", path: "/releases/" + demo.ReleaseSlug}, testbrowser.Phone},
		{"thanks-phone.png", page{name: "thanks", path: "/releases/" + demo.ReleaseSlug + "/thanks"}, testbrowser.Phone},
		{"dashboard.png", page{name: "dashboard", path: fmt.Sprintf("/admin/petitions/%d", s.demo.Petition.ID), staff: true}, testbrowser.Desktop},
		{"donations.png", page{name: "donations", path: "/admin/donations", staff: true}, testbrowser.Desktop},
	}
	for _, shot := range shots {
		ctx := s.open(t, tt, shot.page, shot.v)
		if err := testbrowser.Screenshot(ctx, filepath.Join(*screenshots, shot.file)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWithoutJavaScript signs and donates on a phone with JavaScript off:
// both flows are plain forms and must work without it.
func TestWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	ctx := tab(t, browser(t))
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	checkouts := interceptCheckout(t, ctx)
	release := page{name: "release", path: "/releases/" + demo.ReleaseSlug}

	t.Run("sign/390", func(t *testing.T) {
		s.open(t, tabs{public: ctx}, release, testbrowser.Phone)
		err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("full_name"), "Noscript Supporter"),
			chromedp.SendKeys(chromedp.ID("email"), "noscript@example.org"),
		)
		if err != nil {
			t.Fatal(err)
		}
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.sign button[type="submit"]`)))
		if err != nil {
			t.Fatal(err)
		}
		if want := s.url + release.path + "/thanks"; res.Status != http.StatusOK || !strings.HasPrefix(res.URL, want) {
			t.Errorf("after signing: %d at %s, want 200 at %s", res.Status, res.URL, want)
		}
		var n int
		err = s.db.SQL().QueryRowContext(t.Context(), `SELECT count(*) FROM signatures WHERE petition_id = $1 AND full_name = $2`,
			s.demo.Petition.ID, "Noscript Supporter").Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("%d signatures stored (%v), want 1", n, err)
		}
	})

	t.Run("donate/390", func(t *testing.T) {
		s.open(t, tabs{public: ctx}, release, testbrowser.Phone)
		err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`label[for="amount-other"]`)),
			chromedp.SendKeys(chromedp.ID("amount_other"), "7.50"),
		)
		if err != nil {
			t.Fatal(err)
		}
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#donate-form button[type="submit"]`)))
		if err != nil {
			t.Fatal(err)
		}
		var sessionURL string
		select {
		case sessionURL = <-checkouts:
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
		if res.URL != sessionURL {
			t.Errorf("the browser landed on %s, want the Checkout page %s", res.URL, sessionURL)
		}
		var amount int64
		err = s.db.SQL().QueryRowContext(t.Context(), `SELECT amount FROM donations ORDER BY id DESC LIMIT 1`).Scan(&amount)
		if err != nil || amount != 750 {
			t.Errorf("the newest donation is of %d (%v), want 750", amount, err)
		}
	})
}

// interceptCheckout answers the tab's requests to Stripe Checkout with a
// stand-in page (the network here reaches only this machine) and sends
// each one's URL on the channel it returns.
func interceptCheckout(t *testing.T, ctx context.Context) <-chan string {
	t.Helper()
	_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "https://checkout.stripe.com/*"}}})
	if err != nil {
		t.Fatal(err)
	}
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	urls := make(chan string, 4)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			urls <- ev.Request.URL
			_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID: ev.RequestID, ResponseCode: 200,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html; charset=utf-8"}},
				Body:            []byte(`<!doctype html><title>Checkout</title><h1>Stripe Checkout</h1>`),
			})
		}
	}()
	return urls
}
