// Package mail sends the service's email over SMTP: it implements
// notify.Mailer with github.com/wneessen/go-mail.
//
// The server is named by a URL, as SMTP_URL is:
//
//	smtp://user:password@host:port                STARTTLS when the server offers it (port 587 by default)
//	smtp://user:password@host:port?tls=required   STARTTLS or no email
//	smtps://user:password@host:port               implicit TLS (port 465 by default)
//
// Without a user name no login is tried. A password is sent only over TLS or
// to a server on this machine (as to Mailpit in development); elsewhere over
// plain text only a mechanism that never sends it (CRAM-MD5, SCRAM) is used.
package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/advocacy/advocacy/internal/notify"
)

// Timeout bounds connecting to the server and each command of the
// conversation after that.
const Timeout = 10 * time.Second

// Config says where and as whom to send.
type Config struct {
	URL     string // SMTP_URL; empty: email is off, and Send returns notify.ErrOff
	From    string // MAIL_FROM: "Name <address>" or a bare address
	OrgName string // ORG_NAME: the display name of From when From has none
}

// Sender sends email through one SMTP server. It is safe for concurrent use
// because it shares no connection: each Send connects, sends one message and
// quits. A handshake per email is cheap at the rate this service sends them
// (one per signature at most), and a broken connection never outlives the
// message it failed.
type Sender struct {
	host     string
	port     int
	implicit bool // smtps://: TLS from the first byte
	required bool // ?tls=required: STARTTLS or no email
	user     string
	password string
	from     *netmail.Address
	domain   string // of From, for Message-IDs
}

var _ notify.Mailer = (*Sender)(nil)

// New reads cfg. It returns a Sender whose Send returns notify.ErrOff when
// cfg.URL is empty, and an error naming what is wrong with the URL (without
// its password) or with From. It does not connect.
func New(cfg Config) (*Sender, error) {
	if cfg.URL == "" {
		return &Sender{}, nil
	}
	s, err := parseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.From == "" {
		return nil, errors.New("mail: no From address")
	}
	s.from, err = netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: From %q: %w", cfg.From, err)
	}
	if s.from.Name == "" {
		s.from.Name = cfg.OrgName
	}
	s.domain = s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	// The options are checked once here; Send builds its client the same way.
	if _, err := s.client(); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return s, nil
}

// parseURL reads an SMTP URL by the rules in the package comment. Errors
// never repeat the password.
func parseURL(raw string) (*Sender, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included; its cause does not.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("mail: SMTP URL is not a URL: %v", err)
	}
	if (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Opaque != "" {
		return nil, errors.New("mail: SMTP URL must be smtp://[user:password@]host[:port] or smtps://…")
	}
	shown := u.Redacted()
	s := &Sender{host: u.Hostname(), implicit: u.Scheme == "smtps", port: 587}
	if s.implicit {
		s.port = 465
	}
	if s.host == "" {
		return nil, fmt.Errorf("mail: SMTP URL %q names no host", shown)
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("mail: SMTP URL %q has no valid port", shown)
		}
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("mail: SMTP URL %q has a path", shown)
	}
	for name, values := range u.Query() {
		if name != "tls" || len(values) != 1 || values[0] != "required" {
			return nil, fmt.Errorf("mail: SMTP URL %q: the only parameter is tls=required", shown)
		}
		s.required = true
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	return s, nil
}

// String is the server's address as a URL without the password, and how the
// connection is secured, for the start-up log.
func (s *Sender) String() string {
	if s.host == "" {
		return "email off"
	}
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(s.host, strconv.Itoa(s.port))}
	how := "STARTTLS when offered"
	switch {
	case s.implicit:
		u.Scheme, how = "smtps", "implicit TLS"
	case s.required:
		u.RawQuery, how = "tls=required", "STARTTLS required"
	}
	if s.user != "" {
		u.User = url.User(s.user)
	}
	return u.String() + " (" + how + ")"
}

// client is a go-mail client for one Send. Building one connects nothing.
func (s *Sender) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(Timeout)}
	switch {
	case s.implicit:
		opts = append(opts, gomail.WithSSL())
	case s.required:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		// Mailpit and other development servers offer no STARTTLS.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.user != "" {
		// AutoDiscover picks the strongest mechanism the server offers and,
		// over plain text, only one that never sends the password. PLAIN,
		// which a local Mailpit offers, is itself refused over plain text to
		// any host but this machine.
		auth := gomail.SMTPAuthAutoDiscover
		if isLoopback(s.host) {
			auth = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	}
	return gomail.NewClient(s.host, opts...)
}

// Send sends e and returns once the server has accepted it. It returns
// notify.ErrOff when email is off. Errors name the server, never the
// password or the recipient (they end up in logs).
func (s *Sender) Send(ctx context.Context, e notify.Email) error {
	if s.host == "" {
		return notify.ErrOff
	}
	msg, err := s.message(e)
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	// ctx bounds connecting; after that each command has Timeout.
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send through %s: %w", net.JoinHostPort(s.host, strconv.Itoa(s.port)), err)
	}
	return nil
}

// message builds e: From, To, Subject, Date, Message-ID, a text part and,
// when there is HTML, an HTML alternative. Nothing else: no images, no
// tracking, no header naming the software.
func (s *Sender) message(e notify.Email) (*gomail.Msg, error) {
	if e.Text == "" {
		return nil, errors.New("mail: an email needs a text part")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	if err := msg.To(e.To); err != nil {
		return nil, errors.New("mail: the recipient is not an email address")
	}
	msg.Subject(e.Subject)
	msg.SetDateWithValue(time.Now().UTC())
	msg.SetMessageIDWithValue(strings.ToLower(rand.Text()) + "@" + s.domain)
	// Sent by the service, not by a person: no out-of-office replies (RFC 3834).
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	if e.Unsubscribe != "" {
		// One-click unsubscribe (RFC 8058): the provider POSTs
		// List-Unsubscribe=One-Click to the link. go-mail's
		// SetListUnsubscribeOneClick insists on https, as the RFC does for
		// providers to act on it; a development server on http gets the
		// same headers, which providers then ignore.
		msg.SetListUnsubscribe(e.Unsubscribe)
		msg.SetListUnsubscribePost()
	}
	msg.SetBodyString(gomail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	}
	return msg, nil
}

// isLoopback reports whether host is one go-mail's PLAIN will log in to
// over plain text.
func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
