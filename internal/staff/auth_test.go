package staff_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/staff"
)

func TestLogin(t *testing.T) {
	at := addresses()
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{})
	m := addMember(t, auth, staff.RoleCampaigner)

	sess, err := auth.Login(ctx, "  "+strings.ToUpper(m.Email)+" ", goodPassword, at("192.0.2.1"))
	if err != nil {
		t.Fatalf("login with the right password: %v", err)
	}
	if sess.Member.ID != m.ID || len(sess.Secret) != 43 || time.Until(sess.ExpiresAt) < staff.DefaultSessionTTL-time.Minute {
		t.Errorf("session %+v", sess)
	}
	got, err := auth.SessionMember(ctx, sess.Secret)
	if err != nil || got.ID != m.ID || got.LastLoginAt == nil {
		t.Errorf("SessionMember = %+v, %v", got, err)
	}

	for _, tt := range []struct{ name, email, password string }{
		{"wrong password", m.Email, goodPassword + "x"},
		{"unknown email", "nobody-" + m.Email, goodPassword},
		{"empty password", m.Email, ""},
	} {
		if _, err := auth.Login(ctx, tt.email, tt.password, at("192.0.2.2")); !errors.Is(err, staff.ErrBadCredentials) {
			t.Errorf("%s: err %v, want ErrBadCredentials", tt.name, err)
		}
	}
	if _, err := auth.SessionMember(ctx, "not-a-session"); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Errorf("junk session: %v", err)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	at := addresses()
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{})
	m := addMember(t, auth, staff.RoleAdmin)
	sess, err := auth.Login(ctx, m.Email, goodPassword, at("192.0.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Logout(ctx, sess.Secret); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.SessionMember(ctx, sess.Secret); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Errorf("after logout: %v, want ErrUnauthenticated", err)
	}
}

func TestSessionExpires(t *testing.T) {
	at := addresses()
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{SessionTTL: time.Hour})
	m := addMember(t, auth, staff.RoleCampaigner)
	sess, err := auth.Login(ctx, m.Email, goodPassword, at("192.0.2.4"))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(sess.ExpiresAt); d > time.Hour || d < 59*time.Minute {
		t.Errorf("session expires in %s, want an hour", d)
	}
	if _, err := auth.SessionMember(ctx, sess.Secret); err != nil {
		t.Fatalf("fresh session: %v", err)
	}
	// The clock moves on past the expiry (rather than the test sleeping).
	exec(t, db, `UPDATE staff_sessions SET expires_at = now() - interval '1 second' WHERE staff_id = $1`, m.ID)
	if _, err := auth.SessionMember(ctx, sess.Secret); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Errorf("expired session: %v, want ErrUnauthenticated", err)
	}
}

func TestLoginThrottledPerAccount(t *testing.T) {
	at := addresses()
	ctx := context.Background()
	db := pkgDB.Open(t)
	policy := staff.ThrottlePolicy{Window: 15 * time.Minute, MaxPerAccount: 3, MaxPerAddress: 100}
	auth := newAuth(t, db, staff.AuthOptions{Throttle: policy})
	m := addMember(t, auth, staff.RoleCampaigner)

	// Each guess comes from another address: the account's own limit holds.
	for i := range policy.MaxPerAccount {
		addr := at("198.51.100." + string(rune('1'+i)))
		if _, err := auth.Login(ctx, m.Email, "wrong password!", addr); !errors.Is(err, staff.ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	_, err := auth.Login(ctx, m.Email, goodPassword, at("198.51.100.99"))
	var throttled *staff.ThrottledError
	if !errors.As(err, &throttled) || !errors.Is(err, staff.ErrThrottled) {
		t.Fatalf("after %d failures even the right password gets %v; want ThrottledError", policy.MaxPerAccount, err)
	}
	if throttled.RetryAfter <= 0 || throttled.RetryAfter > policy.Window {
		t.Errorf("RetryAfter %s, want within the window", throttled.RetryAfter)
	}

	// Another account is not affected.
	other := addMember(t, auth, staff.RoleCampaigner)
	if _, err := auth.Login(ctx, other.Email, goodPassword, at("198.51.100.99")); err != nil {
		t.Errorf("another account: %v", err)
	}

	// Once the failures leave the window, the right password works again and
	// clears the count.
	exec(t, db, `UPDATE staff_login_failures SET created_at = now() - interval '16 minutes' WHERE email = $1`, m.Email)
	if _, err := auth.Login(ctx, m.Email, goodPassword, at("198.51.100.99")); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	var left int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM staff_login_failures WHERE email = $1`, m.Email).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d failures remain after a good login", left)
	}
}

func TestLoginThrottledPerAddress(t *testing.T) {
	at := addresses()
	ctx := context.Background()
	db := pkgDB.Open(t)
	policy := staff.ThrottlePolicy{Window: 15 * time.Minute, MaxPerAccount: 100, MaxPerAddress: 4}
	auth := newAuth(t, db, staff.AuthOptions{Throttle: policy})
	m := addMember(t, auth, staff.RoleFinance)
	addr := at("203.0.113.7")

	// One address tries many accounts.
	for i := range policy.MaxPerAddress {
		if _, err := auth.Login(ctx, unique("guess")+"@example.org", "wrong password!", addr); !errors.Is(err, staff.ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	if _, err := auth.Login(ctx, m.Email, goodPassword, addr); !errors.Is(err, staff.ErrThrottled) {
		t.Fatalf("from a throttled address: %v, want ErrThrottled", err)
	}
	if _, err := auth.Login(ctx, m.Email, goodPassword, at("203.0.113.8")); err != nil {
		t.Errorf("from another address: %v", err)
	}
}

// Concurrent guesses cannot slip past the limit together: each attempt is
// counted before its password is checked.
func TestLoginThrottleHoldsUnderConcurrency(t *testing.T) {
	at := addresses()
	ctx := context.Background()
	db := pkgDB.Open(t)
	policy := staff.ThrottlePolicy{Window: 15 * time.Minute, MaxPerAccount: 5, MaxPerAddress: 1000}
	auth := newAuth(t, db, staff.AuthOptions{Throttle: policy})
	m := addMember(t, auth, staff.RoleAdmin)

	const guesses = 30
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked := 0
	for i := range guesses {
		wg.Go(func() {
			_, err := auth.Login(ctx, m.Email, "wrong password "+string(rune('a'+i)), at("192.0.2.50"))
			switch {
			case errors.Is(err, staff.ErrBadCredentials):
				mu.Lock()
				checked++
				mu.Unlock()
			case errors.Is(err, staff.ErrThrottled):
			default:
				t.Errorf("guess: %v", err)
			}
		})
	}
	wg.Wait()
	// However the guesses interleave, no more than the limit are checked.
	// None may be: when every attempt is counted before any reads the
	// window, each sees more failures than the limit allows.
	if checked > policy.MaxPerAccount {
		t.Errorf("%d of %d concurrent guesses had their password checked; want at most %d", checked, guesses, policy.MaxPerAccount)
	}
	// Guesses made one after another from here are checked until, with
	// those above, exactly the limit has been: refused guesses do not count.
	for checked < policy.MaxPerAccount {
		if _, err := auth.Login(ctx, m.Email, "one more wrong password", at("192.0.2.50")); !errors.Is(err, staff.ErrBadCredentials) {
			t.Fatalf("guess %d of %d: %v, want ErrBadCredentials", checked+1, policy.MaxPerAccount, err)
		}
		checked++
	}
	if _, err := auth.Login(ctx, m.Email, goodPassword, at("192.0.2.50")); !errors.Is(err, staff.ErrThrottled) {
		t.Errorf("the right password after %d failures: %v, want ErrThrottled", checked, err)
	}
}

func TestRevokedTokenStopsAtOnce(t *testing.T) {
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{})
	admin := addMember(t, auth, staff.RoleAdmin)
	m := addMember(t, auth, staff.RoleCampaigner)

	secret, tok, err := auth.IssueToken(ctx, admin.Actor(), m.ID, "CRM sync")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, staff.APITokenPrefix) {
		t.Errorf("token %q lacks its prefix", secret)
	}
	got, err := auth.TokenMember(ctx, secret)
	if err != nil || got.ID != m.ID {
		t.Fatalf("TokenMember = %+v, %v", got, err)
	}
	tokens, err := db.Staff().TokensOf(ctx, m.ID)
	if err != nil || len(tokens) != 1 || tokens[0].LastUsedAt == nil || tokens[0].Name != "CRM sync" {
		t.Fatalf("tokens after use: %+v, %v", tokens, err)
	}
	if _, err := db.Staff().RevokeToken(ctx, admin.Actor(), tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.TokenMember(ctx, secret); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Errorf("revoked token: %v, want ErrUnauthenticated", err)
	}
	// A token that was never issued, or was altered, does not work either.
	for _, bad := range []string{staff.NewAPIToken(), secret[:len(secret)-1] + "A", "", "Bearer"} {
		if _, err := auth.TokenMember(ctx, bad); !errors.Is(err, staff.ErrUnauthenticated) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
}

func TestDisablingEndsSessionsAndTokens(t *testing.T) {
	at := addresses()
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{})
	admin := addMember(t, auth, staff.RoleAdmin)
	m := addMember(t, auth, staff.RoleCampaigner)
	sess, err := auth.Login(ctx, m.Email, goodPassword, at("192.0.2.60"))
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := auth.IssueToken(ctx, admin.Actor(), m.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Staff().UpdateMember(ctx, admin.Actor(), m.ID, m.Role, true); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.SessionMember(ctx, sess.Secret); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Errorf("session of a disabled account: %v", err)
	}
	if _, err := auth.TokenMember(ctx, secret); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Errorf("token of a disabled account: %v", err)
	}
	if _, err := auth.Login(ctx, m.Email, goodPassword, at("192.0.2.60")); !errors.Is(err, staff.ErrBadCredentials) {
		t.Errorf("login to a disabled account: %v", err)
	}
}

func TestSetPasswordEndsSessions(t *testing.T) {
	at := addresses()
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{})
	m := addMember(t, auth, staff.RoleCampaigner)
	sess, err := auth.Login(ctx, m.Email, goodPassword, at("192.0.2.70"))
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.SetPassword(ctx, staff.CommandLine(), m.ID, "short"); err == nil {
		t.Error("a short password was accepted")
	}
	const newPassword = "a brand new passphrase"
	if err := auth.SetPassword(ctx, staff.CommandLine(), m.ID, newPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.SessionMember(ctx, sess.Secret); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Errorf("old session after a password change: %v", err)
	}
	if _, err := auth.Login(ctx, m.Email, goodPassword, at("192.0.2.70")); !errors.Is(err, staff.ErrBadCredentials) {
		t.Errorf("old password: %v", err)
	}
	if _, err := auth.Login(ctx, m.Email, newPassword, at("192.0.2.70")); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestCreateMemberRules(t *testing.T) {
	ctx := context.Background()
	db := pkgDB.Open(t)
	auth := newAuth(t, db, staff.AuthOptions{})
	m := addMember(t, auth, staff.RoleAdmin)
	tests := []struct {
		name, email string
		role        staff.Role
		password    string
		field       string
	}{
		{"bad email", "not-an-address", staff.RoleAdmin, goodPassword, "email"},
		{"bad role", unique("x") + "@example.org", "root", goodPassword, "role"},
		{"short password", unique("x") + "@example.org", staff.RoleAdmin, "short", "password"},
		{"taken email", strings.ToUpper(m.Email), staff.RoleFinance, goodPassword, "email"},
	}
	for _, tt := range tests {
		_, err := auth.CreateMember(ctx, staff.CommandLine(), tt.email, tt.role, tt.password)
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.field+":") {
			t.Errorf("%s: %v, want a message on %s", tt.name, err, tt.field)
		}
	}
}
