package outbound_test

import (
	"encoding/base64"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/valid"
)

// The example of the Standard Webhooks specification signs to the value it
// publishes.
func TestSignMatchesTheSpecificationsExample(t *testing.T) {
	got, err := outbound.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
		[]byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	for _, bad := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!"} {
		if _, err := outbound.Sign(bad, "msg_1", 1, nil); err == nil {
			t.Errorf("Sign with secret %q: no error", bad)
		}
	}
}

// A new secret is whsec_ and the base64 of 24 to 64 random bytes, never
// the same twice.
func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := outbound.NewSecret()
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if !strings.HasPrefix(s, "whsec_") || err != nil || len(key) < 24 || len(key) > 64 || seen[s] {
			t.Fatalf("secret %q (%d bytes, %v)", s, len(key), err)
		}
		seen[s] = true
	}
}

func TestIsPublic(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
	}{
		{"93.184.215.14", true}, {"1.1.1.1", true}, {"2606:4700:4700::1111", true}, {"2001:4860:4860::8888", true},
		{"127.0.0.1", false}, {"127.8.9.10", false}, {"::1", false},
		{"10.0.0.1", false}, {"172.16.5.4", false}, {"172.31.255.255", false}, {"192.168.1.1", false},
		{"169.254.169.254", false}, {"fe80::1", false}, {"fc00::1", false}, {"fd12:3456::1", false},
		{"0.0.0.0", false}, {"::", false}, {"100.64.0.1", false}, {"192.0.2.1", false}, {"198.18.0.1", false},
		{"224.0.0.1", false}, {"255.255.255.255", false}, {"240.0.0.1", false}, {"ff02::1", false},
		{"::ffff:127.0.0.1", false}, {"::ffff:10.1.2.3", false}, {"64:ff9b::a00:1", false}, {"2002:a00:1::", false},
		{"2001:db8::1", false},
	} {
		if got := outbound.IsPublic(netip.MustParseAddr(tc.addr)); got != tc.public {
			t.Errorf("IsPublic(%s) = %v, want %v", tc.addr, got, tc.public)
		}
	}
}

// The guard looks at the address actually dialled.
func TestGuard(t *testing.T) {
	refuse := outbound.Guard(false)
	for _, addr := range []string{"127.0.0.1:80", "[::1]:443", "10.0.0.1:8080", "169.254.169.254:80", "nonsense"} {
		var np *outbound.ErrNotPublic
		if err := refuse("tcp", addr, nil); !errors.As(err, &np) {
			t.Errorf("Guard(false)(%s) = %v, want refused", addr, err)
		}
	}
	if err := refuse("tcp", "93.184.215.14:443", nil); err != nil {
		t.Errorf("public address refused: %v", err)
	}
	if err := outbound.Guard(true)("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("Guard(true) refused loopback: %v", err)
	}
}

func TestValidate(t *testing.T) {
	long := "https://example.org/" + strings.Repeat("a", 2000)
	for _, tc := range []struct {
		name         string
		in           outbound.NewEndpoint
		allowPrivate bool
		fields       []string
	}{
		{"good", outbound.NewEndpoint{URL: "https://crm.example.org/hooks", Events: []string{"donation.paid"}}, false, nil},
		{"http and every event", outbound.NewEndpoint{URL: "http://crm.example.org:8080/x?y=1", Events: outbound.Events()}, false, nil},
		{"empty", outbound.NewEndpoint{}, false, []string{"url", "events"}},
		{"relative", outbound.NewEndpoint{URL: "/hooks", Events: []string{"donation.paid"}}, false, []string{"url"}},
		{"ftp", outbound.NewEndpoint{URL: "ftp://example.org/", Events: []string{"donation.paid"}}, false, []string{"url"}},
		{"javascript", outbound.NewEndpoint{URL: "javascript:alert(1)", Events: []string{"donation.paid"}}, false, []string{"url"}},
		{"credentials", outbound.NewEndpoint{URL: "https://user:pw@example.org/", Events: []string{"donation.paid"}}, false, []string{"url"}},
		{"too long", outbound.NewEndpoint{URL: long, Events: []string{"donation.paid"}}, false, []string{"url"}},
		{"space", outbound.NewEndpoint{URL: "https://exa mple.org/", Events: []string{"donation.paid"}}, false, []string{"url"}},
		{"unknown event", outbound.NewEndpoint{URL: "https://example.org/", Events: []string{"donation.stolen"}}, false, []string{"events"}},
		{"loopback", outbound.NewEndpoint{URL: "http://127.0.0.1:9000/", Events: []string{"donation.paid"}}, false, []string{"url"}},
		{"localhost", outbound.NewEndpoint{URL: "http://localhost/", Events: []string{"donation.paid"}}, false, []string{"url"}},
		{"private v6", outbound.NewEndpoint{URL: "http://[fd00::1]/", Events: []string{"donation.paid"}}, false, []string{"url"}},
		{"metadata", outbound.NewEndpoint{URL: "http://169.254.169.254/latest", Events: []string{"donation.paid"}}, false, []string{"url"}},
		{"loopback allowed", outbound.NewEndpoint{URL: "http://127.0.0.1:9000/", Events: []string{"donation.paid"}}, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.Normalise().Validate(tc.allowPrivate)
			var fields valid.Errors
			errors.As(err, &fields)
			if len(fields) != len(tc.fields) {
				t.Fatalf("Validate = %v, want fields %v", err, tc.fields)
			}
			for _, f := range tc.fields {
				if fields[f] == "" {
					t.Errorf("no message for %s: %v", f, err)
				}
			}
		})
	}
}
