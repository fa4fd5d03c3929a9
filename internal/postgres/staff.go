package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// StaffStore implements staff.Store: accounts, sessions, API tokens, login
// throttling and the audit log.
type StaffStore struct{ db *DB }

// Staff returns the staff store.
func (db *DB) Staff() *StaffStore { return &StaffStore{db: db} }

var _ staff.Store = (*StaffStore)(nil)

type memberRow struct {
	ID           int64 `gorm:"primaryKey"`
	Email        string
	Role         string
	PasswordHash string
	DisabledAt   *time.Time
	LastLoginAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (memberRow) TableName() string { return "staff" }

func (r memberRow) domain() staff.Member {
	return staff.Member{ID: r.ID, Email: r.Email, Role: staff.Role(r.Role), DisabledAt: utcPtr(r.DisabledAt),
		LastLoginAt: utcPtr(r.LastLoginAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// memberColumns never include the password hash, except where asked for.
const memberColumns = "staff.id, staff.email, staff.role, staff.disabled_at, staff.last_login_at, staff.created_at, staff.updated_at"

// CreateMember stores a new account. A taken email is a valid.Errors on "email".
func (s *StaffStore) CreateMember(ctx context.Context, actor staff.Actor, email string, role staff.Role, passwordHash string) (staff.Member, error) {
	var row memberRow
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`INSERT INTO staff (email, role, password_hash) VALUES (?, ?, ?) RETURNING `+memberColumns,
			email, string(role), passwordHash).Scan(&row).Error
		if isUniqueViolation(err) {
			return valid.Errors{"email": "Another staff account already uses this email."}
		}
		if err != nil {
			return err
		}
		return writeAudit(tx, actor, staff.ActionStaffCreate, "staff", row.ID, nil, snapMember(row.domain()))
	})
	if err != nil {
		return staff.Member{}, fmt.Errorf("create staff account: %w", translate(err))
	}
	return row.domain(), nil
}

// MemberByID returns staff.ErrNotFound if no account has that id.
func (s *StaffStore) MemberByID(ctx context.Context, id int64) (staff.Member, error) {
	var row memberRow
	err := s.db.gorm.WithContext(ctx).Select(memberColumns).Where("id = ?", id).Take(&row).Error
	if err != nil {
		return staff.Member{}, fmt.Errorf("staff account %d: %w", id, notFound(err, staff.ErrNotFound))
	}
	return row.domain(), nil
}

// MemberByEmail returns staff.ErrNotFound if no account has that email.
func (s *StaffStore) MemberByEmail(ctx context.Context, email string) (staff.Member, error) {
	var row memberRow
	err := s.db.gorm.WithContext(ctx).Select(memberColumns).Where("email = ?", staff.NormaliseEmail(email)).Take(&row).Error
	if err != nil {
		return staff.Member{}, fmt.Errorf("staff account by email: %w", notFound(err, staff.ErrNotFound))
	}
	return row.domain(), nil
}

// Members returns every account, by email.
func (s *StaffStore) Members(ctx context.Context) ([]staff.Member, error) {
	var rows []memberRow
	if err := s.db.gorm.WithContext(ctx).Select(memberColumns).Order("email").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("staff accounts: %w", translate(err))
	}
	out := make([]staff.Member, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// lockMember reads an account for update inside tx.
func lockMember(tx *gorm.DB, id int64) (memberRow, error) {
	var row memberRow
	err := tx.Raw(`SELECT `+memberColumns+` FROM staff WHERE id = ? FOR UPDATE`, id).Scan(&row).Error
	if err == nil && row.ID == 0 {
		err = staff.ErrNotFound
	}
	return row, err
}

// UpdateMember sets the account's role and whether it is disabled.
// Disabling ends its sessions at once.
func (s *StaffStore) UpdateMember(ctx context.Context, actor staff.Actor, id int64, role staff.Role, disabled bool) (staff.Member, error) {
	var after memberRow
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := lockMember(tx, id)
		if err != nil {
			return err
		}
		err = tx.Raw(`UPDATE staff SET role = ?,
				disabled_at = CASE WHEN ? THEN COALESCE(disabled_at, now()) END,
				updated_at = now()
			WHERE id = ? RETURNING `+memberColumns, string(role), disabled, id).Scan(&after).Error
		if err != nil {
			return err
		}
		if disabled {
			if err := tx.Exec(`DELETE FROM staff_sessions WHERE staff_id = ?`, id).Error; err != nil {
				return err
			}
		}
		return auditIfChanged(tx, actor, staff.ActionStaffUpdate, "staff", id,
			snapMember(before.domain()), snapMember(after.domain()))
	})
	if err != nil {
		return staff.Member{}, fmt.Errorf("update staff account %d: %w", id, translate(err))
	}
	return after.domain(), nil
}

// SetPasswordHash replaces the account's password and ends its sessions.
func (s *StaffStore) SetPasswordHash(ctx context.Context, actor staff.Actor, id int64, passwordHash string) error {
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := lockMember(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE staff SET password_hash = ?, updated_at = now() WHERE id = ?`, passwordHash, id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM staff_sessions WHERE staff_id = ?`, id).Error; err != nil {
			return err
		}
		// The log says that the password changed, never what it is.
		return writeAudit(tx, actor, staff.ActionStaffPassword, "staff", id, nil, snapMember(row.domain()))
	})
	if err != nil {
		return fmt.Errorf("set password of staff account %d: %w", id, translate(err))
	}
	return nil
}

// Credentials returns the account with that email and its password hash.
func (s *StaffStore) Credentials(ctx context.Context, email string) (staff.Member, string, error) {
	var row memberRow
	err := s.db.gorm.WithContext(ctx).Where("email = ?", staff.NormaliseEmail(email)).Take(&row).Error
	if err != nil {
		return staff.Member{}, "", fmt.Errorf("credentials: %w", notFound(err, staff.ErrNotFound))
	}
	return row.domain(), row.PasswordHash, nil
}

// CreateSession stores a session, notes the login, and prunes expired sessions.
func (s *StaffStore) CreateSession(ctx context.Context, memberID int64, secretHash []byte, expiresAt time.Time) error {
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO staff_sessions (staff_id, token_hash, expires_at) VALUES (?, ?, ?)`,
			memberID, secretHash, expiresAt).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE staff SET last_login_at = now() WHERE id = ?`, memberID).Error; err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM staff_sessions WHERE expires_at < now()`).Error
	})
	if err != nil {
		return fmt.Errorf("create session: %w", translate(err))
	}
	return nil
}

// scanMember reads memberColumns (in order) and then extra columns.
func scanMember(row *sql.Row, extra ...any) (memberRow, error) {
	var m memberRow
	dest := append([]any{&m.ID, &m.Email, &m.Role, &m.DisabledAt, &m.LastLoginAt, &m.CreatedAt, &m.UpdatedAt}, extra...)
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return m, staff.ErrNotFound
	}
	return m, err
}

// SessionMember returns the active member whose unexpired session has that hash.
func (s *StaffStore) SessionMember(ctx context.Context, secretHash []byte) (staff.Member, error) {
	var stored []byte
	row, err := scanMember(s.db.sql.QueryRowContext(ctx, `SELECT `+memberColumns+`, ss.token_hash
		FROM staff_sessions ss JOIN staff ON staff.id = ss.staff_id
		WHERE ss.token_hash = $1 AND ss.expires_at > now() AND staff.disabled_at IS NULL`, secretHash), &stored)
	if err != nil {
		return staff.Member{}, fmt.Errorf("session: %w", translate(err))
	}
	if !staff.SameHash(stored, secretHash) {
		return staff.Member{}, staff.ErrNotFound
	}
	return row.domain(), nil
}

// DeleteSession ends the session with that hash.
func (s *StaffStore) DeleteSession(ctx context.Context, secretHash []byte) error {
	if err := s.db.gorm.WithContext(ctx).Exec(`DELETE FROM staff_sessions WHERE token_hash = ?`, secretHash).Error; err != nil {
		return fmt.Errorf("delete session: %w", translate(err))
	}
	return nil
}

type tokenRow struct {
	ID         int64 `gorm:"primaryKey"`
	StaffID    int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (tokenRow) TableName() string { return "staff_tokens" }

func (r tokenRow) domain() staff.Token {
	return staff.Token{ID: r.ID, MemberID: r.StaffID, Name: r.Name, CreatedAt: r.CreatedAt.UTC(),
		LastUsedAt: utcPtr(r.LastUsedAt), RevokedAt: utcPtr(r.RevokedAt)}
}

// tokenColumns never include the hash.
const tokenColumns = "id, staff_id, name, created_at, last_used_at, revoked_at"

// CreateToken stores a token's hash for the member.
func (s *StaffStore) CreateToken(ctx context.Context, actor staff.Actor, memberID int64, name string, secretHash []byte) (staff.Token, error) {
	var row tokenRow
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`INSERT INTO staff_tokens (staff_id, name, token_hash) VALUES (?, ?, ?) RETURNING `+tokenColumns,
			memberID, name, secretHash).Scan(&row).Error
		if isForeignKeyViolation(err) {
			return staff.ErrNotFound
		}
		if err != nil {
			return err
		}
		return writeAudit(tx, actor, staff.ActionTokenCreate, "staff_token", row.ID, nil, snapToken(row.domain()))
	})
	if err != nil {
		return staff.Token{}, fmt.Errorf("create token for staff account %d: %w", memberID, translate(err))
	}
	return row.domain(), nil
}

// tokenUseResolution is how often last_used_at is written: once a minute at
// most, so that a busy integration does not write on every request.
const tokenUseResolution = time.Minute

// TokenMember returns the active member whose unrevoked token has that hash.
func (s *StaffStore) TokenMember(ctx context.Context, secretHash []byte) (staff.Member, error) {
	var (
		tokenID  int64
		stored   []byte
		lastUsed *time.Time
	)
	row, err := scanMember(s.db.sql.QueryRowContext(ctx, `SELECT `+memberColumns+`, t.id, t.token_hash, t.last_used_at
		FROM staff_tokens t JOIN staff ON staff.id = t.staff_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND staff.disabled_at IS NULL`, secretHash),
		&tokenID, &stored, &lastUsed)
	if err != nil {
		return staff.Member{}, fmt.Errorf("token: %w", translate(err))
	}
	if !staff.SameHash(stored, secretHash) {
		return staff.Member{}, staff.ErrNotFound
	}
	if lastUsed == nil || time.Since(*lastUsed) > tokenUseResolution {
		if _, err := s.db.sql.ExecContext(ctx, `UPDATE staff_tokens SET last_used_at = now() WHERE id = $1`, tokenID); err != nil {
			return staff.Member{}, fmt.Errorf("token: %w", translate(err))
		}
	}
	return row.domain(), nil
}

// TokenByID returns staff.ErrNotFound if no token has that id.
func (s *StaffStore) TokenByID(ctx context.Context, id int64) (staff.Token, error) {
	var row tokenRow
	if err := s.db.gorm.WithContext(ctx).Select(tokenColumns).Where("id = ?", id).Take(&row).Error; err != nil {
		return staff.Token{}, fmt.Errorf("token %d: %w", id, notFound(err, staff.ErrNotFound))
	}
	return row.domain(), nil
}

// TokensOf returns the member's tokens, newest first.
func (s *StaffStore) TokensOf(ctx context.Context, memberID int64) ([]staff.Token, error) {
	var rows []tokenRow
	err := s.db.gorm.WithContext(ctx).Select(tokenColumns).Where("staff_id = ?", memberID).Order("id DESC").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("tokens of staff account %d: %w", memberID, translate(err))
	}
	out := make([]staff.Token, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// RevokeToken stops the token working.
func (s *StaffStore) RevokeToken(ctx context.Context, actor staff.Actor, id int64) (staff.Token, error) {
	var row tokenRow
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT `+tokenColumns+` FROM staff_tokens WHERE id = ? FOR UPDATE`, id).Scan(&row).Error; err != nil {
			return err
		}
		if row.ID == 0 {
			return staff.ErrNotFound
		}
		if row.RevokedAt != nil {
			return nil
		}
		before := snapToken(row.domain())
		if err := tx.Raw(`UPDATE staff_tokens SET revoked_at = now() WHERE id = ? RETURNING `+tokenColumns, id).
			Scan(&row).Error; err != nil {
			return err
		}
		return writeAudit(tx, actor, staff.ActionTokenRevoke, "staff_token", id, before, snapToken(row.domain()))
	})
	if err != nil {
		return staff.Token{}, fmt.Errorf("revoke token %d: %w", id, translate(err))
	}
	return row.domain(), nil
}

// loginFailureRetention is how long failed logins are kept at all.
const loginFailureRetention = 24 * time.Hour

// BeginLogin records an attempt, then counts the window's failures. The
// insert commits before the count, so of any number of concurrent attempts
// the last to commit sees them all.
func (s *StaffStore) BeginLogin(ctx context.Context, email, address string, window time.Duration) (staff.LoginAttempt, error) {
	var at staff.LoginAttempt
	g := s.db.gorm.WithContext(ctx)
	if err := g.Raw(`INSERT INTO staff_login_failures (email, address) VALUES (?, ?) RETURNING id`,
		email, address).Scan(&at.ID).Error; err != nil {
		return at, fmt.Errorf("begin login: %w", translate(err))
	}
	var counts struct {
		AccountFailures int
		AccountRetry    float64
		AddressFailures int
		AddressRetry    float64
	}
	const windowSQL = `created_at > now() - make_interval(secs => @window)`
	err := g.Raw(`
		WITH acc AS (SELECT count(*) AS n, min(created_at) AS oldest FROM staff_login_failures WHERE email = @email AND `+windowSQL+`),
		     adr AS (SELECT count(*) AS n, min(created_at) AS oldest FROM staff_login_failures WHERE address = @address AND `+windowSQL+`)
		SELECT acc.n AS account_failures,
		       COALESCE(EXTRACT(EPOCH FROM acc.oldest + make_interval(secs => @window) - now()), 0)::float8 AS account_retry,
		       adr.n AS address_failures,
		       COALESCE(EXTRACT(EPOCH FROM adr.oldest + make_interval(secs => @window) - now()), 0)::float8 AS address_retry
		FROM acc, adr`,
		map[string]any{"email": email, "address": address, "window": window.Seconds()}).Scan(&counts).Error
	if err != nil {
		return at, fmt.Errorf("begin login: %w", translate(err))
	}
	at.AccountFailures, at.AddressFailures = counts.AccountFailures, counts.AddressFailures
	at.AccountRetry = time.Duration(counts.AccountRetry * float64(time.Second))
	at.AddressRetry = time.Duration(counts.AddressRetry * float64(time.Second))
	if err := g.Exec(`DELETE FROM staff_login_failures WHERE created_at < now() - make_interval(secs => ?)`,
		loginFailureRetention.Seconds()).Error; err != nil {
		return at, fmt.Errorf("begin login: %w", translate(err))
	}
	return at, nil
}

// ForgetLoginAttempt removes an attempt refused before its password was checked.
func (s *StaffStore) ForgetLoginAttempt(ctx context.Context, id int64) error {
	if err := s.db.gorm.WithContext(ctx).Exec(`DELETE FROM staff_login_failures WHERE id = ?`, id).Error; err != nil {
		return fmt.Errorf("forget login attempt: %w", translate(err))
	}
	return nil
}

// ClearLoginFailures forgets the account's failures after a good login.
func (s *StaffStore) ClearLoginFailures(ctx context.Context, email string) error {
	if err := s.db.gorm.WithContext(ctx).Exec(`DELETE FROM staff_login_failures WHERE email = ?`, email).Error; err != nil {
		return fmt.Errorf("clear login failures: %w", translate(err))
	}
	return nil
}
