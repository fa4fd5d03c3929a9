package donation

import (
	"regexp"
	"strconv"
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

// Field limits, mirrored by CHECK constraints in the schema. The title,
// names and house are HMRC's limits for a Charities Online schedule.
const (
	MaxGiftAidNameLen      = 200 // the full name, as the declaration shows it
	MaxGiftAidAddressLen   = 300
	MaxGiftAidTitleLen     = 4
	MaxGiftAidFirstNameLen = 35
	MaxGiftAidLastNameLen  = 35
	MaxGiftAidHouseLen     = 40
)

// GiftAid is a donor's Gift Aid declaration: who they are, where they live,
// and that they confirmed the taxpayer statement of WordingVersion.
//
// Declarations made before the schedule fields were asked for have only
// FullName and HomeAddress; FirstName is empty for them.
type GiftAid struct {
	Title             string // optional: Mr, Mrs, Dr…
	FirstName         string
	LastName          string
	House             string // house name or number
	FullName          string // first and last name, as the declaration shows it
	HomeAddress       string // the full address
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
	GiftAidTitle     string
	GiftAidFirstName string
	GiftAidLastName  string
	GiftAidHouse     string
	GiftAidAddress   string
	GiftAidPostcode  string
	GiftAidConfirmed bool // the taxpayer statement was ticked
}

// Validate checks the input and returns the amount in minor units and the
// declaration (nil without Gift Aid), dated now. A failure is a valid.Errors
// naming each field: amount, gift_aid, gift_aid_title, gift_aid_first_name,
// gift_aid_last_name, gift_aid_house, gift_aid_address, gift_aid_postcode,
// gift_aid_confirm.
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
		Title:             squash(in.GiftAidTitle),
		FirstName:         squash(in.GiftAidFirstName),
		LastName:          squash(in.GiftAidLastName),
		House:             squash(in.GiftAidHouse),
		HomeAddress:       squash(in.GiftAidAddress),
		TaxpayerConfirmed: in.GiftAidConfirmed,
		WordingVersion:    GiftAidWordingVersion,
		DeclaredAt:        now.UTC(),
	}
	g.FullName = g.FirstName + " " + g.LastName
	switch n := utf8.RuneCountInString(g.Title); {
	case n == 0:
	case !utf8.ValidString(in.GiftAidTitle) || !onlyLetters(g.Title):
		errs.Add("gift_aid_title", "Please use only letters in your title, like Mr, Mrs, Ms or Dr.")
	case n > MaxGiftAidTitleLen:
		errs.Add("gift_aid_title", "HMRC takes a title of up to 4 letters; please shorten it, or leave it out.")
	}
	checkName(errs, "gift_aid_first_name", in.GiftAidFirstName, g.FirstName, "first name", MaxGiftAidFirstNameLen)
	checkName(errs, "gift_aid_last_name", in.GiftAidLastName, g.LastName, "last name", MaxGiftAidLastNameLen)
	switch n := utf8.RuneCountInString(g.House); {
	case !utf8.ValidString(in.GiftAidHouse) || !houseName(g.House):
		errs.Add("gift_aid_house", "Please start with a letter or number, and use only letters, numbers and punctuation.")
	case n == 0:
		errs.Add("gift_aid_house", "Gift Aid needs your house name or number.")
	case n > MaxGiftAidHouseLen:
		errs.Add("gift_aid_house", "HMRC takes up to 40 characters here; please shorten your house name.")
	}
	switch n := utf8.RuneCountInString(g.HomeAddress); {
	case !utf8.ValidString(in.GiftAidAddress) || !plainText(g.HomeAddress):
		errs.Add("gift_aid_address", "Please use only letters, numbers and punctuation in your address.")
	case n == 0:
		errs.Add("gift_aid_address", "Gift Aid needs your home address.")
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

// checkName adds field's message when name (typed as raw) is not a name
// HMRC's schedule takes: letters, with spaces, hyphens, apostrophes and full
// stops between them, at most limit characters.
func checkName(errs valid.Errors, field, raw, name, what string, limit int) {
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(raw) || !personName(name):
		errs.Add(field, "Please use only letters, spaces, hyphens and apostrophes in your "+what+".")
	case n == 0:
		errs.Add(field, "Gift Aid needs your "+what+".")
	case n > limit:
		errs.Add(field, "HMRC takes up to "+strconv.Itoa(limit)+" characters; please shorten your "+what+".")
	}
}

// squash trims s and collapses its runs of white space to one space.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func onlyLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// personName reports whether s starts with a letter and holds only letters
// (with their combining marks), spaces, hyphens, apostrophes and full
// stops. Starting with a letter keeps it clear of spreadsheet formulas,
// which the exports would otherwise have to mark.
func personName(s string) bool {
	for i, r := range s {
		if i == 0 && !unicode.IsLetter(r) {
			return false
		}
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) && !strings.ContainsRune(" -'’.", r) {
			return false
		}
	}
	return true
}

// houseName reports whether s is plain text starting with a letter or a
// digit ("12", "Flat 3", "Rose Cottage").
func houseName(s string) bool {
	for _, r := range s {
		return (unicode.IsLetter(r) || unicode.IsDigit(r)) && plainText(s)
	}
	return true
}

// plainText reports whether s is free of markup and control characters.
func plainText(s string) bool {
	return !strings.ContainsAny(s, "<>") && !strings.ContainsFunc(s, unicode.IsControl)
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
