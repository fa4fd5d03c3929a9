package petition_test

import (
	"testing"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/advocacy/advocacy/internal/petition"
)

func TestCountries(t *testing.T) {
	countries := petition.Countries()
	byCode := map[string]string{}
	for _, c := range countries {
		if _, dup := byCode[c.Code]; dup {
			t.Errorf("%s listed twice", c.Code)
		}
		byCode[c.Code] = c.Name
		if !petition.ValidCountry(c.Code) {
			t.Errorf("%s (%s) is listed but ValidCountry refuses it", c.Code, c.Name)
		}
		if c.Name == "" {
			t.Errorf("%s has no name", c.Code)
		}
	}
	for code, name := range map[string]string{"GB": "United Kingdom", "IE": "Ireland", "FR": "France", "US": "United States"} {
		if byCode[code] != name {
			t.Errorf("Countries()[%s] = %q, want %q", code, byCode[code], name)
		}
	}
	for _, code := range []string{"EU", "UN", "UK", "YU", "SU", "XX", "ZZ", "QO"} {
		if _, ok := byCode[code]; ok {
			t.Errorf("%s is listed, but is not a country", code)
		}
	}
	// ISO 3166-1 assigns 249 codes; the list may also carry Kosovo (XK).
	if n := len(countries); n < 249 || n > 250 {
		t.Errorf("Countries() has %d entries, want 249 or 250", n)
	}

	// Sorted as a reader expects, by name in English collation: Åland
	// Islands sits between Afghanistan and Albania, not after Zimbabwe.
	col := collate.New(language.English)
	for i := 1; i < len(countries); i++ {
		if col.CompareString(countries[i-1].Name, countries[i].Name) > 0 {
			t.Errorf("not sorted: %q before %q", countries[i-1].Name, countries[i].Name)
		}
	}
	if len(countries) >= 3 {
		got := []string{countries[0].Code, countries[1].Code, countries[2].Code}
		if got[0] != "AF" || got[1] != "AX" || got[2] != "AL" {
			t.Errorf("first three = %v, want [AF AX AL]", got)
		}
	}
}
