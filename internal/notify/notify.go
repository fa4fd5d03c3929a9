// Package notify holds what the service tells people by email: the messages,
// who gets them and when, and the Mailer interface an adapter (package mail)
// implements. The web layer never sends email: a request enqueues a job in
// the same transaction as its cause, and a worker calls this package.
package notify

import (
	"context"
	"errors"
)

// ErrOff is returned by a Mailer when email is switched off (no SMTP_URL).
var ErrOff = errors.New("email is off")

// Email is one message to one person: a plain-text part and an HTML part
// with the same words, no images and no tracking.
type Email struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// Unsubscribe is the address of the recipient's unsubscribe link: the
	// mailer puts it in List-Unsubscribe, with List-Unsubscribe-Post for
	// one-click unsubscribing (RFC 8058). Empty: no such headers.
	Unsubscribe string
}

// Mailer sends email. Send returns only once the server has accepted the
// message; an error means it may be tried again.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}
