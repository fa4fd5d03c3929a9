package testbrowser

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// AxeVersion is the release of axe-core in axe.min.js, vendored from the
// npm package axe-core (MPL-2.0, see axe-LICENSE.txt) so that the checks
// run offline and give the same answers until it is updated on purpose.
const AxeVersion = "4.14.1"

//go:embed axe.min.js
var axeSource string

// AxeTags are the axe-core rule tags the accessibility checks run: WCAG 2.0,
// 2.1 and 2.2 at levels A and AA (wcag22aa brings target-size, 2.5.8).
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// Violation is one axe-core rule the page breaks.
type Violation struct {
	Rule    string   `json:"rule"`    // the rule's id, e.g. color-contrast
	Impact  string   `json:"impact"`  // minor, moderate, serious or critical
	Help    string   `json:"help"`    // what the rule asks, in a sentence
	HelpURL string   `json:"helpUrl"` // Deque's page on the rule
	Nodes   int      `json:"nodes"`   // how many elements break it
	Targets []string `json:"targets"` // the selectors of the first few of them
	Summary string   `json:"summary"` // how the first of them fails it
}

// String is the violation on one line: rule, impact, count, selectors.
func (v Violation) String() string {
	return fmt.Sprintf("%s (%s, %d element(s)): %s; at %s", v.Rule, v.Impact, v.Nodes, v.Help, strings.Join(v.Targets, " | "))
}

// FormatViolations lists violations one a line, with how the first element
// of each fails, for a test's message.
func FormatViolations(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  - %s\n", v)
		if s := strings.TrimSpace(v.Summary); s != "" {
			fmt.Fprintf(&b, "      %s\n", strings.ReplaceAll(s, "\n", "\n      "))
		}
	}
	return b.String()
}

// axeTargets is how many elements a violation names.
const axeTargets = 5

// axeRun runs axe on the whole document with AxeTags and returns its
// violations as Violation values. Frames are not entered: a page with a
// frame is checked by opening the frame's own URL.
const axeRun = `(async () => {
  const r = await axe.run(document, {
    runOnly: {type: "tag", values: %s},
    resultTypes: ["violations"],
    iframes: false,
  });
  return r.violations.map(v => ({
    rule: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.length,
    targets: v.nodes.slice(0, %d).map(n => n.target.join(" ")),
    summary: v.nodes.length ? (v.nodes[0].failureSummary || "") : "",
  }));
})()`

// Axe injects axe-core into the page in ctx (once per document) and runs
// the WCAG 2.2 AA rules (AxeTags) on it. It returns the violations, none
// when the page passes.
func Axe() chromedp.Action[[]Violation] {
	tags, err := json.Marshal(AxeTags)
	if err != nil {
		panic(err) // a []string always marshals
	}
	script := fmt.Sprintf(axeRun, tags, axeTargets)
	return func(ctx context.Context, t *chromedp.Target) ([]Violation, error) {
		loaded, err := chromedp.Evaluate[bool](`typeof window.axe === "object"`)(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("axe: look for it in the page: %w", err)
		}
		if !loaded {
			if _, err := chromedp.Evaluate[chromedp.Void](axeSource)(ctx, t); err != nil {
				return nil, fmt.Errorf("axe: inject axe-core %s: %w", AxeVersion, err)
			}
		}
		vs, err := chromedp.Evaluate[[]Violation](script, chromedp.EvalAwaitPromise)(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("axe: run: %w", err)
		}
		return vs, nil
	}
}
