package donation

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/advocacy/advocacy/internal/valid"
)

// GiftAidCurrency is the only currency Gift Aid can be claimed on.
const GiftAidCurrency = "GBP"

// The Gift Aid declaration donors agree to. HMRC needs the wording a donor
// saw, so each version is kept (table gift_aid_wordings) and a donation
// records the version it was given under. Change the wording only by adding
// a version, here and in a migration.
const (
	GiftAidWordingVersion = "2026-11-v1"
	GiftAidWording        = "I want to Gift Aid my donation. I am a UK taxpayer and understand that if I pay " +
		"less Income Tax and/or Capital Gains Tax than the amount of Gift Aid claimed on all my " +
		"donations in that tax year it is my responsibility to pay any difference."
)

// Field limits, mirrored by CHECK constraints in the schema.
const (
	MaxGiftAidNameLen    = 200
	MaxGiftAidAddressLen = 300
)

// GiftAid is a donor's Gift Aid declaration: who they are, where they live,
// and that they confirmed the taxpayer statement of WordingVersion.
type GiftAid struct {
	FullName          string
	HomeAddress       string
	Postcode          string // a UK postcode, normalised: "SW1A 1AA"
	TaxpayerConfirmed bool
	WordingVersion    string
	DeclaredAt        time.Time
}

// DonateInput is what a donor submits, before validation.
type DonateInput struct {
	Amount   string // as typed, in Currency
	Currency string // the campaign's, never the form's

	GiftAid          bool
	GiftAidName      string
	GiftAidAddress   string
	GiftAidPostcode  string
	GiftAidConfirmed bool // the taxpayer statement was ticked
}

// Validate checks the input and returns the amount in minor units and the
// declaration (nil without Gift Aid), dated now. A failure is a valid.Errors
// naming each field: amount, gift_aid, gift_aid_name, gift_aid_address,
// gift_aid_postcode, gift_aid_confirm.
func (in DonateInput) Validate(now time.Time) (int64, *GiftAid, error) {
	errs := valid.Errors{}
	amount, err := ParseAmount(in.Amount, in.Currency)
	if err != nil {
		errs.Add("amount", AmountMessage(err, in.Currency))
	}
	if !in.GiftAid {
		return amount, nil, errs.Err()
	}
	if in.Currency != GiftAidCurrency {
		errs.Add("gift_aid", "Gift Aid applies only to donations in pounds sterling.")
		return 0, nil, errs.Err()
	}
	g := &GiftAid{
		FullName:          strings.Join(strings.Fields(in.GiftAidName), " "),
		HomeAddress:       strings.Join(strings.Fields(in.GiftAidAddress), " "),
		TaxpayerConfirmed: in.GiftAidConfirmed,
		WordingVersion:    GiftAidWordingVersion,
		DeclaredAt:        now.UTC(),
	}
	switch n := utf8.RuneCountInString(g.FullName); {
	case !utf8.ValidString(in.GiftAidName) || strings.ContainsAny(g.FullName, "<>") || strings.ContainsFunc(g.FullName, unicode.IsControl):
		errs.Add("gift_aid_name", "Please use only letters and punctuation in your name.")
	case n == 0:
		errs.Add("gift_aid_name", "Gift Aid needs your full name.")
	case n > MaxGiftAidNameLen:
		errs.Add("gift_aid_name", "Please shorten your name to 200 characters or fewer.")
	}
	switch n := utf8.RuneCountInString(g.HomeAddress); {
	case !utf8.ValidString(in.GiftAidAddress) || strings.ContainsAny(g.HomeAddress, "<>") || strings.ContainsFunc(g.HomeAddress, unicode.IsControl):
		errs.Add("gift_aid_address", "Please use only letters, numbers and punctuation in your address.")
	case n == 0:
		errs.Add("gift_aid_address", "Gift Aid needs your home address (at least the house name or number).")
	case n > MaxGiftAidAddressLen:
		errs.Add("gift_aid_address", "Please shorten your address to 300 characters or fewer.")
	}
	if pc, ok := NormaliseUKPostcode(in.GiftAidPostcode); ok {
		g.Postcode = pc
	} else if strings.TrimSpace(in.GiftAidPostcode) == "" {
		errs.Add("gift_aid_postcode", "Gift Aid needs your home postcode.")
	} else {
		errs.Add("gift_aid_postcode", "Please enter a UK postcode, like SW1A 1AA.")
	}
	if !in.GiftAidConfirmed {
		errs.Add("gift_aid_confirm", "Please confirm the UK taxpayer statement, or untick Gift Aid.")
	}
	if err := errs.Err(); err != nil {
		return 0, nil, err
	}
	return amount, g, nil
}

// ukPostcode matches a UK postcode without spaces: outward code, then the
// inward code (digit, two letters). GIR0AA is the one historic exception.
var ukPostcode = regexp.MustCompile(`^(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$`)

// NormaliseUKPostcode returns s upper-cased with one space before the inward
// code ("sw1a1aa" → "SW1A 1AA"), and whether it is shaped like a UK postcode.
func NormaliseUKPostcode(s string) (string, bool) {
	compact := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if !ukPostcode.MatchString(compact) {
		return "", false
	}
	return compact[:len(compact)-3] + " " + compact[len(compact)-3:], true
}
