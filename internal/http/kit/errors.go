// Package kit is the web layer's small toolkit: the server's middleware,
// the one table that maps domain errors to HTTP statuses, page rendering,
// CSRF, request decoding, id parameters, CSV downloads and the staff
// sign-in guard. The audience packages beside it (site, api, desk, finance,
// webhooks) build their handlers from it.
package kit

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/outbound"
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
	CodeExpired           = "expired"
	CodeWebhookDisabled   = "webhook_disabled"
)

// apiErr is an error the handlers raise themselves with a status and code.
type apiErr struct {
	status  int
	code    string
	message string
}

func (e *apiErr) Error() string { return e.message }

// NewError returns an error that becomes the given status, code and message.
func NewError(status int, code, message string) error {
	return &apiErr{status: status, code: code, message: message}
}

// ErrorBody is the one shape of every API error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of an error answer.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Classify maps an error to its status, code and a message safe to show.
// This table is the only place domain errors meet HTTP.
func Classify(err error) (status int, detail ErrorDetail) {
	var ae *apiErr
	var fields valid.Errors
	switch {
	case errors.As(err, &ae):
		return ae.status, ErrorDetail{Code: ae.code, Message: ae.message}
	case errors.As(err, &fields):
		return http.StatusUnprocessableEntity, ErrorDetail{Code: CodeInvalid,
			Message: "Some fields need attention.", Fields: fields}
	case errors.Is(err, campaign.ErrNotFound), errors.Is(err, petition.ErrNotFound), errors.Is(err, staff.ErrNotFound),
		errors.Is(err, donation.ErrNotFound), errors.Is(err, outbound.ErrNotFound):
		return http.StatusNotFound, ErrorDetail{Code: CodeNotFound, Message: "Not found."}
	case errors.Is(err, petition.ErrBadToken):
		return http.StatusNotFound, ErrorDetail{Code: CodeNotFound,
			Message: "This confirmation link is not one we sent, or part of it is missing."}
	case errors.Is(err, petition.ErrTokenExpired):
		return http.StatusGone, ErrorDetail{Code: CodeExpired,
			Message: "This confirmation link has expired. Please sign again to get a new one."}
	case errors.Is(err, petition.ErrClosed):
		return http.StatusConflict, ErrorDetail{Code: CodePetitionClosed,
			Message: "This petition is closed and no longer takes signatures."}
	case errors.Is(err, outbound.ErrDisabled):
		return http.StatusConflict, ErrorDetail{Code: CodeWebhookDisabled,
			Message: "This webhook endpoint is disabled: enable it first."}
	case errors.Is(err, staff.ErrUnauthenticated):
		return http.StatusUnauthorized, ErrorDetail{Code: CodeUnauthorized, Message: "Sign in to do this."}
	case errors.Is(err, staff.ErrForbidden):
		return http.StatusForbidden, ErrorDetail{Code: CodeForbidden, Message: "Your account's role does not allow this."}
	case errors.Is(err, donation.ErrDisabled):
		return http.StatusServiceUnavailable, ErrorDetail{Code: CodeDonationsDisabled,
			Message: "Donations are not available at the moment. Thank you for thinking of us."}
	case errors.Is(err, donation.ErrBadSignature):
		return http.StatusBadRequest, ErrorDetail{Code: CodeBadRequest,
			Message: "The Stripe-Signature header does not match the body, or is too old."}
	case errors.Is(err, donation.ErrBadEvent):
		return http.StatusBadRequest, ErrorDetail{Code: CodeBadRequest, Message: "The event could not be read."}
	case errors.Is(err, donation.ErrGateway):
		return http.StatusServiceUnavailable, ErrorDetail{Code: CodeUnavailable,
			Message: "Our payment provider is not answering. No money was taken; please try again shortly."}
	case errors.Is(err, storage.ErrInvalidText), hasSQLState(err, "22021", "22P05"):
		return http.StatusBadRequest, ErrorDetail{Code: CodeBadRequest,
			Message: "The request holds characters we cannot read: a NUL byte, or text that is not UTF-8."}
	case errors.Is(err, storage.ErrUnavailable):
		return http.StatusServiceUnavailable, ErrorDetail{Code: CodeUnavailable,
			Message: "The service is briefly unavailable. Please try again shortly."}
	default:
		return http.StatusInternalServerError, ErrorDetail{Code: CodeInternal,
			Message: "Something went wrong on our side. Please try again."}
	}
}

// hasSQLState reports whether err carries one of the database's SQLSTATE
// codes (as the PostgreSQL driver's errors do), whichever store let it
// through untranslated.
func hasSQLState(err error, codes ...string) bool {
	var coded interface{ SQLState() string }
	if !errors.As(err, &coded) {
		return false
	}
	for _, c := range codes {
		if coded.SQLState() == c {
			return true
		}
	}
	return false
}

// retryAfterSeconds is the wait suggested when the database is unavailable.
const retryAfterSeconds = 5

// suggestRetry sets Retry-After on answers that a later try may not get: the
// database being unreachable. A 503 for a feature that is switched off
// (donations_disabled) gets none, since waiting will not change it.
func suggestRetry(c *gin.Context, detail ErrorDetail) {
	if detail.Code == CodeUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
}

// APIError writes err in the API's error shape and logs what is unexpected.
func (k *Kit) APIError(c *gin.Context, err error) {
	status, detail := Classify(err)
	k.NoteError(c, status, err)
	suggestRetry(c, detail)
	c.AbortWithStatusJSON(status, ErrorBody{Error: detail})
}

// NoteError logs failures the client did not cause. Messages never include
// request bodies, so no personal data reaches the log.
func (k *Kit) NoteError(c *gin.Context, status int, err error) {
	if status >= 500 {
		k.Logger.ErrorContext(c.Request.Context(), "request failed",
			"request_id", c.GetString(RequestIDKey), "status", status, "err", err)
	}
}

// FieldErrors reports whether err is a validation failure, and returns it.
func FieldErrors(err error) (valid.Errors, bool) {
	var fields valid.Errors
	if errors.As(err, &fields) {
		return fields, true
	}
	return nil, false
}
