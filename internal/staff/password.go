package staff

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/advocacy/advocacy/internal/valid"
)

// Password length limits. The upper one bounds the work a login can cause.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// ValidatePassword checks a new password; a failure is a valid.Errors on
// "password".
func ValidatePassword(password string) error {
	switch n := utf8.RuneCountInString(password); {
	case !utf8.ValidString(password):
		return valid.Errors{"password": "The password contains characters we cannot read."}
	case n < MinPasswordLen:
		return valid.Errors{"password": fmt.Sprintf("Use at least %d characters; a few random words make a good password.", MinPasswordLen)}
	case n > MaxPasswordLen:
		return valid.Errors{"password": fmt.Sprintf("Use at most %d characters.", MaxPasswordLen)}
	case strings.TrimSpace(password) == "":
		return valid.Errors{"password": "The password cannot be only spaces."}
	}
	return nil
}

// PasswordParams are the argon2id costs of new hashes. A stored hash carries
// the parameters it was made with, so changing them never locks anyone out.
type PasswordParams struct {
	Memory     uint32 // KiB
	Iterations uint32
	Threads    uint8
}

// DefaultPasswordParams follow RFC 9106's second recommended option
// (64 MiB, 3 passes), with 2 lanes.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Memory: 64 * 1024, Iterations: 3, Threads: 2}
}

func (p PasswordParams) orDefault() PasswordParams {
	if p.Memory == 0 || p.Iterations == 0 || p.Threads == 0 {
		return DefaultPasswordParams()
	}
	return p
}

const (
	saltLen = 16
	keyLen  = 32
	// maxMemory refuses stored hashes that would ask for absurd work (1 GiB).
	maxMemory = 1 << 20
)

// HashPassword returns password's argon2id hash with a fresh random salt, in
// the PHC string format: $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>.
func (p PasswordParams) HashPassword(password string) (string, error) {
	p = p.orDefault()
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Iterations, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// VerifyPassword reports whether password matches the encoded hash. The
// comparison takes constant time. An error means the hash itself is unusable.
func VerifyPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &p.Threads); err != nil ||
		p.Memory == 0 || p.Memory > maxMemory || p.Iterations == 0 || p.Iterations > 100 || p.Threads == 0 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 128 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
