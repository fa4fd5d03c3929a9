package staff_test

import (
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/staff"
)

func TestDefaultPasswordCostIsSlow(t *testing.T) {
	// RFC 9106's second recommended option: 64 MiB and 3 passes at least.
	if p := staff.DefaultPasswordParams(); p.Memory < 64*1024 || p.Iterations < 3 || p.Threads < 1 {
		t.Errorf("default argon2id parameters %+v are cheaper than RFC 9106 recommends", p)
	}
}

func TestPasswordHashVerifies(t *testing.T) {
	for _, params := range []staff.PasswordParams{cheapPasswords, {Memory: 1024, Iterations: 2, Threads: 2}} {
		hash, err := params.HashPassword(goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(hash, "$argon2id$v=19$") || strings.Contains(hash, goodPassword) {
			t.Fatalf("hash %q is not an argon2id PHC string", hash)
		}
		if ok, err := staff.VerifyPassword(hash, goodPassword); err != nil || !ok {
			t.Errorf("the right password does not verify: %v %v", ok, err)
		}
		if ok, _ := staff.VerifyPassword(hash, goodPassword+"!"); ok {
			t.Error("a wrong password verifies")
		}
		again, _ := params.HashPassword(goodPassword)
		if again == hash {
			t.Error("two hashes of one password are equal: the salt is not random")
		}
	}
}

func TestVerifyPasswordRefusesMalformedHashes(t *testing.T) {
	for _, hash := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$!!"} {
		if ok, err := staff.VerifyPassword(hash, goodPassword); ok || err == nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false and an error", hash, ok, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		password string
		ok       bool
	}{
		{"", false},
		{"short", false},
		{"elevenchars", false},
		{"twelve chars", true},
		{"            ", false},
		{strings.Repeat("x", staff.MaxPasswordLen), true},
		{strings.Repeat("x", staff.MaxPasswordLen+1), false},
		{"naïve café au lait", true},
	}
	for _, tt := range tests {
		if err := staff.ValidatePassword(tt.password); (err == nil) != tt.ok {
			t.Errorf("ValidatePassword(%q) = %v; want ok %v", tt.password, err, tt.ok)
		}
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]staff.Role{"admin": staff.RoleAdmin, " Campaigner ": staff.RoleCampaigner,
		"finance": staff.RoleFinance, "root": "", "": ""} {
		got, err := staff.ParseRole(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestAPITokenShape(t *testing.T) {
	a, b := staff.NewAPIToken(), staff.NewAPIToken()
	if a == b || !staff.LooksLikeAPIToken(a) || len(staff.HashSecret(a)) != 32 {
		t.Fatalf("tokens %q and %q", a, b)
	}
	if staff.LooksLikeAPIToken(staff.NewSecret()) || staff.LooksLikeAPIToken(a[:len(a)-1]) {
		t.Error("a session secret or a cut token looks like an API token")
	}
}
