package site

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// The embedded form cannot use the site's CSRF cookie: a frame on another
// site gets no cookies where third-party cookies are blocked. It carries a
// stateless token instead: the time it was issued and the embedding origin,
// with an HMAC-SHA256 over them and the petition's id under a key every
// instance shares (server_keys "embed_form"). Nobody without the key can
// make one, change the origin it names or move it to another petition, and
// it expires after embedTokenTTL. The POST must also come from a page on our
// own origin (Origin or Sec-Fetch-Site), which only the frame is; see
// docs/design.md, "The embeddable sign form".
const (
	embedTokenTTL = 6 * time.Hour
	// embedTokenSkew is how far in the future a token's time may be: the
	// clocks of two instances may differ a little.
	embedTokenSkew = time.Minute
	embedTokenInfo = "advocacy embed form v1"
	// embedTokenMaxLen bounds what is decoded: an origin is short.
	embedTokenMaxLen = 512
)

// Why a token is refused.
var (
	errEmbedTokenInvalid = errors.New("embed form token is missing, malformed or forged")
	errEmbedTokenExpired = errors.New("embed form token has expired")
)

// embedTokens issues and checks the embedded form's tokens.
type embedTokens struct{ key []byte }

// issue returns the token of a form on petition petitionID framed by
// origin, issued at now.
func (x embedTokens) issue(petitionID int64, origin string, now time.Time) string {
	payload := make([]byte, 8, 8+len(origin))
	binary.BigEndian.PutUint64(payload, uint64(now.Unix()))
	payload = append(payload, origin...)
	return base64.RawURLEncoding.EncodeToString(payload) + "." +
		base64.RawURLEncoding.EncodeToString(x.mac(petitionID, payload))
}

// check returns the origin that token names when issue made it for
// petitionID within embedTokenTTL of now; errEmbedTokenExpired when it did,
// but longer ago (origin is then set too, for a link to a fresh form);
// errEmbedTokenInvalid for anything else. The MAC is compared in constant
// time.
func (x embedTokens) check(token string, petitionID int64, now time.Time) (origin string, err error) {
	if len(token) > embedTokenMaxLen {
		return "", errEmbedTokenInvalid
	}
	p, m, ok := strings.Cut(token, ".")
	if !ok {
		return "", errEmbedTokenInvalid
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || len(payload) < 8 || !hmac.Equal(mac, x.mac(petitionID, payload)) {
		return "", errEmbedTokenInvalid
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(payload[:8])), 0)
	origin = string(payload[8:])
	if issued.After(now.Add(embedTokenSkew)) {
		return "", errEmbedTokenInvalid
	}
	if now.Sub(issued) > embedTokenTTL {
		return origin, errEmbedTokenExpired
	}
	return origin, nil
}

// mac is the HMAC of a token's payload for petitionID.
func (x embedTokens) mac(petitionID int64, payload []byte) []byte {
	h := hmac.New(sha256.New, x.key)
	h.Write([]byte(embedTokenInfo))
	var id [9]byte // a zero byte ends the label, then the id
	binary.BigEndian.PutUint64(id[1:], uint64(petitionID))
	h.Write(id[:])
	h.Write(payload)
	return h.Sum(nil)
}
