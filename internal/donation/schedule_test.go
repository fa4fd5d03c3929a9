package donation_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/advocacy/advocacy/internal/donation"
)

func TestScheduleRecord(t *testing.T) {
	paid := time.Date(2027, 4, 5, 23, 30, 0, 0, time.UTC)
	entry := func(amount int64, g donation.GiftAid) donation.Entry {
		return donation.Entry{Donation: donation.Donation{Amount: amount, Currency: "GBP",
			State: donation.State{Status: donation.StatusPaid, PaidAt: &paid}, GiftAid: &g}}
	}
	tests := []struct {
		name string
		e    donation.Entry
		want []string
	}{
		{"asked for separately", entry(2500, donation.GiftAid{Title: "Dr", FirstName: "Jane Anne", LastName: "Smith-Doe", House: "12A",
			FullName: "Jane Anne Smith-Doe", HomeAddress: "12A High Street, Leeds", Postcode: "LS1 1UB"}),
			[]string{"Dr", "Jane Anne", "Smith Doe", "12A", "LS1 1UB", "", "", "05/04/27", "25.00"}},
		{"no title, pence", entry(1005, donation.GiftAid{FirstName: "Ali", LastName: "O'Neill", House: "Rose Cottage",
			FullName: "Ali O'Neill", HomeAddress: "Rose Cottage, Mill Lane, York", Postcode: "YO1 7HH"}),
			[]string{"", "Ali", "O'Neill", "Rose Cottage", "YO1 7HH", "", "", "05/04/27", "10.05"}},
		{"an old free-text declaration", entry(300000, donation.GiftAid{FullName: "Mrs Mary Jane Watson-Parker",
			HomeAddress: "221b Baker Street, London", Postcode: "NW1 6XE"}),
			[]string{"Mrs", "Mary Jane", "Watson Parker", "221b", "NW1 6XE", "", "", "05/04/27", "3000.00"}},
		{"an old declaration naming a house", entry(100, donation.GiftAid{FullName: "Cher",
			HomeAddress: "The Old Rectory, Church Road", Postcode: "GIR 0AA"}),
			[]string{"", "", "Cher", "The Old Rectory", "GIR 0AA", "", "", "05/04/27", "1.00"}},
		{"an old declaration too long for HMRC", entry(100, donation.GiftAid{FullName: strings.Repeat("a", 40) + " " + strings.Repeat("b", 40),
			HomeAddress: strings.Repeat("c", 50), Postcode: "SW1A 1AA"}),
			[]string{"", strings.Repeat("a", 35), strings.Repeat("b", 35), strings.Repeat("c", 40), "SW1A 1AA", "", "", "05/04/27", "1.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.e.ScheduleRecord()
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if len(got) != len(donation.ScheduleHeader) {
				t.Errorf("%d cells under %d headings", len(got), len(donation.ScheduleHeader))
			}
		})
	}
}

func TestScheduleParts(t *testing.T) {
	for rows, want := range map[int64]int{0: 1, 1: 1, 999: 1, 1000: 1, 1001: 2, 2000: 2, 2001: 3} {
		if got := donation.ScheduleParts(rows); got != want {
			t.Errorf("ScheduleParts(%d) = %d, want %d", rows, got, want)
		}
	}
}

// FuzzLegacySchedule checks that the names and house read from any old
// free-text declaration keep its words, in order, and fit HMRC's limits once
// exported.
func FuzzLegacySchedule(f *testing.F) {
	for _, seed := range [][2]string{
		{"Mrs Mary Jane Watson-Parker", "221b Baker Street, London"},
		{"Cher", "The Old Rectory, Church Road"},
		{"Dr.", ", , "},
		{"", ""},
		{"  Mr   Ó   Sé  ", "12,"},
	} {
		f.Add(seed[0], seed[1])
	}
	paid := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, name, address string) {
		if !utf8.ValidString(name) || !utf8.ValidString(address) {
			return // the form refuses text that is not UTF-8
		}
		title, first, last := donation.LegacyScheduleNames(name)
		if got, want := strings.Fields(strings.Join([]string{title, first, last}, " ")), strings.Fields(name); len(got) != len(want) {
			t.Fatalf("LegacyScheduleNames(%q) = %q %q %q: words lost or made up", name, title, first, last)
		}
		if house := donation.LegacyHouse(address); !strings.Contains(address, house) {
			t.Fatalf("LegacyHouse(%q) = %q, not from the address", address, house)
		}
		e := donation.Entry{Donation: donation.Donation{Amount: 100, Currency: "GBP", State: donation.State{PaidAt: &paid},
			GiftAid: &donation.GiftAid{FullName: name, HomeAddress: address, Postcode: "SW1A 1AA"}}}
		row := e.ScheduleRecord()
		if utf8.RuneCountInString(row[1]) > 35 || utf8.RuneCountInString(row[2]) > 35 || utf8.RuneCountInString(row[3]) > 40 ||
			utf8.RuneCountInString(row[0]) > 4 || strings.Contains(row[2], "-") {
			t.Fatalf("schedule row %q for %q, %q is beyond HMRC's limits", row, name, address)
		}
	})
}
