// Package csvsafe writes CSV that spreadsheets open as data, never as
// formulas: a cell that starts with '=', '+', '-' or '@' (or a tab or
// carriage return, which some spreadsheets skip before reading a formula) is
// prefixed with a single quote.
package csvsafe

import (
	"encoding/csv"
	"io"
)

// Cell returns s neutralised: prefixed with ' when a spreadsheet would read
// it as a formula, unchanged otherwise.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Writer is a csv.Writer that neutralises every cell it writes.
type Writer struct {
	w   *csv.Writer
	buf []string
}

// NewWriter returns a Writer to w. Call Flush when done, and check Error.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, each cell neutralised.
func (w *Writer) Write(record []string) error {
	w.buf = w.buf[:0]
	for _, s := range record {
		w.buf = append(w.buf, Cell(s))
	}
	return w.w.Write(w.buf)
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports any error from a previous Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }
