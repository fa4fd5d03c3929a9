package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/petition"
)

// exportPageSize is how many signatures the export reads and sends at a
// time: the most it ever holds in memory.
const exportPageSize = 1000

// signatureCSVHeader names the export's columns. Consent to updates and the
// version of the wording consented to travel with every row, so the list
// can be used lawfully.
var signatureCSVHeader = []string{"signature_id", "signed_at", "full_name", "email", "postcode", "country",
	"consent_updates", "consent_version", "source_release", "source_code"}

// GET /admin/petitions/:id/signatures.csv and
// GET /api/v1/admin/petitions/:id/signatures.csv stream every signature of
// the petition, oldest first.
func (s *Server) exportSignatures(c *gin.Context) {
	p, err := s.petitionParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := newCSVStream(c, "signatures-"+p.Slug+".csv", signatureCSVHeader)
	err = s.Desk.ExportSignatures(c.Request.Context(), actor(c), p.ID, exportPageSize, func(rows []petition.ExportRow) error {
		for _, r := range rows {
			consent := "no"
			if r.ConsentUpdates {
				consent = "yes"
			}
			if err := out.write(strconv.FormatInt(r.ID, 10), r.CreatedAt.UTC().Format(time.RFC3339), r.FullName, r.Email,
				r.Postcode, r.Country, consent, r.ConsentVersion, r.SourceReleaseSlug, r.SourceCode); err != nil {
				return err
			}
		}
		return out.flush()
	})
	if err == nil {
		err = out.flush() // the header row alone, for a petition without signatures
	}
	switch {
	case err == nil:
	case !out.started:
		s.fail(c, err)
	default:
		// The status has gone; cutting the connection tells the client the
		// file is incomplete rather than letting it look finished.
		if c.Request.Context().Err() == nil { // not the client going away
			s.noteError(c, http.StatusInternalServerError, err)
		}
		panic(http.ErrAbortHandler)
	}
}
