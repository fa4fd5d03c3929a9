package notify

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
)

//go:embed templates
var templates embed.FS

// Signed is what an email about a signature needs to say.
type Signed struct {
	SignatureID    int64
	FullName       string
	Email          string
	PetitionTitle  string
	Ask            string
	SignatureCount int64
	CampaignSlug   string
	// State is petition.StateCounted or petition.StatePending.
	State string
}

// Store reads what emails say.
type Store interface {
	// Signed returns the signature with that id and its petition, or an
	// error wrapping petition.ErrNotFound when there is none (it may have
	// been erased since the email was queued).
	Signed(ctx context.Context, signatureID int64) (Signed, error)
	// EmailSent records that the email kind ("confirm", "thanks" or
	// "already") was sent about the signature, for subject access requests.
	EmailSent(ctx context.Context, signatureID int64, kind string) error
}

// ErrNotRecorded: an email was sent, but the record of it was not stored.
// Sending it again would send it twice, so it is not an error to retry.
var ErrNotRecorded = errors.New("email sent but not recorded")

// Config is what every email carries.
type Config struct {
	BaseURL string // links point here
	OrgName string // who the email is from, in words
	// Tokens makes the links that confirm pending signatures, valid for
	// ConfirmTTL.
	Tokens     *petition.Tokens
	ConfirmTTL time.Duration
	// UnsubscribeTokens makes the unsubscribe link every email carries (in
	// its headers and in its words): tokens of petition.PurposeUnsubscribe.
	UnsubscribeTokens *petition.Tokens
}

// Service composes and sends the emails.
type Service struct {
	store  Store
	mailer Mailer
	cfg    Config
	text   *texttemplate.Template
	html   *htmltemplate.Template
}

// NewService returns a Service that sends through mailer.
func NewService(store Store, mailer Mailer, cfg Config) (*Service, error) {
	text, err := texttemplate.ParseFS(templates, "templates/*.txt")
	if err != nil {
		return nil, fmt.Errorf("email templates: %w", err)
	}
	html, err := htmltemplate.ParseFS(templates, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("email templates: %w", err)
	}
	return &Service{store: store, mailer: mailer, cfg: cfg, text: text, html: html}, nil
}

// signedData is what the emails about a signature show.
type signedData struct {
	Subject, Name, Petition, Ask, Count, Link, Org string
	// ConfirmLink and ConfirmDays are the confirmation email's.
	ConfirmLink, ConfirmDays string
	// UnsubscribeLink withdraws the signer's consent to updates; every
	// email shows it.
	UnsubscribeLink string
}

// SignatureEmail sends the owner of a signature the email it calls for:
// while the signature is pending, the link that confirms it (for a new
// signature and for a repeat alike: the owner may have lost the first);
// once it is counted, a thank-you when it is new, or "you have already
// signed" for a repeat (the answer to the signer gave nothing away, so the
// owner is the one to hear of it). The email is chosen by the signature's
// state when it is sent. It is safe to call again for the same signature
// (a retried job).
func (s *Service) SignatureEmail(ctx context.Context, signatureID int64, repeat bool) error {
	sig, err := s.store.Signed(ctx, signatureID)
	if err != nil {
		return fmt.Errorf("email signer %d: %w", signatureID, err)
	}
	switch {
	case sig.State == petition.StatePending:
		return s.aboutSignature(ctx, sig, "confirm", "Please confirm your signature: ")
	case repeat:
		return s.aboutSignature(ctx, sig, "already", "You have already signed: ")
	default:
		return s.aboutSignature(ctx, sig, "thanks", "Thank you for signing: ")
	}
}

// aboutSignature sends the email whose templates are named template.txt and
// template.html to the signer of sig.
func (s *Service) aboutSignature(ctx context.Context, sig Signed, template, subject string) error {
	signatureID := sig.SignatureID
	d := signedData{Subject: subject + sig.PetitionTitle, Name: sig.FullName,
		Petition: sig.PetitionTitle, Ask: sig.Ask, Count: strconv.FormatInt(sig.SignatureCount, 10),
		Link: s.cfg.BaseURL + "/campaigns/" + url.PathEscape(sig.CampaignSlug), Org: s.cfg.OrgName}
	if template == "confirm" {
		// A new token each time: the link's time is when it was sent.
		if s.cfg.Tokens == nil {
			return fmt.Errorf("email signer %d: no key for confirmation links", signatureID)
		}
		token, err := s.cfg.Tokens.Issue(ctx, signatureID, time.Now())
		if err != nil {
			return fmt.Errorf("email signer %d: %w", signatureID, err)
		}
		d.ConfirmLink = s.cfg.BaseURL + "/confirm/" + token
		d.ConfirmDays = strconv.Itoa(max(1, int(s.cfg.ConfirmTTL.Hours()/24)))
	}
	if s.cfg.UnsubscribeTokens == nil {
		return fmt.Errorf("email signer %d: no key for unsubscribe links", signatureID)
	}
	// Unsubscribe links do not expire; the time in the token is unused.
	unsubscribe, err := s.cfg.UnsubscribeTokens.Issue(ctx, signatureID, time.Now())
	if err != nil {
		return fmt.Errorf("email signer %d: %w", signatureID, err)
	}
	d.UnsubscribeLink = s.cfg.BaseURL + "/unsubscribe/" + unsubscribe
	e := Email{To: sig.Email, Subject: d.Subject, Unsubscribe: d.UnsubscribeLink}
	var text, html bytes.Buffer
	if err := s.text.ExecuteTemplate(&text, template+".txt", d); err != nil {
		return fmt.Errorf("email signer %d: %w", signatureID, err)
	}
	if err := s.html.ExecuteTemplate(&html, template+".html", d); err != nil {
		return fmt.Errorf("email signer %d: %w", signatureID, err)
	}
	e.Text, e.HTML = text.String(), html.String()
	if err := s.mailer.Send(ctx, e); err != nil {
		return fmt.Errorf("email signer %d: %w", signatureID, withoutAddress(err, sig.Email))
	}
	if err := s.store.EmailSent(ctx, signatureID, template); err != nil {
		return fmt.Errorf("email signer %d: %w: %w", signatureID, ErrNotRecorded, err)
	}
	return nil
}

// withoutAddress is err with the recipient's address taken out of its text,
// since job errors are logged and shown to operators. The error is still
// one to retry.
func withoutAddress(err error, address string) error {
	if address == "" || !strings.Contains(err.Error(), address) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), address, "<recipient>"))
}
