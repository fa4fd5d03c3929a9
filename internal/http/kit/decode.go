package kit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// RequireJSON answers 415 unless the body is declared as JSON.
func RequireJSON(c *gin.Context) error {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "application/json" {
		return NewError(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Send the body as application/json.")
	}
	return nil
}

// DecodeJSON reads one JSON object sent as application/json into v: 415
// for another media type, 413 past the body limit, 400 for malformed JSON,
// a field of the wrong type, bytes that are not UTF-8, a NUL byte in a
// string, or a key given twice.
func DecodeJSON(c *gin.Context, v any) error {
	if err := RequireJSON(c); err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return NewError(http.StatusRequestEntityTooLarge, CodeTooLarge,
			"The request body is larger than "+sizeText(tooLarge.Limit)+".")
	}
	if err != nil {
		return NewError(http.StatusBadRequest, CodeBadRequest, "The request body could not be read.")
	}
	// Only an object is a request: null, arrays, strings and numbers are not,
	// though the decoder would take null as an empty object.
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return NewError(http.StatusBadRequest, CodeBadRequest, "The body must be a JSON object.")
	}
	// The decoder would quietly turn bytes that are not UTF-8 into U+FFFD.
	if !utf8.Valid(body) {
		return errUnreadable
	}
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return NewError(http.StatusBadRequest, CodeBadRequest,
				"The field "+typeErr.Field+" has the wrong type: expected "+typeErr.Type.String()+".")
		}
		return NewError(http.StatusBadRequest, CodeBadRequest, "The body is not a valid JSON object.")
	}
	if dec.More() {
		return NewError(http.StatusBadRequest, CodeBadRequest, "The body must hold exactly one JSON object.")
	}
	return nil
}

// Optional is a JSON field that tells "absent" (Set false) from null
// (Set true, Value nil), for PATCH bodies.
type Optional[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON records that the field was present.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// SetIf sets *dst to *v when v is not nil.
func SetIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// Deref is *s, or "" for nil.
func Deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// IDParam reads the :id parameter. A malformed id is notFound, like an
// unknown one: pass the domain's ErrNotFound for the kind of thing named.
func IDParam(c *gin.Context, notFound error) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound
	}
	return id, nil
}
