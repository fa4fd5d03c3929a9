package site

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEmbedTokens(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	x := embedTokens{key: key}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	const origin = "https://partner.example.org"
	token := x.issue(7, origin, now)

	for _, at := range []time.Time{now, now.Add(embedTokenTTL), now.Add(-embedTokenSkew)} {
		if got, err := x.check(token, 7, at); err != nil || got != origin {
			t.Errorf("check at %v: %q, %v; want %q", at.Sub(now), got, err, origin)
		}
	}
	if got, err := x.check(token, 7, now.Add(embedTokenTTL+time.Second)); !errors.Is(err, errEmbedTokenExpired) || got != origin {
		t.Errorf("after its lifetime: %q, %v; want %q and errEmbedTokenExpired", got, err, origin)
	}

	payload, mac, _ := strings.Cut(token, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	otherOrigin := base64.RawURLEncoding.EncodeToString(append(raw[:8:8], "https://evil.example"...))
	flipped := []byte(mac)
	flipped[3] ^= 1
	refused := map[string]struct {
		token      string
		petitionID int64
		at         time.Time
	}{
		"empty":              {"", 7, now},
		"no mac":             {payload, 7, now},
		"another petition":   {token, 8, now},
		"another origin":     {otherOrigin + "." + mac, 7, now},
		"a changed mac":      {payload + "." + string(flipped), 7, now},
		"a short mac":        {payload + "." + mac[:10], 7, now},
		"another key":        {embedTokens{key: []byte("another key of thirty-two bytes!")}.issue(7, origin, now), 7, now},
		"issued in a future": {x.issue(7, origin, now.Add(2*embedTokenSkew)), 7, now},
		"not base64":         {"!!!." + mac, 7, now},
		"too long":           {x.issue(7, strings.Repeat("a", embedTokenMaxLen), now), 7, now},
		"a short payload":    {"AAAA." + mac, 7, now},
	}
	for name, tc := range refused {
		if got, err := x.check(tc.token, tc.petitionID, tc.at); !errors.Is(err, errEmbedTokenInvalid) || got != "" {
			t.Errorf("%s: %q, %v; want errEmbedTokenInvalid", name, got, err)
		}
	}
}

func TestEmbedSource(t *testing.T) {
	for origin, want := range map[string]string{
		"https://partner.example.org":                      "embed.partner.example.org",
		"http://127.0.0.1:8081":                            "embed.127.0.0.1",
		"http://localhost:3000":                            "embed.localhost",
		"https://www.amnesty.org.uk":                       "embed.www.amnesty.org.uk",
		"https://" + strings.Repeat("a", 64-len("embed.")): "embed." + strings.Repeat("a", 64-len("embed.")),
	} {
		if got, ok := embedSource(origin); !ok || got != want {
			t.Errorf("embedSource(%q) = %q, %v; want %q", origin, got, ok, want)
		}
	}
	if got, ok := embedSource("https://" + strings.Repeat("a", 64)); ok {
		t.Errorf("a host too long for a source code gave %q", got)
	}
}
