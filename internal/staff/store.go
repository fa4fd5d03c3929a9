package staff

import (
	"context"
	"time"
)

// Accounts stores staff accounts. Every change is written to the audit log
// in the same transaction, with actor as its author.
type Accounts interface {
	// CreateMember stores a new, active account. A taken email is a
	// valid.Errors on "email".
	CreateMember(ctx context.Context, actor Actor, email string, role Role, passwordHash string) (Member, error)
	// MemberByID returns ErrNotFound if no account has that id.
	MemberByID(ctx context.Context, id int64) (Member, error)
	// MemberByEmail returns ErrNotFound if no account has that (normalised) email.
	MemberByEmail(ctx context.Context, email string) (Member, error)
	// Members returns every account, by email.
	Members(ctx context.Context) ([]Member, error)
	// UpdateMember sets the account's role and whether it is disabled.
	// Disabling ends its sessions. Returns ErrNotFound for an unknown id.
	UpdateMember(ctx context.Context, actor Actor, id int64, role Role, disabled bool) (Member, error)
	// SetPasswordHash replaces the account's password and ends its sessions.
	SetPasswordHash(ctx context.Context, actor Actor, id int64, passwordHash string) error
	// Credentials returns the account with that (normalised) email and its
	// password hash, or ErrNotFound.
	Credentials(ctx context.Context, email string) (Member, string, error)
}

// Sessions stores browser sessions by the hash of their secret id.
type Sessions interface {
	// CreateSession stores a session for the member until expiresAt and
	// notes the login time.
	CreateSession(ctx context.Context, memberID int64, secretHash []byte, expiresAt time.Time) error
	// SessionMember returns the active member whose unexpired session has
	// that hash, or ErrNotFound.
	SessionMember(ctx context.Context, secretHash []byte) (Member, error)
	// DeleteSession ends the session with that hash, if there is one.
	DeleteSession(ctx context.Context, secretHash []byte) error
}

// Tokens stores API tokens by the hash of their secret.
type Tokens interface {
	// CreateToken stores a token for the member.
	CreateToken(ctx context.Context, actor Actor, memberID int64, name string, secretHash []byte) (Token, error)
	// TokenMember returns the active member whose unrevoked token has that
	// hash, or ErrNotFound, and notes that the token was used. Validity is
	// read from the database on every call, so a revocation takes effect at once.
	TokenMember(ctx context.Context, secretHash []byte) (Member, error)
	// TokenByID returns ErrNotFound if no token has that id.
	TokenByID(ctx context.Context, id int64) (Token, error)
	// TokensOf returns the member's tokens, newest first, revoked ones included.
	TokensOf(ctx context.Context, memberID int64) ([]Token, error)
	// RevokeToken stops the token working. Revoking a revoked token changes
	// nothing. Returns ErrNotFound for an unknown id.
	RevokeToken(ctx context.Context, actor Actor, id int64) (Token, error)
}

// LoginAttempt is a login in progress, already counted as a failure until
// it succeeds, with the failures in the throttling window it joins.
type LoginAttempt struct {
	ID int64
	// AccountFailures and AddressFailures count failed logins in the window
	// for the email and for the address, this attempt included.
	AccountFailures int
	AddressFailures int
	// AccountRetry and AddressRetry are how long until the oldest of those
	// failures leaves the window.
	AccountRetry time.Duration
	AddressRetry time.Duration
}

// LoginThrottle counts failed logins per account and per address. Counting
// an attempt before checking the password means concurrent guesses cannot
// slip past the limit together.
type LoginThrottle interface {
	// BeginLogin records an attempt for email from address and returns it
	// with the failures of the last window.
	BeginLogin(ctx context.Context, email, address string, window time.Duration) (LoginAttempt, error)
	// ForgetLoginAttempt removes an attempt that was refused before its
	// password was checked.
	ForgetLoginAttempt(ctx context.Context, id int64) error
	// ClearLoginFailures forgets the account's failures after a good login.
	ClearLoginFailures(ctx context.Context, email string) error
}

// AuditLog reads the audit log. Stores write it, each with its change.
type AuditLog interface {
	// Audit returns entries matching f, newest first.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// Store is everything Auth and the staff pages need.
type Store interface {
	Accounts
	Sessions
	Tokens
	LoginThrottle
	AuditLog
}
