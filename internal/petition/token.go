package petition

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrBadToken: a link (to confirm a signature, or to unsubscribe) that this
// server did not make for that purpose, or that was altered. It says
// nothing about whether a signature exists.
var ErrBadToken = errors.New("unknown link")

// ErrTokenExpired: a confirmation link older than the confirmation period.
var ErrTokenExpired = errors.New("confirmation link expired")

// tokenMACLen is how much of the HMAC-SHA256 a token keeps: 128 bits is far
// beyond guessing, and keeps links short.
const tokenMACLen = 16

// tokenLen is a token's length in bytes before encoding: the signature id,
// the time the link was made, and the MAC over both.
const tokenLen = 8 + 8 + tokenMACLen

// Purposes of Tokens: each is signed into every MAC, so a token made for
// one is refused by Tokens of another, even under the same key.
const (
	// PurposeConfirm is the links that confirm pending signatures.
	PurposeConfirm = "confirm signature"
	// PurposeUnsubscribe is the links that withdraw consent to updates.
	PurposeUnsubscribe = "unsubscribe"
)

// Tokens makes and checks the links that confirm signatures (and, made with
// NewTokensFor, links for other purposes, such as unsubscribing). A token names
// a signature and the time its link was made, and carries an HMAC-SHA256
// of both under a server key, so nothing needs storing per link: a link
// sent again is a new token with a new time, and every instance sharing
// the key accepts every other's links.
//
// The key is loaded on first use, not at start: a server that starts while
// its database is down still starts, and answers 503 until it is back.
type Tokens struct {
	// domain is what the MAC covers before the token's bytes: the purpose.
	domain  []byte
	purpose string
	load    func(ctx context.Context) ([]byte, error)
	mu      sync.Mutex
	key     []byte
}

// NewTokens returns the Tokens of confirmation links (PurposeConfirm), keyed
// by what load returns: a secret of at least 32 bytes. load is called until
// it succeeds once.
func NewTokens(load func(ctx context.Context) ([]byte, error)) *Tokens {
	return NewTokensFor(PurposeConfirm, load)
}

// NewTokensFor returns Tokens for links of purpose (PurposeConfirm,
// PurposeUnsubscribe), keyed as NewTokens is. Tokens of different purposes
// never accept each other's tokens; give each purpose its own key too.
func NewTokensFor(purpose string, load func(ctx context.Context) ([]byte, error)) *Tokens {
	return &Tokens{domain: []byte("advocacy " + purpose + " v1\x00"), purpose: purpose, load: load}
}

// StaticKey is a key loader that always returns key.
func StaticKey(key []byte) func(context.Context) ([]byte, error) {
	return func(context.Context) ([]byte, error) { return key, nil }
}

func (t *Tokens) keyOf(ctx context.Context) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.key != nil {
		return t.key, nil
	}
	key, err := t.load(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", t.purpose, err)
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("%s key: need at least 32 bytes", t.purpose)
	}
	t.key = append([]byte(nil), key...)
	return t.key, nil
}

// Issue returns the token of a link naming signature id, made at t:
// 43 URL-safe characters.
func (t *Tokens) Issue(ctx context.Context, id int64, at time.Time) (string, error) {
	key, err := t.keyOf(ctx)
	if err != nil {
		return "", err
	}
	var b [tokenLen]byte
	binary.BigEndian.PutUint64(b[0:8], uint64(id))
	binary.BigEndian.PutUint64(b[8:16], uint64(at.Unix()))
	copy(b[16:], t.mac(key, b[:16]))
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Parse returns the signature id and the time of a token Issue made with
// the same key. Returns ErrBadToken for anything else (the MAC is compared
// in constant time), or the failure to load the key.
func (t *Tokens) Parse(ctx context.Context, token string) (id int64, issued time.Time, err error) {
	if len(token) != base64.RawURLEncoding.EncodedLen(tokenLen) {
		return 0, time.Time{}, ErrBadToken
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != tokenLen {
		return 0, time.Time{}, ErrBadToken
	}
	key, err := t.keyOf(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	if !hmac.Equal(b[16:], t.mac(key, b[:16])) {
		return 0, time.Time{}, ErrBadToken
	}
	id = int64(binary.BigEndian.Uint64(b[0:8]))
	if id <= 0 {
		return 0, time.Time{}, ErrBadToken
	}
	return id, time.Unix(int64(binary.BigEndian.Uint64(b[8:16])), 0).UTC(), nil
}

func (t *Tokens) mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	// The purpose is part of what is signed, so a key used for other links
	// too can never have one kind of link accepted as another.
	h.Write(t.domain)
	h.Write(msg)
	return h.Sum(nil)[:tokenMACLen]
}
