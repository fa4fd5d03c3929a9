package testbrowser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Viewport is a screen a page is opened on.
type Viewport struct {
	Name          string // for test names: "1280" or "390"
	Width, Height int64  // in CSS pixels
	// Mobile emulates a phone: a mobile layout viewport that honours the
	// viewport meta tag, touch input, portrait, and a denser screen.
	Mobile bool
}

// The two screens every page is checked on.
var (
	// Desktop is a laptop's browser window.
	Desktop = Viewport{Name: "1280", Width: 1280, Height: 1000}
	// Phone is a common phone held upright (an iPhone 12 to 15's 390×844).
	Phone = Viewport{Name: "390", Width: 390, Height: 844, Mobile: true}
)

// String is the viewport's size, e.g. 390×844 (mobile).
func (v Viewport) String() string {
	s := fmt.Sprintf("%d×%d", v.Width, v.Height)
	if v.Mobile {
		s += " (mobile)"
	}
	return s
}

// Emulate sets the tab's screen to v, for the pages opened after it: the
// window and the screen (window.screen) alike.
func (v Viewport) Emulate() chromedp.Action[chromedp.Void] {
	screen := func(p *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
		p.ScreenWidth, p.ScreenHeight = v.Width, v.Height
	}
	if !v.Mobile {
		return chromedp.EmulateViewport(v.Width, v.Height, screen)
	}
	return chromedp.EmulateViewport(v.Width, v.Height, screen, chromedp.EmulateMobile, chromedp.EmulateTouch,
		chromedp.EmulatePortrait, chromedp.EmulateScale(2))
}

// Open sets the tab's screen to v, opens url in it and waits for the page
// to load. It returns the response of the page's document (its status is
// the caller's to check).
func Open(ctx context.Context, v Viewport, url string) (*network.Response, error) {
	if err := chromedp.Do(ctx, v.Emulate()); err != nil {
		return nil, fmt.Errorf("emulate %s: %w", v, err)
	}
	res, err := chromedp.RunResponse(ctx, chromedp.Navigate(url))
	if err != nil {
		return nil, fmt.Errorf("open %s at %s: %w", url, v, err)
	}
	return res, nil
}

// describeJS defines describe(el): a short CSS-like path to an element for
// a test's message, up to four steps below body or up to the nearest
// ancestor with an id, e.g. "main#main > div.wrap > table.donations".
const describeJS = `const describe = el => {
  const one = e => {
    let s = e.localName;
    if (e.id) return s + "#" + e.id;
    const cls = [...e.classList].slice(0, 2);
    if (cls.length) s += "." + cls.join(".");
    return s;
  };
  if (el === document.body || el === document.documentElement) return el.localName;
  const parts = [];
  for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
    parts.unshift(one(e));
    if (e.id && e !== el) break;
  }
  return parts.join(" > ");
};`

// Overflow is what is wider than the screen.
type Overflow struct {
	// ScrollWidth is the document's width; ClientWidth the width of the
	// layout viewport (the screen less any scrollbar); InnerWidth the
	// window's; ScreenWidth the screen's. A phone zooms out to show a page
	// wider than its screen, so InnerWidth can grow with the overflow while
	// ClientWidth does not; and a page without a viewport meta tag is laid
	// out on a phone 980 px wide, wider than ScreenWidth.
	ScrollWidth int `json:"scrollWidth"`
	ClientWidth int `json:"clientWidth"`
	InnerWidth  int `json:"innerWidth"`
	ScreenWidth int `json:"screenWidth"`
	// Offenders are the elements that reach past the screen's right edge
	// while their parent does not (where the overflow starts), each with
	// its right edge in CSS pixels, and not clipped by a scrolling box.
	Offenders []string `json:"offenders"`
}

// Wide reports whether the page is wider than the screen: it scrolls
// sideways, or a phone must zoom out to show it whole.
func (o Overflow) Wide() bool {
	return o.ScrollWidth > min(o.ClientWidth, o.InnerWidth, o.ScreenWidth)
}

// String explains the overflow for a test's message.
func (o Overflow) String() string {
	s := fmt.Sprintf("the page is %d px wide on a %d px screen (layout viewport %d, innerWidth %d)",
		o.ScrollWidth, o.ScreenWidth, o.ClientWidth, o.InnerWidth)
	if o.ClientWidth > o.ScreenWidth {
		s += "; the layout viewport is wider than the screen: is the viewport meta tag missing?"
	}
	if len(o.Offenders) > 0 {
		s += "; too wide: " + strings.Join(o.Offenders, ", ")
	}
	return s
}

// overflowJS measures the page as it is laid out, scrolled to the top left.
const overflowJS = `(() => {
  ` + describeJS + `
  const doc = document.documentElement;
  const edge = Math.min(doc.clientWidth, screen.width);
  const clipped = el => {
    for (let p = el.parentElement; p && p !== document.body && p !== doc; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x !== "visible") return true;
    }
    return false;
  };
  const right = el => el.getBoundingClientRect().right + scrollX;
  const offenders = [];
  if (doc.scrollWidth > Math.min(edge, innerWidth)) {
    for (const el of document.body.querySelectorAll("*")) {
      const r = right(el);
      if (r <= edge + 0.5 || el.getClientRects().length === 0) continue;
      const p = el.parentElement;
      if (p && p !== document.body && right(p) > edge + 0.5) continue;
      if (clipped(el)) continue;
      offenders.push(describe(el) + " (to " + Math.round(r) + " px)");
      if (offenders.length >= 8) break;
    }
  }
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, innerWidth: innerWidth, screenWidth: screen.width, offenders};
})()`

// CheckOverflow measures whether anything on the page is wider than the
// screen, and what.
func CheckOverflow() chromedp.Action[Overflow] {
	return chromedp.Evaluate[Overflow](overflowJS)
}

// Box is where an element sits on the first screen of a page: the part of
// it seen before any scrolling.
type Box struct {
	Selector string  `json:"selector"`
	Found    bool    `json:"found"`   // an element matches the selector
	Visible  bool    `json:"visible"` // it takes up room and is not hidden
	Top      float64 `json:"top"`     // its edges, in CSS pixels from the top of the page
	Bottom   float64 `json:"bottom"`
	Screen   float64 `json:"screen"` // the height of the screen
	Sticky   bool    `json:"sticky"` // it, or a box it sits in, stays in view (fixed or sticky)
}

// OnFirstScreen reports whether the element is seen whole on the first
// screen, without scrolling.
func (b Box) OnFirstScreen() bool {
	return b.Found && b.Visible && b.Top >= 0 && b.Bottom <= b.Screen
}

// String says where the element is, for a test's message.
func (b Box) String() string {
	switch {
	case !b.Found:
		return fmt.Sprintf("nothing matches %s", b.Selector)
	case !b.Visible:
		return fmt.Sprintf("%s is hidden", b.Selector)
	}
	return fmt.Sprintf("%s spans %.0f–%.0f px on a %.0f px screen (sticky: %t)", b.Selector, b.Top, b.Bottom, b.Screen, b.Sticky)
}

// FirstScreen scrolls the page to its top and finds where the first
// visible element matching the CSS selector sits.
func FirstScreen(selector string) chromedp.Action[Box] {
	return chromedp.Evaluate[Box](fmt.Sprintf(`(() => {
  scrollTo(0, 0);
  const sel = %q;
  const box = {selector: sel, found: false, visible: false, top: 0, bottom: 0, screen: innerHeight, sticky: false};
  const all = [...document.querySelectorAll(sel)];
  box.found = all.length > 0;
  const el = all.find(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden");
  if (!el) return box;
  const r = el.getBoundingClientRect();
  box.visible = r.width > 0 && r.height > 0;
  box.top = r.top; box.bottom = r.bottom;
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    const p = getComputedStyle(e).position;
    if (p === "fixed" || p === "sticky") { box.sticky = true; break; }
  }
  return box;
})()`, selector))
}

// ActiveElement describes the element that has the keyboard focus, e.g.
// "div.error-summary", or "body" when none has.
func ActiveElement() chromedp.Action[string] {
	return chromedp.Evaluate[string](`(() => { ` + describeJS + ` return document.activeElement ? describe(document.activeElement) : ""; })()`)
}

// Screenshot saves what the screen shows now as a PNG file at path,
// making its directory.
func Screenshot(ctx context.Context, path string) error {
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return nil
}
