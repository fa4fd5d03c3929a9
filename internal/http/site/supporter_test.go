package site

import (
	"strings"
	"testing"
	"time"
)

func TestSupporterCookieSealsAndExpires(t *testing.T) {
	x, err := newSupporterCookies("sk_test_one", false)
	if err != nil {
		t.Fatal(err)
	}
	other, err := newSupporterCookies("sk_test_two", false)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	v := x.seal(42, "sam@example.org", true, now)
	if strings.Contains(v, "sam") {
		t.Errorf("the cookie shows the email: %q", v)
	}
	if sup, ok := x.open(v, now.Add(time.Hour)); !ok || sup.PetitionID != 42 || sup.Email != "sam@example.org" {
		t.Errorf("open = %+v, %v", sup, ok)
	}
	if x.seal(42, "sam@example.org", true, now) == v {
		t.Error("two seals of the same signature are equal: the nonce is not random")
	}
	if repeat := x.seal(42, "sam@example.org", false, now); len(repeat) != len(v) {
		t.Errorf("the cookie after a repeat is %d bytes, after a new signature %d: they must look alike", len(repeat), len(v))
	}
	tampered := []byte(v)
	tampered[len(tampered)/2] ^= 1
	tests := map[string]struct {
		value string
		at    time.Time
		by    *supporterCookies
	}{
		"expired":         {v, now.Add(supporterMaxAge + time.Second), x},
		"from the future": {x.seal(42, "sam@example.org", true, now.Add(time.Hour)), now, x},
		"another key":     {v, now, other},
		"tampered":        {string(tampered), now, x},
		"not base64":      {"%%%", now, x},
		"too short":       {"AAAA", now, x},
		"empty":           {"", now, x},
		"after a repeat":  {x.seal(42, "sam@example.org", false, now), now, x},
	}
	for name, tt := range tests {
		if sup, ok := tt.by.open(tt.value, tt.at); ok {
			t.Errorf("%s: opened as %+v", name, sup)
		}
	}
	if none, err := newSupporterCookies("", false); none != nil || err != nil {
		t.Errorf("without a key: %v, %v", none, err)
	}
}
