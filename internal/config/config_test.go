package config_test

import (
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/config"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestDefaults(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := config.Config{
		DatabaseURL:           "postgres://postgres@127.0.0.1:5432/advocacy?sslmode=disable",
		HTTPAddr:              "127.0.0.1:8080",
		BaseURL:               "http://localhost:8080",
		LogLevel:              slog.LevelInfo,
		SignRatePerMinute:     1200,
		OrgName:               "advocacy",
		ConfirmTTL:            7 * 24 * time.Hour,
		RetentionDays:         180,
		GiftAidRetentionYears: 6,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load(empty env)\n got %+v\nwant %+v", c, want)
	}
	if c.DonationsEnabled() {
		t.Error("donations enabled without STRIPE_SECRET_KEY")
	}
	if c.EmailEnabled() {
		t.Error("email enabled without SMTP_URL")
	}
	if c.SecureCookies() {
		t.Error("secure cookies on an http BASE_URL")
	}
}

func TestFromEnvironment(t *testing.T) {
	c, err := config.Load(env(map[string]string{
		"DATABASE_URL":            "postgres://app@db:5432/advocacy",
		"HTTP_ADDR":               ":9000",
		"BASE_URL":                "https://act.example.org/",
		"STRIPE_SECRET_KEY":       "sk_test_123",
		"STRIPE_WEBHOOK_SECRET":   "whsec_456",
		"STRIPE_API_BASE":         "http://127.0.0.1:12111",
		"LOG_LEVEL":               "debug",
		"SIGN_RATE_PER_MINUTE":    "0",
		"SMTP_URL":                "smtps://mailer:s3cret@mail.example.org",
		"MAIL_FROM":               "Campaigns <campaigns@example.org>",
		"ORG_NAME":                "Rights Watch",
		"CONFIRM_TTL":             "48h",
		"WEBHOOK_ALLOW_PRIVATE":   "true",
		"PRIVACY_CONTACT":         "privacy@example.org",
		"RETENTION_DAYS":          "90",
		"GIFTAID_RETENTION_YEARS": "7",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := config.Config{
		DatabaseURL:           "postgres://app@db:5432/advocacy",
		HTTPAddr:              ":9000",
		BaseURL:               "https://act.example.org", // trailing slash dropped
		StripeSecretKey:       "sk_test_123",
		StripeWebhookSecret:   "whsec_456",
		StripeAPIBase:         "http://127.0.0.1:12111",
		LogLevel:              slog.LevelDebug,
		SignRatePerMinute:     0,
		SMTPURL:               "smtps://mailer:s3cret@mail.example.org",
		MailFrom:              "Campaigns <campaigns@example.org>",
		OrgName:               "Rights Watch",
		ConfirmTTL:            48 * time.Hour,
		WebhookAllowPrivate:   true,
		PrivacyContact:        "privacy@example.org",
		RetentionDays:         90,
		GiftAidRetentionYears: 7,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load\n got %+v\nwant %+v", c, want)
	}
	if !c.DonationsEnabled() || !c.SecureCookies() || !c.EmailEnabled() {
		t.Errorf("DonationsEnabled = %v, SecureCookies = %v, EmailEnabled = %v; want all true",
			c.DonationsEnabled(), c.SecureCookies(), c.EmailEnabled())
	}
}

func TestFileVariants(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := config.Load(env(map[string]string{
		"DATABASE_URL_FILE":          write("db", "postgres://app:s3cret@db/advocacy\n"),
		"STRIPE_SECRET_KEY_FILE":     write("key", "sk_test_file\r\n"),
		"STRIPE_WEBHOOK_SECRET_FILE": write("hook", "whsec_file"),
		"SMTP_URL_FILE":              write("smtp", "smtp://mailer:s3cret@mail.example.org:2525?tls=required\n"),
		"MAIL_FROM":                  "campaigns@example.org",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://app:s3cret@db/advocacy" || c.StripeSecretKey != "sk_test_file" || c.StripeWebhookSecret != "whsec_file" {
		t.Errorf("secrets from files = %q, %q, %q", c.DatabaseURL, c.StripeSecretKey, c.StripeWebhookSecret)
	}
	if c.SMTPURL != "smtp://mailer:s3cret@mail.example.org:2525?tls=required" {
		t.Errorf("SMTP_URL from a file = %q", c.SMTPURL)
	}
}

func TestErrors(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		vars    map[string]string
		wantMsg string // the error names the variable an operator must fix
	}{
		{"DATABASE_URL twice", map[string]string{"DATABASE_URL": "postgres://a", "DATABASE_URL_FILE": secretFile}, "DATABASE_URL"},
		{"STRIPE_SECRET_KEY twice", map[string]string{"STRIPE_SECRET_KEY": "sk", "STRIPE_SECRET_KEY_FILE": secretFile}, "STRIPE_SECRET_KEY"},
		{"STRIPE_WEBHOOK_SECRET twice", map[string]string{"STRIPE_WEBHOOK_SECRET": "wh", "STRIPE_WEBHOOK_SECRET_FILE": secretFile}, "STRIPE_WEBHOOK_SECRET"},
		{"missing secret file", map[string]string{"STRIPE_SECRET_KEY_FILE": filepath.Join(t.TempDir(), "absent")}, "STRIPE_SECRET_KEY_FILE"},
		{"LOG_LEVEL unknown", map[string]string{"LOG_LEVEL": "verbose"}, "LOG_LEVEL"},
		{"LOG_LEVEL number", map[string]string{"LOG_LEVEL": "3"}, "LOG_LEVEL"},
		{"BASE_URL without scheme", map[string]string{"BASE_URL": "localhost:8080"}, "BASE_URL"},
		{"BASE_URL ftp", map[string]string{"BASE_URL": "ftp://example.org"}, "BASE_URL"},
		{"BASE_URL without host", map[string]string{"BASE_URL": "https://"}, "BASE_URL"},
		{"BASE_URL relative", map[string]string{"BASE_URL": "/act"}, "BASE_URL"},
		{"BASE_URL unparsable", map[string]string{"BASE_URL": "http://exa mple.org:x"}, "BASE_URL"},
		{"SIGN_RATE_PER_MINUTE negative", map[string]string{"SIGN_RATE_PER_MINUTE": "-1"}, "SIGN_RATE_PER_MINUTE"},
		{"SIGN_RATE_PER_MINUTE word", map[string]string{"SIGN_RATE_PER_MINUTE": "lots"}, "SIGN_RATE_PER_MINUTE"},
		{"SIGN_RATE_PER_MINUTE fraction", map[string]string{"SIGN_RATE_PER_MINUTE": "1.5"}, "SIGN_RATE_PER_MINUTE"},
		{"TRUSTED_PROXIES host name", map[string]string{"TRUSTED_PROXIES": "10.0.0.1, proxy.internal"}, "TRUSTED_PROXIES"},
		{"TRUSTED_PROXIES bad range", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/33"}, "TRUSTED_PROXIES"},
		{"TRUSTED_SIGNERS host name", map[string]string{"TRUSTED_SIGNERS": "10.0.0.1, office.example.org"}, "TRUSTED_SIGNERS"},
		{"TRUSTED_SIGNERS bad range", map[string]string{"TRUSTED_SIGNERS": "2001:db8::/129"}, "TRUSTED_SIGNERS"},
		{"SIGNATURE_KEY too short", map[string]string{"SIGNATURE_KEY": "short"}, "SIGNATURE_KEY"},
		{"SMTP_URL twice", map[string]string{"SMTP_URL": "smtp://localhost", "SMTP_URL_FILE": secretFile, "MAIL_FROM": "a@example.org"}, "SMTP_URL"},
		{"SMTP_URL without MAIL_FROM", map[string]string{"SMTP_URL": "smtp://127.0.0.1:1025"}, "MAIL_FROM"},
		{"MAIL_FROM not an address", map[string]string{"MAIL_FROM": "campaigns at example.org"}, "MAIL_FROM"},
		{"CONFIRM_TTL zero", map[string]string{"CONFIRM_TTL": "0s"}, "CONFIRM_TTL"},
		{"CONFIRM_TTL negative", map[string]string{"CONFIRM_TTL": "-1h"}, "CONFIRM_TTL"},
		{"CONFIRM_TTL days", map[string]string{"CONFIRM_TTL": "7d"}, "CONFIRM_TTL"},
		{"CONFIRM_TTL bare number", map[string]string{"CONFIRM_TTL": "168"}, "CONFIRM_TTL"},
		{"WEBHOOK_ALLOW_PRIVATE word", map[string]string{"WEBHOOK_ALLOW_PRIVATE": "yes please"}, "WEBHOOK_ALLOW_PRIVATE"},
		{"PRIVACY_CONTACT not an address", map[string]string{"PRIVACY_CONTACT": "the data officer"}, "PRIVACY_CONTACT"},
		{"PRIVACY_CONTACT with a name", map[string]string{"PRIVACY_CONTACT": "DPO <dpo@example.org>"}, "PRIVACY_CONTACT"},
		{"RETENTION_DAYS zero", map[string]string{"RETENTION_DAYS": "0"}, "RETENTION_DAYS"},
		{"RETENTION_DAYS word", map[string]string{"RETENTION_DAYS": "half a year"}, "RETENTION_DAYS"},
		{"GIFTAID_RETENTION_YEARS under HMRC's six", map[string]string{"GIFTAID_RETENTION_YEARS": "5"}, "GIFTAID_RETENTION_YEARS"},
		{"GIFTAID_RETENTION_YEARS word", map[string]string{"GIFTAID_RETENTION_YEARS": "six"}, "GIFTAID_RETENTION_YEARS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(env(tt.vars))
			if err == nil {
				t.Fatalf("Load(%v) = %+v, want an error", tt.vars, c)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not name %s", err, tt.wantMsg)
			}
			if !reflect.DeepEqual(c, config.Config{}) {
				t.Errorf("Load returned %+v alongside an error", c)
			}
		})
	}
}

// A bad SMTP_URL is named in the error, its password never: errors end up
// in logs.
func TestSMTPURLErrors(t *testing.T) {
	const password = "hunter2-pw"
	for _, raw := range []string{
		"mailer:" + password + "@mail.example.org:587",              // no scheme
		"http://mailer:" + password + "@mail.example.org",           // wrong scheme
		"smtp:mailer:" + password + "@mail.example.org",             // no //
		"smtp://mailer:" + password + "@:587",                       // no host
		"smtp://mailer:" + password + "@mail.example.org:smtp",      // port not a number
		"smtp://mailer:" + password + "@mail.example.org:70000",     // port out of range
		"smtp://mailer:" + password + "@mail.example.org/inbox",     // a path
		"smtp://mailer:" + password + "@mail.example.org?tls=maybe", // unknown tls mode
		"smtp://mailer:" + password + "@mail.example.org?auth=none", // unknown parameter
		"smtp://mailer:" + password + "@mail example.org",           // unparsable
		"smtp://mailer:" + password + "%zz@mail.example.org",        // bad escape in the password
	} {
		vars := map[string]string{"SMTP_URL": raw, "MAIL_FROM": "campaigns@example.org"}
		c, err := config.Load(env(vars))
		if err == nil {
			t.Errorf("SMTP_URL %q: Load = %+v, want an error", raw, c)
			continue
		}
		if !strings.Contains(err.Error(), "SMTP_URL") {
			t.Errorf("SMTP_URL %q: error %q does not name SMTP_URL", raw, err)
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("SMTP_URL %q: error %q shows the password", raw, err)
		}
	}
}

func TestSettings(t *testing.T) {
	tests := []struct {
		vars  map[string]string
		check func(config.Config) bool
	}{
		{map[string]string{"LOG_LEVEL": "warn"}, func(c config.Config) bool { return c.LogLevel == slog.LevelWarn }},
		{map[string]string{"LOG_LEVEL": "ERROR"}, func(c config.Config) bool { return c.LogLevel == slog.LevelError }},
		{map[string]string{"SIGN_RATE_PER_MINUTE": "5"}, func(c config.Config) bool { return c.SignRatePerMinute == 5 }},
		{map[string]string{"TRUSTED_PROXIES": " 10.0.0.0/8, ::1 ,,"}, func(c config.Config) bool {
			return reflect.DeepEqual(c.TrustedProxies, []string{"10.0.0.0/8", "::1"})
		}},
		{map[string]string{}, func(c config.Config) bool { return c.TrustedProxies == nil }},
		{map[string]string{"TRUSTED_SIGNERS": " 192.0.2.7/24, ::ffff:198.51.100.1 ,2001:db8::/32,"}, func(c config.Config) bool {
			return reflect.DeepEqual(c.TrustedSigners, []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"),
				netip.MustParsePrefix("198.51.100.1/32"), netip.MustParsePrefix("2001:db8::/32")})
		}},
		{map[string]string{}, func(c config.Config) bool { return c.TrustedSigners == nil && c.SignatureKey == "" }},
		{map[string]string{"SIGNATURE_KEY": strings.Repeat("k", 32)}, func(c config.Config) bool {
			return c.SignatureKey == strings.Repeat("k", 32)
		}},
		{map[string]string{}, func(c config.Config) bool { return c.SignRatePerMinute == config.DefaultSignRatePerMinute }},
		{map[string]string{"BASE_URL": "http://127.0.0.1:8080///"}, func(c config.Config) bool { return c.BaseURL == "http://127.0.0.1:8080" }},
		{map[string]string{"BASE_URL": "https://example.org/act"}, func(c config.Config) bool {
			return c.BaseURL == "https://example.org/act" && c.SecureCookies()
		}},
		{map[string]string{"SMTP_URL": "smtp://127.0.0.1:1025", "MAIL_FROM": "demo@localhost"}, func(c config.Config) bool {
			return c.EmailEnabled() && c.SMTPURL == "smtp://127.0.0.1:1025" && c.MailFrom == "demo@localhost"
		}},
		{map[string]string{"SMTP_URL": "smtp://mailer:p%40ss@[2001:db8::25]:587/?tls=required", "MAIL_FROM": "a@example.org"}, func(c config.Config) bool {
			return c.EmailEnabled()
		}},
		{map[string]string{"MAIL_FROM": "a@example.org"}, func(c config.Config) bool { return !c.EmailEnabled() && c.MailFrom == "a@example.org" }},
		{map[string]string{"CONFIRM_TTL": "90m"}, func(c config.Config) bool { return c.ConfirmTTL == 90*time.Minute }},
		{map[string]string{"ORG_NAME": "Rights Watch"}, func(c config.Config) bool { return c.OrgName == "Rights Watch" }},
		{map[string]string{}, func(c config.Config) bool { return !c.WebhookAllowPrivate }},
		{map[string]string{"WEBHOOK_ALLOW_PRIVATE": "false"}, func(c config.Config) bool { return !c.WebhookAllowPrivate }},
		{map[string]string{"WEBHOOK_ALLOW_PRIVATE": "1"}, func(c config.Config) bool { return c.WebhookAllowPrivate }},
		// Without PRIVACY_CONTACT the notice gives MAIL_FROM's address.
		{map[string]string{"MAIL_FROM": "Campaigns <campaigns@example.org>"}, func(c config.Config) bool {
			return c.PrivacyContact == "campaigns@example.org"
		}},
		{map[string]string{"RETENTION_DAYS": "1"}, func(c config.Config) bool { return c.RetentionDays == 1 }},
	}
	for _, tt := range tests {
		c, err := config.Load(env(tt.vars))
		if err != nil || !tt.check(c) {
			t.Errorf("Load(%v) = %+v, %v", tt.vars, c, err)
		}
	}
}

// Without BASE_URL, links point where the server listens.
func TestBaseURLFollowsHTTPAddr(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"", "http://localhost:8080"},
		{"127.0.0.1:9090", "http://127.0.0.1:9090"},
		{"0.0.0.0:8081", "http://localhost:8081"},
		{":8082", "http://localhost:8082"},
		{"[::]:8083", "http://localhost:8083"},
		{"[::1]:8084", "http://[::1]:8084"},
		{"act.example.org:80", "http://act.example.org:80"},
	} {
		c, err := config.Load(env(map[string]string{"HTTP_ADDR": tc.addr}))
		if err != nil {
			t.Fatalf("HTTP_ADDR %q: %v", tc.addr, err)
		}
		if c.BaseURL != tc.want {
			t.Errorf("HTTP_ADDR %q: BASE_URL %q, want %q", tc.addr, c.BaseURL, tc.want)
		}
	}
	c, err := config.Load(env(map[string]string{"HTTP_ADDR": "0.0.0.0:8081", "BASE_URL": "https://act.example.org"}))
	if err != nil || c.BaseURL != "https://act.example.org" {
		t.Errorf("BASE_URL set: %q, %v; want it to win over HTTP_ADDR", c.BaseURL, err)
	}
}
