package http

import (
	"encoding/csv"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// csvSafeCell neutralises a cell that a spreadsheet would run as a formula:
// one starting with '=', '+', '-' or '@' (or a tab or carriage return, which
// some spreadsheets skip before looking) gets a leading apostrophe.
func csvSafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvStream writes a CSV download to the response as it goes: UTF-8, one
// header row, every cell neutralised, flushed to the client after each
// batch of rows so that nothing accumulates in memory.
type csvStream struct {
	c       *gin.Context
	w       *csv.Writer
	started bool
	header  []string
	file    string
	record  []string
}

func newCSVStream(c *gin.Context, filename string, header []string) *csvStream {
	return &csvStream{c: c, w: csv.NewWriter(c.Writer), header: header, file: filename,
		record: make([]string, len(header))}
}

// start sends the headers and the header row, once.
func (s *csvStream) start() error {
	if s.started {
		return nil
	}
	s.started = true
	h := s.c.Writer.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+s.file+`"`)
	h.Set("Cache-Control", "no-store")
	s.c.Status(http.StatusOK)
	return s.w.Write(s.header)
}

// write writes one row of cells, neutralised.
func (s *csvStream) write(cells ...string) error {
	if err := s.start(); err != nil {
		return err
	}
	for i, v := range cells {
		s.record[i] = csvSafeCell(v)
	}
	return s.w.Write(s.record[:len(cells)])
}

// flush sends what is buffered to the client.
func (s *csvStream) flush() error {
	if err := s.start(); err != nil {
		return err
	}
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		return err
	}
	s.c.Writer.Flush()
	return nil
}
