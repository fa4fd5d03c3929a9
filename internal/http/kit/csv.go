package kit

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/csvsafe"
)

// csvFlushRows is how many rows a CSV download buffers before sending them
// to the client: enough to write efficiently, few enough that memory stays
// flat however long the file.
const csvFlushRows = 200

// CSVStream writes a CSV download to the response as it goes: UTF-8, one
// header row, every cell neutralised against spreadsheet formulas (see
// csvsafe), flushed to the client as rows accumulate. Nothing is sent until
// the first row (or flush), so an error found before then can still be
// answered with its own status.
type CSVStream struct {
	c       *gin.Context
	w       *csvsafe.Writer
	started bool
	header  []string
	file    string
	rows    int
}

// NewCSVStream starts a download named filename with the given header row.
func NewCSVStream(c *gin.Context, filename string, header []string) *CSVStream {
	return &CSVStream{c: c, w: csvsafe.NewWriter(c.Writer), header: header, file: filename}
}

// start sends the headers and the header row, once.
func (s *CSVStream) start() error {
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

// Write writes one row of cells, neutralised.
func (s *CSVStream) Write(cells ...string) error {
	if err := s.start(); err != nil {
		return err
	}
	if err := s.w.Write(cells); err != nil {
		return err
	}
	if s.rows++; s.rows%csvFlushRows == 0 {
		return s.flush()
	}
	return nil
}

// flush sends what is buffered to the client.
func (s *CSVStream) flush() error {
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

// FinishCSV ends a download that err ended (nil: it is complete). An error
// before anything was sent is answered like any other; once the status has
// gone, cutting the connection tells the client the file is incomplete
// rather than letting a short file look whole.
func (k *Kit) FinishCSV(out *CSVStream, err error) {
	if err == nil {
		err = out.flush() // the header row alone, when there are no rows
	}
	switch {
	case err == nil:
	case !out.started:
		k.Fail(out.c, err)
	default:
		if out.c.Request.Context().Err() == nil { // not the client going away
			k.NoteError(out.c, http.StatusInternalServerError, err)
		}
		panic(http.ErrAbortHandler)
	}
}
