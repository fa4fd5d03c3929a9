package config_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/config"
)

func TestEmbedOrigins(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.EmbedOrigins != nil {
		t.Errorf("EmbedOrigins without EMBED_ORIGINS: %q, want none", c.EmbedOrigins)
	}
	for _, tc := range []struct {
		raw  string
		want []string
	}{
		{"https://partner.example.org", []string{"https://partner.example.org"}},
		// Written as browsers write an origin: lower-case, no default port.
		{" HTTPS://Partner.Example.ORG:443 , http://127.0.0.1:8081,http://localhost:80",
			[]string{"https://partner.example.org", "http://127.0.0.1:8081", "http://localhost"}},
		{"https://a.example.org,,https://a.example.org:443,", []string{"https://a.example.org"}},
		{"http://partner.example.org:8443", []string{"http://partner.example.org:8443"}},
	} {
		c, err := config.Load(env(map[string]string{"EMBED_ORIGINS": tc.raw}))
		if err != nil {
			t.Errorf("EMBED_ORIGINS=%q: %v", tc.raw, err)
			continue
		}
		if !reflect.DeepEqual(c.EmbedOrigins, tc.want) {
			t.Errorf("EMBED_ORIGINS=%q: %q, want %q", tc.raw, c.EmbedOrigins, tc.want)
		}
	}
}

func TestEmbedOriginsRefused(t *testing.T) {
	long := "https://" + strings.Repeat("a", config.MaxEmbedHostLen-len(".org")+1) + ".org"
	for _, raw := range []string{
		"partner.example.org",                 // no scheme
		"ftp://partner.example.org",           // not http(s)
		"https://partner.example.org/",        // a path, even /
		"https://partner.example.org/embed",   // a path
		"https://partner.example.org?x=1",     // a query
		"https://partner.example.org#top",     // a fragment
		"https://user@partner.example.org",    // a user
		"https://*.example.org",               // a wildcard
		"https://",                            // no host
		"https://[::1]:8080",                  // IPv6: no source code can hold it
		"https://partner..example.org",        // an empty label
		"https://-partner.example.org",        // a label starting with '-'
		"https://partner.example.org:99999",   // no such port
		"https://partner.example.org:0",       // no such port
		"https://partner.example.org:x",       // not a port
		"https://partner_site.example.org",    // '_' is no host name's
		long,                                  // too long for a source code
		"https://ok.example.org,javascript:1", // one bad among good
		"null",
		"'none'",
	} {
		_, err := config.Load(env(map[string]string{"EMBED_ORIGINS": raw}))
		if err == nil {
			t.Errorf("EMBED_ORIGINS=%q was accepted", raw)
			continue
		}
		if !strings.HasPrefix(err.Error(), "EMBED_ORIGINS: ") {
			t.Errorf("EMBED_ORIGINS=%q: error %q does not name the setting", raw, err)
		}
	}
	// The longest host that makes a source code is taken.
	longest := "https://" + strings.Repeat("a", config.MaxEmbedHostLen-len(".org")) + ".org"
	if _, err := config.Load(env(map[string]string{"EMBED_ORIGINS": longest})); err != nil {
		t.Errorf("a host of %d characters: %v", config.MaxEmbedHostLen, err)
	}
}
