// Package markdown renders release bodies: CommonMark through goldmark, then
// sanitised by bluemonday, so an author's words reach the page exactly as
// written while raw HTML and scripts never do.
package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Renderer turns Markdown into safe HTML. It is safe for concurrent use and
// deterministic: the same source always gives the same HTML.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a Renderer. Typographic substitutions are off on purpose: the
// author's quotes and dashes are kept as typed.
func New() *Renderer {
	policy := bluemonday.UGCPolicy()
	policy.RequireNoFollowOnLinks(true)
	policy.AddTargetBlankToFullyQualifiedLinks(false)
	return &Renderer{
		md:     goldmark.New(goldmark.WithExtensions(extension.GFM)),
		policy: policy,
	}
}

// ErrTooComplex is returned for a body whose structure would take the
// renderer pathologically long: hundreds of nested quotes or lists on a
// line, or hundreds of links whose address never closes. Parsing such
// input costs time that grows with the square of its size (seconds for
// 200,000 characters), so it is refused before it is parsed.
var ErrTooComplex = errors.New("markdown too complex to render")

// Limits on the structures whose parsing cost grows faster than their size.
// Real writing stays far below both.
const (
	MaxNesting     = 32  // quote and list markers opening one line
	MaxOpenTargets = 100 // "](" with no ")" after it on its line
)

// Check returns ErrTooComplex when src exceeds MaxNesting or
// MaxOpenTargets. It reads src once.
func Check(src string) error {
	open := 0
	for line := range strings.Lines(src) {
		if nesting(line) > MaxNesting {
			return fmt.Errorf("%w: more than %d quotes or lists nested on one line", ErrTooComplex, MaxNesting)
		}
		if surplus := strings.Count(line, "](") - strings.Count(line, ")"); surplus > 0 {
			if open += surplus; open > MaxOpenTargets {
				return fmt.Errorf("%w: more than %d links without a closing parenthesis", ErrTooComplex, MaxOpenTargets)
			}
		}
	}
	return nil
}

// nesting counts the block quote and list markers that open line, with
// every two spaces of indentation counted as a level too.
func nesting(line string) int {
	depth, spaces := 0, 0
	for i := 0; i < len(line); {
		switch c := line[i]; {
		case c == ' ':
			spaces++
			i++
		case c == '\t':
			spaces += 4
			i++
		case c == '>':
			depth++
			i++
		case (c == '-' || c == '+' || c == '*') && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t'):
			depth++
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j+1 < len(line) && (line[j] == '.' || line[j] == ')') && (line[j+1] == ' ' || line[j+1] == '\t') {
				depth++
				i = j + 1
				continue
			}
			return depth + spaces/2
		default:
			return depth + spaces/2
		}
	}
	return depth + spaces/2
}

// Render converts src to sanitised HTML. Returns ErrTooComplex (see Check)
// without parsing src when its structure is pathological.
func (r *Renderer) Render(src string) (template.HTML, error) {
	if err := Check(src); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	// The sanitiser's output is the only HTML the pages trust.
	return template.HTML(r.policy.SanitizeBytes(buf.Bytes())), nil //nolint:gosec
}
