package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/advocacy/advocacy/internal/valid"
)

// ThrottlePolicy limits failed logins over a sliding window.
type ThrottlePolicy struct {
	Window        time.Duration // default 15 minutes
	MaxPerAccount int           // failures allowed per email in the window (default 5)
	MaxPerAddress int           // failures allowed per client address in the window (default 20)
}

// DefaultThrottlePolicy allows 5 failures per account and 20 per address
// in 15 minutes.
func DefaultThrottlePolicy() ThrottlePolicy {
	return ThrottlePolicy{Window: 15 * time.Minute, MaxPerAccount: 5, MaxPerAddress: 20}
}

// DefaultSessionTTL is how long a browser session lasts: a working day.
const DefaultSessionTTL = 12 * time.Hour

// AuthOptions tune Auth; zero fields take their defaults.
type AuthOptions struct {
	Passwords  PasswordParams
	SessionTTL time.Duration
	Throttle   ThrottlePolicy
}

// Auth signs staff in and out, checks sessions and API tokens, and manages
// the secrets of accounts: passwords and tokens.
type Auth struct {
	store      Store
	passwords  PasswordParams
	sessionTTL time.Duration
	throttle   ThrottlePolicy
	// dummyHash is checked when the email is unknown, so that a wrong
	// address takes as long to refuse as a wrong password. It is made on
	// the first login, so commands that never log in do not pay for it.
	dummyHash func() (string, error)
}

// NewAuth returns an Auth over store.
func NewAuth(store Store, opts AuthOptions) (*Auth, error) {
	a := &Auth{store: store, passwords: opts.Passwords.orDefault(), sessionTTL: opts.SessionTTL, throttle: opts.Throttle}
	if a.sessionTTL <= 0 {
		a.sessionTTL = DefaultSessionTTL
	}
	def := DefaultThrottlePolicy()
	if a.throttle.Window <= 0 {
		a.throttle.Window = def.Window
	}
	if a.throttle.MaxPerAccount <= 0 {
		a.throttle.MaxPerAccount = def.MaxPerAccount
	}
	if a.throttle.MaxPerAddress <= 0 {
		a.throttle.MaxPerAddress = def.MaxPerAddress
	}
	a.dummyHash = sync.OnceValues(func() (string, error) { return a.passwords.HashPassword(NewSecret()) })
	return a, nil
}

// SessionTTL is how long a new session lasts.
func (a *Auth) SessionTTL() time.Duration { return a.sessionTTL }

// Session is a signed-in browser: Secret goes in the cookie, and only its
// hash is stored.
type Session struct {
	Secret    string
	Member    Member
	ExpiresAt time.Time
}

// Login checks email and password and starts a session. It returns
// ErrBadCredentials for an unknown email, a wrong password or a disabled
// account (without saying which), and a *ThrottledError while too many
// logins for the account or from the address have failed recently.
func (a *Auth) Login(ctx context.Context, email, password, address string) (Session, error) {
	email = NormaliseEmail(email)
	attempt, err := a.store.BeginLogin(ctx, email, address, a.throttle.Window)
	if err != nil {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	if wait := a.throttleWait(attempt); wait > 0 {
		// A refused attempt does not count, so a lock ends on time even
		// while someone keeps knocking.
		if err := a.store.ForgetLoginAttempt(ctx, attempt.ID); err != nil {
			return Session{}, fmt.Errorf("login: %w", err)
		}
		return Session{}, &ThrottledError{RetryAfter: wait}
	}
	member, hash, err := a.store.Credentials(ctx, email)
	known := err == nil
	switch {
	case errors.Is(err, ErrNotFound):
		if hash, err = a.dummyHash(); err != nil {
			return Session{}, fmt.Errorf("login: %w", err)
		}
	case err != nil:
		return Session{}, fmt.Errorf("login: %w", err)
	}
	if utf8.RuneCountInString(password) > MaxPasswordLen {
		password = "" // never matches, and bounds the hashing work
	}
	ok, err := VerifyPassword(hash, password)
	if err != nil {
		return Session{}, fmt.Errorf("login %d: %w", member.ID, err)
	}
	if !ok || !known || !member.Active() || password == "" {
		return Session{}, ErrBadCredentials // the attempt stays counted as a failure
	}
	if err := a.store.ClearLoginFailures(ctx, email); err != nil {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	s := Session{Secret: NewSecret(), Member: member, ExpiresAt: time.Now().Add(a.sessionTTL).UTC()}
	if err := a.store.CreateSession(ctx, member.ID, HashSecret(s.Secret), s.ExpiresAt); err != nil {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	return s, nil
}

// throttleWait is how long the attempt must wait, or 0 if it may go ahead.
func (a *Auth) throttleWait(at LoginAttempt) time.Duration {
	var wait time.Duration
	if at.AccountFailures > a.throttle.MaxPerAccount {
		wait = max(wait, at.AccountRetry)
	}
	if at.AddressFailures > a.throttle.MaxPerAddress {
		wait = max(wait, at.AddressRetry)
	}
	if wait > 0 && wait < time.Second {
		wait = time.Second
	}
	return wait
}

// SessionMember returns the member signed in with the session secret, or
// ErrUnauthenticated when it is missing, unknown, expired or logged out.
func (a *Auth) SessionMember(ctx context.Context, secret string) (Member, error) {
	if len(secret) != 43 {
		return Member{}, ErrUnauthenticated
	}
	m, err := a.store.SessionMember(ctx, HashSecret(secret))
	if errors.Is(err, ErrNotFound) {
		return Member{}, ErrUnauthenticated
	}
	return m, err
}

// Logout ends the session.
func (a *Auth) Logout(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return a.store.DeleteSession(ctx, HashSecret(secret))
}

// TokenMember returns the member an API token belongs to, or
// ErrUnauthenticated for a malformed, unknown or revoked token or a
// disabled account. Nothing is cached: a revoked token fails at once.
func (a *Auth) TokenMember(ctx context.Context, token string) (Member, error) {
	if !LooksLikeAPIToken(token) {
		return Member{}, ErrUnauthenticated
	}
	m, err := a.store.TokenMember(ctx, HashSecret(token))
	if errors.Is(err, ErrNotFound) {
		return Member{}, ErrUnauthenticated
	}
	return m, err
}

// CreateMember validates and stores a new account with its password.
// Failures of the rules are a valid.Errors naming each field.
func (a *Auth) CreateMember(ctx context.Context, actor Actor, email string, role Role, password string) (Member, error) {
	errs := valid.Errors{}
	addField(errs, ValidateEmail(email))
	if !role.Valid() {
		errs.Add("role", "Choose a role: admin, campaigner or finance.")
	}
	addField(errs, ValidatePassword(password))
	if err := errs.Err(); err != nil {
		return Member{}, err
	}
	hash, err := a.passwords.HashPassword(password)
	if err != nil {
		return Member{}, err
	}
	return a.store.CreateMember(ctx, actor, NormaliseEmail(email), role, hash)
}

// SetPassword replaces a member's password and ends their sessions.
func (a *Auth) SetPassword(ctx context.Context, actor Actor, memberID int64, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := a.passwords.HashPassword(password)
	if err != nil {
		return err
	}
	return a.store.SetPasswordHash(ctx, actor, memberID, hash)
}

// IssueToken creates an API token for an active member and returns its
// secret, which is shown this once and never stored.
func (a *Auth) IssueToken(ctx context.Context, actor Actor, memberID int64, name string) (string, Token, error) {
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) > MaxTokenNameLen || !utf8.ValidString(name) {
		return "", Token{}, valid.Errors{"name": fmt.Sprintf("Use a name of at most %d characters.", MaxTokenNameLen)}
	}
	m, err := a.store.MemberByID(ctx, memberID)
	if err != nil {
		return "", Token{}, err
	}
	if !m.Active() {
		return "", Token{}, valid.Errors{"member": "This account is disabled; enable it before issuing a token."}
	}
	secret := NewAPIToken()
	t, err := a.store.CreateToken(ctx, actor, memberID, name, HashSecret(secret))
	if err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

func addField(errs valid.Errors, err error) {
	var fields valid.Errors
	if errors.As(err, &fields) {
		for k, v := range fields {
			errs.Add(k, v)
		}
	}
}
