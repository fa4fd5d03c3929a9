package site

import "testing"

// Only the share buttons' own codes get release pages cached under them.
func TestIsShareCode(t *testing.T) {
	for code, want := range map[string]bool{
		"share-whatsapp": true, "share-facebook": true, "share-x": true, "share-bluesky": true,
		"share-email": true, "share-copy": true, "share-native": true,
		"share-": false, "share-myspace": false, "whatsapp": false, "newsletter-2026": false, "": false,
		"share-whatsapp2": false, "SHARE-WHATSAPP": false,
	} {
		if got := isShareCode(code); got != want {
			t.Errorf("isShareCode(%q) = %v, want %v", code, got, want)
		}
	}
}
