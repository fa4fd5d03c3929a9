// Package config reads the environment into a typed Config with defaults.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything the server and commands read from the environment.
type Config struct {
	DatabaseURL         string
	HTTPAddr            string
	BaseURL             string
	StripeSecretKey     string // empty: donations are off
	StripeWebhookSecret string
	StripeAPIBase       string // empty: Stripe's own
	LogLevel            slog.Level
	// SignRatePerMinute caps signatures per client address per minute (0: no
	// cap): a flood guard for the server itself, far above any honest rate.
	// Honest and dishonest signers are told apart by the trust rules, which
	// answer nothing different.
	SignRatePerMinute int
	// TrustedProxies are the addresses or CIDR ranges of reverse proxies whose
	// X-Forwarded-For names the client (for per-address limits). Empty: none;
	// the connecting address is the client.
	TrustedProxies []string
	// PprofAddr, when set, serves Go's profiler there (loopback addresses only).
	PprofAddr string
	// MetricsAddr, when set, serves Prometheus metrics at /metrics there
	// (host:port; keep it on a private address). Empty: no metrics.
	MetricsAddr string
	// SMTPURL is the mail server: smtp://user:password@host:port (STARTTLS
	// when the server offers it; ?tls=required insists on it) or smtps://…
	// (implicit TLS). Empty: email is off.
	SMTPURL string
	// MailFrom is the From address of every email; required when SMTPURL is set.
	MailFrom string
	// OrgName names the organisation in emails, and in From when MailFrom
	// has no display name.
	OrgName string
	// ConfirmTTL is how long a link to confirm a signature stays valid.
	ConfirmTTL time.Duration
	// EmbedOrigins are the origins (scheme://host[:port], lower-case,
	// without a default port) whose pages may frame the embeddable sign
	// form. Empty: no site may.
	EmbedOrigins []string
	// WebhookAllowPrivate lets webhooks go to loopback, private and other
	// non-public addresses (tests, a receiver on the same network). Off:
	// such destinations are refused when saved and when each delivery
	// connects.
	WebhookAllowPrivate bool
	// PrivacyContact is the email address the privacy notice gives for
	// questions about supporters' data: PRIVACY_CONTACT, else MAIL_FROM's
	// address. Empty when neither is set.
	PrivacyContact string
	// RetentionDays is how long after a petition closes its signatures keep
	// the signers' names, emails and postcodes before they are anonymised.
	RetentionDays int
	// GiftAidRetentionYears is how long after a donation its donor's
	// details (and a Gift Aid declaration's) are kept before they are
	// erased; the amounts stay.
	GiftAidRetentionYears int
	// SignatureKey keys the hashes of signers' client addresses (at least
	// 32 bytes). Empty: a server key every instance shares, generated once
	// and kept in the database.
	SignatureKey string
	// TrustedSigners are addresses and CIDR ranges whose signatures the
	// trust rules never hold (a load test, an office).
	TrustedSigners []netip.Prefix
}

// MinSignatureKeyLen is the shortest SIGNATURE_KEY taken.
const MinSignatureKeyLen = 32

// Defaults, as documented in the README.
const (
	DefaultDatabaseURL       = "postgres://postgres@127.0.0.1:5432/advocacy?sslmode=disable"
	DefaultHTTPAddr          = "127.0.0.1:8080"
	DefaultBaseURL           = "http://localhost:8080"
	DefaultSignRatePerMinute = 1200
	DefaultOrgName           = "advocacy"
	DefaultConfirmTTL        = 7 * 24 * time.Hour
	DefaultRetentionDays     = 180
	// DefaultGiftAidRetentionYears is HMRC's record-keeping period for
	// Gift Aid declarations: six years after the donation.
	DefaultGiftAidRetentionYears = 6
)

// Load reads the configuration through getenv (os.Getenv in production).
// A variable NAME_FILE names a file holding the secret instead of NAME.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		HTTPAddr:              or(getenv("HTTP_ADDR"), DefaultHTTPAddr),
		BaseURL:               strings.TrimRight(or(getenv("BASE_URL"), baseURLFor(getenv("HTTP_ADDR"))), "/"),
		StripeAPIBase:         getenv("STRIPE_API_BASE"),
		SignRatePerMinute:     DefaultSignRatePerMinute,
		MailFrom:              getenv("MAIL_FROM"),
		OrgName:               or(getenv("ORG_NAME"), DefaultOrgName),
		ConfirmTTL:            DefaultConfirmTTL,
		RetentionDays:         DefaultRetentionDays,
		GiftAidRetentionYears: DefaultGiftAidRetentionYears,
	}
	var err error
	if c.DatabaseURL, err = secret(getenv, "DATABASE_URL"); err != nil {
		return Config{}, err
	}
	c.DatabaseURL = or(c.DatabaseURL, DefaultDatabaseURL)
	if c.StripeSecretKey, err = secret(getenv, "STRIPE_SECRET_KEY"); err != nil {
		return Config{}, err
	}
	if c.StripeWebhookSecret, err = secret(getenv, "STRIPE_WEBHOOK_SECRET"); err != nil {
		return Config{}, err
	}
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("LOG_LEVEL"), "info"))); err != nil {
		return Config{}, fmt.Errorf("LOG_LEVEL: %q is not one of debug, info, warn, error", getenv("LOG_LEVEL"))
	}
	if v := getenv("SIGN_RATE_PER_MINUTE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return Config{}, fmt.Errorf("SIGN_RATE_PER_MINUTE: %q is not a whole number ≥ 0", v)
		}
		c.SignRatePerMinute = n
	}
	for _, p := range strings.Split(getenv("TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return Config{}, fmt.Errorf("TRUSTED_PROXIES: %q is not an IP address or CIDR range", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if c.PprofAddr = getenv("PPROF_ADDR"); c.PprofAddr != "" && !isLoopbackAddr(c.PprofAddr) {
		return Config{}, fmt.Errorf("PPROF_ADDR: %q is not a loopback host:port such as 127.0.0.1:6060; "+
			"the profiler must not be reachable from other machines", c.PprofAddr)
	}
	if c.MetricsAddr = getenv("METRICS_ADDR"); c.MetricsAddr != "" && !isHostPort(c.MetricsAddr) {
		return Config{}, fmt.Errorf("METRICS_ADDR: %q is not a host:port such as 127.0.0.1:9464 "+
			"(keep it on a private address: the metrics are for your monitoring, not the public)", c.MetricsAddr)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Config{}, fmt.Errorf("BASE_URL: %q is not an http(s) URL", c.BaseURL)
	}
	if c.SMTPURL, err = secret(getenv, "SMTP_URL"); err != nil {
		return Config{}, err
	}
	if err := checkSMTPURL(c.SMTPURL); err != nil {
		return Config{}, err
	}
	if c.MailFrom == "" && c.EmailEnabled() {
		return Config{}, errors.New("MAIL_FROM: required when SMTP_URL is set, e.g. MAIL_FROM='Campaigns <campaigns@example.org>'")
	}
	if c.MailFrom != "" {
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			return Config{}, fmt.Errorf("MAIL_FROM: %q is not an email address such as 'Campaigns <campaigns@example.org>'", c.MailFrom)
		}
	}
	if v := getenv("CONFIRM_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Config{}, fmt.Errorf("CONFIRM_TTL: %q is not a positive duration such as 168h", v)
		}
		c.ConfirmTTL = d
	}
	if c.EmbedOrigins, err = embedOrigins(getenv("EMBED_ORIGINS")); err != nil {
		return Config{}, err
	}
	if v := getenv("WEBHOOK_ALLOW_PRIVATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("WEBHOOK_ALLOW_PRIVATE: %q is not true or false", v)
		}
		c.WebhookAllowPrivate = b
	}
	if c.PrivacyContact, err = privacyContact(getenv("PRIVACY_CONTACT"), c.MailFrom); err != nil {
		return Config{}, err
	}
	if v := getenv("RETENTION_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Config{}, fmt.Errorf("RETENTION_DAYS: %q is not a whole number of days ≥ 1", v)
		}
		c.RetentionDays = n
	}
	if v := getenv("GIFTAID_RETENTION_YEARS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < DefaultGiftAidRetentionYears {
			return Config{}, fmt.Errorf("GIFTAID_RETENTION_YEARS: %q is not a whole number of years ≥ %d "+
				"(HMRC requires Gift Aid records for six years after the donation)", v, DefaultGiftAidRetentionYears)
		}
		c.GiftAidRetentionYears = n
	}
	if c.SignatureKey, err = secret(getenv, "SIGNATURE_KEY"); err != nil {
		return Config{}, err
	}
	if c.SignatureKey != "" && len(c.SignatureKey) < MinSignatureKeyLen {
		return Config{}, fmt.Errorf("SIGNATURE_KEY: give at least %d random bytes (e.g. openssl rand -hex 32)", MinSignatureKeyLen)
	}
	if c.TrustedSigners, err = trustedSigners(getenv("TRUSTED_SIGNERS")); err != nil {
		return Config{}, err
	}
	return c, nil
}

// trustedSigners reads TRUSTED_SIGNERS: comma-separated addresses and CIDR
// ranges (an address is a range of one).
func trustedSigners(raw string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range strings.Split(raw, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(v, "/") {
			pp, err := netip.ParsePrefix(v)
			if err != nil {
				return nil, fmt.Errorf("TRUSTED_SIGNERS: %q is not an IP address or CIDR range", v)
			}
			p = pp.Masked()
		} else {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return nil, fmt.Errorf("TRUSTED_SIGNERS: %q is not an IP address or CIDR range", v)
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p)
	}
	return out, nil
}

// privacyContact reads PRIVACY_CONTACT: a bare email address, shown on the
// privacy notice. Unset, it is MAIL_FROM's address (already checked).
func privacyContact(raw, mailFrom string) (string, error) {
	if raw == "" {
		if mailFrom == "" {
			return "", nil
		}
		a, err := mail.ParseAddress(mailFrom)
		if err != nil {
			return "", nil // MAIL_FROM's own check reports it
		}
		return a.Address, nil
	}
	a, err := mail.ParseAddress(raw)
	if err != nil || a.Name != "" || a.Address != raw {
		return "", fmt.Errorf("PRIVACY_CONTACT: %q is not a bare email address such as privacy@example.org", raw)
	}
	return a.Address, nil
}

// MaxEmbedHostLen is the longest host name EMBED_ORIGINS takes: signatures
// from an embed record "embed." + the host as their source code, which
// holds at most 64 characters.
const MaxEmbedHostLen = 64 - len("embed.")

// embedOrigins reads EMBED_ORIGINS: comma-separated origins, each a scheme
// (http or https), a host and an optional port, and nothing else. They are
// returned as browsers write an origin (lower-case, no default port, no
// trailing slash), so they compare equal to one. Repeats are dropped.
func embedOrigins(raw string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, o := range strings.Split(raw, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		origin, err := parseOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("EMBED_ORIGINS: %q %v", o, err)
		}
		if !seen[origin] {
			seen[origin] = true
			out = append(out, origin)
		}
	}
	return out, nil
}

// parseOrigin returns o as a browser writes an origin, or says what is
// wrong with it.
func parseOrigin(o string) (string, error) {
	const example = "such as https://partner.example.org"
	u, err := url.Parse(o)
	if err != nil || u.Opaque != "" {
		return "", errors.New("is not an origin " + example)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", errors.New("is not an http(s) origin " + example)
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(o, "#") {
		return "", errors.New("is not only a scheme, host and port " + example + " (no path, not even /)")
	}
	host := strings.ToLower(u.Hostname())
	if !isEmbedHost(host) {
		return "", fmt.Errorf("has no host name or IPv4 address of at most %d letters, digits, '-' and '.' %s",
			MaxEmbedHostLen, example)
	}
	port := u.Port()
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return "", errors.New("has no valid port " + example)
		}
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// isEmbedHost reports whether host (lower-case) is a DNS name or an IPv4
// address short enough to make a source code: labels of letters, digits
// and '-', not starting or ending with '-', joined by single dots.
func isEmbedHost(host string) bool {
	if host == "" || len(host) > MaxEmbedHostLen {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// checkSMTPURL reports what is wrong with SMTP_URL, if anything, without
// repeating the URL's password. The mail package reads the URL by the same
// rules; checking here too stops a typo at start-up, not at the first email.
func checkSMTPURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included; its cause does not.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("SMTP_URL: not a URL (%v); percent-encode special characters in the user name and password", err)
	}
	// Without "scheme://", what looks like a password is not one to
	// url.Redacted: such a URL is not shown at all.
	if (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Opaque != "" {
		return errors.New("SMTP_URL: must be smtp://[user:password@]host[:port] (STARTTLS) or smtps://… (implicit TLS)")
	}
	shown := u.Redacted()
	if u.Hostname() == "" {
		return fmt.Errorf("SMTP_URL: %q names no host", shown)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("SMTP_URL: %q has no valid port", shown)
		}
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("SMTP_URL: %q has a path; only smtp[s]://user:password@host:port is read", shown)
	}
	for name, values := range u.Query() {
		if name != "tls" || len(values) != 1 || values[0] != "required" {
			return fmt.Errorf("SMTP_URL: %q: the only parameter is tls=required", shown)
		}
	}
	return nil
}

// baseURLFor is the default BASE_URL: the address the server listens on
// when HTTP_ADDR is set (with a wildcard host read as localhost), else
// DefaultBaseURL. Links in emails and in what commands print then point
// where the server really is.
func baseURLFor(httpAddr string) string {
	host, port, err := net.SplitHostPort(httpAddr)
	if httpAddr == "" || err != nil || port == "" {
		return DefaultBaseURL
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// DonationsEnabled reports whether a Stripe key is configured.
func (c Config) DonationsEnabled() bool { return c.StripeSecretKey != "" }

// Retention is RetentionDays, or DefaultRetentionDays when a configuration
// built in code leaves it unset.
func (c Config) Retention() int {
	if c.RetentionDays <= 0 {
		return DefaultRetentionDays
	}
	return c.RetentionDays
}

// GiftAidRetention is GiftAidRetentionYears, or its default when a
// configuration built in code leaves it unset.
func (c Config) GiftAidRetention() int {
	if c.GiftAidRetentionYears <= 0 {
		return DefaultGiftAidRetentionYears
	}
	return c.GiftAidRetentionYears
}

// EmailEnabled reports whether a mail server is configured.
func (c Config) EmailEnabled() bool { return c.SMTPURL != "" }

// SecureCookies reports whether cookies should be marked Secure.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// isLoopbackAddr reports whether addr is host:port with a loopback host.
func isLoopbackAddr(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isHostPort reports whether addr is host:port with a port number (1 to
// 65535) and a host that is empty (every interface), an IP address or a
// name.
func isHostPort(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return false
	}
	return !strings.ContainsAny(host, "/?#@ ")
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// secret reads NAME, or the file named by NAME_FILE (trailing newline removed).
func secret(getenv func(string) string, name string) (string, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	if v != "" && file != "" {
		return "", fmt.Errorf("%s and %s_FILE are both set; set one", name, name)
	}
	if file == "" {
		return v, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
