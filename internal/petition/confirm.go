package petition

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Confirmer counts pending signatures. Confirm counts signature
// signatureID of petition petitionID if it is pending, moving the
// petition's count and tallies with it; Counted is false when it was
// counted already (a second press of the button). Returns ErrNotFound when
// the petition has no such signature. The change is committed before
// Confirm returns.
type Confirmer interface {
	Confirm(ctx context.Context, petitionID, signatureID int64) (ConfirmResult, error)
}

// ConfirmResult is what a confirmation did.
type ConfirmResult struct {
	// SignatureCount is the petition's count after it, including the
	// signature.
	SignatureCount int64
	// Counted is true when this call counted the signature.
	Counted bool
}

// Confirmable is a signature as its confirmation page needs it.
type Confirmable struct {
	SignatureID int64
	PetitionID  int64
	State       string
	// ReleaseSlug is the published release to send the signer back to: the
	// one they signed from, else the newest published release carrying the
	// petition; empty when there is none.
	ReleaseSlug string
	// CampaignSlug is the petition's campaign, the fallback.
	CampaignSlug string
}

// ConfirmStore reads signatures for their confirmation pages.
type ConfirmStore interface {
	// Confirmable returns ErrNotFound when there is no such signature.
	Confirmable(ctx context.Context, signatureID int64) (Confirmable, error)
}

// Confirmation is a confirmation link's signature and petition.
type Confirmation struct {
	Confirmable
	Petition Petition
	// AlreadyConfirmed is true when the signature was counted before this
	// request (the link opened again).
	AlreadyConfirmed bool
}

// Confirmations runs the confirmation links: it reads what a link names
// and counts its signature when its owner presses the button.
type Confirmations struct {
	tokens    *Tokens
	ttl       time.Duration
	store     Store
	signers   ConfirmStore
	confirmer Confirmer
	now       func() time.Time
}

// NewConfirmations returns the confirmation use case: links made by tokens
// last ttl.
func NewConfirmations(tokens *Tokens, ttl time.Duration, store Store, signers ConfirmStore, confirmer Confirmer) *Confirmations {
	return &Confirmations{tokens: tokens, ttl: ttl, store: store, signers: signers, confirmer: confirmer, now: time.Now}
}

// Check reads the confirmation a token names, changing nothing (mail
// scanners open links). Returns ErrBadToken for a token this server did not
// make or a signature that is gone, and ErrTokenExpired, with the
// confirmation, for a pending signature whose link is older than the TTL.
// An already counted signature is not an error, however old the link.
func (c *Confirmations) Check(ctx context.Context, token string) (Confirmation, error) {
	id, issued, err := c.tokens.Parse(ctx, token)
	if err != nil {
		return Confirmation{}, err
	}
	target, err := c.signers.Confirmable(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Confirmation{}, ErrBadToken
	}
	if err != nil {
		return Confirmation{}, fmt.Errorf("confirmation of signature %d: %w", id, err)
	}
	p, err := c.store.PetitionByID(ctx, target.PetitionID)
	if err != nil {
		return Confirmation{}, fmt.Errorf("confirmation of signature %d: %w", id, err)
	}
	conf := Confirmation{Confirmable: target, Petition: p, AlreadyConfirmed: target.State == StateCounted}
	if !conf.AlreadyConfirmed && c.now().After(issued.Add(c.ttl)) {
		return conf, ErrTokenExpired
	}
	return conf, nil
}

// Confirm counts the signature a token names, as Check would find it.
// Confirming a counted signature changes nothing and reports
// AlreadyConfirmed. A closed petition still counts signatures made while it
// was open.
func (c *Confirmations) Confirm(ctx context.Context, token string) (Confirmation, error) {
	conf, err := c.Check(ctx, token)
	if err != nil || conf.AlreadyConfirmed {
		return conf, err
	}
	res, err := c.confirmer.Confirm(ctx, conf.PetitionID, conf.SignatureID)
	if errors.Is(err, ErrNotFound) {
		return Confirmation{}, ErrBadToken
	}
	if err != nil {
		return Confirmation{}, fmt.Errorf("confirm signature %d: %w", conf.SignatureID, err)
	}
	conf.AlreadyConfirmed = !res.Counted
	conf.State = StateCounted
	conf.Petition.SignatureCount = res.SignatureCount
	return conf, nil
}
