// Package storage names the failures every store shares, whatever it is
// built on, so that callers can tell "try again later" from "wrong input".
package storage

import "errors"

// ErrUnavailable is returned when the database cannot be reached or the
// service is shutting down. Callers should answer 503 and ask to retry.
var ErrUnavailable = errors.New("storage unavailable")

// ErrInvalidText is returned when a value holds bytes the database cannot
// store as text: a NUL byte, or a byte sequence that is not UTF-8. It is the
// caller's input that is wrong: answer 400. The web layer refuses such input
// at the edge; this is the last line of defence.
var ErrInvalidText = errors.New("text holds a NUL byte or is not UTF-8")
