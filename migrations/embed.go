// Package migrations holds the SQL schema as goose migrations, embedded into
// the binary so that one file carries everything an operator needs.
package migrations

import "embed"

// FS holds every NNNNN_name.sql migration in this directory.
//
//go:embed *.sql
var FS embed.FS
