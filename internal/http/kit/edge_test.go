package kit

import "testing"

// Keys the decoder would match to one field are refused as a repeat,
// however they are spelled.
func TestCheckJSONTextRefusesKeysTheDecoderEquates(t *testing.T) {
	for _, body := range []string{
		`{"email":"a@x.org","email":"b@x.org"}`,
		`{"email":"a@x.org","EMAIL":"b@x.org"}`,
		`{"source":"release-1","ſource":"x"}`, // U+017F, long s
		`{"kind":"a","\u212aind":"b"}`,        // U+212A, Kelvin sign
		`{"a":{"b":1,"B":2}}`,
	} {
		if err := checkJSONText([]byte(body)); err != errDuplicateKey {
			t.Errorf("%s: %v, want errDuplicateKey", body, err)
		}
	}
	for _, body := range []string{
		`{"email":"a@x.org","source":"x"}`,
		`{"a":{"b":1},"c":{"b":2}}`,
		`[{"b":1},{"b":2}]`,
	} {
		if err := checkJSONText([]byte(body)); err != nil {
			t.Errorf("%s: %v, want nil", body, err)
		}
	}
	if err := checkJSONText([]byte(`{"name":"a\u0000b"}`)); err != errUnreadable {
		t.Errorf("a NUL escape: %v, want errUnreadable", err)
	}
}

// BenchmarkCheckJSONText is the cost the edge adds to every JSON request:
// one tokenizing pass over a signing body.
func BenchmarkCheckJSONText(b *testing.B) {
	body := []byte(`{"full_name":"  Ada   Lovelace ","email":" Ada.Lovelace@Example.ORG ","postcode":"sw1a 1aa",` +
		`"country":"gb","consent_updates":true,"source":"pentameter-2-victims-need-support"}`)
	for b.Loop() {
		if err := checkJSONText(body); err != nil {
			b.Fatal(err)
		}
	}
}
