package donations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// financeBrowser is a headless Chromium signed in as a finance user.
func (a *app) financeBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx, _ := newBrowser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/admin/login"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), a.finance.Email),
		chromedp.SendKeys(chromedp.CSS(`#password`), staffPassword),
	)
	if err != nil {
		t.Fatalf("fill in the login form: %v", err)
	}
	if res, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS(`#password`))); err != nil || res.Status != 200 {
		t.Fatalf("log in: %v", err)
	}
	return ctx
}

// listLayout is what the list looks like in the browser.
type listLayout struct {
	PageWidth     float64 `json:"pageWidth"`     // the right edge of what main holds, scrolled boxes aside
	ViewWidth     float64 `json:"viewWidth"`     // the window's
	Rows          int     `json:"rows"`          // donation rows
	TallestRow    float64 `json:"tallestRow"`    // px
	LineHeight    float64 `json:"lineHeight"`    // of a row's text, px
	FirstRowTop   float64 `json:"firstRowTop"`   // px from the top of the page
	ViewHeight    float64 `json:"viewHeight"`    // the window's
	FiltersOpen   bool    `json:"filtersOpen"`   // the filter form is unfolded
	TableScrolls  bool    `json:"tableScrolls"`  // the table is wider than its container, which scrolls
	OverflowingID string  `json:"overflowingId"` // an element of main reaching past the window, outside a scroll container
}

const measureList = `(() => {
	const rows = [...document.querySelectorAll("table.donations tbody tr")];
	const scroll = document.querySelector("table.donations").closest(".scroll");
	let overflowing = "";
	// The staff header above main is the staff desk's, measured there.
	for (const el of document.querySelectorAll("main *")) {
		if (el.closest(".scroll")) continue;
		const r = el.getBoundingClientRect();
		if (r.right > window.innerWidth + 0.5) { overflowing = el.tagName + "." + el.className; break; }
	}
	return {
		pageWidth: document.querySelector("main").scrollWidth, viewWidth: window.innerWidth,
		rows: rows.length, tallestRow: Math.max(...rows.map(r => r.getBoundingClientRect().height)),
		lineHeight: parseFloat(getComputedStyle(rows[0].querySelector("td.donor")).lineHeight),
		firstRowTop: rows[0].getBoundingClientRect().top + window.scrollY, viewHeight: window.innerHeight,
		filtersOpen: document.querySelector("details.filters").open,
		tableScrolls: scroll.scrollWidth > scroll.clientWidth && getComputedStyle(scroll).overflowX === "auto",
		overflowingId: overflowing,
	};
})()`

// At 1280 px and at 390 px, the list shows one line a donation, the first
// of them within the first screen on a desktop, and nothing in it wider
// than the window: the table scrolls inside its own box. (The staff header
// above the list is the desk's, and its own test's.)
func TestBrowserFinanceListFitsTheScreen(t *testing.T) {
	a := newApp(t, appOptions{})
	paidOn := time.Date(2026, 10, 10, 12, 0, 0, 0, time.UTC)
	long := a.giveDeclared(t, "1234.56", "Bartholomew-Maximilian Fitzwilliam-Featherstonehaugh", "The Old Rectory, Long Lane, Leeds")
	a.pay(t, long, "pi_browser_long", paidOn)
	refunded := a.giveWithGiftAid(t, "40", "Rob Refund")
	a.pay(t, refunded, "pi_browser_refunded", paidOn)
	a.refund(t, refunded, "pi_browser_refunded", 1500)
	for i := range 3 {
		a.give(t, fmt.Sprint(5+i))
	}
	ctx := a.financeBrowser(t)

	for _, size := range []struct {
		name          string
		width, height int64
		firstScreen   bool // the first donation must show without scrolling
	}{
		{"desktop", 1280, 1000, true},
		{"phone", 390, 844, false},
	} {
		t.Run(size.name, func(t *testing.T) {
			err := chromedp.Do(ctx, chromedp.EmulateViewport(size.width, size.height),
				chromedp.Navigate(a.URL+"/admin/donations"), chromedp.WaitVisible(chromedp.CSS(`table.donations`)))
			if err != nil {
				t.Fatal(err)
			}
			m, err := chromedp.Run(ctx, chromedp.Evaluate[listLayout](measureList))
			if err != nil {
				t.Fatal(err)
			}
			if m.Rows != 5 {
				t.Errorf("%d rows, want 5", m.Rows)
			}
			if m.PageWidth > m.ViewWidth || m.OverflowingID != "" {
				t.Errorf("the page is %v px wide in a %v px window (%s sticks out)", m.PageWidth, m.ViewWidth, m.OverflowingID)
			}
			if m.TallestRow > 2*m.LineHeight {
				t.Errorf("the tallest row is %v px, more than one line of %v px", m.TallestRow, m.LineHeight)
			}
			if m.FiltersOpen {
				t.Error("the filters start unfolded")
			}
			if size.firstScreen && m.FirstRowTop+m.TallestRow > m.ViewHeight {
				t.Errorf("the first donation ends at %v px, below the first screen of %v px", m.FirstRowTop+m.TallestRow, m.ViewHeight)
			}
			if size.width < 500 && !m.TableScrolls {
				t.Error("on a phone the table should scroll inside its box")
			}
			status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(fmt.Sprintf(`#donation-%d .badge`, refunded.ID))))
			if err != nil || strings.TrimSpace(status) != "Partially refunded" {
				t.Errorf("the refunded donation's status reads %q (%v)", status, err)
			}
		})
	}

	t.Run("filters fold open, and a preset applies", func(t *testing.T) {
		err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 1000),
			chromedp.Navigate(a.URL+"/admin/donations"),
			chromedp.Click(chromedp.CSS(`details.filters > summary`)),
			chromedp.WaitVisible(chromedp.ID(`reviewed`)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`nav.presets a[href*="reviewed=no"]`))); err != nil {
			t.Fatal(err)
		}
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.donations tbody tr").length`))
		if err != nil || rows != 5 {
			t.Errorf("not reviewed: %d rows (%v), want 5", rows, err)
		}
	})

	t.Run("mark reviewed from the list", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Navigate(a.URL+"/admin/donations?reviewed=no"),
			chromedp.Click(chromedp.ID(fmt.Sprintf("pick-%d", long.ID))),
			chromedp.Click(chromedp.ID(fmt.Sprintf("pick-%d", refunded.ID))),
			chromedp.SendKeys(chromedp.ID("bulk-note"), "Matched to payout of 12 October."),
		)
		if err != nil {
			t.Fatal(err)
		}
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#bulk-review button[type=submit]`)))
		if err != nil || res.Status != 200 {
			t.Fatalf("submit: %v", err)
		}
		left, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.donations tbody tr").length`))
		if err != nil || left != 3 {
			t.Errorf("%d donations left to review (%v), want 3", left, err)
		}
		for _, g := range []given{long, refunded} {
			if e, _, err := a.store.Get(t.Context(), g.ID); err != nil || e.ReviewedAt == nil || e.ReviewNote != "Matched to payout of 12 October." {
				t.Errorf("donation %d not reviewed: %v", g.ID, err)
			}
		}
	})
}
