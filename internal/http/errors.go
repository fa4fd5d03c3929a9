package http

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/storage"
	"github.com/advocacy/advocacy/internal/valid"
)

// Error codes of the JSON API, as in the contract.
const (
	CodeBadRequest        = "bad_request"
	CodeNotFound          = "not_found"
	CodeMethodNotAllowed  = "method_not_allowed"
	CodePetitionClosed    = "petition_closed"
	CodeTooLarge          = "too_large"
	CodeUnsupportedMedia  = "unsupported_media_type"
	CodeInvalid           = "invalid"
	CodeRateLimited       = "rate_limited"
	CodeUnavailable       = "unavailable"
	CodeInternal          = "internal"
	CodeDonationsDisabled = "donations_disabled"
	CodeForbidden         = "forbidden"
	CodeUnauthorized      = "unauthorized"
)

// apiErr is an error the handlers raise themselves with a status and code.
type apiErr struct {
	status  int
	code    string
	message string
}

func (e *apiErr) Error() string { return e.message }

// newAPIError returns an error that becomes the given status, code and message.
func newAPIError(status int, code, message string) error {
	return &apiErr{status: status, code: code, message: message}
}

// errorBody is the one shape of every API error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// classify maps an error to its status, code and a message safe to show.
// This table is the only place domain errors meet HTTP.
func classify(err error) (status int, detail errorDetail) {
	var ae *apiErr
	var fields valid.Errors
	switch {
	case errors.As(err, &ae):
		return ae.status, errorDetail{Code: ae.code, Message: ae.message}
	case errors.As(err, &fields):
		return http.StatusUnprocessableEntity, errorDetail{Code: CodeInvalid,
			Message: "Some fields need attention.", Fields: fields}
	case errors.Is(err, campaign.ErrNotFound), errors.Is(err, petition.ErrNotFound), errors.Is(err, staff.ErrNotFound),
		errors.Is(err, donation.ErrNotFound):
		return http.StatusNotFound, errorDetail{Code: CodeNotFound, Message: "Not found."}
	case errors.Is(err, petition.ErrClosed):
		return http.StatusConflict, errorDetail{Code: CodePetitionClosed,
			Message: "This petition is closed and no longer takes signatures."}
	case errors.Is(err, staff.ErrUnauthenticated):
		return http.StatusUnauthorized, errorDetail{Code: CodeUnauthorized, Message: "Sign in to do this."}
	case errors.Is(err, staff.ErrForbidden):
		return http.StatusForbidden, errorDetail{Code: CodeForbidden, Message: "Your account's role does not allow this."}
	case errors.Is(err, donation.ErrDisabled):
		return http.StatusServiceUnavailable, errorDetail{Code: CodeDonationsDisabled,
			Message: "Donations are not available at the moment. Thank you for thinking of us."}
	case errors.Is(err, donation.ErrBadSignature):
		return http.StatusBadRequest, errorDetail{Code: CodeBadRequest,
			Message: "The Stripe-Signature header does not match the body, or is too old."}
	case errors.Is(err, donation.ErrBadEvent):
		return http.StatusBadRequest, errorDetail{Code: CodeBadRequest, Message: "The event could not be read."}
	case errors.Is(err, donation.ErrGateway):
		return http.StatusServiceUnavailable, errorDetail{Code: CodeUnavailable,
			Message: "Our payment provider is not answering. No money was taken; please try again shortly."}
	case errors.Is(err, storage.ErrUnavailable):
		return http.StatusServiceUnavailable, errorDetail{Code: CodeUnavailable,
			Message: "The service is briefly unavailable. Please try again shortly."}
	default:
		return http.StatusInternalServerError, errorDetail{Code: CodeInternal,
			Message: "Something went wrong on our side. Please try again."}
	}
}

// retryAfterSeconds is the wait suggested when the database is unavailable.
const retryAfterSeconds = 5

// suggestRetry sets Retry-After on answers that a later try may not get: the
// database being unreachable. A 503 for a feature that is switched off
// (donations_disabled) gets none, since waiting will not change it.
func suggestRetry(c *gin.Context, detail errorDetail) {
	if detail.Code == CodeUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
}

// apiError writes err in the API's error shape and logs what is unexpected.
func (s *Server) apiError(c *gin.Context, err error) {
	status, detail := classify(err)
	s.noteError(c, status, err)
	suggestRetry(c, detail)
	c.AbortWithStatusJSON(status, errorBody{Error: detail})
}

// noteError logs failures the client did not cause. Messages never include
// request bodies, so no personal data reaches the log.
func (s *Server) noteError(c *gin.Context, status int, err error) {
	if status >= 500 {
		s.Logger.ErrorContext(c.Request.Context(), "request failed",
			"request_id", c.GetString(requestIDKey), "status", status, "err", err)
	}
}

// isFieldErrors reports whether err is a validation failure, and sets *into.
func isFieldErrors(err error, into *valid.Errors) bool {
	return errors.As(err, into)
}

func isClosed(err error) bool { return errors.Is(err, petition.ErrClosed) }
