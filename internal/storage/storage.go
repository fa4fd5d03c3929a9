// Package storage names the failures every store shares, whatever it is
// built on, so that callers can tell "try again later" from "wrong input".
package storage

import "errors"

// ErrUnavailable is returned when the database cannot be reached or the
// service is shutting down. Callers should answer 503 and ask to retry.
var ErrUnavailable = errors.New("storage unavailable")
