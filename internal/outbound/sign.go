package outbound

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// SecretPrefix starts every signing secret, as the specification suggests.
const SecretPrefix = "whsec_"

// secretBytes is the size of a new secret's key (the specification asks
// for 24 to 64 bytes).
const secretBytes = 32

// NewSecret returns a new signing secret: whsec_ and the base64 of 32
// random bytes.
func NewSecret() string {
	key := make([]byte, secretBytes)
	_, _ = rand.Read(key) // never fails (crypto/rand panics if it cannot read)
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// errBadSecret is a secret that is not whsec_<base64>.
var errBadSecret = errors.New("signing secret is not whsec_<base64>")

// Sign returns the webhook-signature header for a message:
// "v1," and the base64 HMAC-SHA256, keyed with the base64-decoded part of
// secret after "whsec_", of "msgID.timestamp.body".
func Sign(secret, msgID string, timestamp int64, body []byte) (string, error) {
	enc, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return "", errBadSecret
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(key) == 0 {
		return "", errBadSecret
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}
