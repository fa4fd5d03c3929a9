package e2eembed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/testbrowser"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "e2e_embed", &pkgDB) }

// initialHeight is the height embed.js gives the frame before the form
// says how tall it is (36rem at 16px).
const initialHeight = 576

// site is the app, serving the embeddable form, and the partner pages that
// embed it, each on its own site: the app on localhost, partners on
// 127.0.0.1, so the frame is a third party to every partner page.
type site struct {
	db      *postgres.DB
	base    string // the app's BASE_URL
	slug    string // the petition the partner pages embed
	id      int64
	listed  string // a partner's page, its origin in EMBED_ORIGINS
	foreign string // another site's page, its origin not listed
}

func start(t *testing.T) *site {
	t.Helper()
	_, db := pkgDB.Fresh(t)
	s := &site{db: db}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner</title></head>
<body><h1>A partner's campaign page</h1><p id="before">Our friends ask you to sign:</p>
<script src="%s/embed.js" data-petition="%s"></script>
<p id="after">Thank you from the partner.</p></body></html>`, s.base, s.slug)
	})
	listed, foreign := httptest.NewServer(page), httptest.NewServer(page)
	t.Cleanup(listed.Close)
	t.Cleanup(foreign.Close)
	s.listed, s.foreign = listed.URL, foreign.URL
	srv := apptest.Start(t, db, apptest.Options{Config: func(c *config.Config) {
		// The same server, by a name that makes it another site than 127.0.0.1.
		c.BaseURL = strings.Replace(c.BaseURL, "://127.0.0.1:", "://localhost:", 1)
		c.EmbedOrigins = []string{listed.URL}
	}})
	s.base = srv.Config.BaseURL
	f := apptest.Seed(t, db, nil)
	s.slug, s.id = f.Petition.Slug, f.Petition.ID
	return s
}

// logs collects what the pages log (Content-Security-Policy refusals show
// there) and lets a test wait for a line.
type logs struct {
	mu      sync.Mutex
	entries []string
	changed chan struct{}
}

func (l *logs) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, s)
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.entries, "\n")
}

// waitFor waits until a line holds text, or ctx ends.
func (l *logs) waitFor(t *testing.T, ctx context.Context, text string) string {
	t.Helper()
	for {
		l.mu.Lock()
		for _, e := range l.entries {
			if strings.Contains(e, text) {
				l.mu.Unlock()
				return e
			}
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("no log line with %q: %v; the log:\n%s", text, ctx.Err(), l)
		}
	}
}

// browser starts a headless Chromium whose profile blocks third-party
// cookies (the setting people choose under "Third-party cookies"), and
// collects what its pages log.
func browser(t *testing.T) (context.Context, *logs) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o700); err != nil {
		t.Fatal(err)
	}
	// cookie_controls_mode 1 is "block third-party cookies".
	prefs := `{"profile":{"cookie_controls_mode":1,"block_third_party_cookies":true}}`
	if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), []byte(prefs), 0o600); err != nil {
		t.Fatal(err)
	}
	l := &logs{changed: make(chan struct{})}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), testbrowser.Options(testbrowser.Require(t), dir)...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(func(ev any) {
		switch ev := ev.(type) {
		case *cdplog.EventEntryAdded:
			l.add(ev.Entry.Text)
		case *runtime.EventExceptionThrown:
			l.add(ev.ExceptionDetails.Text)
		}
	}))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if deadline, ok := t.Deadline(); ok {
		var cancelDeadline context.CancelFunc
		ctx, cancelDeadline = context.WithDeadline(ctx, deadline.Add(-30*time.Second))
		t.Cleanup(cancelDeadline)
	}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx, l
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

// frameOf attaches to the cross-site iframe showing a page whose address
// starts with prefix. Chrome runs it in a process of its own, as a target
// apart from the page.
func frameOf(t *testing.T, ctx context.Context, prefix string) context.Context {
	t.Helper()
	infos, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found []*target.Info
	for _, info := range infos {
		if info.Type == "iframe" && strings.HasPrefix(info.URL, prefix) {
			found = append(found, info)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d iframes show %s, want 1", len(found), prefix)
	}
	frame, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(found[0].TargetID))
	t.Cleanup(cancel)
	return frame
}

// frameHeight is the embed's iframe's height on the partner's page.
const frameHeight = `document.querySelector("iframe").getBoundingClientRect().height`

func TestPartnerPageSignsWithThirdPartyCookiesBlocked(t *testing.T) {
	s := start(t)
	ctx, console := browser(t)

	do(t, ctx, "open the partner's page", chromedp.Navigate(s.listed))
	// The frame says how tall it is, and embed.js sizes it.
	formHeight := run(t, ctx, "wait for the frame to be sized",
		chromedp.Poll[float64](fmt.Sprintf(`%s !== %d && %[1]s`, frameHeight, initialHeight)))
	if placed := run(t, ctx, "find the frame", chromedp.Evaluate[bool](`(() => {
		const script = document.querySelector("script[data-petition]"), frame = document.querySelector("iframe");
		return script.nextElementSibling === frame && frame.nextElementSibling === document.getElementById("after");
	})()`)); !placed {
		t.Error("the frame is not where the script tag is")
	}

	frame := frameOf(t, ctx, s.base+"/embed/petitions/"+s.slug+"?origin=")
	if own := run(t, frame, "measure the form", chromedp.Evaluate[float64](
		`Math.ceil(document.documentElement.getBoundingClientRect().height)`)); own != formHeight {
		t.Errorf("the frame is %vpx high on the partner's page, its page %vpx", formHeight, own)
	}
	// Third-party cookies are really blocked in the frame: a cookie any
	// third party could set does not stick, while a partitioned one (which
	// the setting allows) does, so writing cookies works there otherwise.
	cookies := run(t, frame, "write cookies in the frame", chromedp.Evaluate[string](`
		document.cookie = "probe=1; SameSite=None; Secure; Path=/";
		document.cookie = "partitioned=1; SameSite=None; Secure; Path=/; Partitioned";
		document.cookie`))
	if strings.Contains(cookies, "probe=1") || !strings.Contains(cookies, "partitioned=1") {
		t.Fatalf("the frame's cookies are %q: third-party cookies are not blocked", cookies)
	}

	// The values are set, not typed: keystrokes sent while the frame's
	// script resizes it can land elsewhere on a busy machine, and this test
	// is about the frame's cookies and its post, not about typing.
	do(t, frame, "fill in the form",
		chromedp.SetValue(chromedp.CSS("#full_name"), "Grace Hopper"),
		chromedp.SetValue(chromedp.CSS("#email"), "grace@example.org"),
		chromedp.SetValue(chromedp.CSS("#postcode"), "SW1A 1AA"),
		chromedp.Click(chromedp.CSS("#consent_updates")))
	res, err := chromedp.RunResponse(frame, chromedp.Click(chromedp.CSS(`form.sign button[type="submit"]`)))
	if err != nil {
		t.Fatalf("sign: %v\nlog:\n%s", err, console)
	}
	if res.Status != http.StatusOK || !strings.HasPrefix(res.URL, s.base+"/embed/petitions/"+s.slug+"/thanks?origin=") {
		t.Fatalf("after signing the frame shows %s with status %d\nlog:\n%s", res.URL, res.Status, console)
	}
	if h1 := run(t, frame, "read the thanks", chromedp.Text(chromedp.CSS("h1"))); h1 != "Thank you for signing" {
		t.Errorf("the frame shows %q", h1)
	}
	if n := run(t, frame, "read the count", chromedp.Text(chromedp.CSS(".js-count"))); n != "1" {
		t.Errorf("the thanks page counts %q, want 1", n)
	}
	apptest.AssertStored(t, s.db, s.id, 1)
	var source string
	if err := s.db.SQL().QueryRowContext(context.Background(),
		`SELECT source_code FROM signatures WHERE petition_id = $1`, s.id).Scan(&source); err != nil {
		t.Fatal(err)
	}
	if source != "embed.127.0.0.1" {
		t.Errorf("the signature's source is %q, want the partner, embed.127.0.0.1", source)
	}
	// The thanks page is shorter than the form: the frame follows it.
	run(t, ctx, "wait for the frame to shrink",
		chromedp.Poll[bool](fmt.Sprintf(`%s < %v`, frameHeight, formHeight)))

	if log := console.String(); strings.Contains(log, "Content Security Policy") || strings.Contains(log, "Uncaught") {
		t.Errorf("the pages logged problems:\n%s", log)
	}
}

func TestUnlistedSiteCannotFrameTheForm(t *testing.T) {
	s := start(t)
	ctx, console := browser(t)

	do(t, ctx, "open the other site's page", chromedp.Navigate(s.foreign))
	// The browser refuses to show the frame, by the policy our answer
	// carries: only the listed partner may frame it.
	refusal := console.waitFor(t, ctx, "frame-ancestors")
	if !strings.Contains(refusal, s.listed) {
		t.Errorf("the refusal does not name the listed origin %s: %s", s.listed, refusal)
	}
	// What the frame shows is the browser's error page, not our form.
	frame := frameOf(t, ctx, s.base+"/embed/petitions/"+s.slug)
	shown := run(t, frame, "read the frame", chromedp.Evaluate[[]string](
		`[location.href, document.body.innerText, String(!!document.querySelector("form"))]`))
	if !strings.HasPrefix(shown[0], "chrome-error://") || shown[2] != "false" {
		t.Errorf("the refused frame shows %q", shown)
	}
	if h := run(t, ctx, "measure the frame", chromedp.Evaluate[float64](frameHeight)); h != initialHeight {
		t.Errorf("the refused frame was sized to %vpx", h)
	}
	apptest.AssertStored(t, s.db, s.id, 0)
}
