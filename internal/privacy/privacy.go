// Package privacy answers the requests a person may make about the data held
// on them under UK GDPR: subject access (everything held about an email
// address) and erasure (anonymising their signatures and removing their
// details from donations, except what the law makes the organisation keep).
// Retention and unsubscribing live with the data they change (petition,
// donation); this package spans both.
//
// A person is named by their email address, normalised as signing does. The
// address is never written to the audit log or remembered after an erasure:
// both keep a keyed hash of it (SubjectHash), which can be matched against
// an address someone types but not read back.
package privacy

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// Subject is everything held about one email address.
type Subject struct {
	Email string // normalised
	// Hash is the address's keyed hash, as the audit log names it.
	Hash string
	// ErasedAt is when the address was last erased; nil: never.
	ErasedAt   *time.Time
	Signatures []Signature
	Donations  []Donation
	// Emails are the emails sent, and still queued, about its signatures.
	Emails []Email
}

// Signature is one of the person's signatures, with the consent it gave.
type Signature struct {
	ID            int64
	PetitionID    int64
	PetitionSlug  string
	PetitionTitle string
	FullName      string
	Email         string
	Postcode      string
	Country       string
	State         string // petition.StateCounted, StatePending, …
	Source        string // the release's slug or the source code; "" for none
	SignedAt      time.Time
	ConfirmedAt   *time.Time
	Consent       Consent
	// AnonymisedAt: the signature lost its name, email and postcode then
	// (retention or an erasure); nil while it holds them.
	AnonymisedAt *time.Time
}

// Consent is a consent to updates as it was given, and its withdrawal.
type Consent struct {
	Given       bool
	Version     string
	Wording     string // the words the supporter saw
	WithdrawnAt *time.Time
}

// Donation is one of the person's donations: those made with the address,
// and those made after one of its signatures.
type Donation struct {
	ID          int64
	CampaignID  int64
	SignatureID *int64
	Amount      int64 // minor units
	Currency    string
	Status      string
	CreatedAt   time.Time
	PaidAt      *time.Time
	DonorName   string
	DonorEmail  string
	GiftAid     *GiftAid
	// DonorErasedAt: the donor asked to be erased then.
	DonorErasedAt *time.Time
	// DetailsErasedAt: retention erased its personal details then.
	DetailsErasedAt *time.Time
}

// GiftAid is a Gift Aid declaration as it was made.
type GiftAid struct {
	DeclaredAt time.Time
	// Title, FirstName, LastName and House are what HMRC's schedule asks
	// for; empty on declarations made before they were asked.
	Title, FirstName, LastName, House string
	FullName                          string
	HomeAddress                       string
	Postcode                          string
	WordingVersion                    string
	Wording                           string
}

// Email is an email about one of the person's signatures.
type Email struct {
	SignatureID int64
	// Kind is "confirm", "thanks" or "already"; for a queued email, what
	// it was queued for ("new" or "repeat"), the email being chosen when
	// it is sent.
	Kind   string
	Status string // EmailSent or EmailQueued
	// At is when it was sent, or when it is due.
	At time.Time
}

// Email statuses.
const (
	EmailSent   = "sent"
	EmailQueued = "queued"
)

// Erasure is what an erasure did.
type Erasure struct {
	// SignaturesAnonymised counts the signatures that lost their name,
	// email and postcode now (those anonymised before are not counted).
	SignaturesAnonymised int64
	// DonationsErased counts the donations whose donor details went.
	DonationsErased int64
	// EmailsCancelled counts queued emails that will not be sent.
	EmailsCancelled int64
	// ConsentsWithdrawn counts consents to updates withdrawn by the erasure.
	ConsentsWithdrawn int64
	// Kept lists what the law makes the organisation keep, and why.
	Kept []Kept
	// ErasedAt is when this erasure happened; FirstErasedAt when the
	// address was first erased (the same for a first erasure).
	ErasedAt      time.Time
	FirstErasedAt time.Time
}

// Kept is personal data an erasure left in place.
type Kept struct {
	DonationID int64
	Fields     []string // the declaration's columns kept: its names, house, address and postcode
	Reason     string
	// Until is when retention erases them (GIFTAID_RETENTION_YEARS after
	// the donation).
	Until time.Time
}

// KeptReason is why a Gift Aid declaration outlives an erasure.
const KeptReason = "A Gift Aid declaration, with the donor's name and home address, must be kept for as long as " +
	"HMRC may check the claim on this donation: six years after it. It is used for nothing else, and is erased then."

// Store reads and erases a subject's data. Its changes are audit-logged in
// the transaction that makes them, naming the subject by hash only.
type Store interface {
	// Subject returns what is held about email (normalised), and records
	// the lookup by actor in the audit log under hash.
	Subject(ctx context.Context, actor staff.Actor, email string, hash []byte) (Subject, error)
	// Erase anonymises the signatures of email, removes its donor details
	// from donations (keeping a Gift Aid declaration's name, address and
	// postcode on a donation that could be claimed, made in the last
	// giftAidYears years), withdraws its consents to updates, cancels its
	// queued emails and remembers hash, in one transaction with its audit
	// row. Signing goes on meanwhile: only the subject's rows are locked.
	Erase(ctx context.Context, actor staff.Actor, email string, hash []byte, giftAidYears int) (Erasure, error)
}

// Service runs subject access and erasure requests.
type Service struct {
	store Store
	keys  *Hasher
	// giftAidYears is how long a Gift Aid declaration is kept.
	giftAidYears int
}

// NewService returns a Service over store, hashing addresses with keys and
// keeping Gift Aid declarations giftAidYears (GIFTAID_RETENTION_YEARS).
func NewService(store Store, keys *Hasher, giftAidYears int) *Service {
	return &Service{store: store, keys: keys, giftAidYears: giftAidYears}
}

// Subject returns everything held about email, and audit-logs the lookup
// by actor. A malformed address is a valid.Errors naming "email".
func (s *Service) Subject(ctx context.Context, actor staff.Actor, email string) (Subject, error) {
	email, hash, err := s.subject(ctx, email)
	if err != nil {
		return Subject{}, err
	}
	sub, err := s.store.Subject(ctx, actor, email, hash)
	if err != nil {
		return Subject{}, fmt.Errorf("subject access: %w", err)
	}
	return sub, nil
}

// Erase erases what is held about email but the law makes the organisation
// keep, and audit-logs it. Erasing an address again erases what was stored
// since (a new signature, say) and changes nothing else.
func (s *Service) Erase(ctx context.Context, actor staff.Actor, email string) (Erasure, error) {
	email, hash, err := s.subject(ctx, email)
	if err != nil {
		return Erasure{}, err
	}
	e, err := s.store.Erase(ctx, actor, email, hash, s.giftAidYears)
	if err != nil {
		return Erasure{}, fmt.Errorf("erase subject: %w", err)
	}
	return e, nil
}

// subject validates and normalises email and returns its keyed hash.
func (s *Service) subject(ctx context.Context, email string) (string, []byte, error) {
	email = petition.NormaliseEmail(email)
	if err := checkEmail(email); err != nil {
		return "", nil, valid.Errors{"email": err.Error()}
	}
	hash, err := s.keys.Hash(ctx, email)
	if err != nil {
		return "", nil, err
	}
	return email, hash, nil
}

// checkEmail accepts any address that could have been stored: a signer's,
// or a donor's as Stripe gave it. It refuses what cannot be one.
func checkEmail(email string) error {
	switch {
	case email == "":
		return errors.New("Enter the email address the person used.")
	case len(email) > 254 || !utf8.ValidString(email) || strings.ContainsAny(email, "\x00\r\n"):
		return errors.New("Enter a valid email address.")
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return errors.New("Enter a valid email address.")
	}
	return nil
}

// Hasher makes keyed hashes of addresses: HMAC-SHA256 under a server key.
// The key is whatever load returns at each use; the loader caches it (the
// server's keys are read once and kept).
type Hasher struct {
	load func(ctx context.Context) ([]byte, error)
}

// NewHasher returns a Hasher keyed by what load returns (at least 32 bytes).
func NewHasher(load func(ctx context.Context) ([]byte, error)) *Hasher {
	return &Hasher{load: load}
}

// hashDomain separates these hashes from any other use of the key.
const hashDomain = "advocacy privacy subject v1\x00"

// Hash returns the keyed hash of a normalised address.
func (h *Hasher) Hash(ctx context.Context, email string) ([]byte, error) {
	key, err := h.load(ctx)
	if err != nil {
		return nil, fmt.Errorf("privacy key: %w", err)
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("privacy key: %d bytes, want at least 32", len(key))
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(hashDomain))
	mac.Write([]byte(email))
	return mac.Sum(nil), nil
}

// HashText is a hash as the audit log and the answers show it.
func HashText(hash []byte) string { return hex.EncodeToString(hash) }
