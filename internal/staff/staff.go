// Package staff holds the organisation's staff accounts: their roles and what
// each role may do, how staff prove who they are (passwords, browser
// sessions, API tokens), and the audit log of the changes they make.
package staff

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/valid"
)

// Sentinel errors returned by the staff stores and Auth.
var (
	// ErrNotFound: no staff account, session or token with that id.
	ErrNotFound = errors.New("staff account not found")
	// ErrBadCredentials: the email and password do not match an active account.
	ErrBadCredentials = errors.New("wrong email or password")
	// ErrUnauthenticated: no session or token, or one that expired or was revoked.
	ErrUnauthenticated = errors.New("not signed in")
	// ErrForbidden: the account's role may not do this.
	ErrForbidden = errors.New("your role does not allow this")
	// ErrThrottled: too many failed logins; see ThrottledError for when to retry.
	ErrThrottled = errors.New("too many failed logins")
)

// ThrottledError is returned by Auth.Login while logins are throttled. It
// matches ErrThrottled with errors.Is.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed logins; try again in %s", e.RetryAfter.Round(time.Second))
}

// Is makes errors.Is(err, ErrThrottled) true.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// Role is what a staff member may do.
type Role string

// The roles, as in the contract.
const (
	// RoleAdmin may do everything, including managing staff accounts and tokens.
	RoleAdmin Role = "admin"
	// RoleCampaigner runs campaigns: releases, petitions, statistics, exports.
	RoleCampaigner Role = "campaigner"
	// RoleFinance reviews donations and Gift Aid.
	RoleFinance Role = "finance"
)

// Roles lists every role.
func Roles() []Role { return []Role{RoleAdmin, RoleCampaigner, RoleFinance} }

// EditorRoles may create, edit and publish campaigns, releases and petitions,
// close petitions, and read petition statistics and signatures.
func EditorRoles() []Role { return []Role{RoleAdmin, RoleCampaigner} }

// FinanceRoles may read and review donations.
func FinanceRoles() []Role { return []Role{RoleAdmin, RoleFinance} }

// AdminRoles may manage staff accounts and tokens and read the audit log.
func AdminRoles() []Role { return []Role{RoleAdmin} }

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	return r.In(Roles()...)
}

// In reports whether r is one of roles.
func (r Role) In(roles ...Role) bool {
	for _, x := range roles {
		if r == x {
			return true
		}
	}
	return false
}

// ParseRole reads a role name. An unknown one is a valid.Errors on "role".
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", valid.Errors{"role": "Choose a role: admin, campaigner or finance."}
	}
	return r, nil
}

// Member is a staff account.
type Member struct {
	ID          int64
	Email       string // normalised: trimmed, lower-case
	Role        Role
	DisabledAt  *time.Time // set: the account cannot log in and its tokens do not work
	LastLoginAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Active reports whether the account may sign in.
func (m Member) Active() bool { return m.DisabledAt == nil }

// Has reports whether the member's role is one of roles.
func (m Member) Has(roles ...Role) bool { return m.Role.In(roles...) }

// CanEdit reports whether the member may run the campaigner's desk.
func (m Member) CanEdit() bool { return m.Has(EditorRoles()...) }

// CanSeeDonations reports whether the member may see donations.
func (m Member) CanSeeDonations() bool { return m.Has(FinanceRoles()...) }

// IsAdmin reports whether the member may manage staff and read the audit log.
func (m Member) IsAdmin() bool { return m.Has(AdminRoles()...) }

// Actor is who made a change, as the audit log records it.
func (m Member) Actor() Actor { return Actor{ID: m.ID, Email: m.Email} }

// NormaliseEmail trims and lower-cases an address, as stored.
func NormaliseEmail(email string) string { return petition.NormaliseEmail(email) }

// ValidateEmail checks a staff address; a failure is a valid.Errors on "email".
func ValidateEmail(email string) error {
	email = NormaliseEmail(email)
	if email == "" || len(email) > petition.MaxEmailLen || !petition.ValidEmail(email) {
		return valid.Errors{"email": "Enter a valid email address, like name@example.org."}
	}
	return nil
}

// Actor is who made a change: a staff member, or an operator at the command
// line (ID 0).
type Actor struct {
	ID    int64 // 0: not a staff account (the command line)
	Email string
}

// CommandLine is the actor of changes made with the advocacy command.
func CommandLine() Actor { return Actor{Email: "(command line)"} }

// Token is an API token. Its secret is shown once, when it is issued, and
// only its hash is stored.
type Token struct {
	ID         int64
	MemberID   int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Active reports whether the token still works.
func (t Token) Active() bool { return t.RevokedAt == nil }

// MaxTokenNameLen caps a token's name.
const MaxTokenNameLen = 100

// Audit actions. Each names the entity and what happened to it.
const (
	ActionCampaignCreate   = "campaign.create"
	ActionCampaignUpdate   = "campaign.update"
	ActionReleaseCreate    = "release.create"
	ActionReleaseUpdate    = "release.update"
	ActionReleasePublish   = "release.publish"
	ActionReleaseUnpublish = "release.unpublish"
	ActionPetitionCreate   = "petition.create"
	ActionPetitionUpdate   = "petition.update"
	ActionPetitionClose    = "petition.close"
	ActionPetitionReopen   = "petition.reopen"
	ActionSignaturesExport = "signatures.export"
	ActionStaffCreate      = "staff.create"
	ActionStaffUpdate      = "staff.update"
	ActionStaffPassword    = "staff.password"
	ActionTokenCreate      = "token.create"
	ActionTokenRevoke      = "token.revoke"
	ActionDonationReview   = "donation.review"
	ActionDonationsExport  = "donations.export"
	ActionGiftAidExport    = "giftaid.export"
)

// AuditEntry is one row of the audit log. Before and After are JSON
// snapshots of the entity (nil when there is none, as before a creation).
type AuditEntry struct {
	ID         int64
	ActorID    *int64
	ActorEmail string
	Action     string
	Entity     string
	EntityID   *int64
	Before     json.RawMessage
	After      json.RawMessage
	CreatedAt  time.Time
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Entity   string // "" for all
	EntityID int64  // 0 for all
	BeforeID int64  // only entries older than this id (a page cursor); 0 for the newest
	Limit    int    // at most this many (default 50, at most 500)
}
