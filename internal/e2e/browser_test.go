package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/testbrowser"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

// The tests share one headless Chromium, started before they run; each test
// gets a tab in a browser context of its own (no shared cookies or storage).
var (
	sharedBrowser context.Context
	browserErr    error // why there is no browser
)

func TestMain(m *testing.M) {
	p, err := testdb.Setup("e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser tests need PostgreSQL:", err)
		os.Exit(1)
	}
	pkgDB = p
	code := runWithBrowser(m)
	p.Close()
	os.Exit(code)
}

func runWithBrowser(m *testing.M) int {
	path, err := testbrowser.Path()
	if err != nil {
		browserErr = err
		return m.Run()
	}
	// chromedp gives the browser a fresh temporary user-data-dir and removes
	// it when the browser ends.
	opts := append(testbrowser.Options(path, ""), chromedp.WindowSize(1280, 900))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browserCtx); err != nil { // starts it
		browserErr = fmt.Errorf("start %s: %w", path, err)
		return m.Run()
	}
	sharedBrowser = browserCtx
	return m.Run()
}

// app is the real server over its own database, with the demo loaded.
type app struct {
	url    string
	db     *postgres.DB
	demo   postgres.SeedSet
	server *apptest.Server
}

func startApp(t *testing.T) *app {
	t.Helper()
	_, db := pkgDB.Fresh(t)
	set, err := db.Seed(context.Background(), postgres.SeedSet{
		Campaign: demo.Campaign(), Petition: demo.Petition(), Release: demo.Release()})
	if err != nil {
		t.Fatal(err)
	}
	srv := apptest.Start(t, db, apptest.Options{Config: func(c *config.Config) { c.LogLevel = slog.LevelWarn }})
	return &app{url: srv.URL, db: db, demo: set, server: srv}
}

// signViaAPI signs the demo petition as another supporter would, from
// outside the browser.
func (a *app) signViaAPI(t *testing.T, email string) {
	t.Helper()
	body := fmt.Sprintf(`{"full_name":"Background Signer","email":%q,"country":"GB","consent_updates":false}`, email)
	res := a.server.Client(t).PostJSON(apptest.SignaturesPath(a.demo.Petition.ID), body)
	if res.Status != http.StatusCreated {
		t.Fatalf("sign via the API: %d %s", res.Status, res.Body)
	}
}

// browser returns a new tab, in a browser context of its own, of the shared
// browser. Without Chromium the test is skipped on a developer's machine but
// fails in CI. The tab's context ends shortly before the test binary's own
// deadline, so a wait that never ends fails with a message, not a panic.
func browser(t *testing.T) context.Context {
	t.Helper()
	if sharedBrowser == nil {
		if errors.Is(browserErr, testbrowser.ErrNoChromium) && os.Getenv("CI") == "" {
			t.Skip(browserErr)
		}
		t.Fatal(browserErr)
	}
	tab, cancelTab := chromedp.NewContext(sharedBrowser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancelTab)
	if deadline, ok := t.Deadline(); ok {
		// Leave a tenth of what remains for the failure to be reported.
		var cancel context.CancelFunc
		tab, cancel = context.WithDeadline(tab, deadline.Add(-time.Until(deadline)/10))
		t.Cleanup(cancel)
	}
	return tab
}

// console collects what the page writes to its console and browser log.
type console struct {
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
	seen     map[string]chan struct{}
}

const consoleMarker = "e2e-console-marker:"

// watchConsole starts reading the tab's console. Call it before the first
// navigation so nothing is missed.
func watchConsole(ctx context.Context) *console {
	c := &console{seen: map[string]chan struct{}{}}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			c.mu.Lock()
			if marker, ok := strings.CutPrefix(m.Text, consoleMarker); ok {
				if ch, ok := c.seen[marker]; ok {
					close(ch)
					delete(c.seen, marker)
				}
			} else {
				c.messages = append(c.messages, m)
			}
			c.mu.Unlock()
		}
	}()
	return c
}

// problems returns the errors, exceptions and security messages the page has
// written so far. It first writes a marker and waits for it to come back, so
// every earlier message has been read (the console keeps their order).
func (c *console) problems(t *testing.T, ctx context.Context, name string) []string {
	t.Helper()
	ch := make(chan struct{})
	c.mu.Lock()
	c.seen[name] = ch
	c.mu.Unlock()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("console.log(%q)", consoleMarker+name))); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-ctx.Done():
		t.Fatalf("the console marker %q never came back: %v", name, ctx.Err())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.messages {
		if m.Type == chromedp.ConsoleError || m.IsException() || m.Source == "security" ||
			strings.Contains(m.Text, "Content Security Policy") {
			out = append(out, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
		}
	}
	return out
}

func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// countOn reads the petition's count as the page shows it ("1,234" → 1234).
func countOn(t *testing.T, ctx context.Context, selector string) int64 {
	t.Helper()
	text := run(t, ctx, "read the count", chromedp.Text(chromedp.CSS(selector)))
	n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(text), ",", ""), 10, 64)
	if err != nil {
		t.Fatalf("the count %q is not a number", text)
	}
	return n
}

// TestSupporterSignsInTheBrowser follows a supporter from the newsroom to the
// release, through the sign form, to the thanks page, and checks the count
// shown took their signature.
func TestSupporterSignsInTheBrowser(t *testing.T) {
	ctx := browser(t)
	a := startApp(t)
	for i := range 2 { // the demo is not the first to be signed
		a.signViaAPI(t, fmt.Sprintf("earlier-%d@example.org", i))
	}
	log := watchConsole(ctx)

	do(t, ctx, "open the newsroom", chromedp.Navigate(a.url+"/"))
	link := chromedp.CSS(`a[href="/releases/` + demo.ReleaseSlug + `"]`)
	if got := run(t, ctx, "read the newsroom", chromedp.Text(link)); got != demo.Release().Title {
		t.Errorf("the newsroom links %q, want the demo release %q", got, demo.Release().Title)
	}
	res, err := chromedp.RunResponse(ctx, chromedp.Click(link))
	if err != nil {
		t.Fatalf("click through to the release: %v", err)
	}
	if res.Status != http.StatusOK {
		t.Fatalf("the release page answered %d", res.Status)
	}

	if got := run(t, ctx, "read the title", chromedp.Text(chromedp.CSS("article.release h1"))); got != demo.Release().Title {
		t.Errorf("release title %q, want %q", got, demo.Release().Title)
	}
	body := run(t, ctx, "read the release", chromedp.Text(chromedp.CSS("article.release .body")))
	for _, words := range []string{"Today the UK launched Operation Pentameter 2", "What is missing",
		"Signing is a promise; ratifying is keeping it."} {
		if !strings.Contains(body, words) {
			t.Errorf("the release body lacks %q:\n%s", words, body)
		}
	}
	before := countOn(t, ctx, "#petition .js-count")
	if before != 2 {
		t.Errorf("the release page shows %d signatures, want 2", before)
	}

	do(t, ctx, "fill the sign form",
		chromedp.SendKeys(chromedp.ID("full_name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("email"), "ada.lovelace@example.org"),
		chromedp.SendKeys(chromedp.ID("postcode"), "N1 9GU"),
		chromedp.SetValue(chromedp.ID("country"), "GB"),
		chromedp.Click(chromedp.ID("consent_updates")),
	)
	res, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.sign button[type="submit"]`)))
	if err != nil {
		t.Fatalf("submit the sign form: %v", err)
	}
	if res.Status != http.StatusOK {
		t.Fatalf("after signing the browser shows a %d page", res.Status)
	}
	location := run(t, ctx, "read the address", chromedp.Location())
	if want := a.url + "/releases/" + demo.ReleaseSlug + "/thanks"; location != want {
		t.Errorf("after signing the browser is at %s, want %s", location, want)
	}
	if got := run(t, ctx, "read the thanks", chromedp.Text(chromedp.CSS(".thanks h1"))); got != "Thank you for signing" {
		t.Errorf("thanks heading %q", got)
	}
	if after := countOn(t, ctx, ".thanks .js-count"); after != before+1 {
		t.Errorf("the thanks page shows %d signatures, want %d", after, before+1)
	}
	var consent bool
	err = a.db.SQL().QueryRowContext(ctx, `SELECT consent_updates FROM signatures WHERE petition_id = $1 AND email = $2`,
		a.demo.Petition.ID, "ada.lovelace@example.org").Scan(&consent)
	if err != nil || !consent {
		t.Errorf("the signature is not stored with consent: %v", err)
	}

	for _, p := range log.problems(t, ctx, "signed") {
		t.Errorf("browser console: %s", p)
	}
}

// TestCountUpdatesWithoutReload checks that app.js keeps the count on the
// release page live: a signature made elsewhere shows up without a reload.
func TestCountUpdatesWithoutReload(t *testing.T) {
	ctx := browser(t)
	a := startApp(t)
	log := watchConsole(ctx)

	do(t, ctx, "open the release", chromedp.Navigate(a.url+"/releases/"+demo.ReleaseSlug))
	before := countOn(t, ctx, "#petition .js-count")
	// Mark the document: a reload would lose the mark.
	do(t, ctx, "mark the page", chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))

	a.signViaAPI(t, "elsewhere@example.org")
	want := strconv.FormatInt(before+1, 10)
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		fmt.Sprintf(`document.querySelector("#petition .js-count").textContent === %q`, want),
		chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(0)))
	if err != nil {
		t.Fatalf("waiting for the count to become %s: %v", want, err)
	}
	if ok := run(t, ctx, "check the page was not reloaded", chromedp.Evaluate[bool](`window.notReloaded === true`)); !ok {
		t.Error("the page reloaded to show the new count")
	}
	progress := run(t, ctx, "read the progress bar", chromedp.Evaluate[float64](`document.querySelector("#petition .js-progress").value`))
	if int64(progress) != before+1 {
		t.Errorf("the progress bar is at %v, want %d", progress, before+1)
	}

	for _, p := range log.problems(t, ctx, "live") {
		t.Errorf("browser console: %s", p)
	}
}

// TestReleaseOnAPhone checks the release page fits a phone's screen: nothing
// wider than the viewport, the form's controls within it. Set
// ADVOCACY_SCREENSHOT_DIR to keep a screenshot for a look.
func TestReleaseOnAPhone(t *testing.T) {
	ctx := browser(t)
	a := startApp(t)
	log := watchConsole(ctx)

	do(t, ctx, "open the release on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(a.url+"/releases/"+demo.ReleaseSlug),
		chromedp.WaitVisible(chromedp.CSS(`form.sign button[type="submit"]`)),
	)
	raw := run(t, ctx, "measure the layout", chromedp.Evaluate[[]byte](`(() => {
		const vw = document.documentElement.clientWidth;
		const wide = [...document.querySelectorAll("body *")]
			.filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.right > vw + 1 || r.left < -1) && !el.closest(".hp, .skip"); })
			.map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : "") + " " + Math.round(el.getBoundingClientRect().right));
		return { viewport: vw, scrollWidth: document.documentElement.scrollWidth, wide: wide };
	})()`))
	var layout struct {
		Viewport    int      `json:"viewport"`
		ScrollWidth int      `json:"scrollWidth"`
		Wide        []string `json:"wide"`
	}
	if err := json.Unmarshal(raw, &layout); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	if layout.ScrollWidth > layout.Viewport || len(layout.Wide) > 0 {
		t.Errorf("the page is wider than the %dpx screen (scroll width %d); too wide: %v",
			layout.Viewport, layout.ScrollWidth, layout.Wide)
	}

	if dir := os.Getenv("ADVOCACY_SCREENSHOT_DIR"); dir != "" {
		png := run(t, ctx, "take a screenshot", chromedp.FullScreenshot(100))
		name := filepath.Join(dir, "release-phone.png")
		if err := os.WriteFile(name, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", name)
	}
	for _, p := range log.problems(t, ctx, "phone") {
		t.Errorf("browser console: %s", p)
	}
}
