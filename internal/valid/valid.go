// Package valid holds the error type every domain uses to report input that
// fails its rules, field by field.
package valid

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors maps a field name to a message a person can act on. A non-empty
// Errors is an error; the HTTP layer turns it into 422 with "fields".
type Errors map[string]string

// Add records msg for field unless the field already has a message, so the
// first (most basic) failure is the one reported.
func (e Errors) Add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// Err returns e as an error, or nil when no field failed.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Error lists the fields that failed, in a stable order.
func (e Errors) Error() string {
	fields := make([]string, 0, len(e))
	for f := range e {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var b strings.Builder
	b.WriteString("invalid input:")
	for _, f := range fields {
		b.WriteString(" " + f + ": " + e[f] + ";")
	}
	return b.String()
}

// Readable reports whether s is text a person wrote: UTF-8, with no control
// characters but tab, line feed and carriage return. NUL bytes and escape
// sequences are refused wherever text is kept.
func Readable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}
