package petition

import (
	"sort"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Country is an ISO 3166-1 alpha-2 code with its English name.
type Country struct {
	Code string
	Name string
}

// Countries lists every assigned country code, sorted by English name.
func Countries() []Country {
	names := display.English.Regions()
	var out []Country
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			if !ValidCountry(code) {
				continue
			}
			r := language.MustParseRegion(code)
			out = append(out, Country{Code: code, Name: names.Name(r)})
		}
	}
	col := collate.New(language.English)
	sort.Slice(out, func(i, j int) bool { return col.CompareString(out[i].Name, out[j].Name) < 0 })
	return out
}
