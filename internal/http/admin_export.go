package http

import (
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
	s.finishCSV(out, err)
}
