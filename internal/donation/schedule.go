package donation

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// HMRC's Charities Online takes a Gift Aid claim as its schedule
// spreadsheet, filled a donation a row, at most 1,000 rows a schedule. The
// schedule export writes those rows, in parts of ScheduleRowsPerPart, so
// that each part pastes into the template without editing.

// ScheduleRowsPerPart is the most donation rows HMRC's schedule takes.
const ScheduleRowsPerPart = 1000

// ScheduleHeader names the schedule's columns, as the template does.
var ScheduleHeader = []string{
	"Title", "First name or initial", "Last name", "House name or number", "Postcode",
	"Aggregated donations", "Sponsored event", "Donation date", "Amount",
}

// ScheduleParts is how many parts a claim of rows donations takes: at least
// one, so that an empty claim is still a (header-only) file.
func ScheduleParts(rows int64) int {
	return max(1, int((rows+ScheduleRowsPerPart-1)/ScheduleRowsPerPart))
}

// ScheduleRecord is e as a row of HMRC's schedule: the donor's title, first
// and last name (a hyphen becomes a space, as HMRC asks), house name or
// number, postcode in capitals with its space, no aggregation, no sponsored
// event, the date the payment was taken (DD/MM/YY, UTC) and the amount with
// two decimals and no currency sign. e must have a declaration and a
// payment time (EachGiftAidClaim selects only those).
//
// A declaration made before the schedule's fields were asked for has only
// a full name and address; its names and house are derived from them (see
// LegacyScheduleNames), and finance should check those rows.
func (e Entry) ScheduleRecord() []string {
	d := e.Donation
	g := d.GiftAid
	if g == nil {
		g = &GiftAid{}
	}
	title, first, last, house := g.Title, g.FirstName, g.LastName, g.House
	if first == "" {
		title, first, last = LegacyScheduleNames(g.FullName)
		house = LegacyHouse(g.HomeAddress)
	}
	date := ""
	if d.PaidAt != nil {
		date = d.PaidAt.UTC().Format("02/01/06")
	}
	return []string{
		title, truncate(first, MaxGiftAidFirstNameLen), truncate(strings.ReplaceAll(last, "-", " "), MaxGiftAidLastNameLen),
		truncate(house, MaxGiftAidHouseLen), strings.ToUpper(g.Postcode), "", "", date, FormatDecimal(d.Amount, d.Currency),
	}
}

// titles are the titles a legacy full name may start with.
var titles = map[string]string{"mr": "Mr", "mrs": "Mrs", "ms": "Ms", "miss": "Miss", "mx": "Mx", "dr": "Dr", "prof": "Prof", "rev": "Rev", "sir": "Sir"}

// LegacyScheduleNames splits a full name typed as one field into a title
// (when it starts with a common one), a first name (every word but the
// last) and a last name (the last word): "Dr Jane Anne Doe" is "Dr",
// "Jane Anne", "Doe". A single word is taken as the last name.
func LegacyScheduleNames(full string) (title, first, last string) {
	words := strings.Fields(full)
	if len(words) > 1 {
		if t, ok := titles[strings.ToLower(strings.TrimSuffix(words[0], "."))]; ok {
			title, words = t, words[1:]
		}
	}
	if len(words) == 0 {
		return title, "", ""
	}
	return title, strings.Join(words[:len(words)-1], " "), words[len(words)-1]
}

// LegacyHouse is the house name or number of a full address typed as one
// field: its leading number ("12A High Street" is "12A"), else its first
// line, up to the first comma ("Rose Cottage, Mill Lane" is "Rose
// Cottage").
func LegacyHouse(address string) string {
	address = strings.TrimSpace(address)
	first, _, _ := strings.Cut(address, ",")
	first = strings.TrimSpace(first)
	word, _, _ := strings.Cut(first, " ")
	if word != "" && unicode.IsDigit(rune(word[0])) {
		return strings.TrimRight(word, ",.")
	}
	return first
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
