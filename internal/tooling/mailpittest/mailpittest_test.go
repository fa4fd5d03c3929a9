package mailpittest_test

import (
	"net/smtp"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/tooling/mailpittest"
)

// Messages and WaitFor see the messages to one address exactly, not those to
// an address that merely contains it, and count no others.
func TestMessagesForOneAddress(t *testing.T) {
	pit := mailpittest.Start(t)
	ann := mailpittest.Recipient("ann")
	joann := "jo" + ann // Mailpit's own to: search finds ann's address in this one
	before := pit.Count(t)

	send := func(to, subject string) {
		t.Helper()
		msg := "From: tests@example.org\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n\r\nHello.\r\n"
		if err := smtp.SendMail(pit.SMTP, nil, "tests@example.org", []string{to}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	send(joann, "for Jo Ann")
	send(ann, "first")
	send(ann, "second")

	got := pit.WaitFor(t, ann, 2)
	var subjects []string
	for _, m := range got {
		subjects = append(subjects, m.Subject)
	}
	if strings.Join(subjects, ",") != "first,second" {
		t.Errorf("messages to %s: %q, want first and second, oldest first", ann, subjects)
	}
	if m := got[0]; m.From.Address != "tests@example.org" || len(m.To) != 1 || m.To[0].Address != ann ||
		strings.TrimSpace(m.Text) != "Hello." || m.ID == "" {
		t.Errorf("first message %+v", m)
	}
	if n := len(pit.Messages(t, joann)); n != 1 {
		t.Errorf("%d messages to %s, want 1", n, joann)
	}
	// Other packages may send to a shared Mailpit meanwhile: at least ours.
	if n := pit.Count(t); n < before+3 {
		t.Errorf("Count %d after 3 more than %d", n, before)
	}
}
