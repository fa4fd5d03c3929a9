package markdown_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"

	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/markdown"
)

// SeedPhrase is what a non-idempotent text transform once made of a press
// release ("women" rewritten again on every save). A body that contains it
// must come out exactly as written: not curled, not extended.
const SeedPhrase = "Women's rights's rightss rights's rights"

// textOf returns the text a reader sees in h: entities decoded, tags gone.
func textOf(t testing.TB, h string) string {
	t.Helper()
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

func render(t testing.TB, r *markdown.Renderer, src string) string {
	t.Helper()
	h, err := r.Render(src)
	if err != nil {
		t.Fatalf("Render(%q): %v", src, err)
	}
	return string(h)
}

func TestRenderKeepsTheAuthorsWords(t *testing.T) {
	r := markdown.New()
	tests := []struct {
		name string
		src  string
	}{
		{"seed phrase", SeedPhrase},
		{"seed sentence", "Amnesty welcomes the Government’s renewed commitment to clamp down on trafficking as this " +
			"sends a clear message that this vicious trade in " + SeedPhrase + " will not be tolerated."},
		{"straight quotes stay straight", `She said "enough" and it's 'final'.`},
		{"curly quotes stay curly", "She said “enough” and it’s ‘final’."},
		{"dashes and dots are not typeset", "A -- B --- C ... D (c) (tm) 1/2 << and >>"},
		{"special characters", `5 < 6 & 7 > 3 "q" 'a' &amp; is text`},
		{"non-latin scripts", "Права жінок — حقوق المرأة — 女性の権利"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, r, tt.src)
			want := tt.src
			if tt.name == "special characters" {
				want = `5 < 6 & 7 > 3 "q" 'a' & is text` // "&amp;" in Markdown is an entity for "&"
			}
			if got := strings.TrimSpace(textOf(t, out)); got != want {
				t.Errorf("the reader sees\n %q\nwant\n %q\n(HTML %q)", got, want, out)
			}
		})
	}
}

func TestSeedPhraseAppearsOnce(t *testing.T) {
	r := markdown.New()
	src := "## Statement\n\nThe trade in " + SeedPhrase + " will not be tolerated.\n\n> " + SeedPhrase + ".\n"
	text := textOf(t, render(t, r, src))
	if n := strings.Count(text, SeedPhrase); n != 2 {
		t.Errorf("seed phrase appears %d times in %q, want 2", n, text)
	}
	if n, want := strings.Count(text, "rights"), strings.Count(src, "rights"); n != want {
		t.Errorf(`"rights" appears %d times, want %d as written: %q`, n, want, text)
	}
	if strings.ContainsAny(text, "‘’“”") {
		t.Errorf("quotes were curled: %q", text)
	}
}

func TestRenderEscapesHTMLSpecialCharacters(t *testing.T) {
	r := markdown.New()
	got := render(t, r, `5 < 6 & 7 > 3 "q" 'a'`)
	want := "<p>5 &lt; 6 &amp; 7 &gt; 3 &#34;q&#34; &#39;a&#39;</p>\n"
	if got != want {
		t.Errorf("Render = %q, want %q", got, want)
	}
}

func TestRenderMarkdown(t *testing.T) {
	r := markdown.New()
	tests := []struct {
		name, src, want string
	}{
		{"emphasis", "*em* and **strong** and _em_", "<p><em>em</em> and <strong>strong</strong> and <em>em</em></p>\n"},
		{"heading", "## What is missing", "<h2>What is missing</h2>\n"},
		{"bullet list", "- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"},
		{"ordered list", "1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n"},
		{"link", "[the convention](https://www.coe.int/en/web/anti-human-trafficking)",
			`<p><a href="https://www.coe.int/en/web/anti-human-trafficking" rel="nofollow">the convention</a></p>` + "\n"},
		{"relative link", "[release](/releases/x)", `<p><a href="/releases/x" rel="nofollow">release</a></p>` + "\n"},
		{"mail link", "[press office](mailto:press@example.org)", `<p><a href="mailto:press@example.org" rel="nofollow">press office</a></p>` + "\n"},
		{"blockquote", "> Signing is a promise.", "<blockquote>\n<p>Signing is a promise.</p>\n</blockquote>\n"},
		{"code escapes", "`a <b> & c`", "<p><code>a &lt;b&gt; &amp; c</code></p>\n"},
		{"paragraphs", "one\n\ntwo", "<p>one</p>\n<p>two</p>\n"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, r, tt.src); got != tt.want {
				t.Errorf("Render(%q)\n got %q\nwant %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestRenderRemovesScripts(t *testing.T) {
	r := markdown.New()
	tests := []struct {
		name string
		src  string
		keep string // text that must still be shown
	}{
		{"script block", "<script>alert(1)</script>\n\nafter", "after"},
		{"inline script", "before <script>alert(1)</script> after", "before"},
		{"script with attributes", `<script src="https://evil.example/x.js"></script>`, ""},
		{"javascript link", "[click](javascript:alert(1))", "click"},
		{"javascript link, mixed case", "[click](JaVaScRiPt:alert(1))", "click"},
		{"javascript link, entity", "[click](java&#x09;script:alert(1))", "click"},
		{"javascript autolink", "<javascript:alert(1)>", ""},
		{"vbscript link", "[click](vbscript:msgbox(1))", "click"},
		{"data link", "[click](data:text/html;base64,PHNjcmlwdD4=)", "click"},
		{"raw anchor", `<a href="javascript:alert(1)">click</a>`, "click"},
		{"img onerror", `<img src=x onerror="alert(1)">`, ""},
		{"markdown image with onerror", `![x](https://example.org/a.png" onerror="alert(1))`, ""},
		{"onclick", `<b onclick="alert(1)">bold</b>`, "bold"},
		{"svg onload", `<svg onload="alert(1)"></svg>`, ""},
		{"iframe", `<iframe src="https://evil.example"></iframe>`, ""},
		{"style", `<style>body{display:none}</style>`, ""},
		{"link in reference", "[click][x]\n\n[x]: javascript:alert(1)", "click"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, r, tt.src)
			assertSafe(t, out)
			if tt.keep != "" && !strings.Contains(textOf(t, out), tt.keep) {
				t.Errorf("text %q lost from %q", tt.keep, out)
			}
		})
	}
}

// assertSafe fails if h has an element or attribute that can run script.
func assertSafe(t *testing.T, h string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(h))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "iframe", "style", "object", "embed", "svg", "form", "input", "base", "meta", "link":
			t.Errorf("<%s> survived in %q", tok.Data, h)
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "style" || a.Key == "srcdoc" {
				t.Errorf("attribute %s=%q survived in %q", a.Key, a.Val, h)
			}
			if a.Key == "href" || a.Key == "src" {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if i := strings.IndexByte(v, ':'); i >= 0 && !strings.ContainsAny(v[:i], "/?#") {
					if scheme := v[:i]; scheme != "http" && scheme != "https" && scheme != "mailto" {
						t.Errorf("%s with scheme %q survived in %q", a.Key, scheme, h)
					}
				}
			}
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	r := markdown.New()
	srcs := []string{
		demo.Release().Body,
		"[a](https://example.org) [b](/x) <https://example.org/auto> https://example.org/linkify",
		"| a | b |\n|---|---|\n| " + SeedPhrase + " | 2 |\n\n~~struck~~\n\n- [ ] task",
	}
	for _, src := range srcs {
		first := render(t, r, src)
		// Rendering again, with this renderer or a new one, gives the same
		// HTML: nothing accumulates from one render to the next.
		for range 20 {
			if got := render(t, r, src); got != first {
				t.Fatalf("second render differs:\n%q\n%q", first, got)
			}
		}
		if got := render(t, markdown.New(), src); got != first {
			t.Fatalf("a new renderer differs:\n%q\n%q", first, got)
		}
	}

	// One renderer is shared by every request.
	body := demo.Release().Body
	want := render(t, r, body)
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Go(func() {
			h, err := r.Render(body)
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = string(h)
		})
	}
	wg.Wait()
	for i, got := range results {
		if got != want {
			t.Errorf("concurrent render %d differs", i)
		}
	}
}

// The demo release renders with its structure and every word of its text.
func TestRenderDemoRelease(t *testing.T) {
	out := render(t, markdown.New(), demo.Release().Body)
	assertSafe(t, out)
	for _, want := range []string{
		"<em>London, 3 October 2007.</em>",
		"<strong>Operation Pentameter 2</strong>",
		"<h2>What is missing</h2>",
		"<li><strong>Places to stay.</strong>",
		"<blockquote>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered demo release lacks %q", want)
		}
	}
	text := textOf(t, out)
	for _, want := range []string{
		"We welcome the Government's renewed determination",
		"time to recover — and today that help is scarce.",
		"Signing is a promise; ratifying is keeping it.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered demo release text lacks %q", want)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	r := markdown.New()
	body := demo.Release().Body
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(body); err != nil {
			b.Fatal(err)
		}
	}
}

// Bodies whose parsing cost grows with the square of their size are refused
// before they are parsed; writing that is merely long or richly formatted
// is not.
func TestPathologicalBodiesAreRefused(t *testing.T) {
	r := markdown.New()
	for name, src := range map[string]string{
		"nested quotes":        strings.Repeat(">", 199_000),
		"spaced nested quotes": strings.Repeat(" >", 99_000),
		"unclosed links":       strings.Repeat("[a](", 49_000),
		"unclosed images":      strings.Repeat("![a](", 39_000),
		"nested lists":         strings.Repeat("1. ", 60_000),
		"nested bullets":       strings.Repeat("- ", 90_000),
	} {
		if _, err := r.Render(src); !errors.Is(err, markdown.ErrTooComplex) {
			t.Errorf("%s: err = %v, want ErrTooComplex", name, err)
		}
	}
	for name, src := range map[string]string{
		"many closed links":  strings.Repeat("See [the convention](https://example.org/c) and [the law](/l). ", 2_000),
		"a quote in a list":  "- one\n  > quoted\n  > - nested\n\n1. first\n2. second\n",
		"deep but sensible":  strings.Repeat("> ", 10) + "ten levels deep\n",
		"an indented code":   "    code block\n        more code\n",
		"prose with numbers": "In 2026. the convention was ratified by 46 states (of 47).\n",
	} {
		if _, err := r.Render(src); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
