package markdown_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/advocacy/advocacy/internal/markdown"
)

// maxFuzzSource skips longer inputs: some pathological sources render in
// quadratic time (a known issue, being fixed separately), which would only
// slow the fuzzer down.
const maxFuzzSource = 20_000

// urlAttributes are the attributes whose value a browser follows or loads.
var urlAttributes = map[string]bool{"href": true, "src": true, "srcset": true, "cite": true, "action": true,
	"formaction": true, "poster": true, "background": true, "longdesc": true, "usemap": true, "xlink:href": true}

// scriptIn returns what in h could run script: a <script> tag, an on*
// event attribute, or a javascript: URL. Text is not markup: the words
// "javascript:" or "onclick=" in a paragraph run nothing.
func scriptIn(h string) string {
	if strings.Contains(strings.ToLower(h), "<script") {
		return "<script"
	}
	z := html.NewTokenizer(strings.NewReader(h))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, "on") {
					return "attribute " + a.Key + "=" + a.Val
				}
				// Browsers drop tabs, newlines and leading controls from
				// a URL before reading its scheme.
				v := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' || r == 0x7f {
						return -1
					}
					return r
				}, a.Val))
				if urlAttributes[key] && strings.HasPrefix(v, "javascript:") {
					return "attribute " + a.Key + "=" + a.Val
				}
			}
		}
	}
}

// FuzzRender checks that any Markdown renders into UTF-8 HTML that can run
// no script, and the same HTML every time; the only error is ErrTooComplex,
// which refuses a pathological structure before parsing it.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"First paragraph with **bold** words.\n\nWomen's rights are human rights.",
		"## Heading\n\n- one\n- two\n\n1. a\n2. b\n\n> quote\n\n`code` and ```\nblock\n```",
		"| a | b |\n|---|---|\n| 1 | 2 |\n\n~~struck~~\n\n- [ ] task\n\nhttps://example.org/linkify",
		"<script>alert(1)</script>\n\nafter",
		"[click](javascript:alert(1))",
		"[click](JaVaScRiPt:alert(1))",
		"[click](java&#x09;script:alert(1))",
		"<javascript:alert(1)>",
		"[click][x]\n\n[x]: javascript:alert(1)",
		`<a href="javascript:alert(1)">click</a>`,
		`<img src=x onerror="alert(1)">`,
		`![x](https://example.org/a.png" onerror="alert(1))`,
		`<b onclick="alert(1)">bold</b>`,
		`<svg onload="alert(1)"></svg>`,
		"javascript: is text here, and so is onclick=alert(1)",
		// The text of the issue on bad input.
		"NUL\x00byte",
		"\xff\xfeA",
		"\xc0\xaf",
		"\x1b[31mred",
		"a@[127.0.0.1] and a@-x.org",
		strings.Repeat("*", 1000),
		strings.Repeat("[", 500) + strings.Repeat("](", 500),
	} {
		f.Add(seed)
	}
	r := markdown.New()
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > maxFuzzSource {
			t.Skip()
		}
		out, err := r.Render(src)
		if !utf8.ValidString(src) {
			return // not what the desk stores; it must only not panic
		}
		if errors.Is(err, markdown.ErrTooComplex) {
			return // refused by design, before parsing
		}
		if err != nil {
			t.Fatalf("Render(%q): %v", src, err)
		}
		h := string(out)
		if !utf8.ValidString(h) {
			t.Fatalf("Render(%q) = %q, which is not UTF-8", src, h)
		}
		if found := scriptIn(h); found != "" {
			t.Fatalf("Render(%q) = %q, which carries %s", src, h, found)
		}
		again, err := r.Render(src)
		if err != nil || again != out {
			t.Fatalf("Render(%q) gave %q, then %q (%v)", src, h, again, err)
		}
	})
}
