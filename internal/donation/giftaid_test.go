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
		GiftAidTitle: " Dr ", GiftAidFirstName: "  Jane   Anne ", GiftAidLastName: "Smith-Doe", GiftAidHouse: " 12 ",
		GiftAidAddress: "12 High  Street, Leeds", GiftAidPostcode: "ls1 1ub", GiftAidConfirmed: true}

	amount, g, err := full.Validate(now)
	if err != nil {
		t.Fatalf("valid input: %v", err)
	}
	if amount != 2500 {
		t.Errorf("amount = %d, want 2500", amount)
	}
	want := donation.GiftAid{Title: "Dr", FirstName: "Jane Anne", LastName: "Smith-Doe", House: "12",
		FullName: "Jane Anne Smith-Doe", HomeAddress: "12 High Street, Leeds", Postcode: "LS1 1UB",
		TaxpayerConfirmed: true, WordingVersion: donation.GiftAidWordingVersion, DeclaredAt: now.UTC()}
	if g == nil || *g != want {
		t.Errorf("declaration = %+v, want %+v", g, want)
	}

	plain := donation.DonateInput{Amount: "10", Currency: "GBP", GiftAidFirstName: "ignored"}
	if amount, g, err := plain.Validate(now); err != nil || amount != 1000 || g != nil {
		t.Errorf("without Gift Aid: %d, %+v, %v", amount, g, err)
	}

	tests := []struct {
		name   string
		change func(*donation.DonateInput)
		fields []string
	}{
		{"bad amount", func(in *donation.DonateInput) { in.Amount = "10.505" }, []string{"amount"}},
		{"no first name", func(in *donation.DonateInput) { in.GiftAidFirstName = " " }, []string{"gift_aid_first_name"}},
		{"no last name", func(in *donation.DonateInput) { in.GiftAidLastName = "" }, []string{"gift_aid_last_name"}},
		{"no house", func(in *donation.DonateInput) { in.GiftAidHouse = "" }, []string{"gift_aid_house"}},
		{"no title is fine", func(in *donation.DonateInput) { in.GiftAidTitle = ""; in.Amount = "x" }, []string{"amount"}},
		{"long title", func(in *donation.DonateInput) { in.GiftAidTitle = "Admiral" }, []string{"gift_aid_title"}},
		{"title with a full stop", func(in *donation.DonateInput) { in.GiftAidTitle = "Dr." }, []string{"gift_aid_title"}},
		{"markup in name", func(in *donation.DonateInput) { in.GiftAidFirstName = "<b>Jane</b>" }, []string{"gift_aid_first_name"}},
		{"digits in name", func(in *donation.DonateInput) { in.GiftAidLastName = "Doe2" }, []string{"gift_aid_last_name"}},
		{"escape sequence in name", func(in *donation.DonateInput) { in.GiftAidFirstName = "\x1b[31mJane" }, []string{"gift_aid_first_name"}},
		{"NUL in name", func(in *donation.DonateInput) { in.GiftAidLastName = "Jane\x00Doe" }, []string{"gift_aid_last_name"}},
		{"not UTF-8 in name", func(in *donation.DonateInput) { in.GiftAidLastName = "Do\xffe" }, []string{"gift_aid_last_name"}},
		{"escape sequence in address", func(in *donation.DonateInput) { in.GiftAidAddress = "12 High St\x1b[0m" }, []string{"gift_aid_address"}},
		{"NUL in address", func(in *donation.DonateInput) { in.GiftAidAddress = "12\x00 High St" }, []string{"gift_aid_address"}},
		{"name starting with a hyphen", func(in *donation.DonateInput) { in.GiftAidFirstName = "-Jane" }, []string{"gift_aid_first_name"}},
		{"house starting with a formula", func(in *donation.DonateInput) { in.GiftAidHouse = "=1+1" }, []string{"gift_aid_house"}},
		{"markup in house", func(in *donation.DonateInput) { in.GiftAidHouse = "<i>1</i>" }, []string{"gift_aid_house"}},
		{"first name of 36", func(in *donation.DonateInput) { in.GiftAidFirstName = strings.Repeat("a", 36) }, []string{"gift_aid_first_name"}},
		{"last name of 36", func(in *donation.DonateInput) { in.GiftAidLastName = strings.Repeat("é", 36) }, []string{"gift_aid_last_name"}},
		{"house of 41", func(in *donation.DonateInput) { in.GiftAidHouse = strings.Repeat("a", 41) }, []string{"gift_aid_house"}},
		{"no address", func(in *donation.DonateInput) { in.GiftAidAddress = "" }, []string{"gift_aid_address"}},
		{"no postcode", func(in *donation.DonateInput) { in.GiftAidPostcode = "" }, []string{"gift_aid_postcode"}},
		{"foreign postcode", func(in *donation.DonateInput) { in.GiftAidPostcode = "75001" }, []string{"gift_aid_postcode"}},
		{"unconfirmed", func(in *donation.DonateInput) { in.GiftAidConfirmed = false }, []string{"gift_aid_confirm"}},
		{"not sterling", func(in *donation.DonateInput) { in.Currency = "EUR"; in.Amount = "10" }, []string{"gift_aid"}},
		{"everything wrong", func(in *donation.DonateInput) {
			*in = donation.DonateInput{Amount: "-1", Currency: "GBP", GiftAid: true}
		}, []string{"amount", "gift_aid_first_name", "gift_aid_last_name", "gift_aid_house", "gift_aid_address",
			"gift_aid_postcode", "gift_aid_confirm"}},
	}
	at35 := full
	at35.GiftAidFirstName, at35.GiftAidLastName, at35.GiftAidHouse = strings.Repeat("a", 35), strings.Repeat("é", 35), strings.Repeat("b", 40)
	if _, _, err := at35.Validate(now); err != nil {
		t.Errorf("names of 35 and a house of 40: %v", err)
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
