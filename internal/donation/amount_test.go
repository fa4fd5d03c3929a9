package donation_test

import (
	"errors"
	"testing"

	"github.com/advocacy/advocacy/internal/donation"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in       string
		currency string
		want     int64
		err      error
	}{
		{"10", "GBP", 1000, nil},
		{"10.50", "GBP", 1050, nil},
		{"10.5", "GBP", 1050, nil},
		{"£10", "GBP", 1000, nil},
		{" £ 25.00 ", "GBP", 2500, nil},
		{"GBP 5", "GBP", 500, nil},
		{"1,000", "GBP", 100000, nil},
		{"1,000.01", "GBP", 100001, nil},
		{"10,000", "GBP", 1000000, nil},
		{"007", "GBP", 700, nil},
		{"1", "GBP", 100, nil},
		{"€12.34", "EUR", 1234, nil},
		{"500", "JPY", 500, nil},
		{"", "GBP", 0, donation.ErrAmountMissing},
		{"   ", "GBP", 0, donation.ErrAmountMissing},
		{"10.505", "GBP", 0, donation.ErrAmountFormat},
		{"10.", "GBP", 0, donation.ErrAmountFormat},
		{".50", "GBP", 0, donation.ErrAmountFormat},
		{"1e3", "GBP", 0, donation.ErrAmountFormat},
		{"10,00", "GBP", 0, donation.ErrAmountFormat},
		{"1,0000", "GBP", 0, donation.ErrAmountFormat},
		{",100", "GBP", 0, donation.ErrAmountFormat},
		{"ten", "GBP", 0, donation.ErrAmountFormat},
		{"$10", "GBP", 0, donation.ErrAmountFormat},
		{"€10", "GBP", 0, donation.ErrAmountFormat},
		{"10 20", "GBP", 0, donation.ErrAmountFormat},
		{"١٠", "GBP", 0, donation.ErrAmountFormat}, // Arabic-Indic digits
		{"+10", "GBP", 0, donation.ErrAmountFormat},
		{"0x10", "GBP", 0, donation.ErrAmountFormat},
		{"10.5", "JPY", 0, donation.ErrAmountFormat},
		{"-5", "GBP", 0, donation.ErrAmountNegative},
		{"£-5", "GBP", 0, donation.ErrAmountNegative},
		{"0", "GBP", 0, donation.ErrAmountTooSmall},
		{"0.99", "GBP", 0, donation.ErrAmountTooSmall},
		{"10000.01", "GBP", 0, donation.ErrAmountTooLarge},
		{"10001", "GBP", 0, donation.ErrAmountTooLarge},
		{"99999999999999999999999999", "GBP", 0, donation.ErrAmountTooLarge},
		{"9223372036854775807", "GBP", 0, donation.ErrAmountTooLarge},
		{"000000000000000000000010", "GBP", 1000, nil},
		{"10", "XXX", 0, donation.ErrCurrency},
	}
	for _, tt := range tests {
		got, err := donation.ParseAmount(tt.in, tt.currency)
		if !errors.Is(err, tt.err) || (tt.err != nil) != (err != nil) {
			t.Errorf("ParseAmount(%q, %s) error = %v, want %v", tt.in, tt.currency, err, tt.err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseAmount(%q, %s) = %d, want %d", tt.in, tt.currency, got, tt.want)
		}
	}
}

func TestLimitsBoundaries(t *testing.T) {
	minimum, maximum := donation.Limits("GBP")
	if minimum != 100 || maximum != 1000000 {
		t.Fatalf("Limits(GBP) = %d, %d; want 100, 1000000", minimum, maximum)
	}
	if got, err := donation.ParseAmount("10000", "GBP"); err != nil || got != maximum {
		t.Errorf("the maximum itself: got %d, %v", got, err)
	}
	if got, err := donation.ParseAmount("1.00", "GBP"); err != nil || got != minimum {
		t.Errorf("the minimum itself: got %d, %v", got, err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		amount   int64
		currency string
		short    bool
		want     string
		decimal  string
	}{
		{1050, "GBP", false, "£10.50", "10.50"},
		{1000, "GBP", true, "£10", "10.00"},
		{1050, "GBP", true, "£10.50", "10.50"},
		{5, "GBP", false, "£0.05", "0.05"},
		{0, "GBP", false, "£0.00", "0.00"},
		{123456789, "GBP", false, "£1,234,567.89", "1234567.89"},
		{2000, "CHF", false, "CHF 20.00", "20.00"},
		{500, "JPY", false, "¥500", "500"},
		{-250, "EUR", false, "-€2.50", "-2.50"},
	}
	for _, tt := range tests {
		if got := donation.Format(tt.amount, tt.currency, tt.short); got != tt.want {
			t.Errorf("Format(%d, %s, %v) = %q, want %q", tt.amount, tt.currency, tt.short, got, tt.want)
		}
		if got := donation.FormatDecimal(tt.amount, tt.currency); got != tt.decimal {
			t.Errorf("FormatDecimal(%d, %s) = %q, want %q", tt.amount, tt.currency, got, tt.decimal)
		}
	}
}

func TestAmountRoundTrip(t *testing.T) {
	for _, amount := range []int64{100, 101, 199, 1000, 1050, 99999, 1000000} {
		got, err := donation.ParseAmount(donation.Format(amount, "GBP", false), "GBP")
		if err != nil || got != amount {
			t.Errorf("round trip of %d: got %d, %v", amount, got, err)
		}
	}
}
