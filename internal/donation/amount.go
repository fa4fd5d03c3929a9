package donation

import (
	"errors"
	"strconv"
	"strings"
)

// Amount errors, returned (wrapped) by ParseAmount.
var (
	ErrAmountMissing  = errors.New("no amount given")
	ErrAmountFormat   = errors.New("amount is not a number of whole minor units")
	ErrAmountNegative = errors.New("amount is negative")
	ErrAmountTooSmall = errors.New("amount below the minimum")
	ErrAmountTooLarge = errors.New("amount above the maximum")
	ErrCurrency       = errors.New("unsupported currency")
)

// Limits on one donation, in major units of its currency (pounds, euros).
// The minimum keeps card fees from eating the gift; the maximum is a
// safeguard, since larger gifts are best arranged with the team directly.
const (
	MinMajorUnits = 1
	MaxMajorUnits = 10000
)

// currencies the form can take: the number of minor-unit digits, the
// symbol people type (and may put before the amount), and how amounts are
// written for people. Others can be added when a campaign needs them.
var currencies = map[string]struct {
	exponent int
	symbol   string
	prefix   string
}{
	"GBP": {2, "£", "£"},
	"EUR": {2, "€", "€"},
	"USD": {2, "$", "$"},
	"CAD": {2, "$", "CA$"},
	"AUD": {2, "$", "A$"},
	"NZD": {2, "$", "NZ$"},
	"CHF": {2, "", "CHF "},
	"SEK": {2, "", "SEK "},
	"NOK": {2, "", "NOK "},
	"DKK": {2, "", "DKK "},
	"JPY": {0, "¥", "¥"},
}

// SupportedCurrency reports whether code is a currency donations can be taken in.
func SupportedCurrency(code string) bool {
	_, ok := currencies[code]
	return ok
}

// Exponent is the number of minor-unit digits of currency (2 for GBP).
func Exponent(currency string) int {
	if c, ok := currencies[currency]; ok {
		return c.exponent
	}
	return 2
}

// Prefix is what is written before an amount in currency: "£", "CHF ".
func Prefix(currency string) string {
	if c, ok := currencies[currency]; ok {
		return c.prefix
	}
	return currency + " "
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// Limits returns the smallest and largest donation in minor units.
func Limits(currency string) (minimum, maximum int64) {
	unit := pow10(Exponent(currency))
	return MinMajorUnits * unit, MaxMajorUnits * unit
}

// ParseAmount reads an amount as a person types it — "10", "10.50",
// "£10", "1,000" — into minor units of currency, without floating point.
// It refuses more decimal places than the currency has ("10.505"), signs,
// exponents, other currencies' symbols, and amounts outside Limits.
func ParseAmount(input, currency string) (int64, error) {
	c, ok := currencies[currency]
	if !ok {
		return 0, ErrCurrency
	}
	s := strings.TrimSpace(input)
	if s == "" {
		return 0, ErrAmountMissing
	}
	if c.symbol != "" {
		s = strings.TrimSpace(strings.TrimPrefix(s, c.symbol))
	}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, currency), currency))
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		return 0, ErrAmountNegative
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if strings.Contains(whole, ",") {
		// Thousands separators are allowed only where they belong: 1,000,000.
		groups := strings.Split(whole, ",")
		if len(groups[0]) < 1 || len(groups[0]) > 3 {
			return 0, ErrAmountFormat
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, ErrAmountFormat
			}
		}
		whole = strings.Join(groups, "")
	}
	if !digits(whole) || (hasPoint && (!digits(frac) || len(frac) > c.exponent)) {
		return 0, ErrAmountFormat
	}
	minimum, maximum := Limits(currency)
	// Anything longer than the maximum's digits is too large; checking the
	// length first keeps the arithmetic below far from overflow.
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > len(strconv.FormatInt(MaxMajorUnits, 10)) {
		return 0, ErrAmountTooLarge
	}
	var major int64
	for _, r := range whole {
		major = major*10 + int64(r-'0')
	}
	frac += strings.Repeat("0", c.exponent-len(frac))
	var minor int64
	for _, r := range frac {
		minor = minor*10 + int64(r-'0')
	}
	amount := major*pow10(c.exponent) + minor
	switch {
	case amount < minimum:
		return 0, ErrAmountTooSmall
	case amount > maximum:
		return 0, ErrAmountTooLarge
	}
	return amount, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatDecimal writes minor units as a plain decimal in major units:
// 1050 GBP → "10.50", 500 JPY → "500". For CSV and form values.
func FormatDecimal(amount int64, currency string) string {
	exp := Exponent(currency)
	neg := amount < 0
	if neg {
		amount = -amount
	}
	s := strconv.FormatInt(amount, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Format writes an amount for people: "£10.50", "£1,000.00", "CHF 20.00".
// With short, whole amounts drop the minor units ("£10", for presets).
func Format(amount int64, currency string, short bool) string {
	s := FormatDecimal(amount, currency)
	if short && amount%pow10(Exponent(currency)) == 0 {
		s, _, _ = strings.Cut(s, ".")
	}
	neg := strings.HasPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(Prefix(currency))
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}

// AmountMessage is what to tell a person whose amount failed ParseAmount.
func AmountMessage(err error, currency string) string {
	minimum, maximum := Limits(currency)
	switch {
	case errors.Is(err, ErrAmountMissing):
		return "Please choose or enter an amount."
	case errors.Is(err, ErrAmountNegative):
		return "Please enter a positive amount."
	case errors.Is(err, ErrAmountTooSmall):
		return "The smallest donation we can take is " + Format(minimum, currency, true) + "."
	case errors.Is(err, ErrAmountTooLarge):
		return "For gifts over " + Format(maximum, currency, true) + ", please contact us so we can thank you properly."
	case errors.Is(err, ErrCurrency):
		return "Donations to this campaign are not available in its currency yet."
	default:
		if Exponent(currency) == 0 {
			return "Please enter a whole amount, like " + Format(10*pow10(0), currency, true) + "."
		}
		return "Please enter an amount like 10 or 10.50, with at most " +
			strconv.Itoa(Exponent(currency)) + " decimal places."
	}
}
