package http

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// idParam reads the :id parameter; a malformed id is not found, like an
// unknown one.
func idParam(c *gin.Context, notFound error) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound
	}
	return id, nil
}

// actor is who the audit log names for this request's changes.
func actor(c *gin.Context) staff.Actor { return currentStaff(c).Actor() }

// staffChanged drops the cached public views, so that what staff just
// published, edited or closed shows at once on this instance (and within
// viewTTL on the others).
func (s *Server) staffChanged() {
	s.views.clear()
	s.pageCache.clear()
	s.lookups.petitions.clear()
	s.lookups.sources.clear()
}

// notices are the messages a page shows after a redirect, keyed by the
// "notice" query parameter, so that no text from the URL reaches the page.
var noticeTexts = map[string]string{
	"created":     "Created.",
	"saved":       "Saved.",
	"published":   "Published: the release is public now.",
	"unpublished": "Unpublished: the release is a draft again and no longer public.",
	"closed":      "Closed: the petition no longer takes signatures.",
	"reopened":    "Reopened: the petition takes signatures again.",
	"password":    "Password changed. Every session of that account has ended.",
	"revoked":     "Token revoked. It stopped working at once.",
	"logged_out":  "You have logged out.",
	"reviewed":    "Review recorded.",
}

func notice(c *gin.Context) string { return noticeTexts[c.Query("notice")] }

// redirectWithNotice answers 303 to path with a notice to show there.
func redirectWithNotice(c *gin.Context, path, key string) {
	c.Redirect(http.StatusSeeOther, path+"?notice="+url.QueryEscape(key))
}

// fieldErrors reports whether err is a validation failure, and returns it.
func fieldErrors(err error) (valid.Errors, bool) {
	var fields valid.Errors
	if errors.As(err, &fields) {
		return fields, true
	}
	return nil, false
}

// decodeStaffJSON reads a JSON body sent to the staff API.
func decodeStaffJSON(c *gin.Context, v any) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	err := decodeJSON(c, v)
	if errors.Is(err, errTooLarge) {
		return errStaffTooLarge
	}
	return err
}

// optional is a JSON field that tells "absent" (Set false) from null
// (Set true, Value nil), for PATCH bodies.
type optional[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON records that the field was present.
func (o *optional[T]) UnmarshalJSON(b []byte) error {
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

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
