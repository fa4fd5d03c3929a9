package staff

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// APITokenPrefix starts every API token, so a leaked one is easy to spot
// (and to search for in code and logs).
const APITokenPrefix = "adv_"

// secretBytes is the entropy of session ids and API tokens: 256 bits.
const secretBytes = 32

// NewSecret returns a random session id (43 URL-safe characters).
func NewSecret() string {
	var b [secretBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewAPIToken returns a random API token: APITokenPrefix and 43 URL-safe
// characters.
func NewAPIToken() string { return APITokenPrefix + NewSecret() }

// LooksLikeAPIToken reports whether s has the shape of an API token, to
// refuse junk without a database lookup.
func LooksLikeAPIToken(s string) bool {
	return strings.HasPrefix(s, APITokenPrefix) && len(s) == len(APITokenPrefix)+43
}

// HashSecret is what is stored of a session id or token: its SHA-256. The
// secrets carry 256 random bits, so a fast hash is enough; a leaked table
// cannot be turned back into working secrets.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// SameHash compares two hashes in constant time.
func SameHash(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
