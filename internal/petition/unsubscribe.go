package petition

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ConsentStore reads and withdraws signers' consent to updates.
type ConsentStore interface {
	// ConsentOf returns the signature's petition and when its consent was
	// withdrawn (nil: not withdrawn). Returns ErrNotFound when there is no
	// such signature.
	ConsentOf(ctx context.Context, signatureID int64) (petitionID int64, withdrawnAt *time.Time, err error)
	// WithdrawConsent sets the signature's consent to updates to false and
	// records when, unless it was withdrawn before. It returns the time of
	// the withdrawal (this one's or the earlier one's) and whether this call
	// made it. Returns ErrNotFound when there is no such signature.
	WithdrawConsent(ctx context.Context, signatureID int64) (withdrawnAt time.Time, withdrew bool, err error)
}

// Unsubscription is what an unsubscribe link names: a signature, its
// petition, and whether its owner has withdrawn consent to updates.
type Unsubscription struct {
	SignatureID int64
	Petition    Petition
	// WithdrawnAt is when consent was withdrawn; nil while it stands.
	WithdrawnAt *time.Time
	// Already is true when consent had been withdrawn before this request.
	Already bool
}

// Unsubscribes runs the unsubscribe links in every email: one per
// signature, made by Tokens of PurposeUnsubscribe. The links do not expire:
// withdrawing consent must stay possible for as long as the email may be
// read, and what a link can do (stop updates to its owner) is what its
// owner is always entitled to.
type Unsubscribes struct {
	tokens  *Tokens
	store   Store
	consent ConsentStore
}

// NewUnsubscribes returns the unsubscribe use case.
func NewUnsubscribes(tokens *Tokens, store Store, consent ConsentStore) *Unsubscribes {
	return &Unsubscribes{tokens: tokens, store: store, consent: consent}
}

// Link returns the token of signature id's unsubscribe link.
func (u *Unsubscribes) Link(ctx context.Context, signatureID int64) (string, error) {
	return u.tokens.Issue(ctx, signatureID, time.Now())
}

// Check reads what a token names, changing nothing (mail scanners open
// links). Returns ErrBadToken for a token this server did not make for
// unsubscribing, or whose signature is gone.
func (u *Unsubscribes) Check(ctx context.Context, token string) (Unsubscription, error) {
	id, _, err := u.tokens.Parse(ctx, token)
	if err != nil {
		return Unsubscription{}, err
	}
	petitionID, withdrawn, err := u.consent.ConsentOf(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Unsubscription{}, ErrBadToken
	}
	if err != nil {
		return Unsubscription{}, fmt.Errorf("unsubscribe signature %d: %w", id, err)
	}
	p, err := u.store.PetitionByID(ctx, petitionID)
	if err != nil {
		return Unsubscription{}, fmt.Errorf("unsubscribe signature %d: %w", id, err)
	}
	return Unsubscription{SignatureID: id, Petition: p, WithdrawnAt: withdrawn, Already: withdrawn != nil}, nil
}

// Withdraw withdraws the consent to updates of the signature a token names,
// as Check finds it. Withdrawing again changes nothing and reports Already.
func (u *Unsubscribes) Withdraw(ctx context.Context, token string) (Unsubscription, error) {
	un, err := u.Check(ctx, token)
	if err != nil || un.Already {
		return un, err
	}
	at, withdrew, err := u.consent.WithdrawConsent(ctx, un.SignatureID)
	if errors.Is(err, ErrNotFound) {
		return Unsubscription{}, ErrBadToken
	}
	if err != nil {
		return Unsubscription{}, fmt.Errorf("unsubscribe signature %d: %w", un.SignatureID, err)
	}
	un.WithdrawnAt, un.Already = &at, !withdrew
	return un, nil
}
