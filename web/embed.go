// Package web holds the HTML templates and static assets, embedded into the
// binary so that pages work offline from it.
package web

import "embed"

// FS holds templates/ and static/.
//
//go:embed templates static
var FS embed.FS
