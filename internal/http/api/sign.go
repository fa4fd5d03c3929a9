package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
)

// signRequest is the body of POST /api/v1/petitions/:id/signatures.
type signRequest struct {
	FullName       *string `json:"full_name"`
	Email          *string `json:"email"`
	Postcode       *string `json:"postcode"`
	Country        *string `json:"country"`
	ConsentUpdates *bool   `json:"consent_updates"`
	Source         *string `json:"source"`
}

// input is the request as the petition service takes it; an absent field
// is empty, and absent consent stays nil so validation can name it.
func (r signRequest) input() petition.SignInput {
	return petition.SignInput{FullName: kit.Deref(r.FullName), Email: kit.Deref(r.Email),
		Postcode: kit.Deref(r.Postcode), Country: kit.Deref(r.Country), ConsentUpdates: r.ConsentUpdates,
		Source: kit.Deref(r.Source)}
}

// sign serves POST /api/v1/petitions/:id/signatures. The body is read
// before the rate limit and the id, so a malformed request is told so
// whatever it names.
func (a *API) sign(c *gin.Context) {
	var req signRequest
	if err := kit.DecodeJSON(c, &req); err != nil {
		a.APIError(c, err)
		return
	}
	if !a.Limit(c, a.SignLimit, "Too many signatures from your connection. Please wait a moment and try again.") {
		return
	}
	id, err := kit.IDParam(c, petition.ErrNotFound)
	if err != nil {
		a.APIError(c, err)
		return
	}
	res, err := a.Signing.Sign(c.Request.Context(), petition.SignRequest{PetitionID: id, Input: req.input(),
		ClientAddr: c.ClientIP()})
	if err != nil {
		a.APIError(c, err)
		return
	}
	// A repeat gets the same answer as a new signature: the API never
	// reveals who has signed. On a petition that verifies by email the
	// signature counts once confirmed, so the count does not include it yet.
	if res.Pending {
		c.JSON(http.StatusAccepted, gin.H{"status": "pending_confirmation", "signature_count": res.SignatureCount})
		return
	}
	c.JSON(http.StatusCreated, gin.H{"status": "recorded", "signature_count": res.SignatureCount})
}
