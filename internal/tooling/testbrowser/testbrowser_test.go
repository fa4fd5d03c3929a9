package testbrowser_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/advocacy/advocacy/internal/tooling/testbrowser"
)

// A page that keeps the rules: a language, a title, a landmark, big enough
// targets, readable text and no wider than a phone.
const goodPage = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Good</title></head>
<body><main><h1>Good</h1><p>Plain text.</p>
<p><a href="/bad" style="display:inline-block;padding:12px">A link</a></p>
<div id="ask" style="height:40px">Sign here</div>
<div style="height:3000px"></div><p id="late">Far below</p></main></body></html>`

// A page that breaks them: an image without a text alternative, grey on
// white, two tiny links side by side, and a box wider than a phone.
const badPage = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Bad</title></head>
<body><main><h1>Bad</h1><img src="/x.png">
<p style="color:#bbb;background:#fff">Faint text</p>
<p><a href="/a" style="display:inline-block;width:10px;height:10px;font-size:6px">a</a><a href="/b" style="display:inline-block;width:10px;height:10px;font-size:6px">b</a></p>
<section class="outer"><div id="wide" style="width:600px">Too wide</div></section>
</main></body></html>`

func serve(t *testing.T) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/good":
			_, _ = w.Write([]byte(goodPage))
		case "/bad":
			_, _ = w.Write([]byte(badPage))
		case "/no-viewport":
			_, _ = w.Write([]byte(strings.Replace(goodPage, `<meta name="viewport" content="width=device-width, initial-scale=1">`, "", 1)))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func tab(t *testing.T) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), testbrowser.Options(testbrowser.Require(t), t.TempDir())...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	return ctx
}

func open(t *testing.T, ctx context.Context, v testbrowser.Viewport, url string) {
	t.Helper()
	res, err := testbrowser.Open(ctx, v, url)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusOK {
		t.Fatalf("%s: status %d", url, res.Status)
	}
}

func rules(vs []testbrowser.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Rule)
	}
	return out
}

// The helpers tell a page that keeps the rules from one that breaks them,
// and name what breaks them.
func TestHelpersTellGoodFromBad(t *testing.T) {
	base := serve(t)
	ctx := tab(t)
	for _, v := range []testbrowser.Viewport{testbrowser.Desktop, testbrowser.Phone} {
		t.Run(v.Name, func(t *testing.T) {
			open(t, ctx, v, base+"/good")
			if vs, err := chromedp.Run(ctx, testbrowser.Axe()); err != nil || len(vs) != 0 {
				t.Errorf("good page: axe says %v\n%s", err, testbrowser.FormatViolations(vs))
			}
			if o, err := chromedp.Run(ctx, testbrowser.CheckOverflow()); err != nil || o.Wide() {
				t.Errorf("good page: %v, %v", o, err)
			}
			ask, err := chromedp.Run(ctx, testbrowser.FirstScreen("#ask"))
			if err != nil || !ask.OnFirstScreen() {
				t.Errorf("#ask: %v, %v", ask, err)
			}
			late, err := chromedp.Run(ctx, testbrowser.FirstScreen("#late"))
			if err != nil || late.OnFirstScreen() || !late.Found || !late.Visible {
				t.Errorf("#late should be found below the first screen: %v, %v", late, err)
			}
			if missing, err := chromedp.Run(ctx, testbrowser.FirstScreen("#nothing")); err != nil || missing.Found {
				t.Errorf("#nothing: %v, %v", missing, err)
			}

			open(t, ctx, v, base+"/bad")
			vs, err := chromedp.Run(ctx, testbrowser.Axe())
			if err != nil {
				t.Fatal(err)
			}
			got := rules(vs)
			for _, want := range []string{"image-alt", "color-contrast", "target-size"} {
				if !slices.Contains(got, want) {
					t.Errorf("bad page: axe found %v, want %s among them\n%s", got, want, testbrowser.FormatViolations(vs))
				}
			}
			for _, v := range vs {
				if v.Rule == "image-alt" && (v.Nodes != 1 || len(v.Targets) != 1 || v.Targets[0] != "img") {
					t.Errorf("image-alt names %d nodes at %v, want the one img", v.Nodes, v.Targets)
				}
			}
			o, err := chromedp.Run(ctx, testbrowser.CheckOverflow())
			if err != nil {
				t.Fatal(err)
			}
			if wide := v.Width < 600; o.Wide() != wide {
				t.Errorf("bad page at %s: wide %t, want %t: %v", v, o.Wide(), wide, o)
			} else if wide && (len(o.Offenders) != 1 || !strings.HasPrefix(o.Offenders[0], "main > section.outer > div#wide (to ")) {
				t.Errorf("offenders %q, want only div#wide", o.Offenders)
			}
		})
	}
}

// The focus helper names the focused element.
func TestActiveElement(t *testing.T) {
	base := serve(t)
	ctx := tab(t)
	open(t, ctx, testbrowser.Desktop, base+"/good")
	if got, err := chromedp.Run(ctx, testbrowser.ActiveElement()); err != nil || got != "body" {
		t.Errorf("before focusing: %q, %v", got, err)
	}
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("a"))); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(ctx, testbrowser.ActiveElement()); err != nil || got != "main > p > a" {
		t.Errorf("after focusing the link: %q, %v", got, err)
	}
}

// A screenshot is a PNG of the screen's size (twice, on a phone's denser
// screen).
func TestScreenshot(t *testing.T) {
	base := serve(t)
	ctx := tab(t)
	open(t, ctx, testbrowser.Phone, base+"/good")
	path := filepath.Join(t.TempDir(), "shots", "good.png")
	if err := testbrowser.Screenshot(ctx, path); err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 24 {
		t.Fatalf("not a PNG: % x", png[:min(len(png), 8)])
	}
	w, h := be32(png[16:20]), be32(png[20:24])
	if w != 780 || h != 1688 {
		t.Errorf("the screenshot is %d×%d, want 780×1688", w, h)
	}
}

func be32(b []byte) int { return int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3]) }

// Without a viewport meta tag a phone lays the page out 980 px wide and
// shows it zoomed out: wider than the screen, though nothing overflows.
func TestNoViewportMetaIsTooWideOnAPhone(t *testing.T) {
	base := serve(t)
	ctx := tab(t)
	for _, c := range []struct {
		v    testbrowser.Viewport
		wide bool
	}{{testbrowser.Desktop, false}, {testbrowser.Phone, true}} {
		open(t, ctx, c.v, base+"/no-viewport")
		o, err := chromedp.Run(ctx, testbrowser.CheckOverflow())
		if err != nil {
			t.Fatal(err)
		}
		if o.Wide() != c.wide {
			t.Errorf("at %s: wide %t, want %t: %v", c.v, o.Wide(), c.wide, o)
		}
		if c.wide && !strings.Contains(o.String(), "viewport meta tag") {
			t.Errorf("the message does not name the viewport meta tag: %s", o)
		}
	}
}
