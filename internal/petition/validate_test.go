package petition_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/valid"
)

func ptr[T any](v T) *T { return &v }

// good is a submission that passes; each case changes one thing.
func good() petition.SignInput {
	return petition.SignInput{
		FullName:       "Ada Lovelace",
		Email:          "ada@example.org",
		Postcode:       "SW1A 1AA",
		Country:        "GB",
		ConsentUpdates: ptr(true),
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(in *petition.SignInput)
		// wantFields names every field that must fail; empty means valid.
		wantFields []string
		// want, for a valid input, is the cleaned signature.
		want *petition.Signature
	}{
		{name: "good", edit: func(*petition.SignInput) {},
			want: &petition.Signature{FullName: "Ada Lovelace", Email: "ada@example.org", Postcode: "SW1A 1AA", Country: "GB", ConsentUpdates: true}},
		{name: "consent false is an answer", edit: func(in *petition.SignInput) { in.ConsentUpdates = ptr(false) },
			want: &petition.Signature{FullName: "Ada Lovelace", Email: "ada@example.org", Postcode: "SW1A 1AA", Country: "GB", ConsentUpdates: false}},
		{name: "consent nil refused", edit: func(in *petition.SignInput) { in.ConsentUpdates = nil }, wantFields: []string{"consent_updates"}},

		// Name: length in characters, not bytes.
		{name: "name empty", edit: func(in *petition.SignInput) { in.FullName = "" }, wantFields: []string{"full_name"}},
		{name: "name only spaces", edit: func(in *petition.SignInput) { in.FullName = " \t\n " }, wantFields: []string{"full_name"}},
		{name: "name 200 ascii", edit: func(in *petition.SignInput) { in.FullName = strings.Repeat("a", 200) }},
		{name: "name 201 ascii", edit: func(in *petition.SignInput) { in.FullName = strings.Repeat("a", 201) }, wantFields: []string{"full_name"}},
		{name: "name 200 two-byte runes", edit: func(in *petition.SignInput) { in.FullName = strings.Repeat("é", 200) }},
		{name: "name 201 two-byte runes", edit: func(in *petition.SignInput) { in.FullName = strings.Repeat("é", 201) }, wantFields: []string{"full_name"}},
		{name: "name 200 three-byte runes", edit: func(in *petition.SignInput) { in.FullName = strings.Repeat("漢", 200) }},
		{name: "name 201 four-byte runes", edit: func(in *petition.SignInput) { in.FullName = strings.Repeat("𝒜", 201) }, wantFields: []string{"full_name"}},
		{name: "name spaces collapsed", edit: func(in *petition.SignInput) { in.FullName = "  Ada \t  Lovelace \n" },
			want: &petition.Signature{FullName: "Ada Lovelace", Email: "ada@example.org", Postcode: "SW1A 1AA", Country: "GB", ConsentUpdates: true}},
		{name: "name 200 after collapsing spaces", edit: func(in *petition.SignInput) { in.FullName = "   " + strings.Repeat("a", 200) + "   " }},
		{name: "name apostrophe and accents kept", edit: func(in *petition.SignInput) { in.FullName = "Siobhán O'Brien-Ñúñez" },
			want: &petition.Signature{FullName: "Siobhán O'Brien-Ñúñez", Email: "ada@example.org", Postcode: "SW1A 1AA", Country: "GB", ConsentUpdates: true}},
		{name: "name with markup", edit: func(in *petition.SignInput) { in.FullName = "<script>x</script>" }, wantFields: []string{"full_name"}},
		{name: "name invalid utf-8", edit: func(in *petition.SignInput) { in.FullName = "Ada \xff" }, wantFields: []string{"full_name"}},
		{name: "name with NUL", edit: func(in *petition.SignInput) { in.FullName = "Ada\x00Lovelace" }, wantFields: []string{"full_name"}},
		{name: "name with control character", edit: func(in *petition.SignInput) { in.FullName = "Ada\x1bLovelace" }, wantFields: []string{"full_name"}},

		// Email: a bare address whose domain has a dot, normalised.
		{name: "email upper case and spaces normalised", edit: func(in *petition.SignInput) { in.Email = "  Ada.Lovelace@Example.ORG \t" },
			want: &petition.Signature{FullName: "Ada Lovelace", Email: "ada.lovelace@example.org", Postcode: "SW1A 1AA", Country: "GB", ConsentUpdates: true}},
		{name: "email plus tag", edit: func(in *petition.SignInput) { in.Email = "ada+petition@example.org" }},
		{name: "email subdomain", edit: func(in *petition.SignInput) { in.Email = "ada@mail.example.org.uk" }},
		{name: "email internationalised domain", edit: func(in *petition.SignInput) { in.Email = "ada@bücher.example" },
			want: &petition.Signature{FullName: "Ada Lovelace", Email: "ada@bücher.example", Postcode: "SW1A 1AA", Country: "GB", ConsentUpdates: true}},
		{name: "email hyphen inside domain", edit: func(in *petition.SignInput) { in.Email = "ada@my-org.example" },
			want: &petition.Signature{FullName: "Ada Lovelace", Email: "ada@my-org.example", Postcode: "SW1A 1AA", Country: "GB", ConsentUpdates: true}},
		{name: "email non-ascii local part", edit: func(in *petition.SignInput) { in.Email = "ÉMILE@example.org" },
			want: &petition.Signature{FullName: "Ada Lovelace", Email: "émile@example.org", Postcode: "SW1A 1AA", Country: "GB", ConsentUpdates: true}},
		{name: "email empty", edit: func(in *petition.SignInput) { in.Email = "" }, wantFields: []string{"email"}},
		{name: "email only spaces", edit: func(in *petition.SignInput) { in.Email = "   " }, wantFields: []string{"email"}},
		{name: "email display name", edit: func(in *petition.SignInput) { in.Email = "Ada <ada@example.org>" }, wantFields: []string{"email"}},
		{name: "email quoted display name", edit: func(in *petition.SignInput) { in.Email = `"Ada Lovelace" <ada@example.org>` }, wantFields: []string{"email"}},
		{name: "email angle brackets only", edit: func(in *petition.SignInput) { in.Email = "<ada@example.org>" }, wantFields: []string{"email"}},
		{name: "email with comment", edit: func(in *petition.SignInput) { in.Email = "ada@example.org (Ada)" }, wantFields: []string{"email"}},
		{name: "email two addresses", edit: func(in *petition.SignInput) { in.Email = "ada@example.org, bob@example.org" }, wantFields: []string{"email"}},
		{name: "email missing @", edit: func(in *petition.SignInput) { in.Email = "ada.example.org" }, wantFields: []string{"email"}},
		{name: "email two @", edit: func(in *petition.SignInput) { in.Email = "ada@@example.org" }, wantFields: []string{"email"}},
		{name: "email no local part", edit: func(in *petition.SignInput) { in.Email = "@example.org" }, wantFields: []string{"email"}},
		{name: "email no dot in domain", edit: func(in *petition.SignInput) { in.Email = "ada@localhost" }, wantFields: []string{"email"}},
		{name: "email domain starts with dot", edit: func(in *petition.SignInput) { in.Email = "ada@.example.org" }, wantFields: []string{"email"}},
		{name: "email domain ends with dot", edit: func(in *petition.SignInput) { in.Email = "ada@example.org." }, wantFields: []string{"email"}},
		{name: "email address literal", edit: func(in *petition.SignInput) { in.Email = "a@[127.0.0.1]" }, wantFields: []string{"email"}},
		{name: "email label starts with hyphen", edit: func(in *petition.SignInput) { in.Email = "a@-x.org" }, wantFields: []string{"email"}},
		{name: "email label ends with hyphen", edit: func(in *petition.SignInput) { in.Email = "a@x-.org" }, wantFields: []string{"email"}},
		{name: "email numeric top-level label", edit: func(in *petition.SignInput) { in.Email = "a@10.0.0.1" }, wantFields: []string{"email"}},
		{name: "email underscore in domain", edit: func(in *petition.SignInput) { in.Email = "a@x_y.org" }, wantFields: []string{"email"}},
		{name: "email double dot", edit: func(in *petition.SignInput) { in.Email = "ada@example..org" }, wantFields: []string{"email"}},
		{name: "email inner space", edit: func(in *petition.SignInput) { in.Email = "ada lovelace@example.org" }, wantFields: []string{"email"}},
		{name: "email NUL", edit: func(in *petition.SignInput) { in.Email = "ada\x00@example.org" }, wantFields: []string{"email"}},
		{name: "email C1 control", edit: func(in *petition.SignInput) { in.Email = "a\u0085b@example.org" }, wantFields: []string{"email"}},
		{name: "email invalid utf-8", edit: func(in *petition.SignInput) { in.Email = "\xff@example.org" }, wantFields: []string{"email"}},
		{name: "email 254 bytes", edit: func(in *petition.SignInput) {
			// Three labels of 61 bytes: a label may have at most 63.
			in.Email = strings.Repeat("a", 64) + "@" + strings.Repeat(strings.Repeat("b", 61)+".", 3) + "org"
		}},
		{name: "email label of 64 bytes", edit: func(in *petition.SignInput) {
			in.Email = "ada@" + strings.Repeat("b", 64) + ".org"
		}, wantFields: []string{"email"}},
		{name: "email 255 bytes", edit: func(in *petition.SignInput) {
			in.Email = strings.Repeat("a", 64) + "@b" + strings.Repeat(strings.Repeat("b", 61)+".", 3) + "org"
		}, wantFields: []string{"email"}},

		// Country: an assigned ISO 3166-1 alpha-2 code.
		{name: "country lower case normalised", edit: func(in *petition.SignInput) { in.Country = " gb " },
			want: &petition.Signature{FullName: "Ada Lovelace", Email: "ada@example.org", Postcode: "SW1A 1AA", Country: "GB", ConsentUpdates: true}},
		{name: "country IE", edit: func(in *petition.SignInput) { in.Country = "IE" }},
		{name: "country empty", edit: func(in *petition.SignInput) { in.Country = "" }, wantFields: []string{"country"}},
		{name: "country XX unassigned", edit: func(in *petition.SignInput) { in.Country = "XX" }, wantFields: []string{"country"}},
		{name: "country EU reserved", edit: func(in *petition.SignInput) { in.Country = "EU" }, wantFields: []string{"country"}},
		{name: "country UN reserved", edit: func(in *petition.SignInput) { in.Country = "UN" }, wantFields: []string{"country"}},
		{name: "country UK reserved", edit: func(in *petition.SignInput) { in.Country = "UK" }, wantFields: []string{"country"}},
		{name: "country YU withdrawn", edit: func(in *petition.SignInput) { in.Country = "YU" }, wantFields: []string{"country"}},
		{name: "country SU withdrawn", edit: func(in *petition.SignInput) { in.Country = "SU" }, wantFields: []string{"country"}},
		{name: "country ZZ unknown", edit: func(in *petition.SignInput) { in.Country = "ZZ" }, wantFields: []string{"country"}},
		{name: "country alpha-3", edit: func(in *petition.SignInput) { in.Country = "GBR" }, wantFields: []string{"country"}},
		{name: "country numeric", edit: func(in *petition.SignInput) { in.Country = "826" }, wantFields: []string{"country"}},
		{name: "country one letter", edit: func(in *petition.SignInput) { in.Country = "G" }, wantFields: []string{"country"}},

		// Postcode: optional, at most 16 characters, spaces collapsed, upper case.
		{name: "postcode empty", edit: func(in *petition.SignInput) { in.Postcode = "" },
			want: &petition.Signature{FullName: "Ada Lovelace", Email: "ada@example.org", Postcode: "", Country: "GB", ConsentUpdates: true}},
		{name: "postcode normalised", edit: func(in *petition.SignInput) { in.Postcode = "  sw1a \t 1aa " },
			want: &petition.Signature{FullName: "Ada Lovelace", Email: "ada@example.org", Postcode: "SW1A 1AA", Country: "GB", ConsentUpdates: true}},
		{name: "postcode 16", edit: func(in *petition.SignInput) { in.Postcode = strings.Repeat("9", 16) }},
		{name: "postcode 17", edit: func(in *petition.SignInput) { in.Postcode = strings.Repeat("9", 17) }, wantFields: []string{"postcode"}},
		{name: "postcode 16 multi-byte", edit: func(in *petition.SignInput) { in.Postcode = strings.Repeat("Ø", 16) }},
		{name: "postcode 17 multi-byte", edit: func(in *petition.SignInput) { in.Postcode = strings.Repeat("Ø", 17) }, wantFields: []string{"postcode"}},
		{name: "postcode markup", edit: func(in *petition.SignInput) { in.Postcode = "<b>" }, wantFields: []string{"postcode"}},
		{name: "postcode NUL", edit: func(in *petition.SignInput) { in.Postcode = "SW1\x00" }, wantFields: []string{"postcode"}},
		{name: "postcode invalid utf-8", edit: func(in *petition.SignInput) { in.Postcode = "SW1\xff" }, wantFields: []string{"postcode"}},

		// Every failing field is reported at once.
		{name: "everything wrong", edit: func(in *petition.SignInput) {
			*in = petition.SignInput{FullName: " ", Email: "nope", Postcode: strings.Repeat("x", 20), Country: "EU"}
		}, wantFields: []string{"consent_updates", "country", "email", "full_name", "postcode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good()
			tt.edit(&in)
			sig, err := in.Validate()
			if len(tt.wantFields) == 0 {
				if err != nil {
					t.Fatalf("Validate(%+v) = %v, want no error", in, err)
				}
				if tt.want != nil && sig != *tt.want {
					t.Errorf("Validate(%+v)\n got %+v\nwant %+v", in, sig, *tt.want)
				}
				return
			}
			var fields valid.Errors
			if !errors.As(err, &fields) {
				t.Fatalf("Validate(%+v) error = %v (%T), want valid.Errors", in, err, err)
			}
			if got := slices.Sorted(maps.Keys(fields)); !slices.Equal(got, tt.wantFields) {
				t.Errorf("failing fields = %v, want %v (%v)", got, tt.wantFields, err)
			}
			for f, msg := range fields {
				if msg == "" {
					t.Errorf("field %s has an empty message", f)
				}
			}
			if sig != (petition.Signature{}) {
				t.Errorf("Validate returned a signature %+v alongside an error", sig)
			}
		})
	}
}

func TestNormaliseEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ada@example.org", "ada@example.org"},
		{"Ada@Example.ORG", "ada@example.org"},
		{"  ada@example.org  ", "ada@example.org"},
		{"\tADA@EXAMPLE.ORG\r\n", "ada@example.org"},
		{"\u00a0ada@example.org\u00a0", "ada@example.org"},
		{"ÉMILE@EXAMPLE.ORG", "émile@example.org"},
		{"", ""},
		{"   ", ""},
		{"a b@x.org", "a b@x.org"}, // normalising is not validating
	}
	for _, tt := range tests {
		if got := petition.NormaliseEmail(tt.in); got != tt.want {
			t.Errorf("NormaliseEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// Normalising twice changes nothing.
		if got := petition.NormaliseEmail(petition.NormaliseEmail(tt.in)); got != tt.want {
			t.Errorf("NormaliseEmail twice (%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidSourceCode(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"newsletter-2026", true},
		{"a.b_c-D9", true},
		{"x", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"two words", false},
		{"a/b", false},
		{"<script>", false},
		{"é", false},
		{"tab\t", false},
		{"=cmd", false},
	}
	for _, tt := range tests {
		if got := petition.ValidSourceCode(tt.code); got != tt.want {
			t.Errorf("ValidSourceCode(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	in := petition.SignInput{
		FullName:       "  Ada   Lovelace ",
		Email:          " Ada.Lovelace@Example.ORG ",
		Postcode:       "sw1a 1aa",
		Country:        "gb",
		ConsentUpdates: ptr(true),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := in.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateInvalid(b *testing.B) {
	in := petition.SignInput{FullName: "", Email: "ada@localhost", Country: "EU"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := in.Validate(); err == nil {
			b.Fatal("invalid input passed")
		}
	}
}

func BenchmarkNormaliseEmail(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if petition.NormaliseEmail("  Ada.Lovelace@Example.ORG ") != "ada.lovelace@example.org" {
			b.Fatal("wrong normalisation")
		}
	}
}

func BenchmarkNormaliseEmailAlreadyNormal(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if petition.NormaliseEmail("ada.lovelace@example.org") != "ada.lovelace@example.org" {
			b.Fatal("wrong normalisation")
		}
	}
}
