// Package apptest starts the whole server for tests, wired by internal/app
// as `advocacy serve` wires it, on 127.0.0.1 over a real database. Every
// test package that needs the server builds it here.
package apptest

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
)

// CheapPasswords hash staff passwords quickly, for tests that log in often.
var CheapPasswords = staff.PasswordParams{Memory: 64, Iterations: 1, Threads: 1}

// Server is a running server.
type Server struct {
	// URL is its address, e.g. http://127.0.0.1:41234; BaseURL is the same
	// unless the test set another.
	URL    string
	Config config.Config
	DB     *postgres.DB
	App    *app.App
	// Logs holds what the server logged.
	Logs *Buffer
	// Contract is the OpenAPI document its clients check /api/v1 against.
	Contract *Contract
}

// Options change the server a test starts.
type Options struct {
	// Config changes the configuration after the defaults are set.
	Config func(*config.Config)
	// App changes how the server is wired (gateway, staff sign-in, signer).
	App app.Options
	// JSONLogs logs as JSON instead of text.
	JSONLogs bool
}

// Start serves db on 127.0.0.1 until the test ends. By default: no signing
// rate limit, loopback trusted by the trust rules (TRUSTED_SIGNERS), no Stripe key, cheap staff passwords and a generous login
// throttle. A Stripe key without STRIPE_API_BASE points at a port where
// nothing listens, so no test reaches Stripe by accident.
func Start(t testing.TB, db *postgres.DB, opts Options) *Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	addr := ts.Listener.Addr().String()
	cfg := config.Config{HTTPAddr: addr, BaseURL: "http://" + addr, LogLevel: slog.LevelInfo}
	if opts.Config != nil {
		opts.Config(&cfg)
	}
	if cfg.TrustedSigners == nil {
		// Every test client signs from loopback: the trust rules would hold
		// a test's signatures as one address's flood. A test of the rules
		// sets its own (an empty list trusts none).
		cfg.TrustedSigners = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	if cfg.StripeSecretKey != "" && cfg.StripeAPIBase == "" {
		cfg.StripeAPIBase = "http://127.0.0.1:9"
	}
	if opts.App.StaffAuth.Passwords == (staff.PasswordParams{}) {
		opts.App.StaffAuth.Passwords = CheapPasswords
	}
	if opts.App.StaffAuth.Throttle == (staff.ThrottlePolicy{}) {
		opts.App.StaffAuth.Throttle = staff.ThrottlePolicy{MaxPerAccount: 1000, MaxPerAddress: 1000}
	}
	logs := &Buffer{}
	var handler slog.Handler = slog.NewTextHandler(logs, nil)
	if opts.JSONLogs {
		handler = slog.NewJSONHandler(logs, nil)
	}
	contract, err := APIContract()
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, slog.New(handler), db, opts.App)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = a.Handler
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		a.Close()
	})
	return &Server{URL: "http://" + addr, Config: cfg, DB: db, App: a, Logs: logs, Contract: contract}
}

// Buffer is a bytes.Buffer safe for the server's goroutines to write to
// while a test reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
