// Package config reads the environment into a typed Config with defaults.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
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
	// SignRatePerMinute caps signatures per client address per minute (0: no cap).
	SignRatePerMinute int
	// TrustedProxies are the addresses or CIDR ranges of reverse proxies whose
	// X-Forwarded-For names the client (for per-address limits). Empty: none;
	// the connecting address is the client.
	TrustedProxies []string
	// PprofAddr, when set, serves Go's profiler there (loopback addresses only).
	PprofAddr string
}

// Defaults, as documented in the README.
const (
	DefaultDatabaseURL       = "postgres://postgres@127.0.0.1:5432/advocacy?sslmode=disable"
	DefaultHTTPAddr          = "127.0.0.1:8080"
	DefaultBaseURL           = "http://localhost:8080"
	DefaultSignRatePerMinute = 60
)

// Load reads the configuration through getenv (os.Getenv in production).
// A variable NAME_FILE names a file holding the secret instead of NAME.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		HTTPAddr:          or(getenv("HTTP_ADDR"), DefaultHTTPAddr),
		BaseURL:           strings.TrimRight(or(getenv("BASE_URL"), baseURLFor(getenv("HTTP_ADDR"))), "/"),
		StripeAPIBase:     getenv("STRIPE_API_BASE"),
		SignRatePerMinute: DefaultSignRatePerMinute,
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
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Config{}, fmt.Errorf("BASE_URL: %q is not an http(s) URL", c.BaseURL)
	}
	return c, nil
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
