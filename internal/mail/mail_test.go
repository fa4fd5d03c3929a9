package mail_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/advocacy/advocacy/internal/mail"
	"github.com/advocacy/advocacy/internal/notify"
	"github.com/advocacy/advocacy/internal/tooling/mailpittest"
)

// pit is the Mailpit these tests send to; nil when it is not installed
// outside CI (the tests that need it then skip).
var pit *mailpittest.Mailpit

func TestMain(m *testing.M) {
	var err error
	pit, err = mailpittest.Launch()
	if err != nil && (!errors.Is(err, mailpittest.ErrNoMailpit) || mailpittest.MissingIsFatal()) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	pit.Close()
	os.Exit(code)
}

func needMailpit(t *testing.T) *mailpittest.Mailpit {
	t.Helper()
	if pit == nil {
		t.Skip(mailpittest.ErrNoMailpit)
	}
	return pit
}

func newSender(t *testing.T, cfg mail.Config) *mail.Sender {
	t.Helper()
	s, err := mail.New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return s
}

func TestSendOverSMTP(t *testing.T) {
	pit := needMailpit(t)
	s := newSender(t, mail.Config{URL: pit.SMTPURL, From: "noreply@act.example.org", OrgName: "Rights Watch"})
	to := mailpittest.Recipient("signer")
	e := notify.Email{
		To:      to,
		Subject: "Confirm your signature — “Ratify the convention”",
		Text:    "Dear Zoë,\n\nPlease confirm: http://localhost:8080/confirm/abc\n",
		HTML:    `<p>Dear Zoë,</p><p>Please <a href="http://localhost:8080/confirm/abc">confirm</a>.</p>`,
		// Long enough that a header folded at 78 characters would break it.
		Unsubscribe: "https://act.example.org/unsubscribe/" + strings.Repeat("A", 43),
	}
	if err := s.Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}

	got := pit.WaitFor(t, to, 1)
	if len(got) != 1 {
		t.Fatalf("%d messages to %s, want 1", len(got), to)
	}
	m := got[0]
	if m.Subject != e.Subject {
		t.Errorf("Subject %q, want %q", m.Subject, e.Subject)
	}
	if len(m.To) != 1 || m.To[0].Address != to {
		t.Errorf("To %+v, want only %s", m.To, to)
	}
	// From has no display name of its own: the organisation's is used.
	if m.From != (mailpittest.Address{Name: "Rights Watch", Address: "noreply@act.example.org"}) {
		t.Errorf("From %+v, want Rights Watch <noreply@act.example.org>", m.From)
	}
	// Email ends lines with CRLF.
	if text := strings.ReplaceAll(m.Text, "\r\n", "\n"); strings.TrimSpace(text) != strings.TrimSpace(e.Text) {
		t.Errorf("text part %q, want %q", m.Text, e.Text)
	}
	if strings.TrimSpace(m.HTML) != e.HTML {
		t.Errorf("HTML part %q, want %q", m.HTML, e.HTML)
	}
	if !strings.HasSuffix(m.MessageID, "@act.example.org") || len(m.MessageID) < len("x@act.example.org")+16 {
		t.Errorf("Message-ID %q, want a random one at the From domain", m.MessageID)
	}
	if m.Date.IsZero() {
		t.Error("no Date")
	}
	if m.Inline != 0 || m.Attached != 0 || m.Username != "" {
		t.Errorf("inline parts %d, attachments %d, login %q; want none", m.Inline, m.Attached, m.Username)
	}

	h := pit.Headers(t, m.ID)
	if got := h["Auto-Submitted"]; len(got) != 1 || got[0] != "auto-generated" {
		t.Errorf("Auto-Submitted %q, want auto-generated", got)
	}
	if got := h["List-Unsubscribe"]; len(got) != 1 || got[0] != "<"+e.Unsubscribe+">" {
		t.Errorf("List-Unsubscribe %q, want <%s>", got, e.Unsubscribe)
	}
	if got := h["List-Unsubscribe-Post"]; len(got) != 1 || got[0] != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q, want List-Unsubscribe=One-Click", got)
	}
	for _, name := range []string{"User-Agent", "X-Mailer"} {
		if v, ok := h[name]; ok {
			t.Errorf("%s: %q; want no header naming the software", name, v)
		}
	}
	raw := pit.Raw(t, m.ID)
	for _, want := range []string{"multipart/alternative", "text/plain; charset=UTF-8", "text/html; charset=UTF-8"} {
		if !strings.Contains(raw, want) {
			t.Errorf("raw message lacks %q:\n%s", want, raw)
		}
	}
	if strings.Contains(raw, "<img") {
		t.Errorf("raw message holds an image:\n%s", raw)
	}
}

func TestSendKeepsFromName(t *testing.T) {
	pit := needMailpit(t)
	s := newSender(t, mail.Config{URL: pit.SMTPURL, From: `"Campaigns, Rights Watch" <campaigns@example.org>`, OrgName: "Rights Watch"})
	to := mailpittest.Recipient("named")
	if err := s.Send(context.Background(), notify.Email{To: to, Subject: "Thanks", Text: "Thank you."}); err != nil {
		t.Fatal(err)
	}
	m := pit.WaitFor(t, to, 1)[0]
	if m.From != (mailpittest.Address{Name: "Campaigns, Rights Watch", Address: "campaigns@example.org"}) {
		t.Errorf("From %+v, want the display name MAIL_FROM gives", m.From)
	}
	if m.HTML != "" || strings.TrimSpace(m.Text) != "Thank you." {
		t.Errorf("text %q, HTML %q; want the text alone", m.Text, m.HTML)
	}
}

// A user name in the URL logs in; Mailpit here takes any password over plain
// text on this machine.
func TestSendLogsIn(t *testing.T) {
	pit := needMailpit(t)
	url := strings.Replace(pit.SMTPURL, "smtp://", "smtp://mailer:s3cret%40pw@", 1)
	s := newSender(t, mail.Config{URL: url, From: "noreply@example.org"})
	to := mailpittest.Recipient("login")
	if err := s.Send(context.Background(), notify.Email{To: to, Subject: "Hello", Text: "Hello."}); err != nil {
		t.Fatal(err)
	}
	if m := pit.WaitFor(t, to, 1)[0]; m.Username != "mailer" {
		t.Errorf("logged in as %q, want mailer", m.Username)
	}
}

// One Sender serves many workers at once.
func TestSendConcurrently(t *testing.T) {
	pit := needMailpit(t)
	s := newSender(t, mail.Config{URL: pit.SMTPURL, From: "noreply@example.org"})
	to := mailpittest.Recipient("busy")
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.Send(context.Background(), notify.Email{To: to, Subject: fmt.Sprintf("Message %d", i), Text: "Hello."})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got := pit.WaitFor(t, to, n)
	ids := map[string]bool{}
	for _, m := range got {
		ids[m.MessageID] = true
	}
	if len(got) != n || len(ids) != n {
		t.Errorf("%d messages with %d distinct Message-IDs, want %d of each", len(got), len(ids), n)
	}
}

// ?tls=required refuses a server without STARTTLS (Mailpit has none here)
// rather than send in plain text.
func TestSendTLSRequired(t *testing.T) {
	pit := needMailpit(t)
	url := strings.Replace(pit.SMTPURL, "smtp://", "smtp://mailer:hunter2-pw@", 1) + "?tls=required"
	s := newSender(t, mail.Config{URL: url, From: "noreply@example.org"})
	to := mailpittest.Recipient("plaintext")
	err := s.Send(context.Background(), notify.Email{To: to, Subject: "Hello", Text: "Hello."})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send over a server without STARTTLS = %v, want a STARTTLS error", err)
	}
	if strings.Contains(err.Error(), "hunter2-pw") || strings.Contains(err.Error(), to) {
		t.Errorf("error %q shows the password or the recipient", err)
	}
	if got := pit.Messages(t, to); len(got) != 0 {
		t.Errorf("%d messages arrived, want none", len(got))
	}
}

// A server that is not there is an error, which the job retries later.
func TestSendRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now

	s := newSender(t, mail.Config{URL: "smtp://mailer:hunter2-pw@" + addr, From: "noreply@example.org"})
	err = s.Send(context.Background(), notify.Email{To: "someone@example.org", Subject: "Hello", Text: "Hello."})
	if err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not name the server %s", err, addr)
	}
	if strings.Contains(err.Error(), "hunter2-pw") || strings.Contains(err.Error(), "someone@") {
		t.Errorf("error %q shows the password or the recipient", err)
	}
}

func TestSendRefusesBadEmail(t *testing.T) {
	s := newSender(t, mail.Config{URL: "smtp://127.0.0.1:1", From: "noreply@example.org"})
	for _, e := range []notify.Email{
		{To: "not an address <", Subject: "Hello", Text: "Hello."},
		{To: "someone@example.org", Subject: "Hello"}, // no text
	} {
		err := s.Send(context.Background(), e)
		if err == nil {
			t.Errorf("Send(%+v) succeeded", e)
			continue
		}
		if strings.Contains(err.Error(), "not an address") {
			t.Errorf("error %q repeats the recipient", err)
		}
	}
}

func TestOff(t *testing.T) {
	s := newSender(t, mail.Config{})
	if err := s.Send(context.Background(), notify.Email{To: "a@example.org", Text: "x"}); !errors.Is(err, notify.ErrOff) {
		t.Errorf("Send with no URL = %v, want notify.ErrOff", err)
	}
	if got := s.String(); got != "email off" {
		t.Errorf("String() = %q", got)
	}
}

func TestNewErrors(t *testing.T) {
	const password = "hunter2-pw"
	tests := []struct {
		name string
		cfg  mail.Config
	}{
		{"no scheme", mail.Config{URL: "mailer:" + password + "@mail.example.org", From: "a@example.org"}},
		{"wrong scheme", mail.Config{URL: "https://mailer:" + password + "@mail.example.org", From: "a@example.org"}},
		{"no host", mail.Config{URL: "smtp://mailer:" + password + "@:25", From: "a@example.org"}},
		{"bad port", mail.Config{URL: "smtp://mailer:" + password + "@mail.example.org:99999", From: "a@example.org"}},
		{"path", mail.Config{URL: "smtp://mailer:" + password + "@mail.example.org/x", From: "a@example.org"}},
		{"unknown parameter", mail.Config{URL: "smtp://mailer:" + password + "@mail.example.org?tls=off", From: "a@example.org"}},
		{"unparsable", mail.Config{URL: "smtp://mailer:" + password + "@mail example.org", From: "a@example.org"}},
		{"no From", mail.Config{URL: "smtp://mailer:" + password + "@mail.example.org"}},
		{"bad From", mail.Config{URL: "smtp://mailer:" + password + "@mail.example.org", From: "campaigns at example.org"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := mail.New(tt.cfg)
			if err == nil {
				t.Fatalf("New = %v, want an error", s)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

// String, for the start-up log, shows where email goes and how, with the
// default ports filled in and the password left out.
func TestString(t *testing.T) {
	tests := []struct{ url, want string }{
		{"smtp://127.0.0.1:1025", "smtp://127.0.0.1:1025 (STARTTLS when offered)"},
		{"smtp://mailer:pw@mail.example.org", "smtp://mailer@mail.example.org:587 (STARTTLS when offered)"},
		{"smtp://mail.example.org/?tls=required", "smtp://mail.example.org:587?tls=required (STARTTLS required)"},
		{"smtps://mailer:pw@mail.example.org", "smtps://mailer@mail.example.org:465 (implicit TLS)"},
		{"smtps://[2001:db8::25]:2465", "smtps://[2001:db8::25]:2465 (implicit TLS)"},
	}
	for _, tt := range tests {
		s := newSender(t, mail.Config{URL: tt.url, From: "a@example.org"})
		if got := s.String(); got != tt.want {
			t.Errorf("New(%q).String() = %q, want %q", tt.url, got, tt.want)
		}
	}
}
