package site

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/petition"
)

// A donation is linked to the donor's signature only when the donor proves
// the signature is theirs. Proof is a cookie set by the response to their
// own, new signature: it holds the petition and the email, sealed with
// AES-GCM under a server key, so it can neither be read nor forged, and it
// lasts supporterMaxAge. Typing a stranger's email into the donation form
// proves nothing (the form does not ask for one), and signing again with a
// stranger's email sets no cookie, because only a new signature does.
//
// The key is derived (HKDF) from the Stripe secret key: every instance of
// the server derives the same one, and without a key donations are off and
// no cookie is needed.
const (
	supporterCookie = "advocacy_supporter"
	supporterMaxAge = 2 * time.Hour
	supporterInfo   = "advocacy supporter cookie v1"
)

type supporterCookies struct {
	aead   cipher.AEAD
	secure bool
}

// newSupporterCookies returns nil when secret is empty.
func newSupporterCookies(secret string, secure bool) (*supporterCookies, error) {
	if secret == "" {
		return nil, nil
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, supporterInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &supporterCookies{aead: aead, secure: secure}, nil
}

// seal returns the cookie value for a signature made at now. proves is
// whether the signature was new (only then does the cookie prove it is the
// donor's); it is sealed inside, so the cookie after a repeat looks exactly
// like the cookie after a new signature.
func (x *supporterCookies) seal(petitionID int64, email string, proves bool, now time.Time) string {
	plain := make([]byte, 17, 17+len(email))
	binary.BigEndian.PutUint64(plain[0:8], uint64(petitionID))
	binary.BigEndian.PutUint64(plain[8:16], uint64(now.Unix()))
	if proves {
		plain[16] = 1
	}
	plain = append(plain, email...)
	nonce := make([]byte, x.aead.NonceSize(), x.aead.NonceSize()+len(plain)+x.aead.Overhead())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(x.aead.Seal(nonce, nonce, plain, []byte(supporterInfo)))
}

// open reads a cookie value sealed within supporterMaxAge of now that
// proves a signature; ok is false for any other.
func (x *supporterCookies) open(value string, now time.Time) (donation.Supporter, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	ns := x.aead.NonceSize()
	if err != nil || len(raw) < ns+17+x.aead.Overhead() {
		return donation.Supporter{}, false
	}
	plain, err := x.aead.Open(nil, raw[:ns], raw[ns:], []byte(supporterInfo))
	if err != nil || len(plain) < 17 || plain[16] != 1 {
		return donation.Supporter{}, false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(plain[8:16])), 0)
	if now.Sub(issued) > supporterMaxAge || issued.After(now.Add(time.Minute)) {
		return donation.Supporter{}, false
	}
	return donation.Supporter{PetitionID: int64(binary.BigEndian.Uint64(plain[0:8])), Email: string(plain[17:])}, true
}

// rememberSupporter sets the cookie after every signature, new or repeat,
// when donations are on: a repeat must look the same as a new signature in
// every byte, or the form would tell anyone whether an address has signed.
// Only the cookie of a new signature (isNew) links a donation to it.
func (s *Site) rememberSupporter(c *gin.Context, petitionID int64, email string, isNew bool) {
	if s.supporters == nil || !s.Donations.Enabled() {
		return
	}
	value := s.supporters.seal(petitionID, petition.NormaliseEmail(email), isNew, time.Now())
	http.SetCookie(c.Writer, &http.Cookie{Name: supporterCookie, Value: value, Path: "/", HttpOnly: true,
		Secure: s.supporters.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(supporterMaxAge.Seconds())})
}

// supporter returns the signature the request's cookie proves, if any.
func (s *Site) supporter(c *gin.Context) *donation.Supporter {
	if s.supporters == nil {
		return nil
	}
	v, err := c.Cookie(supporterCookie)
	if err != nil || v == "" {
		return nil
	}
	sup, ok := s.supporters.open(v, time.Now())
	if !ok {
		return nil
	}
	return &sup
}
