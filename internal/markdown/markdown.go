// Package markdown renders release bodies: CommonMark through goldmark, then
// sanitised by bluemonday, so an author's words reach the page exactly as
// written while raw HTML and scripts never do.
package markdown

import (
	"bytes"
	"fmt"
	"html/template"

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

// Render converts src to sanitised HTML.
func (r *Renderer) Render(src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	// The sanitiser's output is the only HTML the pages trust.
	return template.HTML(r.policy.SanitizeBytes(buf.Bytes())), nil //nolint:gosec
}
