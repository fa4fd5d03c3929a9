package donation_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/valid"
)

func TestNormaliseUKPostcode(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"SW1A 1AA", "SW1A 1AA", true},
		{"sw1a1aa", "SW1A 1AA", true},
		{"  m1  1ae ", "M1 1AE", true},
		{"B33 8TH", "B33 8TH", true},
		{"CR2 6XH", "CR2 6XH", true},
		{"DN55 1PT", "DN55 1PT", true},
		{"W1A 0AX", "W1A 0AX", true},
		{"EC1A 1BB", "EC1A 1BB", true},
		{"GIR 0AA", "GIR 0AA", true},
		{"", "", false},
		{"12345", "", false},
		{"SW1A", "", false},
		{"SW1A 1AAA", "", false},
		{"1W1A 1AA", "", false},
		{"=SUM(A1)", "", false},
	}
	for _, tt := range tests {
		got, ok := donation.NormaliseUKPostcode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormaliseUKPostcode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDonateInputValidate(t *testing.T) {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.FixedZone("BST", 3600))
	full := donation.DonateInput{Amount: "£25", Currency: "GBP", GiftAid: true,
		GiftAidName: "  Jane   Doe ", GiftAidAddress: "12 High  Street, Leeds", GiftAidPostcode: "ls1 1ub",
		GiftAidConfirmed: true}

	amount, g, err := full.Validate(now)
	if err != nil {
		t.Fatalf("valid input: %v", err)
	}
	if amount != 2500 {
		t.Errorf("amount = %d, want 2500", amount)
	}
	want := donation.GiftAid{FullName: "Jane Doe", HomeAddress: "12 High Street, Leeds", Postcode: "LS1 1UB",
		TaxpayerConfirmed: true, WordingVersion: donation.GiftAidWordingVersion, DeclaredAt: now.UTC()}
	if g == nil || *g != want {
		t.Errorf("declaration = %+v, want %+v", g, want)
	}

	plain := donation.DonateInput{Amount: "10", Currency: "GBP", GiftAidName: "ignored"}
	if amount, g, err := plain.Validate(now); err != nil || amount != 1000 || g != nil {
		t.Errorf("without Gift Aid: %d, %+v, %v", amount, g, err)
	}

	tests := []struct {
		name   string
		change func(*donation.DonateInput)
		fields []string
	}{
		{"bad amount", func(in *donation.DonateInput) { in.Amount = "10.505" }, []string{"amount"}},
		{"no name", func(in *donation.DonateInput) { in.GiftAidName = " " }, []string{"gift_aid_name"}},
		{"markup in name", func(in *donation.DonateInput) { in.GiftAidName = "<b>Jane</b>" }, []string{"gift_aid_name"}},
		{"escape sequence in name", func(in *donation.DonateInput) { in.GiftAidName = "\x1b[31mJane" }, []string{"gift_aid_name"}},
		{"NUL in name", func(in *donation.DonateInput) { in.GiftAidName = "Jane\x00Doe" }, []string{"gift_aid_name"}},
		{"escape sequence in address", func(in *donation.DonateInput) { in.GiftAidAddress = "12 High St\x1b[0m" }, []string{"gift_aid_address"}},
		{"NUL in address", func(in *donation.DonateInput) { in.GiftAidAddress = "12\x00 High St" }, []string{"gift_aid_address"}},
		{"long name", func(in *donation.DonateInput) { in.GiftAidName = strings.Repeat("a", 201) }, []string{"gift_aid_name"}},
		{"no address", func(in *donation.DonateInput) { in.GiftAidAddress = "" }, []string{"gift_aid_address"}},
		{"no postcode", func(in *donation.DonateInput) { in.GiftAidPostcode = "" }, []string{"gift_aid_postcode"}},
		{"foreign postcode", func(in *donation.DonateInput) { in.GiftAidPostcode = "75001" }, []string{"gift_aid_postcode"}},
		{"unconfirmed", func(in *donation.DonateInput) { in.GiftAidConfirmed = false }, []string{"gift_aid_confirm"}},
		{"not sterling", func(in *donation.DonateInput) { in.Currency = "EUR"; in.Amount = "10" }, []string{"gift_aid"}},
		{"everything wrong", func(in *donation.DonateInput) {
			*in = donation.DonateInput{Amount: "-1", Currency: "GBP", GiftAid: true}
		}, []string{"amount", "gift_aid_name", "gift_aid_address", "gift_aid_postcode", "gift_aid_confirm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := full
			tt.change(&in)
			_, _, err := in.Validate(now)
			var fields valid.Errors
			if !errors.As(err, &fields) {
				t.Fatalf("error = %v, want field errors", err)
			}
			if len(fields) != len(tt.fields) {
				t.Errorf("fields = %v, want exactly %v", fields, tt.fields)
			}
			for _, f := range tt.fields {
				if fields[f] == "" {
					t.Errorf("no message for %s in %v", f, fields)
				}
			}
		})
	}
}
