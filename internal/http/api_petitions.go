package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
)

// petitionJSON is a petition as the API shows it.
type petitionJSON struct {
	ID             int64        `json:"id"`
	Slug           string       `json:"slug"`
	Title          string       `json:"title"`
	Ask            string       `json:"ask"`
	Target         string       `json:"target"`
	Campaign       *campaignRef `json:"campaign,omitempty"`
	SignatureCount int64        `json:"signature_count"`
	Goal           int64        `json:"goal"`
	Status         string       `json:"status"`
	ClosesAt       *time.Time   `json:"closes_at"`
}

type campaignRef struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

func toPetitionJSON(p petition.Petition, c *campaign.Campaign) petitionJSON {
	out := petitionJSON{ID: p.ID, Slug: p.Slug, Title: p.Title, Ask: p.Ask, Target: p.Target,
		SignatureCount: p.SignatureCount, Goal: p.Goal, Status: effectiveStatus(p), ClosesAt: p.ClosesAt}
	if c != nil {
		out.Campaign = &campaignRef{Slug: c.Slug, Title: c.Title}
	}
	return out
}

// effectiveStatus is "closed" once closes_at has passed, whatever is stored.
func effectiveStatus(p petition.Petition) string {
	if p.OpenAt(time.Now()) {
		return petition.StatusOpen
	}
	return petition.StatusClosed
}

// petitionParam loads the petition named by the :id parameter. A malformed
// id is a 404 like an unknown one.
func (s *Server) petitionParam(c *gin.Context) (petition.Petition, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return petition.Petition{}, petition.ErrNotFound
	}
	return s.Petitions.PetitionByID(c.Request.Context(), id)
}

// GET /api/v1/petitions/:id
func (s *Server) apiPetition(c *gin.Context) {
	ctx := c.Request.Context()
	p, err := s.petitionParam(c)
	if err != nil {
		s.apiError(c, err)
		return
	}
	camp, err := s.Campaigns.CampaignByID(ctx, p.CampaignID)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toPetitionJSON(p, &camp))
}

// signRequest is the body of POST /api/v1/petitions/:id/signatures.
type signRequest struct {
	FullName       *string `json:"full_name"`
	Email          *string `json:"email"`
	Postcode       *string `json:"postcode"`
	Country        *string `json:"country"`
	ConsentUpdates *bool   `json:"consent_updates"`
	Source         *string `json:"source"`
}

// POST /api/v1/petitions/:id/signatures
func (s *Server) apiSign(c *gin.Context) {
	if err := requireJSON(c); err != nil {
		s.apiError(c, err)
		return
	}
	var req signRequest
	if err := decodeJSON(c, &req); err != nil {
		s.apiError(c, err)
		return
	}
	if !s.limitSigning(c) {
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.apiError(c, petition.ErrNotFound)
		return
	}
	p, err := s.signingPetition(c.Request.Context(), id)
	if err != nil {
		s.apiError(c, err)
		return
	}
	in := petition.SignInput{FullName: deref(req.FullName), Email: deref(req.Email),
		Postcode: deref(req.Postcode), Country: deref(req.Country), ConsentUpdates: req.ConsentUpdates,
		Source: deref(req.Source)}
	res, err := s.sign(c.Request.Context(), p, in, nil)
	if err != nil {
		s.apiError(c, err)
		return
	}
	// A repeat gets the same answer as a new signature: the API never
	// reveals who has signed.
	c.JSON(http.StatusCreated, gin.H{"status": "recorded", "signature_count": res.SignatureCount})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// requireJSON answers 415 unless the body is declared as JSON.
func requireJSON(c *gin.Context) error {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "application/json" {
		return newAPIError(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Send the body as application/json.")
	}
	return nil
}

// decodeJSON reads one JSON object into v: 413 past the body limit, 400 for
// malformed JSON or a field of the wrong type.
func decodeJSON(c *gin.Context, v any) error {
	body, err := io.ReadAll(c.Request.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errTooLarge
	}
	if err != nil {
		return newAPIError(http.StatusBadRequest, CodeBadRequest, "The request body could not be read.")
	}
	// Only an object is a request: null, arrays, strings and numbers are not,
	// though the decoder would take null as an empty object.
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return newAPIError(http.StatusBadRequest, CodeBadRequest, "The body must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return newAPIError(http.StatusBadRequest, CodeBadRequest,
				"The field "+typeErr.Field+" has the wrong type: expected "+typeErr.Type.String()+".")
		}
		return newAPIError(http.StatusBadRequest, CodeBadRequest, "The body is not a valid JSON object.")
	}
	if dec.More() {
		return newAPIError(http.StatusBadRequest, CodeBadRequest, "The body must hold exactly one JSON object.")
	}
	return nil
}
