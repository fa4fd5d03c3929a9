package desk

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// exportPageSize is how many signatures the export reads and sends at a
// time: the most it ever holds in memory.
const exportPageSize = 1000

// signatureCSVHeader names the export's columns. Consent to updates and the
// version of the wording consented to travel with every row, so the list
// can be used lawfully. state is "counted" or "pending" (awaiting its
// owner's confirmation); confirmed_at is empty unless the signature was
// counted by confirmation; consent_withdrawn_at is when the signer withdrew
// consent to updates (the unsubscribe link), empty while they have not, so
// the list shows a withdrawal, not only an absent consent.
var signatureCSVHeader = []string{"signature_id", "signed_at", "full_name", "email", "postcode", "country",
	"consent_updates", "consent_version", "source_release", "source_code", "state", "confirmed_at",
	"consent_withdrawn_at"}

// exportSignatures serves GET /admin/petitions/:id/signatures.csv and
// GET /api/v1/admin/petitions/:id/signatures.csv: every signature of the
// petition, oldest first, streamed.
func (d *Desk) exportSignatures(c *gin.Context) {
	p, err := d.petitionParam(c)
	if err != nil {
		d.Fail(c, err)
		return
	}
	out := kit.NewCSVStream(c, "signatures-"+p.Slug+".csv", signatureCSVHeader)
	err = d.Desk.ExportSignatures(c.Request.Context(), kit.Actor(c), p.ID, exportPageSize, func(rows []petition.ExportRow) error {
		for _, r := range rows {
			consent := "no"
			if r.ConsentUpdates {
				consent = "yes"
			}
			confirmed := ""
			if r.ConfirmedAt != nil {
				confirmed = r.ConfirmedAt.UTC().Format(time.RFC3339)
			}
			withdrawn := ""
			if r.ConsentWithdrawnAt != nil {
				withdrawn = r.ConsentWithdrawnAt.UTC().Format(time.RFC3339)
			}
			if err := out.Write(strconv.FormatInt(r.ID, 10), r.CreatedAt.UTC().Format(time.RFC3339), r.FullName, r.Email,
				r.Postcode, r.Country, consent, r.ConsentVersion, r.SourceReleaseSlug, r.SourceCode,
				r.State, confirmed, withdrawn); err != nil {
				return err
			}
		}
		return nil
	})
	d.FinishCSV(out, err)
}
