package donation_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/valid"
)

// fuzzCurrencies are the currencies a donation is tried in: sterling (the
// only one with Gift Aid), others with two and with no minor digits, and
// codes that are not supported.
var fuzzCurrencies = []string{"GBP", "EUR", "USD", "CHF", "JPY", "XYZ", "", "gbp"}

// FuzzDonateInputValidate checks that any donation form is either refused
// field by field or accepted with an amount within the currency's limits
// and, with Gift Aid, a declaration of readable text.
func FuzzDonateInputValidate(f *testing.F) {
	for _, seed := range []struct {
		amount                  string
		currency                byte
		giftAid                 bool
		name, address, postcode string
		confirmed               bool
	}{
		{"10", 0, false, "", "", "", false},
		{"£1,000.50", 0, true, "Grace Hopper", "1 High Street, London", "sw1a1aa", true},
		{"¥500", 4, false, "", "", "", false},
		{"10.505", 1, false, "", "", "", false},
		{"10000.01", 0, false, "", "", "", false},
		{"-5", 2, false, "", "", "", false},
		{"99999999999999999999999", 0, false, "", "", "", false},
		{"1e3", 0, false, "", "", "", false},
		{"10", 5, false, "", "", "", false},
		{"10", 1, true, "Ada", "1 Rue", "75001", true},
		// The inputs of the issue on bad input that reach a donation.
		{"%zz", 0, false, "", "", "", false},
		{"10", 0, true, "\x1b[31m", "1 High Street", "SW1A 1AA", true},
		{"10", 0, true, "\xff\xfeA", "1 High Street", "SW1A 1AA", true},
		{"10", 0, true, "Ada\x00", "1 High\x00Street", "SW1A\x001AA", true},
		{"\x00", 0, false, "", "", "", false},
		{"10", 0, true, "Ada\u0085", "1 High Street\u009b", "GIR 0AA", true},
	} {
		f.Add(seed.amount, seed.currency, seed.giftAid, seed.name, seed.address, seed.postcode, seed.confirmed)
	}
	now := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, amount string, currency byte, giftAid bool, name, address, postcode string, confirmed bool) {
		in := donation.DonateInput{Amount: amount, Currency: fuzzCurrencies[int(currency)%len(fuzzCurrencies)],
			GiftAid: giftAid, GiftAidFirstName: name, GiftAidLastName: name, GiftAidHouse: address,
			GiftAidAddress: address, GiftAidPostcode: postcode, GiftAidConfirmed: confirmed}
		minor, ga, err := in.Validate(now)
		if err != nil {
			var fields valid.Errors
			if !errors.As(err, &fields) || len(fields) == 0 {
				t.Fatalf("Validate(%+v) = %v; want a valid.Errors", in, err)
			}
			return
		}
		if !donation.SupportedCurrency(in.Currency) {
			t.Fatalf("Validate(%+v) accepted an unsupported currency", in)
		}
		if lo, hi := donation.Limits(in.Currency); minor < lo || minor > hi {
			t.Fatalf("Validate(%+v) = %d, outside the limits %d to %d", in, minor, lo, hi)
		}
		if !in.GiftAid {
			if ga != nil {
				t.Fatalf("Validate(%+v) made a Gift Aid declaration nobody asked for", in)
			}
			return
		}
		if ga == nil || in.Currency != donation.GiftAidCurrency || !ga.TaxpayerConfirmed {
			t.Fatalf("Validate(%+v) accepted Gift Aid as %+v", in, ga)
		}
		for field, s := range map[string]string{"first name": ga.FirstName, "last name": ga.LastName, "house": ga.House,
			"address": ga.HomeAddress, "postcode": ga.Postcode} {
			if s == "" || !valid.Readable(s) {
				t.Fatalf("Validate(%+v) accepted Gift Aid %s %q", in, field, s)
			}
		}
		// What HMRC's schedule takes: names of at most 35 characters, a house
		// of at most 40, nothing that starts a spreadsheet formula.
		if utf8.RuneCountInString(ga.FirstName) > 35 || utf8.RuneCountInString(ga.LastName) > 35 ||
			utf8.RuneCountInString(ga.House) > 40 || strings.ContainsAny(ga.FirstName+ga.LastName, "=+@0123456789") ||
			strings.ContainsAny(ga.FirstName[:1]+ga.LastName[:1]+ga.House[:1], "=+-@'\t\r") {
			t.Fatalf("Validate(%+v) accepted a declaration HMRC refuses: %+v", in, ga)
		}
	})
}
