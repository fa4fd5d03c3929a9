package petition

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/advocacy/advocacy/internal/valid"
)

// Field limits, mirrored by CHECK constraints in the schema.
const (
	MaxNameLen     = 200
	MaxEmailLen    = 254
	MaxPostcodeLen = 16
	MaxSourceLen   = 64
)

// SignInput is what a supporter submits, before validation.
type SignInput struct {
	FullName       string
	Email          string
	Postcode       string
	Country        string
	ConsentUpdates *bool // nil: the supporter did not answer
	Source         string
}

// NormaliseEmail trims and lower-cases an address: two addresses that differ
// only in case or surrounding space belong to one person.
func NormaliseEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Validate checks every field and returns the cleaned values in a Signature
// (without petition, consent version or source, which the caller resolves).
// A failure is a valid.Errors naming each field.
func (in SignInput) Validate() (Signature, error) {
	errs := valid.Errors{}
	sig := Signature{
		FullName: strings.Join(strings.Fields(in.FullName), " "),
		Email:    NormaliseEmail(in.Email),
		Postcode: strings.ToUpper(strings.Join(strings.Fields(in.Postcode), " ")),
		Country:  strings.ToUpper(strings.TrimSpace(in.Country)),
	}
	if in.ConsentUpdates == nil {
		errs.Add("consent_updates", "Please say whether we may email you updates (true or false).")
	} else {
		sig.ConsentUpdates = *in.ConsentUpdates
	}

	switch n := utf8.RuneCountInString(sig.FullName); {
	case !utf8.ValidString(in.FullName) || strings.ContainsFunc(sig.FullName, unicode.IsControl):
		errs.Add("full_name", "Your name contains characters we cannot read.")
	case n == 0:
		errs.Add("full_name", "Please enter your name.")
	case n > MaxNameLen:
		errs.Add("full_name", "Please shorten your name to 200 characters or fewer.")
	case strings.ContainsAny(sig.FullName, "<>"):
		errs.Add("full_name", "Please use only letters and punctuation in your name.")
	}

	if sig.Email == "" {
		errs.Add("email", "Please enter your email address.")
	} else if len(sig.Email) > MaxEmailLen || !utf8.ValidString(in.Email) || !ValidEmail(sig.Email) {
		errs.Add("email", "Please enter a valid email address, like name@example.org.")
	}

	if utf8.RuneCountInString(sig.Postcode) > MaxPostcodeLen {
		errs.Add("postcode", "Please enter a postcode of 16 characters or fewer.")
	} else if !utf8.ValidString(in.Postcode) || strings.ContainsFunc(sig.Postcode, unicode.IsControl) ||
		strings.ContainsAny(sig.Postcode, "<>\"'&") {
		errs.Add("postcode", "Please use only letters, numbers and spaces in your postcode.")
	}

	if sig.Country == "" {
		errs.Add("country", "Please choose your country.")
	} else if !ValidCountry(sig.Country) {
		errs.Add("country", "Please choose a country from the list (a two-letter ISO code such as GB).")
	}

	if err := errs.Err(); err != nil {
		return Signature{}, err
	}
	return sig, nil
}

// ValidEmail reports whether s is a bare address (no display name) at a
// host name that mail can be delivered to: at least two labels, each of
// letters, digits and inner hyphens, and a top-level label that is not all
// digits. Address literals (a@[127.0.0.1]) are refused.
func ValidEmail(s string) bool {
	// net/mail takes any rune beyond ASCII in the local part, control
	// characters (U+0080-U+009F) among them.
	if strings.ContainsFunc(s, unicode.IsControl) {
		return false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return false
	}
	labels := strings.Split(s[at+1:], ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !validHostLabel(l) {
			return false
		}
	}
	return strings.ContainsFunc(labels[len(labels)-1], func(r rune) bool { return !unicode.IsDigit(r) })
}

// validHostLabel reports whether l is one label of a host name: 1 to 63
// bytes of letters (any script, for internationalised names), digits and
// hyphens, not starting or ending with a hyphen.
func validHostLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// ValidCountry reports whether code is an assigned ISO 3166-1 alpha-2 country code.
func ValidCountry(code string) bool {
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return false
	}
	switch code {
	case "AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "EZ", "UN":
		// Exceptionally reserved codes: not countries a person lives in.
		return false
	}
	r, err := language.ParseRegion(code)
	// Canonicalize maps withdrawn codes (YU, RH, …) to their successors.
	return err == nil && r.IsCountry() && r.Canonicalize() == r && r.String() == code &&
		display.English.Regions().Name(r) != ""
}

// ValidSourceCode reports whether code may be stored as a source code: short,
// and made of letters, digits, '-', '_' or '.'.
func ValidSourceCode(code string) bool {
	if code == "" || len(code) > MaxSourceLen {
		return false
	}
	for _, c := range code {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}
